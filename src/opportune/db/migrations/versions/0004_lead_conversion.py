"""Lead conversion: conversion records (for showing and undoing conversions), the
administrator's extra field mappings, duplicate keys on accounts and contacts, and
notifications (telling a new owner about a conversion).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.match_keys import refresh_keys
from opportune.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_KEYS = {
    "accounts": (("name_key", 255), ("website_domain", 255)),
    "contacts": (("email_key", 80), ("name_key", 130)),
}


def upgrade() -> None:
    """Apply this migration."""
    for table, columns in _KEYS.items():
        for name, length in columns:
            op.add_column(table, sa.Column(name, sa.String(length=length), nullable=True))
            op.create_index(f"ix_{table}_{name}", table, [name], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_notifications_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )  # fmt: skip
    op.create_index(
        "ix_notifications_user", "notifications", ["user_id", "created_at", "id"], unique=False
    )
    bind = op.get_bind()
    refresh_keys(bind, "account", bind.execute(sa.text("SELECT id FROM accounts")).scalars())
    refresh_keys(bind, "contact", bind.execute(sa.text("SELECT id FROM contacts")).scalars())
    op.create_table(
        "lead_conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("converted_at", UTCDateTime(), nullable=False),
        sa.Column("converted_by_id", sa.Integer(), nullable=False),
        sa.Column("status_before_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["converted_by_id"], ["users.id"],
            name=op.f("fk_lead_conversions_converted_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_conversions_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_before_id"], ["lead_statuses.id"],
            name=op.f("fk_lead_conversions_status_before_id_lead_statuses"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["users.id"], name=op.f("fk_lead_conversions_undone_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_conversions")),
    )  # fmt: skip
    op.create_index(
        "ix_lead_conversions_lead", "lead_conversions", ["lead_id", "converted_at"], unique=False
    )
    op.create_index(
        "uq_lead_conversions_in_force", "lead_conversions", ["lead_id"], unique=True,
        sqlite_where=sa.text("undone_at IS NULL"), postgresql_where=sa.text("undone_at IS NULL"),
    )  # fmt: skip
    op.create_table(
        "conversion_field_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_field", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("target_field", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversion_field_mappings")),
    )
    op.create_index(
        "uq_conversion_field_mappings_target", "conversion_field_mappings",
        ["target", "target_field"], unique=True,
    )  # fmt: skip


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("uq_conversion_field_mappings_target", table_name="conversion_field_mappings")
    op.drop_table("conversion_field_mappings")
    op.drop_index("uq_lead_conversions_in_force", table_name="lead_conversions")
    op.drop_index("ix_lead_conversions_lead", table_name="lead_conversions")
    op.drop_table("lead_conversions")
    for table, columns in _KEYS.items():
        for name, _ in columns:
            op.drop_index(f"ix_{table}_{name}", table_name=table)
            op.drop_column(table, name)
