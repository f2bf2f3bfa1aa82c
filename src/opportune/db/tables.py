"""Table definitions. Constraint names follow one convention so migrations stay stable."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
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


def _salesforce_keys(table: str) -> list[Column[object] | Index]:
    """An integration's own key for the record, and the id it had in Salesforce (if migrated).

    Both are unique when set; upserts through the Salesforce-compatible API match on them.
    """
    return [
        Column("external_id", String(255)),
        Column("salesforce_id", String(18)),
        Index(f"uq_{table}_external_id", "external_id", unique=True),
        Index(f"uq_{table}_salesforce_id", "salesforce_id", unique=True),
    ]


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    # The id the user had in Salesforce, kept by a migration from it.
    Column("salesforce_id", String(18)),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTCDateTime, nullable=False),
    # The reporting line: a manager sees and edits what their reports own, recursively.
    Column("manager_id", Integer, ForeignKey("users.id")),
    # "Sign out everywhere": sessions started before this moment are no longer valid.
    Column("sessions_valid_after", UTCDateTime),
    CheckConstraint("role IN ('admin', 'manager', 'rep')", name="role"),
    Index("ix_users_manager_id", "manager_id"),
    Index("uq_users_salesforce_id", "salesforce_id", unique=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    # Space-separated: read, write, admin.
    Column("scopes", String(40), nullable=False, server_default="read write admin"),
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
    *_salesforce_keys("leads"),
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
    # A campaign-like tag (web forms and imports set it), and the queue holding the lead
    # (owner_id then names who put it there; see docs/decisions/0003).
    Column("campaign", String(80)),
    Column("queue_id", Integer, ForeignKey("queues.id")),
    # Duplicate keys (see db/match_keys.py), kept by every write path.
    Column("email_key", String(80)),
    Column("phone_key", String(20)),
    Column("name_key", String(130)),
    Column("sound_key", String(10)),
    Column("company_key", String(255)),
    # A merged lead is kept (recoverable) and points at the lead it was merged into.
    Column("merged_into_id", Integer, ForeignKey("leads.id")),
    # The import that created the lead (reverting an import removes what it created).
    Column("import_id", Integer, ForeignKey("imports.id")),
    # When an activity (task, call, note) was last logged on the lead: with updated_at, when
    # the lead was last touched (the lead-aging report and the "untouched" list filter).
    Column("last_activity_at", UTCDateTime),
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
    Index("ix_leads_queue", "queue_id", "created_at", "id"),
    Index("ix_leads_email_key", "email_key", "id"),
    Index("ix_leads_phone_key", "phone_key", "id"),
    Index("ix_leads_sound_key", "sound_key", "id"),
    Index("ix_leads_company_key", "company_key", "id"),
    Index("ix_leads_merged_into_id", "merged_into_id"),
    Index("ix_leads_import_id", "import_id"),
    sqlite_autoincrement=True,
)


def _stamps() -> list[Column[object]]:
    """Created/updated moments and users, and the optimistic-locking version."""
    return [
        Column("created_at", UTCDateTime, nullable=False),
        Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("updated_by_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("version", Integer, nullable=False, server_default=text("1")),
    ]


def _address(prefix: str) -> list[Column[object]]:
    return [
        Column(f"{prefix}_street", String(255)),
        Column(f"{prefix}_city", String(40)),
        Column(f"{prefix}_state", String(80)),
        Column(f"{prefix}_postal_code", String(20)),
        Column(f"{prefix}_country", String(80)),
    ]


accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    *_salesforce_keys("accounts"),
    Column("name", String(255), nullable=False),
    Column("website", String(255)),
    Column("phone", String(40)),
    Column("fax", String(40)),
    Column("industry", String(40)),
    Column("annual_revenue", Numeric(20, 2)),
    Column("number_of_employees", Integer),
    Column("rating", String(10)),
    *_address("billing"),
    *_address("shipping"),
    Column("source_id", Integer, ForeignKey("lead_sources.id")),
    Column("parent_account_id", Integer, ForeignKey("accounts.id")),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("description", Text),
    # Duplicate keys (see db/match_keys.py): normalised company name and web domain.
    Column("name_key", String(255)),
    Column("website_domain", String(255)),
    *_stamps(),
    Column("phone_key", String(20)),
    Column("merged_into_id", Integer, ForeignKey("accounts.id")),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Index("ix_accounts_owner_created", "owner_id", "created_at", "id"),
    Index("ix_accounts_phone_key", "phone_key", "id"),
    Index("ix_accounts_merged_into_id", "merged_into_id"),
    Index("ix_accounts_import_id", "import_id"),
    Index("ix_accounts_name_key", "name_key"),
    Index("ix_accounts_website_domain", "website_domain"),
    Index("ix_accounts_created", "created_at", "id"),
    Index("ix_accounts_name", "name"),
    Index("ix_accounts_parent_account_id", "parent_account_id"),
    sqlite_autoincrement=True,
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    *_salesforce_keys("contacts"),
    Column("salutation", String(20)),
    Column("first_name", String(40)),
    Column("last_name", String(80), nullable=False),
    Column("title", String(128)),
    Column("email", String(80)),
    Column("phone", String(40)),
    Column("mobile_phone", String(40)),
    Column("fax", String(40)),
    *_address("mailing"),
    Column("source_id", Integer, ForeignKey("lead_sources.id")),
    Column("do_not_call", Boolean, nullable=False, server_default=false()),
    Column("has_opted_out_of_email", Boolean, nullable=False, server_default=false()),
    Column("description", Text),
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    # Duplicate keys (see db/match_keys.py): email in lower case, name without accents.
    Column("email_key", String(80)),
    Column("name_key", String(130)),
    Column("phone_key", String(20)),
    Column("sound_key", String(10)),
    Column("merged_into_id", Integer, ForeignKey("contacts.id")),
    Column("import_id", Integer, ForeignKey("imports.id")),
    *_stamps(),
    Index("ix_contacts_account_id", "account_id"),
    Index("ix_contacts_phone_key", "phone_key", "id"),
    Index("ix_contacts_sound_key", "sound_key", "id"),
    Index("ix_contacts_merged_into_id", "merged_into_id"),
    Index("ix_contacts_import_id", "import_id"),
    Index("ix_contacts_email_key", "email_key"),
    Index("ix_contacts_name_key", "name_key"),
    Index("ix_contacts_owner_created", "owner_id", "created_at", "id"),
    Index("ix_contacts_created", "created_at", "id"),
    Index("ix_contacts_email", "email"),
    Index("ix_contacts_last_name", "last_name"),
    sqlite_autoincrement=True,
)

opportunity_stages = Table(
    "opportunity_stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(80), nullable=False, unique=True),
    Column("sort_order", Integer, nullable=False),
    Column("probability", Integer, nullable=False),
    Column("forecast_category", String(20), nullable=False),
    Column("is_closed", Boolean, nullable=False, server_default=false()),
    Column("is_won", Boolean, nullable=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
)

opportunity_lost_reasons = _picklist_table("opportunity_lost_reasons")

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Integer, primary_key=True),
    *_salesforce_keys("opportunities"),
    Column("name", String(120), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("stage_id", Integer, ForeignKey("opportunity_stages.id"), nullable=False),
    Column("close_date", Date, nullable=False),
    Column("amount", Numeric(20, 2)),
    # One currency per installation for now; stored per row so more can come.
    Column("currency_code", String(3), nullable=False),
    Column("probability", Integer, nullable=False),
    Column("forecast_category", String(20), nullable=False),
    Column("is_closed", Boolean, nullable=False, server_default=false()),
    Column("is_won", Boolean, nullable=False, server_default=false()),
    Column("type", String(40)),
    Column("next_step", String(255)),
    Column("lead_source_id", Integer, ForeignKey("lead_sources.id")),
    Column("description", Text),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("lost_reason_id", Integer, ForeignKey("opportunity_lost_reasons.id")),
    *_stamps(),
    CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
    # The pipeline board: a stage's column by close date, with or without an owner filter.
    Column("import_id", Integer, ForeignKey("imports.id")),
    Index("ix_opportunities_import_id", "import_id"),
    Index("ix_opportunities_stage_close", "stage_id", "close_date", "id"),
    Index("ix_opportunities_stage_owner_close", "stage_id", "owner_id", "close_date", "id"),
    Index("ix_opportunities_owner_close", "owner_id", "close_date", "id"),
    Index("ix_opportunities_close", "close_date", "id"),
    Index("ix_opportunities_account_id", "account_id"),
    sqlite_autoincrement=True,
)

opportunity_history = Table(
    "opportunity_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("stage_id", Integer, ForeignKey("opportunity_stages.id"), nullable=False),
    Column("amount", Numeric(20, 2)),
    Column("probability", Integer, nullable=False),
    Column("expected_revenue", Numeric(20, 2)),
    Column("close_date", Date, nullable=False),
    Column("forecast_category", String(20), nullable=False),
    # Kept on the snapshot so history stays true when a stage is reconfigured later.
    Column("is_closed", Boolean, nullable=False),
    Column("changed_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Index("ix_opportunity_history_opportunity", "opportunity_id", "changed_at", "id"),
    sqlite_autoincrement=True,
)

opportunity_contact_roles = Table(
    "opportunity_contact_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(40)),
    Column("is_primary", Boolean, nullable=False, server_default=false()),
    Index("ix_opportunity_contact_roles_contact_id", "contact_id"),
    Index("uq_opportunity_contact_roles_role", "opportunity_id", "contact_id", "role", unique=True),
    # At most one primary contact per opportunity, enforced by the database as well.
    Index(
        "uq_opportunity_contact_roles_one_primary",
        "opportunity_id",
        unique=True,
        sqlite_where=text("is_primary"),
        postgresql_where=text("is_primary"),
    ),
    sqlite_autoincrement=True,
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    *_salesforce_keys("activities"),
    Column("kind", String(10), nullable=False),
    Column("subject", String(255)),
    Column("description", Text),
    Column("due_date", Date),
    Column("status", String(20)),
    Column("priority", String(10)),
    Column("completed_at", UTCDateTime),
    Column("call_duration_minutes", Integer),
    Column("outcome", String(255)),
    Column("occurred_at", UTCDateTime),
    Column("title", String(255)),
    Column("body", Text),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("lead_id", Integer, ForeignKey("leads.id")),
    Column("contact_id", Integer, ForeignKey("contacts.id")),
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("opportunity_id", Integer, ForeignKey("opportunities.id")),
    *_stamps(),
    CheckConstraint("kind IN ('task', 'call', 'note')", name="kind"),
    # "My tasks": a user's open tasks by due date.
    Index("ix_activities_owner_status_due", "owner_id", "status", "due_date", "id"),
    Index("ix_activities_lead_id", "lead_id"),
    Index("ix_activities_contact_id", "contact_id"),
    Index("ix_activities_account_id", "account_id"),
    Index("ix_activities_opportunity_id", "opportunity_id"),
    sqlite_autoincrement=True,
)

field_history = Table(
    "field_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("field", String(60), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("changed_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Index("ix_field_history_record", "object_type", "record_id", "changed_at", "id"),
    sqlite_autoincrement=True,
)

lead_conversions = Table(
    "lead_conversions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lead_id", Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
    Column("converted_at", UTCDateTime, nullable=False),
    Column("converted_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("status_before_id", Integer, ForeignKey("lead_statuses.id"), nullable=False),
    # Plain ids, not foreign keys: the record must outlive records undo or people delete.
    Column("account_id", Integer, nullable=False),
    Column("contact_id", Integer, nullable=False),
    Column("opportunity_id", Integer),
    # What was created, merged (with previous values), re-linked, and left unmapped.
    Column("details", JSON, nullable=False),
    Column("undone_at", UTCDateTime),
    Column("undone_by_id", Integer, ForeignKey("users.id")),
    Index("ix_lead_conversions_lead", "lead_id", "converted_at"),
    # At most one conversion in force per lead: a second concurrent one cannot commit.
    Index(
        "uq_lead_conversions_in_force",
        "lead_id",
        unique=True,
        sqlite_where=text("undone_at IS NULL"),
        postgresql_where=text("undone_at IS NULL"),
    ),
    sqlite_autoincrement=True,
)

conversion_field_mappings = Table(
    "conversion_field_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lead_field", String(60), nullable=False),
    Column("target", String(20), nullable=False),
    Column("target_field", String(60), nullable=False),
    Index("uq_conversion_field_mappings_target", "target", "target_field", unique=True),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("message", String(500), nullable=False),
    Column("link", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("read_at", UTCDateTime),
    # A user's notifications, newest first.
    Index("ix_notifications_user", "user_id", "created_at", "id"),
)

# --- lead capture: imports, queues, assignment, web forms, duplicates (issue 5) ------------

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("file_name", String(255), nullable=False),
    # The file's SHA-256: running the same file again resumes or reports it, never duplicates.
    Column("file_sha256", String(64), nullable=False),
    Column("file_size", Integer, nullable=False),
    # Where the server keeps an uploaded file until the import is finished (for resuming).
    Column("stored_path", String(500)),
    Column("encoding", String(40), nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("options", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    # Data rows read so far (committed with the records they produced: the resume point).
    Column("rows_done", Integer, nullable=False, server_default=text("0")),
    Column("rows_total", Integer),
    Column("created_count", Integer, nullable=False, server_default=text("0")),
    Column("updated_count", Integer, nullable=False, server_default=text("0")),
    Column("skipped_count", Integer, nullable=False, server_default=text("0")),
    Column("error_count", Integer, nullable=False, server_default=text("0")),
    Column("error_file", String(500)),
    Column("message", Text),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("reverted_at", UTCDateTime),
    Column("reverted_by_id", Integer, ForeignKey("users.id")),
    Index("ix_imports_created", "created_at", "id"),
    Index("ix_imports_file", "object_type", "file_sha256"),
    CheckConstraint(
        "status IN ('pending', 'running', 'interrupted', 'completed', 'failed', 'reverted')",
        name="status",
    ),
)

import_mappings = Table(
    "import_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("name", String(120), nullable=False),
    # Header -> field name (or null to ignore the column).
    Column("columns", JSON, nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_import_mappings_name", "object_type", "name", unique=True),
)

queues = Table(
    "queues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("email", String(254)),
    Column("created_at", UTCDateTime, nullable=False),
)

queue_members = Table(
    "queue_members",
    metadata,
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_queue_members_user_id", "user_id"),
)

round_robin_groups = Table(
    "round_robin_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

round_robin_members = Table(
    "round_robin_members",
    metadata,
    Column(
        "group_id",
        Integer,
        ForeignKey("round_robin_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("weight", Integer, nullable=False, server_default=text("1")),
    # How many leads the member got from this group: the next goes to the lowest count/weight.
    Column("assigned_count", Integer, nullable=False, server_default=text("0")),
    Column("last_assigned_at", UTCDateTime),
    CheckConstraint("weight >= 1", name="weight"),
)

assignment_rules = Table(
    "assignment_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("is_active", Boolean, nullable=False, server_default=false()),
    # Who gets a lead no entry matches (a user, or a queue when set).
    Column("default_owner_id", Integer, ForeignKey("users.id")),
    Column("default_queue_id", Integer, ForeignKey("queues.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One active rule at a time, as in Salesforce.
    Index(
        "uq_assignment_rules_one_active",
        "is_active",
        unique=True,
        sqlite_where=text("is_active"),
        postgresql_where=text("is_active"),
    ),
)

assignment_entries = Table(
    "assignment_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "rule_id", Integer, ForeignKey("assignment_rules.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    # [{"field", "operator", "value"}], all of which must hold.
    Column("criteria", JSON, nullable=False),
    Column("assignee_type", String(20), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("queue_id", Integer, ForeignKey("queues.id")),
    Column("group_id", Integer, ForeignKey("round_robin_groups.id")),
    Index("uq_assignment_entries_position", "rule_id", "position", unique=True),
    CheckConstraint("assignee_type IN ('user', 'queue', 'round_robin')", name="assignee_type"),
)

web_forms = Table(
    "web_forms",
    metadata,
    Column("id", Integer, primary_key=True),
    # The public key a form posts as ``oid``.
    Column("key", String(40), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # Field defaults ({"lead_source", "campaign", ...}) and who gets the leads.
    Column("defaults", JSON, nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("use_assignment_rule", Boolean, nullable=False, server_default=true()),
    Column("allowed_redirect_hosts", JSON, nullable=False),
    Column("duplicate_action", String(20), nullable=False),
    Column("daily_cap", Integer, nullable=False),
    Column("per_ip_per_hour", Integer, nullable=False),
    Column("per_form_per_minute", Integer, nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

web_form_submissions = Table(
    "web_form_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, ForeignKey("web_forms.id", ondelete="CASCADE"), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("ip", String(45), nullable=False),
    Column("payload", JSON, nullable=False),
    # created | queued | attached (to a duplicate) | flagged | rejected | spam
    Column("status", String(20), nullable=False),
    Column("lead_id", Integer, ForeignKey("leads.id", ondelete="SET NULL")),
    Column("error", Text),
    Column("processed_at", UTCDateTime),
    # Rate limits count recent posts per IP and per form; the overflow queue is read in order.
    Index("ix_web_form_submissions_ip", "ip", "received_at"),
    Index("ix_web_form_submissions_form", "form_id", "received_at"),
    Index("ix_web_form_submissions_status", "status", "form_id", "id"),
)

duplicate_rules = Table(
    "duplicate_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("name", String(120), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # The matching rule: [[{"field", "method", "threshold"}, ...], ...] (any alternative).
    Column("alternatives", JSON, nullable=False),
    # Which kinds of existing records are compared (a lead rule checks leads and contacts).
    Column("compare_with", JSON, nullable=False),
    Column("action_on_create", String(10), nullable=False),
    Column("action_on_edit", String(10), nullable=False),
    Column("sort_order", Integer, nullable=False),
    Index("uq_duplicate_rules_name", "object_type", "name", unique=True),
)

duplicate_reports = Table(
    "duplicate_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", Integer, ForeignKey("duplicate_rules.id", ondelete="CASCADE")),
    Column("object_type", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("other_type", String(20), nullable=False),
    Column("other_id", Integer, nullable=False),
    Column("score", Numeric(5, 1)),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("reported_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("resolved_at", UTCDateTime),
    Index("ix_duplicate_reports_open", "resolved_at", "reported_at", "id"),
    Index("ix_duplicate_reports_record", "object_type", "record_id"),
)

merges = Table(
    "merges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("master_id", Integer, nullable=False),
    Column("merged_ids", JSON, nullable=False),
    # The master's previous values, the field choices, and every related row moved.
    Column("details", JSON, nullable=False),
    Column("merged_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("merged_at", UTCDateTime, nullable=False),
    Column("undone_at", UTCDateTime),
    Column("undone_by_id", Integer, ForeignKey("users.id")),
    Index("ix_merges_master", "object_type", "master_id"),
)

# --- reports (issue 6) ----------------------------------------------------------------------
# Lead reports (migration 0006): indexes and columns are added here.
# Each covers the lead report queries it serves (nothing is read from the table), and all
# start with merged_into_id: every report asks for merged_into_id IS NULL, an equality SQLite
# seeks on, so its planner takes these over the list indexes, with or without statistics.
# A range of creation dates, any grouping (funnel, conversion, aging, source to revenue):
Index(
    "ix_leads_report_created",
    leads.c.merged_into_id, leads.c.created_at, leads.c.status_id, leads.c.source_id,
    leads.c.owner_id, leads.c.is_converted, leads.c.updated_at, leads.c.last_activity_at,
)  # fmt: skip
# Some owners (with or without dates), or every lead grouped by owner in index order:
Index(
    "ix_leads_report_owner",
    leads.c.merged_into_id, leads.c.owner_id, leads.c.created_at, leads.c.status_id,
    leads.c.source_id, leads.c.is_converted, leads.c.updated_at, leads.c.last_activity_at,
)  # fmt: skip
# Some sources, or every lead grouped by source in index order (conversion, source to revenue):
Index(
    "ix_leads_report_source",
    leads.c.merged_into_id, leads.c.source_id, leads.c.created_at, leads.c.owner_id,
    leads.c.status_id, leads.c.is_converted,
)  # fmt: skip
# Source to revenue: opportunities by lead source in index order, with their creation.
Index(
    "ix_opportunities_report_source",
    opportunities.c.lead_source_id, opportunities.c.created_at, opportunities.c.owner_id,
    opportunities.c.is_won, opportunities.c.amount,
)  # fmt: skip
# --- end of lead reports

# Opportunity reports (migration 0007): indexes are added here.
# Each covers its report's query (filters and sums read from the index, never the table):
# the pipeline groups open opportunities by stage in index order; win rate and lost reasons
# read the closed ones (by owner in index order, or one owner's by close date); the
# forecast reads a close date range.
Index(
    "ix_opportunities_report_pipeline",
    opportunities.c.is_closed,
    opportunities.c.stage_id,
    opportunities.c.close_date,
    opportunities.c.owner_id,
    opportunities.c.lead_source_id,
    opportunities.c.amount,
    opportunities.c.probability,
)
Index(
    "ix_opportunities_report_closed",
    opportunities.c.is_closed,
    opportunities.c.owner_id,
    opportunities.c.close_date,
    opportunities.c.is_won,
    opportunities.c.lead_source_id,
    opportunities.c.lost_reason_id,
    opportunities.c.amount,
)
Index(
    "ix_opportunities_report_forecast",
    opportunities.c.close_date,
    opportunities.c.forecast_category,
    opportunities.c.owner_id,
    opportunities.c.lead_source_id,
    opportunities.c.stage_id,
    opportunities.c.amount,
)
# The opportunity list's created range (a report's click-through), newest first.
Index("ix_opportunities_created", opportunities.c.created_at, opportunities.c.id)
# --- end of opportunity reports

# Stage periods (migration 0008).
opportunity_stage_periods = Table(
    "opportunity_stage_periods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("stage_id", Integer, ForeignKey("opportunity_stages.id"), nullable=False),
    # Whether the stage was a closed one at the time (stays true if stages change later).
    Column("is_closed_stage", Boolean, nullable=False),
    Column("entered_at", UTCDateTime, nullable=False),
    # Set when the opportunity moves on: a stay without an end is the current stage.
    Column("left_at", UTCDateTime),
    Column("days", Float),
    Index("ix_opportunity_stage_periods_opportunity", "opportunity_id", "entered_at", "id"),
    # Time in stage reads both from the index alone: current stays per stage (and since
    # when), and ended ones per stage in order of length (the median skips half of them).
    Index(
        "ix_opportunity_stage_periods_current",
        "stage_id",
        "is_closed_stage",
        "entered_at",
        sqlite_where=text("left_at IS NULL"),
        postgresql_where=text("left_at IS NULL"),
    ),
    Index(
        "ix_opportunity_stage_periods_ended",
        "stage_id",
        "is_closed_stage",
        "days",
        "left_at",
        sqlite_where=text("left_at IS NOT NULL"),
        postgresql_where=text("left_at IS NOT NULL"),
    ),
    sqlite_autoincrement=True,
)
# The sales cycle finds the lead (conversion in force) each won opportunity came from.
Index(
    "ix_lead_conversions_opportunity",
    lead_conversions.c.opportunity_id,
    lead_conversions.c.lead_id,
    sqlite_where=text("undone_at IS NULL"),
    postgresql_where=text("undone_at IS NULL"),
)
# --- end of stage periods

# Which records were deleted and when, so that integrations can catch up on deletions
# (the Salesforce-compatible API's ``deleted/`` window).
deleted_records = Table(
    "deleted_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("deleted_at", UTCDateTime, nullable=False),
    Column("deleted_by_id", Integer, ForeignKey("users.id")),
    Index("ix_deleted_records_type_at", "object_type", "deleted_at"),
)

# Bulk API 2.0 ingest jobs (the Salesforce-compatible API): what a client asked for, where
# the job stands and how many rows it has done. The uploaded CSV and the result files live
# under ``<data_dir>/bulk/<id>/``.
bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_name", String(40), nullable=False),
    Column("operation", String(20), nullable=False),
    Column("external_id_field", String(80)),
    Column("content_type", String(10), nullable=False),
    Column("line_ending", String(4), nullable=False),
    Column("column_delimiter", String(12), nullable=False),
    Column("state", String(20), nullable=False),
    Column("api_version", String(8), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("upload_bytes", Integer),
    Column("records_processed", Integer, nullable=False, server_default=text("0")),
    Column("records_failed", Integer, nullable=False, server_default=text("0")),
    Column("retries", Integer, nullable=False, server_default=text("0")),
    Column("processing_ms", Integer, nullable=False, server_default=text("0")),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("error_message", Text),
    # "host:pid" of the process working through the job, while one does.
    Column("runner", String(120)),
    Index("ix_bulk_jobs_created_by", "created_by_id", "id"),
)

# Record-level access (issue 8). An object's org-wide default; a missing row means the
# default of domain/sharing.py, so a new installation needs no seeding.
org_defaults = Table(
    "org_defaults",
    metadata,
    Column("object_type", String(20), primary_key=True),
    Column("access", String(20), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by_id", Integer, ForeignKey("users.id")),
    CheckConstraint("access IN ('private', 'read', 'read_write')", name="access"),
)

# A record shared with one user or with a queue's members, for reading or editing.
record_shares = Table(
    "record_shares",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE")),
    Column("access", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
    CheckConstraint("access IN ('read', 'edit')", name="access"),
    CheckConstraint("(user_id IS NULL) <> (queue_id IS NULL)", name="one_grantee"),
    Index("ix_record_shares_record", "object_type", "record_id"),
    # "Which records of this kind are shared with me / my queues": the visibility filter.
    Index("ix_record_shares_user", "object_type", "user_id", "record_id"),
    Index("ix_record_shares_queue", "object_type", "queue_id", "record_id"),
    sqlite_autoincrement=True,
)

# Who did what, when and from where. Written by the services in the same transaction as the
# change it records; the product has no way to edit or delete an entry.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id")),
    Column("action", String(40), nullable=False),
    Column("object_type", String(40)),
    Column("object_id", Integer),
    Column("ip", String(45)),
    Column("details", JSON),
    Index("ix_audit_log_at", "at", "id"),
    Index("ix_audit_log_action_at", "action", "at", "id"),
    Index("ix_audit_log_actor_at", "actor_id", "at", "id"),
    Index("ix_audit_log_object", "object_type", "object_id"),
)

# Sign-in attempts, for throttling and temporary lockout (the audit log keeps the history).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("ip", String(45)),
    Column("at", UTCDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_email_at", "email", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

# Deleted records with what was deleted with them, as rows by table, until restored or
# purged. Live tables hold no deleted rows, so lists, reports and duplicate checks need
# no extra condition.
recycle_bin = Table(
    "recycle_bin",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("owner_id", Integer),
    Column("deleted_at", UTCDateTime, nullable=False),
    Column("deleted_by_id", Integer, ForeignKey("users.id")),
    Column("related_count", Integer, nullable=False, server_default=text("0")),
    Column("payload", JSON, nullable=False),
    Index("ix_recycle_bin_record", "object_type", "record_id"),
    Index("ix_recycle_bin_deleted_at", "deleted_at", "id"),
    Index("ix_recycle_bin_deleted_by", "deleted_by_id", "deleted_at"),
)

# Background jobs (issue 9): the queue workers take work from. A job is queued, then
# running (one worker holds it, refreshing ``heartbeat_at``), then succeeded, failed or
# cancelled; a failed attempt goes back to queued with a later ``run_after`` until
# ``max_attempts``. ``unique_key`` names work that must not be queued twice at once
# (an import, a scheduled purge): at most one unfinished job per key.
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(12), nullable=False),
    Column("priority", Integer, nullable=False, server_default=text("0")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("max_attempts", Integer, nullable=False),
    Column("run_after", UTCDateTime, nullable=False),
    Column("unique_key", String(200)),
    Column("worker", String(120)),
    Column("heartbeat_at", UTCDateTime),
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("progress", JSON),
    Column("result", JSON),
    Column("error", Text),
    Column("created_by_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    CheckConstraint(
        "state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="state"
    ),
    # Workers look for the next due job of the highest priority.
    Index("ix_jobs_due", "state", "run_after", "priority"),
    Index("ix_jobs_kind", "kind", "id"),
    Index(
        "uq_jobs_unique_key_open",
        "unique_key",
        unique=True,
        sqlite_where=text("state IN ('queued', 'running')"),
        postgresql_where=text("state IN ('queued', 'running')"),
    ),
)

# The Salesforce-compatible API's request count per UTC day, shared by every server process
# (each adds its requests in small batches).
api_usage_days = Table(
    "api_usage_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("requests", Integer, nullable=False, server_default=text("0")),
)

# One row whose version goes up with every change to the small tables each process keeps
# a copy of (users, picklists, stages, queues, org-wide defaults): triggers bump it, so a
# process knows its copies are current from one read (services/reference_cache.py).
reference_versions = Table(
    "reference_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
