"""Accounts, contacts, opportunity stages and lost reasons, opportunities, their stage history
and contact roles, activities, and field history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 16:32:12.799278
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.domain.stages import DEFAULT_LOST_REASONS, default_stages

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "opportunity_lost_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_lost_reasons")),
        sa.UniqueConstraint("label", name=op.f("uq_opportunity_lost_reasons_label")),
    )
    op.create_table(
        "opportunity_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("forecast_category", sa.String(length=20), nullable=False),
        sa.Column("is_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_won", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 100", name=op.f("ck_opportunity_stages_probability")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stages")),
        sa.UniqueConstraint("label", name=op.f("uq_opportunity_stages_label")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("fax", sa.String(length=40), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        sa.Column("annual_revenue", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("number_of_employees", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=10), nullable=True),
        sa.Column("billing_street", sa.String(length=255), nullable=True),
        sa.Column("billing_city", sa.String(length=40), nullable=True),
        sa.Column("billing_state", sa.String(length=80), nullable=True),
        sa.Column("billing_postal_code", sa.String(length=20), nullable=True),
        sa.Column("billing_country", sa.String(length=80), nullable=True),
        sa.Column("shipping_street", sa.String(length=255), nullable=True),
        sa.Column("shipping_city", sa.String(length=40), nullable=True),
        sa.Column("shipping_state", sa.String(length=80), nullable=True),
        sa.Column("shipping_postal_code", sa.String(length=20), nullable=True),
        sa.Column("shipping_country", sa.String(length=80), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("parent_account_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_accounts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["parent_account_id"],
            ["accounts.id"],
            name=op.f("fk_accounts_parent_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["lead_sources.id"], name=op.f("fk_accounts_source_id_lead_sources")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_accounts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_accounts_name", ["name"], unique=False)
        batch_op.create_index(
            "ix_accounts_owner_created", ["owner_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_accounts_parent_account_id", ["parent_account_id"], unique=False)

    op.create_table(
        "field_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_field_history_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_history")),
    )
    with op.batch_alter_table("field_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_history_record",
            ["object_type", "record_id", "changed_at", "id"],
            unique=False,
        )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("salutation", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=40), nullable=True),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=True),
        sa.Column("email", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("mobile_phone", sa.String(length=40), nullable=True),
        sa.Column("fax", sa.String(length=40), nullable=True),
        sa.Column("mailing_street", sa.String(length=255), nullable=True),
        sa.Column("mailing_city", sa.String(length=40), nullable=True),
        sa.Column("mailing_state", sa.String(length=80), nullable=True),
        sa.Column("mailing_postal_code", sa.String(length=20), nullable=True),
        sa.Column("mailing_country", sa.String(length=80), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("do_not_call", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "has_opted_out_of_email", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_contacts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_contacts_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["lead_sources.id"], name=op.f("fk_contacts_source_id_lead_sources")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_contacts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_contacts_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_contacts_email", ["email"], unique=False)
        batch_op.create_index("ix_contacts_last_name", ["last_name"], unique=False)
        batch_op.create_index(
            "ix_contacts_owner_created", ["owner_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("forecast_category", sa.String(length=20), nullable=False),
        sa.Column("is_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_won", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("next_step", sa.String(length=255), nullable=True),
        sa.Column("lead_source_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 100", name=op.f("ck_opportunities_probability")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_opportunities_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_opportunities_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lead_source_id"],
            ["lead_sources.id"],
            name=op.f("fk_opportunities_lead_source_id_lead_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["lost_reason_id"],
            ["opportunity_lost_reasons.id"],
            name=op.f("fk_opportunities_lost_reason_id_opportunity_lost_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_opportunities_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["opportunity_stages.id"],
            name=op.f("fk_opportunities_stage_id_opportunity_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_opportunities_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index("ix_opportunities_account_id", ["account_id"], unique=False)
        batch_op.create_index(
            "ix_opportunities_stage_close", ["stage_id", "close_date", "id"], unique=False
        )
        batch_op.create_index(
            "ix_opportunities_stage_owner_close",
            ["stage_id", "owner_id", "close_date", "id"],
            unique=False,
        )
        batch_op.create_index("ix_opportunities_close", ["close_date", "id"], unique=False)
        batch_op.create_index(
            "ix_opportunities_owner_close", ["owner_id", "close_date", "id"], unique=False
        )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("call_duration_minutes", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=255), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("kind IN ('task', 'call', 'note')", name=op.f("ck_activities_kind")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_activities_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_activities_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_activities_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_activities_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_activities_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_activities_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_activities_contact_id", ["contact_id"], unique=False)
        batch_op.create_index("ix_activities_lead_id", ["lead_id"], unique=False)
        batch_op.create_index("ix_activities_opportunity_id", ["opportunity_id"], unique=False)
        batch_op.create_index(
            "ix_activities_owner_status_due", ["owner_id", "status", "due_date", "id"], unique=False
        )

    op.create_table(
        "opportunity_contact_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("is_primary", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_opportunity_contact_roles_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_contact_roles_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_contact_roles")),
    )
    with op.batch_alter_table("opportunity_contact_roles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_contact_roles_contact_id", ["contact_id"], unique=False
        )
        batch_op.create_index(
            "uq_opportunity_contact_roles_one_primary",
            ["opportunity_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.create_index(
            "uq_opportunity_contact_roles_role",
            ["opportunity_id", "contact_id", "role"],
            unique=True,
        )

    op.create_table(
        "opportunity_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("expected_revenue", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=False),
        sa.Column("forecast_category", sa.String(length=20), nullable=False),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_opportunity_history_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_history_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["opportunity_stages.id"],
            name=op.f("fk_opportunity_history_stage_id_opportunity_stages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_history")),
    )
    with op.batch_alter_table("opportunity_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_history_opportunity",
            ["opportunity_id", "changed_at", "id"],
            unique=False,
        )

    # ### end Alembic commands ###
    _seed_stages_and_lost_reasons()


def _seed_stages_and_lost_reasons() -> None:
    """Seed the default pipeline stages and lost reasons (admins can change them)."""
    stages = sa.table(
        "opportunity_stages",
        sa.column("label", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("probability", sa.Integer),
        sa.column("forecast_category", sa.String),
        sa.column("is_closed", sa.Boolean),
        sa.column("is_won", sa.Boolean),
    )
    op.bulk_insert(
        stages,
        [
            {
                "label": s.label,
                "sort_order": s.sort_order,
                "probability": s.probability,
                "forecast_category": s.forecast_category,
                "is_closed": s.is_closed,
                "is_won": s.is_won,
            }
            for s in default_stages()
        ],
    )
    reasons = sa.table(
        "opportunity_lost_reasons",
        sa.column("label", sa.String),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        reasons,
        [
            {"label": label, "sort_order": (i + 1) * 10}
            for i, label in enumerate(DEFAULT_LOST_REASONS)
        ],
    )


def downgrade() -> None:
    """Revert this migration."""
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("opportunity_history", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_history_opportunity")

    op.drop_table("opportunity_history")
    with op.batch_alter_table("opportunity_contact_roles", schema=None) as batch_op:
        batch_op.drop_index("uq_opportunity_contact_roles_role")
        batch_op.drop_index(
            "uq_opportunity_contact_roles_one_primary",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index("ix_opportunity_contact_roles_contact_id")

    op.drop_table("opportunity_contact_roles")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_owner_status_due")
        batch_op.drop_index("ix_activities_opportunity_id")
        batch_op.drop_index("ix_activities_lead_id")
        batch_op.drop_index("ix_activities_contact_id")
        batch_op.drop_index("ix_activities_account_id")

    op.drop_table("activities")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_owner_close")
        batch_op.drop_index("ix_opportunities_close")
        batch_op.drop_index("ix_opportunities_stage_owner_close")
        batch_op.drop_index("ix_opportunities_stage_close")
        batch_op.drop_index("ix_opportunities_account_id")

    op.drop_table("opportunities")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_owner_created")
        batch_op.drop_index("ix_contacts_last_name")
        batch_op.drop_index("ix_contacts_email")
        batch_op.drop_index("ix_contacts_created")
        batch_op.drop_index("ix_contacts_account_id")

    op.drop_table("contacts")
    with op.batch_alter_table("field_history", schema=None) as batch_op:
        batch_op.drop_index("ix_field_history_record")

    op.drop_table("field_history")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_parent_account_id")
        batch_op.drop_index("ix_accounts_owner_created")
        batch_op.drop_index("ix_accounts_name")
        batch_op.drop_index("ix_accounts_created")

    op.drop_table("accounts")
    op.drop_table("opportunity_stages")
    op.drop_table("opportunity_lost_reasons")
    # ### end Alembic commands ###
