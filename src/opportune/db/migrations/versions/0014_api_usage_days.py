"""The Salesforce-compatible API's daily request count, shared by every server process.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "api_usage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_api_usage_days")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("api_usage_days")
