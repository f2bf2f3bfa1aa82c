"""Duplicate checks of a large import in a second process.

An import spends most of its time in Python: reading and validating rows, scoring
duplicate candidates, building insert rows. Threads share one interpreter lock, so on a
large file the duplicate checks (candidate lookups, scoring, matches within the file) run
in a child process with its own connection, on another core, while the importing
process reads the next batch and saves the previous one. The child only reads: it gets a
batch's comparable views and keys and answers, per record, the saved records it matches
and the earlier record of the batch (or of the batch being saved) it duplicates.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from opportune.db.engine import make_engine
from opportune.services.duplicate_checks import Checked, DuplicateCandidate, load_checker
from opportune.services.uow import UnitOfWork

__all__ = ["CheckProcess", "Checks"]

Checks = tuple[list[list[DuplicateCandidate]], list[int | None]]


class CheckProcess:
    """A child process answering :meth:`check` for batches of one kind of record; use it
    in ``with`` so the child ends with the import (it also ends when the parent dies)."""

    def __init__(self, database_url: str, object_type: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, database_url, object_type),
            name=f"opportune-import-checks-{object_type}", daemon=True,
        )  # fmt: skip
        self._child_end = child_end

    def __enter__(self) -> CheckProcess:
        self._process.start()
        self._child_end.close()  # the child holds it: EOF reaches it if this process dies
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pipe.close()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def check(self, checked: Checked, start: int) -> Checks:
        """For the records of ``checked`` from ``start`` on: the saved records each
        matches, and the index of the first earlier record of ``checked`` it duplicates
        (the records before ``start`` are those of the batch being saved)."""
        self._pipe.send((checked, start))
        reply: tuple[str, Any] = self._pipe.recv()
        if reply[0] == "error":
            raise RuntimeError(f"The duplicate check process failed: {reply[1]}")
        result: Checks = reply[1]
        return result


def _serve(pipe: Connection, database_url: str, object_type: str) -> None:
    """The child: answer requests until the parent closes its end (or dies)."""
    engine = make_engine(database_url)
    try:
        while True:
            try:
                checked, start = pipe.recv()
            except EOFError:
                return
            try:
                pipe.send(("ok", _check(engine, object_type, checked, start)))
            except Exception as error:
                # The parent raises it, as text: not every database error can be pickled.
                pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        engine.dispose()


def _check(engine: Any, object_type: str, checked: Checked, start: int) -> Checks:
    with UnitOfWork(engine) as uow:
        checker = load_checker(uow, object_type)
        own = Checked(checked.views[start:], checked.keys[start:])
        within = checker.find_within(checked.views, checked, start=start)
        return checker.find(own.views, own), within
