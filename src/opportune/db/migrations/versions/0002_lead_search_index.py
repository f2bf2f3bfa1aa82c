"""Trigram search index for leads: SQLite FTS5 table with triggers, PostgreSQL pg_trgm.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.search import PG_INDEX, PG_TEXT, SQLITE_TABLE

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)
COLUMNS = "first_name, last_name, company, email"
NEW = "new.first_name, new.last_name, new.company, new.email"
OLD = "old.first_name, old.last_name, old.company, old.email"
SQLITE_UP = (
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5({COLUMNS}, content='leads', "
    "content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {SQLITE_TABLE}_ai AFTER INSERT ON leads BEGIN "
    f"INSERT INTO {SQLITE_TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_ad AFTER DELETE ON leads BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {COLUMNS}) "
    f"VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_au AFTER UPDATE OF {COLUMNS} ON leads BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {COLUMNS}) "
    f"VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
)


def upgrade() -> None:
    """Create the search index for this engine."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif _enable_pg_trgm():
        op.execute(f"CREATE INDEX {PG_INDEX} ON leads USING gin ({PG_TEXT} gin_trgm_ops)")


def _enable_pg_trgm() -> bool:
    """Enable pg_trgm if this server has it and we may; otherwise search scans the table."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm unavailable (%s); lead search will scan the table", exc.orig)
        return False
    return True


def downgrade() -> None:
    """Drop the search index (the pg_trgm extension stays: other objects may use it)."""
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("_ai", "_ad", "_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
