"""A version number for the small tables every process keeps a copy of, bumped by triggers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported): this is the list as of this revision.
TABLES = (
    "users", "lead_statuses", "lead_sources", "lead_close_reasons", "opportunity_stages",
    "opportunity_lost_reasons", "queues", "queue_members", "org_defaults",
)  # fmt: skip
BUMP = "UPDATE reference_versions SET version = version + 1 WHERE id = 1"
PG_FUNCTION = "opportune_bump_reference_version"
SQLITE_EVENTS = {"ai": "INSERT", "au": "UPDATE", "ad": "DELETE"}


def upgrade() -> None:
    """Create the version row and the triggers that bump it."""
    op.create_table(
        "reference_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_versions")),
    )
    op.execute("INSERT INTO reference_versions (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for suffix, event in SQLITE_EVENTS.items():
                op.execute(
                    f"CREATE TRIGGER {table}_reference_{suffix} AFTER {event} ON {table} "
                    f"BEGIN {BUMP}; END"
                )
        return
    op.execute(
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_reference_version AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )


def downgrade() -> None:
    """Drop the triggers and the version row."""
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for suffix in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_{suffix}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_table("reference_versions")
