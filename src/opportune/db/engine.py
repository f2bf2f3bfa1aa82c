"""Engines: SQLite tuned for serving (WAL, foreign keys, BEGIN IMMEDIATE), PostgreSQL pooled."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext, make_url

WRITE_OPTION = "opportune_write"
PG_READ_ONLY = "25006"  # SQLSTATE read_only_sql_transaction
# A write transaction waits up to this many busy timeouts for SQLite's write lock.
BEGIN_WRITE_ATTEMPTS = 6


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    echo: bool = False,
    pool: PoolOptions | None = None,
) -> Engine:
    """Create the engine for ``url``; for SQLite, create the file's folder too.

    PostgreSQL connections are pooled per process with ``pool`` (each web or job worker
    process has its own pool, so a server's total is processes times (size + overflow)).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, busy_timeout_ms, echo)
    pool = pool or PoolOptions()
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,  # a connection dropped by a database restart is replaced
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
    )
    return _drops_read_only_connections(engine)


@dataclass(frozen=True)
class PoolOptions:
    """A PostgreSQL connection pool's size, overflow and wait for a free connection."""

    size: int = 5
    max_overflow: int = 10
    timeout_seconds: float = 30.0


def _sqlite_engine(url: str, database: str | None, busy_timeout_ms: int, echo: bool) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so two writers never deadlock half-way
        # through a transaction; readers start deferred and never block writers (WAL).
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        if not (write and _began_immediate(conn.connection.driver_connection)):
            # The last try goes through SQLAlchemy, which wraps its error like any other.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return _drops_read_only_connections(engine)


def _began_immediate(dbapi_connection: Any) -> bool:
    """Try to take SQLite's write lock while other processes hold it; False when every
    try but the last timed out (or failed otherwise).

    Each try waits up to the busy timeout; SQLite's busy handler sleeps between polls, so
    a writer can lose the lock to others several times in a row when many processes write.
    Trying again is safe: nothing has been done in the transaction yet.
    """
    for _ in range(BEGIN_WRITE_ATTEMPTS - 1):
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                return False  # tried once more through SQLAlchemy, to raise it wrapped
    return False


def _drops_read_only_connections(engine: Engine) -> Engine:
    """Treat "the database is read-only" as a lost connection, so the pool opens new ones.

    An SQLite connection that opened a read-only file stays read-only after the file is
    made writable; a PostgreSQL session on a server that became a standby (or whose
    database was set read-only) stays so too. New connections see the database as it is
    now, so writes work again once an operator fixed it, without a restart.
    """

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = context.original_exception
        if getattr(error, "sqlstate", None) == PG_READ_ONLY or "readonly database" in str(error):
            context.is_disconnect = True

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
