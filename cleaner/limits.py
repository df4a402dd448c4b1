"""Per-document limits: a time limit and a size limit, so one page can't stall a run.

The time limit interrupts Python code: on the main thread of a process (the CLI,
a pool worker) with SIGALRM; on other threads (a Dask worker runs tasks on
threads) with an exception set on that thread by a timer. Either way it fires
between bytecodes: a long call into C (one huge lxml parse) ends first, which
the size limit keeps short.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from cleaner.ingest import DEFAULT_MAX_DOC_BYTES

DEFAULT_DOC_TIMEOUT = 30.0
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


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block when it runs longer than ``seconds``."""
    if not seconds or seconds <= 0:
        yield
    elif threading.current_thread() is threading.main_thread():
        with _alarm(seconds):
            yield
    else:
        with _thread_timer(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    active = True

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        if active:
            raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
