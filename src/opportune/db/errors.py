"""Database failures as interfaces see them, so that only this package imports SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

DatabaseError = SQLAlchemyError


def database_error_message(exc: SQLAlchemyError) -> str:
    """The driver's own message (e.g. "connection refused"), on one line and without SQL."""
    detail = exc.orig if isinstance(exc, DBAPIError) else exc
    return " ".join(str(detail).split())
