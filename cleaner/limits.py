"""Per-document limits: a time limit and a size limit, so one page can't stall a run.

The time limit interrupts Python code: on the main thread of a process (the CLI,
a pool worker) with SIGALRM; on other threads (a Dask worker runs tasks on
threads) with an exception set on that thread by a timer. Either way it fires
between bytecodes: a long call into C (one huge lxml parse) ends first, which
the size limit keeps short. On the main thread it fires again until the block
ends, should the first exception land where Python drops it.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from types import FrameType
from typing import Any

from cleaner.ingest import DEFAULT_MAX_DOC_BYTES

DEFAULT_DOC_TIMEOUT = 30.0
REFIRE_SECONDS = 0.25  # past the limit, how often the main thread's alarm fires again (see _Alarm)
MAX_DOC_TIMEOUT = 86_400.0  # a day: the timers take no more (and no NaN)


@dataclass(frozen=True)
class Limits:
    """What one document may take: seconds of cleaning (None: no limit) and bytes of input."""

    doc_timeout: float | None = DEFAULT_DOC_TIMEOUT
    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES

    def __post_init__(self) -> None:
        # Written so that NaN fails too: every comparison with it is false.
        seconds = self.doc_timeout
        if seconds is not None and not 0 <= seconds <= MAX_DOC_TIMEOUT:
            raise ValueError(f"the time limit must be 0 to {MAX_DOC_TIMEOUT:g} seconds, not {seconds}")
        if self.max_doc_bytes < 1:
            raise ValueError(f"the size limit must be 1 byte or more, not {self.max_doc_bytes}")


class DocumentTimeout(BaseException):
    """Raised inside a document's cleaning when it runs past its time limit.

    A BaseException, so that the ``except Exception`` blocks of the libraries we
    call can't swallow it.
    """


def timeout_message(seconds: float) -> str:
    """The error of a document that ran past the time limit."""
    return f"exceeded the {seconds:g} s time limit"


def time_limit(seconds: float | None) -> AbstractContextManager[None]:
    """Raise :class:`DocumentTimeout` in the block when it runs longer than ``seconds``."""
    if not seconds or seconds <= 0:
        return nullcontext()
    if threading.current_thread() is threading.main_thread():
        return _Alarm(seconds)  # itself, not inside a generator: its __exit__ is sure to run
    return _thread_timer(seconds)


class _Alarm:
    """SIGALRM after ``seconds``, then every REFIRE_SECONDS until the block ends, each raising
    :class:`DocumentTimeout` in the block: Python drops an exception raised in a
    garbage-collector callback or a ``__del__`` method, which may be what runs when one fires.

    The handler never raises in ``__enter__`` or ``__exit__``, so the clean-up always runs:
    a with statement calls ``__exit__`` once ``__enter__`` has returned, and the interpreter
    runs signal handlers only after calls and on loop back-edges (bpo-29988), in the frame
    then running. (An alarm in ``__enter__``, a limit shorter than it, fires again a millisecond later.)
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = False
        self.previous: Any = None

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds, REFIRE_SECONDS)

    def _on_alarm(self, _signum: int, frame: FrameType | None) -> None:
        while frame is not None and frame.f_code is _ALARM_HANDLER:
            frame = frame.f_back  # a handler run inside a handler: what did the first interrupt?
        code = frame.f_code if frame is not None else None
        if not self.active or code is _ALARM_EXIT:
            return
        if code is _ALARM_ENTER:  # a limit shorter than __enter__: fire again, in the block
            signal.setitimer(signal.ITIMER_REAL, _SOON, REFIRE_SECONDS)
            return
        raise DocumentTimeout

    def __exit__(self, *_exception: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.active = False
        signal.signal(signal.SIGALRM, self.previous)


_ALARM_ENTER, _ALARM_EXIT = _Alarm.__enter__.__code__, _Alarm.__exit__.__code__
_ALARM_HANDLER = _Alarm._on_alarm.__code__
_SOON = 0.001  # long enough for the handler to return first


_set_async_exc = ctypes.pythonapi["PyThreadState_SetAsyncExc"]
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_clear_async_exc = ctypes.pythonapi["PyThreadState_SetAsyncExc"]
_clear_async_exc.argtypes = (ctypes.c_ulong, ctypes.c_void_p)


@contextmanager
def _thread_timer(seconds: float) -> Iterator[None]:
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                _set_async_exc(thread_id, DocumentTimeout)
                state["fired"] = True

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            timer.cancel()
            if state["fired"]:
                # The block ended (or the exception is on its way): drop one still pending.
                _clear_async_exc(thread_id, None)
