"""Reading and building the next batch of an import while the current one is written.

Turning CSV rows into validated records is pure Python; writing a batch is mostly waiting
for the database, and both drivers release the GIL while they wait. A thread that stays
one batch ahead therefore overlaps the two, on any engine, without changing what is
written or when it is committed: batches still reach the writer one by one, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Prefetch"]

In = TypeVar("In")
Out = TypeVar("Out")
_DONE = object()


class Prefetch(Generic[In, Out]):
    """``work`` applied to each of ``items`` in a thread, ``depth`` items ahead of the
    reader; iterate inside ``with`` so the thread is stopped however the loop ends.
    An error in ``work`` (or in reading ``items``) is raised to the reader in turn."""

    def __init__(self, items: Iterable[In], work: Callable[[In], Out], depth: int = 1) -> None:
        self._items, self._work = items, work
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="import-prefetch", daemon=True)

    def __enter__(self) -> Prefetch[In, Out]:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        while self._thread.is_alive():
            # Free the queue so a producer blocked on it sees the stop and ends.
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
        self._thread.join()

    def __iter__(self) -> Iterator[Out]:
        while True:
            value, error = self._queue.get()
            if error is not None:
                raise error
            if value is _DONE:
                return
            yield value  # type: ignore[misc]

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(self._work(item), None):
                    return
        except BaseException as error:
            self._put(None, error)
            return
        self._put(_DONE, None)

    def _put(self, value: object, error: BaseException | None) -> bool:
        """Queue a result unless the reader has stopped; whether it was queued."""
        while not self._stop.is_set():
            try:
                self._queue.put((value, error), timeout=0.05)
            except queue.Full:
                continue
            return True
        return False
