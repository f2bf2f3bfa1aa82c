"""Bulk API 2.0 ingest jobs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    zero = sa.text("0")
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_name", sa.String(40), nullable=False),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("external_id_field", sa.String(80), nullable=True),
        sa.Column("content_type", sa.String(10), nullable=False),
        sa.Column("line_ending", sa.String(4), nullable=False),
        sa.Column("column_delimiter", sa.String(12), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("api_version", sa.String(8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("upload_bytes", sa.Integer(), nullable=True),
        sa.Column("records_processed", sa.Integer(), nullable=False, server_default=zero),
        sa.Column("records_failed", sa.Integer(), nullable=False, server_default=zero),
        sa.Column("retries", sa.Integer(), nullable=False, server_default=zero),
        sa.Column("processing_ms", sa.Integer(), nullable=False, server_default=zero),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("runner", sa.String(120), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bulk_jobs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_bulk_jobs_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
    )
    op.create_index("ix_bulk_jobs_created_by", "bulk_jobs", ["created_by_id", "id"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_bulk_jobs_created_by", table_name="bulk_jobs")
    op.drop_table("bulk_jobs")
