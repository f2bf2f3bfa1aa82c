"""The recycle bin's rules: what a deleted record takes with it, and who may do what.

A deleted record goes to the bin with every row deleted with it (an account's contacts,
opportunities and activities; an opportunity's history, stage periods and contact roles;
records merged into it; its field history and shares), and with the links that the delete
clears (a child account's parent, a web-form submission's lead), so that a restore puts
everything back as it was. Purging an entry (by hand, or after the retention period)
deletes it for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opportune.domain.users import Role, User

# The kinds of record that can be deleted into the bin, and their tables.
RECORD_TABLES: dict[str, str] = {
    "lead": "leads",
    "account": "accounts",
    "contact": "contacts",
    "opportunity": "opportunities",
    "activity": "activities",
}
OBJECT_TYPES: dict[str, str] = {table: kind for kind, table in RECORD_TABLES.items()}


@dataclass(frozen=True, slots=True)
class Link:
    """Rows of ``table`` whose ``column`` holds the id of the record being deleted.

    ``goes_with``: the rows are deleted (binned) with it; otherwise the column is cleared
    and set again on restore.
    """

    table: str
    column: str
    goes_with: bool = True


# For each binned table: the rows that refer to one of its records, and what a delete does
# with them. Records merged into a deleted record go with it (they are hidden already).
LINKS: dict[str, tuple[Link, ...]] = {
    "leads": (
        Link("activities", "lead_id"),
        Link("lead_conversions", "lead_id"),
        Link("leads", "merged_into_id"),
        Link("web_form_submissions", "lead_id", goes_with=False),
    ),
    "accounts": (
        Link("contacts", "account_id"),
        Link("opportunities", "account_id"),
        Link("activities", "account_id"),
        Link("accounts", "merged_into_id"),
        Link("accounts", "parent_account_id", goes_with=False),
    ),
    "contacts": (
        Link("opportunity_contact_roles", "contact_id"),
        Link("activities", "contact_id"),
        Link("contacts", "merged_into_id"),
    ),
    "opportunities": (
        Link("opportunity_history", "opportunity_id"),
        Link("opportunity_stage_periods", "opportunity_id"),
        Link("opportunity_contact_roles", "opportunity_id"),
        Link("activities", "opportunity_id"),
    ),
}

# Rows that belong to a record through ``(object_type, record_id)`` rather than a foreign
# key: they go to the bin with the record too.
KEYED_TABLES: tuple[str, ...] = ("field_history", "record_shares")

# Every table whose rows the bin holds (their ids are never reused: see migration 0012).
BINNED_TABLES: tuple[str, ...] = (
    *RECORD_TABLES.values(),
    "opportunity_history",
    "opportunity_stage_periods",
    "opportunity_contact_roles",
    "lead_conversions",
    *KEYED_TABLES,
)

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True, slots=True)
class BinEntry:
    """One deleted record in the bin, with how many rows went with it."""

    id: int
    object_type: str
    record_id: int
    name: str
    owner_id: int | None
    deleted_at: datetime
    deleted_by_id: int | None
    related_count: int


@dataclass(frozen=True, slots=True)
class Payload:
    """What a restore needs: rows by table (JSON-safe), and the links the delete cleared
    as ``{"table", "column", "id", "value"}``."""

    rows: dict[str, list[dict[str, Any]]]
    unlinked: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The payload as stored in the bin."""
        return {"rows": self.rows, "unlinked": self.unlinked}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Payload:
        """The payload read back from the bin."""
        return cls(dict(data.get("rows", {})), list(data.get("unlinked", [])))

    def related_count(self) -> int:
        """How many deleted records and rows went with the main one."""
        return sum(len(rows) for rows in self.rows.values()) - 1

    def record_ids(self) -> dict[str, list[int]]:
        """The ids of the deleted records by kind (``lead``, ``activity``...)."""
        return {
            OBJECT_TYPES[table]: [int(row["id"]) for row in rows]
            for table, rows in self.rows.items()
            if table in OBJECT_TYPES and rows
        }


def record_name(object_type: str, row: dict[str, Any]) -> str:
    """What the bin shows for a deleted record: its name, subject or title."""
    if object_type in ("lead", "contact"):
        parts = (row.get("first_name"), row.get("last_name"))
        return " ".join(str(p) for p in parts if p) or f"{object_type} {row['id']}"
    if object_type == "activity":
        label = row.get("subject") or row.get("title")
        return str(label) if label else f"{row.get('kind', 'activity')} {row['id']}"
    return str(row.get("name") or f"{object_type} {row['id']}")


def deletion_log_kind(object_type: str, row: dict[str, Any]) -> str:
    """The kind under which a deletion is logged for integrations (tasks and calls are
    served as Task, notes as notes)."""
    if object_type != "activity":
        return object_type
    return "note" if row.get("kind") == "note" else "task"


def can_see(actor: User, entry: BinEntry) -> bool:
    """Admins see every entry; others the entries they deleted."""
    return actor.role is Role.ADMIN or entry.deleted_by_id == actor.id


def can_restore(actor: User, entry: BinEntry) -> bool:
    """The user who deleted the record, or an admin, may restore it."""
    return can_see(actor, entry)


def can_purge(actor: User) -> bool:
    """Only admins purge entries (one, or the whole bin)."""
    return actor.role is Role.ADMIN


def expiry_cutoff(now: datetime, retention_days: int) -> datetime:
    """Entries deleted before this moment are purged."""
    return now - timedelta(days=retention_days)
