"""The Dask engine: the same work function on a Dask cluster, results taken back in input order.

Workers run :func:`cleaner.runner.process` on units of work, as local worker
processes do: they read one-document files and write their outputs themselves,
so the inputs and the output folder must be on a filesystem every worker sees at
the same path (absolute paths are safest). Each worker loads the rules once, on
its first unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cleaner.runner import Job, Outcome, Unit, process


class EngineUnavailable(RuntimeError):
    """The engine's optional dependencies are missing."""


class DaskEngine:
    """Submits units of work to a Dask client, keeping about three per worker thread in flight."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.slots = 3 * max(sum(client.nthreads().values()), 1)

    def submit(self, job: Job, units: list[Unit]) -> Callable[[], list[Outcome]]:
        future = self.client.submit(process, job, units, pure=False)
        result: Callable[[], list[Outcome]] = future.result
        return result


@contextmanager
def dask_engine(address: str) -> Iterator[DaskEngine]:
    """A Dask engine connected to the scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``)."""
    try:
        from distributed import Client as client_class
    except ImportError:
        raise EngineUnavailable("the dask engine needs the dask extra: pip install 'cleaner[dask]'") from None
    try:
        connect: Any = client_class  # untyped in some releases of distributed
        client = connect(address, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise EngineUnavailable(f"can't reach the Dask scheduler at {address}: {error}") from None
    with client:
        yield DaskEngine(client)
