"""Database failures as interfaces see them, so that only this package imports SQLAlchemy."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from opportune.errors import DatabaseUnavailableError, StorageFullError

DatabaseError = SQLAlchemyError

RETRY_AFTER_SECONDS = 5
UNREACHABLE = "The database is not reachable right now; nothing was changed. Try again shortly."
BUSY = "The database is busy with other writes; nothing was changed. Try again shortly."
READ_ONLY = "The database is read-only, so nothing can be changed; ask an administrator."
FULL = "The database's disk is full, so nothing was changed; ask an administrator to free space."
# SQLSTATEs (PostgreSQL) and message parts (SQLite) of the faults users should understand.
_PG_FULL, _PG_READ_ONLY = {"53100"}, {"25006"}
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_READ_ONLY = ("readonly database", "read-only file system")
_SQLITE_BUSY = ("database is locked", "database table is locked")
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")


def database_error_message(exc: BaseException) -> str:
    """The driver's own message (e.g. "connection refused"), on one line and without SQL."""
    detail = exc.orig if isinstance(exc, DBAPIError) else exc
    return " ".join(str(detail).split())


def unavailable_error(exc: BaseException) -> DatabaseUnavailableError | None:
    """What a user should be told when ``exc`` means the database cannot serve now (not
    reachable, locked, read-only, disk full); None for any other error (a bug: a 500)."""
    if not isinstance(exc, SQLAlchemyError):
        return None
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    text = database_error_message(exc).lower()
    if sqlstate in _PG_FULL or any(part in text for part in _SQLITE_FULL):
        return StorageFullError(FULL)
    if sqlstate in _PG_READ_ONLY or any(part in text for part in _SQLITE_READ_ONLY):
        return DatabaseUnavailableError(READ_ONLY, code="DATABASE_READ_ONLY")
    if _is_contention(sqlstate) or any(part in text for part in _SQLITE_BUSY):
        return DatabaseUnavailableError(BUSY, code="DATABASE_BUSY", retry_after=1)
    if _is_connection_fault(exc):
        return DatabaseUnavailableError(UNREACHABLE, retry_after=RETRY_AFTER_SECONDS)
    return None


def _is_contention(sqlstate: object) -> bool:
    """PostgreSQL gave up on a lock: deadlock, serialization failure, lock or statement
    timeout (the transaction was rolled back: trying again is safe)."""
    return isinstance(sqlstate, str) and (
        sqlstate.startswith("40") or sqlstate in {"55P03", "57014"}
    )


def _is_connection_fault(exc: SQLAlchemyError) -> bool:
    """A lost or refused connection, a file that cannot be opened or read, or no free
    connection in the pool. SQLite reports its other failures (an expression too deep, too
    many variables) as operational errors too: those are bugs, not outages."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(getattr(exc, "orig", None), sqlite3.Error):
        text = database_error_message(exc).lower()
        return any(part in text for part in _SQLITE_UNREACHABLE)
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
