"""Stage periods: each stay of an opportunity in a stage, backfilled from its history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""


def downgrade() -> None:
    """Revert this migration."""
