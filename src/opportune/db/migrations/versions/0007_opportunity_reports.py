"""Opportunity reports: indexes for pipeline, forecast, win rate and lost reasons.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> columns; each index covers one report query (see db/tables.py).
INDEXES = {
    "ix_opportunities_report_pipeline": [
        "is_closed", "stage_id", "close_date", "owner_id", "lead_source_id", "amount",
        "probability",
    ],
    "ix_opportunities_report_closed": [
        "is_closed", "owner_id", "close_date", "is_won", "lead_source_id", "lost_reason_id",
        "amount",
    ],
    "ix_opportunities_report_forecast": [
        "close_date", "forecast_category", "owner_id", "lead_source_id", "stage_id", "amount",
    ],
    "ix_opportunities_created": ["created_at", "id"],
}  # fmt: skip


def upgrade() -> None:
    """Apply this migration."""
    for name, columns in INDEXES.items():
        op.create_index(name, "opportunities", columns)


def downgrade() -> None:
    """Revert this migration."""
    for name in INDEXES:
        op.drop_index(name, table_name="opportunities")
