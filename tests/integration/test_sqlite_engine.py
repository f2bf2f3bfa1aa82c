"""SQLite is set up for serving: WAL, foreign keys on, writers take the lock up front."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from opportune.db.engine import make_engine


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, prefix, "
                              "created_at) VALUES (999, 'x', 'h', 'p', '2026-01-01')"))  # fmt: skip
    engine.dispose()


def test_a_writing_connection_holds_the_write_lock_from_begin(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, busy_timeout_ms=50)
    writer = engine.connect().execution_options(opportune_write=True)
    writer.begin()
    other = engine.connect().execution_options(opportune_write=True)
    with pytest.raises(Exception, match="locked"):
        other.begin()
    reader = engine.connect()
    with reader.begin():
        assert reader.execute(text("SELECT count(*) FROM leads")).scalar() == 0
    writer.rollback()
    for conn in (writer, other, reader):
        conn.close()
    engine.dispose()
