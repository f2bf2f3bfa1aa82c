"""Initial schema: users, API tokens, lead statuses, sources, close reasons and leads.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 15:24:57.065134
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.domain.picklists import (
    DEFAULT_CLOSE_REASONS,
    DEFAULT_LEAD_SOURCES,
    DEFAULT_LEAD_STATUSES,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "lead_close_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_close_reasons")),
        sa.UniqueConstraint("label", name=op.f("uq_lead_close_reasons_label")),
    )
    op.create_table(
        "lead_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_sources")),
        sa.UniqueConstraint("label", name=op.f("uq_lead_sources_label")),
    )
    op.create_table(
        "lead_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_converted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_statuses")),
        sa.UniqueConstraint("label", name=op.f("uq_lead_statuses_label")),
    )
    with op.batch_alter_table("lead_statuses", schema=None) as batch_op:
        batch_op.create_index(
            "uq_lead_statuses_one_default",
            ["is_default"],
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'manager', 'rep')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_user_id", ["user_id"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("salutation", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=40), nullable=True),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("mobile_phone", sa.String(length=40), nullable=True),
        sa.Column("fax", sa.String(length=40), nullable=True),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("street", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=80), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=80), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("close_reason_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=10), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        sa.Column("annual_revenue", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("number_of_employees", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("is_unread_by_owner", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("do_not_call", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "has_opted_out_of_email", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("is_converted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("converted_date", sa.Date(), nullable=True),
        sa.Column("converted_account_id", sa.Integer(), nullable=True),
        sa.Column("converted_contact_id", sa.Integer(), nullable=True),
        sa.Column("converted_opportunity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["close_reason_id"],
            ["lead_close_reasons.id"],
            name=op.f("fk_leads_close_reason_id_lead_close_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_leads_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["lead_sources.id"], name=op.f("fk_leads_source_id_lead_sources")
        ),
        sa.ForeignKeyConstraint(
            ["status_id"], ["lead_statuses.id"], name=op.f("fk_leads_status_id_lead_statuses")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_leads_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_company", ["company"], unique=False)
        batch_op.create_index("ix_leads_email", ["email"], unique=False)
        batch_op.create_index("ix_leads_last_name", ["last_name"], unique=False)
        batch_op.create_index(
            "ix_leads_list_created", ["is_converted", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_leads_list_owner", ["is_converted", "owner_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_leads_list_status_owner",
            ["is_converted", "status_id", "owner_id", "created_at", "id"],
            unique=False,
        )

    # ### end Alembic commands ###
    _seed_picklists()


def _seed_picklists() -> None:
    """Seed the default lead statuses, sources and close reasons (admins can change them)."""
    statuses = sa.table(
        "lead_statuses",
        sa.column("label", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("is_default", sa.Boolean),
        sa.column("is_converted", sa.Boolean),
        sa.column("is_closed", sa.Boolean),
    )
    op.bulk_insert(
        statuses,
        [
            {
                "label": label,
                "sort_order": (i + 1) * 10,
                "is_default": default,
                "is_converted": converted,
                "is_closed": closed,
            }
            for i, (label, default, converted, closed) in enumerate(DEFAULT_LEAD_STATUSES)
        ],
    )
    for name, labels in (
        ("lead_sources", DEFAULT_LEAD_SOURCES),
        ("lead_close_reasons", DEFAULT_CLOSE_REASONS),
    ):
        table = sa.table(name, sa.column("label", sa.String), sa.column("sort_order", sa.Integer))
        rows = [{"label": label, "sort_order": (i + 1) * 10} for i, label in enumerate(labels)]
        op.bulk_insert(table, rows)


def downgrade() -> None:
    """Revert this migration."""
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_list_status_owner")
        batch_op.drop_index("ix_leads_list_owner")
        batch_op.drop_index("ix_leads_list_created")
        batch_op.drop_index("ix_leads_last_name")
        batch_op.drop_index("ix_leads_email")
        batch_op.drop_index("ix_leads_company")

    op.drop_table("leads")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_user_id")

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("lead_statuses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_lead_statuses_one_default",
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    op.drop_table("lead_statuses")
    op.drop_table("lead_sources")
    op.drop_table("lead_close_reasons")
    # ### end Alembic commands ###
