"""Duplicate checks of a large import in a second process.

An import spends most of its time in Python: reading and validating rows, scoring
duplicate candidates, building insert rows. Threads share one interpreter lock, so on a
large file the duplicate checks (candidate lookups, scoring, matches within the file) run
in a child process with its own connection, on another core, while the importing
process reads the next batch and saves the previous one. The child only reads: it gets a
batch's comparable views and keys and answers, per record, the saved records it matches
and the earlier record of the batch (or of the batch being saved) it duplicates.

The child is a fresh interpreter (``python -c``) talking pickles over its stdin and
stdout, not a ``multiprocessing`` child: that would re-run the caller's main script, which a
script using the library need not guard. It ends when its stdin closes, so it never
outlives the import, even one that is killed.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from types import TracebackType
from typing import IO, Any

from sqlalchemy import Engine

from opportune.db.engine import make_engine
from opportune.services.duplicate_checks import Checked, DuplicateCandidate, load_checker
from opportune.services.uow import UnitOfWork

__all__ = ["CheckProcess", "Checks", "serve"]

Checks = tuple[list[list[DuplicateCandidate]], list[int | None]]
_URL = "OPPORTUNE_CHECK_PROCESS_DATABASE_URL"  # in the environment, not on the command line
_START = "from opportune.services.imports.check_process import serve; serve()"


class CheckProcess:
    """A child process answering :meth:`check` for batches of one kind of record; use it
    in ``with`` so the child ends with the import."""

    def __init__(self, database_url: str, object_type: str) -> None:
        self._command = [sys.executable, "-c", _START, object_type]
        self._environment = {**os.environ, _URL: database_url}
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CheckProcess:
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=self._environment,
        )  # fmt: skip
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()  # the child ends at the end of its input
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    @property
    def running(self) -> bool:
        """True while the child process runs."""
        return self._process is not None and self._process.poll() is None

    def check(self, checked: Checked, start: int) -> Checks:
        """For the records of ``checked`` from ``start`` on: the saved records each
        matches, and the index of the first earlier record of ``checked`` it duplicates
        (the records before ``start`` are those of the batch being saved)."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            pickle.dump((checked, start), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.flush()
            status, value = pickle.load(process.stdout)  # noqa: S301 - our own child
        except (BrokenPipeError, EOFError) as error:
            raise RuntimeError(f"The duplicate check process ended ({process.poll()})") from error
        if status == "error":
            raise RuntimeError(f"The duplicate check process failed: {value}")
        result: Checks = value
        return result


def serve() -> None:
    """The child: answer requests from stdin on stdout until stdin ends."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    engine = make_engine(os.environ[_URL])
    try:
        _answer(engine, sys.argv[1], requests, replies)
    finally:
        engine.dispose()


def _answer(engine: Engine, object_type: str, requests: IO[bytes], replies: IO[bytes]) -> None:
    while True:
        try:
            checked, start = pickle.load(requests)  # noqa: S301 - from the parent process
        except EOFError:
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", _check(engine, object_type, checked, start))
        except Exception as error:
            # The parent raises it, as text: not every database error can be pickled.
            reply = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


def _check(engine: Engine, object_type: str, checked: Checked, start: int) -> Checks:
    with UnitOfWork(engine) as uow:
        checker = load_checker(uow, object_type)
        own = Checked(checked.views[start:], checked.keys[start:])
        within = checker.find_within(checked.views, checked, start=start)
        return checker.find(own.views, own), within
