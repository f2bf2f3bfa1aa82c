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
            ["stage_id", "entered_at"],
            sqlite_where=sa.text("left_at IS NULL"),
            postgresql_where=sa.text("left_at IS NULL"),
        )
        batch_op.create_index("ix_opportunity_stage_periods_ended", ["left_at", "stage_id", "days"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("opportunity_stage_periods")
