"""A named lock that every process and thread using one database takes in turn.

PostgreSQL: a session advisory lock on a connection held for the duration (the server drops
it if the process dies). SQLite: ``flock`` on a file beside the database (the kernel drops it
if the process dies); a database in memory has one process, so a thread lock does.
"""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from opportune.db.engine import is_sqlite

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database, waiting for whoever holds it."""
    if not is_sqlite(engine):
        with _advisory(engine, name):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _memory_guard:
            lock = _memory_locks.setdefault(name, threading.Lock())
        with lock:
            yield
        return
    with open(f"{database}.{name}.lock", "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@contextmanager
def _advisory(engine: Engine, name: str) -> Iterator[None]:
    key = {"key": zlib.crc32(name.encode())}  # the same number in every process
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                conn.commit()
            except Exception:
                conn.invalidate()  # never give the pool a connection that may hold the lock
                raise
