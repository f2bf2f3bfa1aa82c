"""Table definitions. Constraint names follow one convention so migrations stay stable."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    false,
    text,
    true,
)

from opportune.db.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('admin', 'manager', 'rep')", name="role"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_tokens_user_id", "user_id"),
)

lead_statuses = Table(
    "lead_statuses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(80), nullable=False, unique=True),
    Column("sort_order", Integer, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=false()),
    Column("is_converted", Boolean, nullable=False, server_default=false()),
    Column("is_closed", Boolean, nullable=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # The database itself refuses a second default; "exactly one" is checked by the service.
    Index(
        "uq_lead_statuses_one_default",
        "is_default",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
    ),
)


def _picklist_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(80), nullable=False, unique=True),
        Column("sort_order", Integer, nullable=False),
        Column("is_active", Boolean, nullable=False, server_default=true()),
    )


lead_sources = _picklist_table("lead_sources")
lead_close_reasons = _picklist_table("lead_close_reasons")

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("salutation", String(20)),
    Column("first_name", String(40)),
    Column("last_name", String(80), nullable=False),
    Column("title", String(128)),
    Column("company", String(255), nullable=False),
    Column("email", String(80)),
    Column("phone", String(40)),
    Column("mobile_phone", String(40)),
    Column("fax", String(40)),
    Column("website", String(255)),
    Column("street", String(255)),
    Column("city", String(40)),
    Column("state", String(80)),
    Column("postal_code", String(20)),
    Column("country", String(80)),
    Column("source_id", Integer, ForeignKey("lead_sources.id")),
    Column("status_id", Integer, ForeignKey("lead_statuses.id"), nullable=False),
    Column("close_reason_id", Integer, ForeignKey("lead_close_reasons.id")),
    Column("rating", String(10)),
    Column("industry", String(40)),
    Column("annual_revenue", Numeric(20, 2)),
    Column("number_of_employees", Integer),
    Column("description", Text),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("is_unread_by_owner", Boolean, nullable=False, server_default=false()),
    Column("do_not_call", Boolean, nullable=False, server_default=false()),
    Column("has_opted_out_of_email", Boolean, nullable=False, server_default=false()),
    Column("is_converted", Boolean, nullable=False, server_default=false()),
    Column("converted_date", Date),
    # Foreign keys to accounts, contacts and opportunities arrive with those tables.
    Column("converted_account_id", Integer),
    Column("converted_contact_id", Integer),
    Column("converted_opportunity_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # Default lists hide converted leads and sort by creation date, newest first; each index
    # matches one such filter and sort, with the id as keyset tiebreaker.
    Index(
        "ix_leads_list_status_owner", "is_converted", "status_id", "owner_id", "created_at", "id"
    ),
    Index("ix_leads_list_owner", "is_converted", "owner_id", "created_at", "id"),
    Index("ix_leads_list_created", "is_converted", "created_at", "id"),
    Index("ix_leads_email", "email"),
    Index("ix_leads_company", "company"),
    Index("ix_leads_last_name", "last_name"),
)
