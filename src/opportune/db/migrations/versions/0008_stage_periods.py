"""Stage periods: each stay of an opportunity in a stage, backfilled from its history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "opportunity_stage_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("is_closed_stage", sa.Boolean(), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.Column("days", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_stage_periods_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["opportunity_stages.id"],
            name=op.f("fk_opportunity_stage_periods_stage_id_opportunity_stages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stage_periods")),
    )
    with op.batch_alter_table("opportunity_stage_periods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_stage_periods_opportunity", ["opportunity_id", "entered_at", "id"]
        )
        batch_op.create_index(
            "ix_opportunity_stage_periods_current",
            ["stage_id", "is_closed_stage", "entered_at"],
            sqlite_where=sa.text("left_at IS NULL"),
            postgresql_where=sa.text("left_at IS NULL"),
        )
        batch_op.create_index(
            "ix_opportunity_stage_periods_ended",
            ["stage_id", "is_closed_stage", "days", "left_at"],
            sqlite_where=sa.text("left_at IS NOT NULL"),
            postgresql_where=sa.text("left_at IS NOT NULL"),
        )
    with op.batch_alter_table("lead_conversions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_conversions_opportunity",
            ["opportunity_id", "lead_id"],
            sqlite_where=sa.text("undone_at IS NULL"),
            postgresql_where=sa.text("undone_at IS NULL"),
        )
    backfill(op.get_bind().dialect.name)


# A stay starts at each snapshot whose stage differs from the one before it (consecutive
# snapshots in one stage, say an amount change, are one stay) and ends where the next stay
# starts; the last one is current. Window functions run after WHERE, so LEAD sees starts only.
_STAYS = """
INSERT INTO opportunity_stage_periods
    (opportunity_id, stage_id, is_closed_stage, entered_at, left_at, days)
SELECT opportunity_id, stage_id, is_closed, entered_at, left_at, {days}
FROM (
    SELECT opportunity_id, stage_id, is_closed, changed_at AS entered_at,
           LEAD(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS left_at
    FROM (
        SELECT id, opportunity_id, stage_id, is_closed, changed_at,
               LAG(stage_id) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id)
                   AS previous_stage
        FROM opportunity_history
    ) AS marked
    WHERE previous_stage IS NULL OR previous_stage <> stage_id
) AS stays
"""
# Days between two timestamps: PostgreSQL exactly; SQLite through Julian days, rounded to
# the millisecond so that whole days come out whole.
_DAYS = {
    "postgresql": "EXTRACT(EPOCH FROM (left_at - entered_at)) / 86400.0",
    "sqlite": "ROUND((julianday(left_at) - julianday(entered_at)) * 86400000) / 86400000.0",
}
# Opportunities without any history (none should exist): one stay since they were created.
_WITHOUT_HISTORY = """
INSERT INTO opportunity_stage_periods (opportunity_id, stage_id, is_closed_stage, entered_at)
SELECT o.id, o.stage_id, o.is_closed, o.created_at
FROM opportunities AS o
WHERE NOT EXISTS (SELECT 1 FROM opportunity_history AS h WHERE h.opportunity_id = o.id)
"""


def backfill(dialect: str) -> None:
    """Fill the stays of every opportunity from its stage history, in two statements."""
    op.execute(_STAYS.format(days=_DAYS[dialect]))
    op.execute(_WITHOUT_HISTORY)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("lead_conversions", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_conversions_opportunity")
    op.drop_table("opportunity_stage_periods")
