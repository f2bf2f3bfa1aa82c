"""Salesforce keys: external and original Salesforce ids on records, and a deletion log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 09:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_TABLES = ("leads", "accounts", "contacts", "opportunities", "activities")


def upgrade() -> None:
    """Apply this migration."""
    for table in RECORD_TABLES:
        op.add_column(table, sa.Column("external_id", sa.String(255), nullable=True))
        op.add_column(table, sa.Column("salesforce_id", sa.String(18), nullable=True))
        op.create_index(f"uq_{table}_external_id", table, ["external_id"], unique=True)
        op.create_index(f"uq_{table}_salesforce_id", table, ["salesforce_id"], unique=True)
    op.add_column("users", sa.Column("salesforce_id", sa.String(18), nullable=True))
    op.create_index("uq_users_salesforce_id", "users", ["salesforce_id"], unique=True)
    op.create_table(
        "deleted_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_deleted_records_deleted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_records")),
    )
    op.create_index("ix_deleted_records_type_at", "deleted_records", ["object_type", "deleted_at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_deleted_records_type_at", table_name="deleted_records")
    op.drop_table("deleted_records")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the tables, as batch mode
    # would, fails on the foreign keys that refer to them.
    op.drop_index("uq_users_salesforce_id", table_name="users")
    op.drop_column("users", "salesforce_id")
    for table in RECORD_TABLES:
        op.drop_index(f"uq_{table}_salesforce_id", table_name=table)
        op.drop_index(f"uq_{table}_external_id", table_name=table)
        op.drop_column(table, "salesforce_id")
        op.drop_column(table, "external_id")
