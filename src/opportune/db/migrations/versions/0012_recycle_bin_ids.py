"""Recycle bin: ids of binned tables are never reused on SQLite (AUTOINCREMENT).

An SQLite INTEGER PRIMARY KEY without AUTOINCREMENT hands out the highest deleted id
again, so a new record could take the id of a record in the recycle bin and its restore
would collide. Each table whose rows the bin holds is rebuilt with AUTOINCREMENT; the
rows, ids and indexes stay as they are. PostgreSQL sequences never reuse ids: nothing to do.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 16:00:00
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "leads",
    "accounts",
    "contacts",
    "opportunities",
    "opportunity_history",
    "opportunity_stage_periods",
    "opportunity_contact_roles",
    "activities",
    "field_history",
    "lead_conversions",
    "record_shares",
)


def upgrade() -> None:
    """Rebuild the binned SQLite tables with AUTOINCREMENT."""
    if op.get_bind().dialect.name != "sqlite":
        return
    # Foreign keys are off meanwhile and checked before the commit (see db/migrate.py).
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    _restore_sqlite_search_triggers()


def downgrade() -> None:
    """Nothing to undo: ids that are never reused are harmless to older code."""


def _restore_sqlite_search_triggers() -> None:
    """A copy of ``leads`` drops its triggers: put the search index's back (0002)."""
    search = importlib.import_module("opportune.db.migrations.versions.0002_lead_search_index")
    for statement in search.SQLITE_UP:
        if statement.startswith("CREATE TRIGGER"):
            op.execute(statement)
