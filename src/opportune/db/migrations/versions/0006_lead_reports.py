"""Lead reports: when a lead was last touched by an activity, and indexes for the lead reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The lead reports' covering indexes (see the "Lead reports" section of db/tables.py).
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_leads_report_created": ("leads", [
        "merged_into_id", "created_at", "status_id", "source_id", "owner_id", "is_converted",
        "updated_at", "last_activity_at",
    ]),
    "ix_leads_report_owner": ("leads", [
        "merged_into_id", "owner_id", "created_at", "status_id", "source_id", "is_converted",
        "updated_at", "last_activity_at",
    ]),
    "ix_leads_report_source": ("leads", [
        "merged_into_id", "source_id", "created_at", "owner_id", "status_id", "is_converted",
    ]),
    "ix_opportunities_report_source": ("opportunities", [
        "lead_source_id", "created_at", "owner_id", "is_won", "amount",
    ]),
}  # fmt: skip

# A lead was last given an activity when its latest activity was logged or completed.
BACKFILL = """
UPDATE leads SET last_activity_at = (
    SELECT max(coalesce(a.completed_at, a.created_at)) FROM activities a
    WHERE a.lead_id = leads.id
)
WHERE EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = leads.id)
"""


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", UTCDateTime(), nullable=True))
    op.execute(BACKFILL)
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Revert this migration."""
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the table, as batch mode
    # would, fails on its foreign keys once other tables refer to leads.
    op.drop_column("leads", "last_activity_at")
