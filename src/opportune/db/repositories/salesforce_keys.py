"""Records by the id they had in Salesforce, and what a migration writes beside the services.

A Salesforce import keeps each record's original 18-character id in ``salesforce_id``;
it finds records by it in bulk, sets it (with the record's external id, owner and
creation moment) after a service created the record, and writes the conversion of a
lead exported as already converted, which no service accepts as input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update

from opportune.db import tables as t

_TABLES: dict[str, Table] = {
    "user": t.users,
    "account": t.accounts,
    "contact": t.contacts,
    "opportunity": t.opportunities,
    "lead": t.leads,
    "activity": t.activities,
}
# Few enough bound parameters for every database in one IN list.
_BATCH = 500


@dataclass(frozen=True, slots=True)
class ImportedConversion:
    """The converted-lead fields of a lead imported as converted."""

    status_id: int
    converted_date: date | None
    account_id: int | None
    contact_id: int | None
    opportunity_id: int | None


class SalesforceKeyRepository:
    """Lookups and writes by Salesforce id, for the Salesforce import."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ids_by_salesforce_id(self, kind: str, salesforce_ids: Iterable[str]) -> dict[str, int]:
        """The Opportune ids of the ``kind`` records with these Salesforce ids (found ones)."""
        table = _TABLES[kind]
        wanted = sorted(set(salesforce_ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _BATCH):
            stmt = select(table.c.salesforce_id, table.c.id).where(
                table.c.salesforce_id.in_(wanted[start : start + _BATCH])
            )
            found.update({row[0]: row[1] for row in self.conn.execute(stmt)})
        return found

    def users_by_salesforce_id(self) -> dict[str, tuple[int, bool]]:
        """Every user with a Salesforce id: that id → (user id, is active)."""
        stmt = select(t.users.c.salesforce_id, t.users.c.id, t.users.c.is_active).where(
            t.users.c.salesforce_id.is_not(None)
        )
        return {row[0]: (row[1], bool(row[2])) for row in self.conn.execute(stmt)}

    def set_keys(
        self,
        kind: str,
        record_id: int,
        *,
        salesforce_id: str,
        external_id: str | None = None,
        owner_id: int | None = None,
        created_at: datetime | None = None,
    ) -> None:
        """Keep the record's Salesforce id, and its external id, owner or creation moment
        when given (an owner set here may be an inactive user: Salesforce allows it)."""
        table = _TABLES[kind]
        values: dict[str, Any] = {"salesforce_id": salesforce_id}
        if external_id is not None:
            values["external_id"] = external_id
        if owner_id is not None:
            values["owner_id"] = owner_id
        if created_at is not None:
            values["created_at"] = created_at
        self.conn.execute(update(table).where(table.c.id == record_id).values(values))

    def owner_of(self, kind: str, record_id: int) -> int | None:
        """The owner of a record (None when there is no such record)."""
        table = _TABLES[kind]
        stmt = select(table.c.owner_id).where(table.c.id == record_id)
        owner = self.conn.execute(stmt).scalar_one_or_none()
        return int(owner) if owner is not None else None

    def mark_converted(self, lead_id: int, conversion: ImportedConversion) -> None:
        """Write a lead as converted into the given records, as it was in Salesforce."""
        stmt = (
            update(t.leads)
            .where(t.leads.c.id == lead_id)
            .values(
                is_converted=True,
                status_id=conversion.status_id,
                converted_date=conversion.converted_date,
                converted_account_id=conversion.account_id,
                converted_contact_id=conversion.contact_id,
                converted_opportunity_id=conversion.opportunity_id,
                close_reason_id=None,
                version=t.leads.c.version + 1,
            )
        )
        self.conn.execute(stmt)

    def converted_targets(
        self, lead_ids: Iterable[int]
    ) -> dict[int, tuple[int | None, int | None]]:
        """For the converted ones of ``lead_ids``: lead id → (its contact, its opportunity)."""
        ids = sorted(set(lead_ids))
        stmt = select(
            t.leads.c.id, t.leads.c.converted_contact_id, t.leads.c.converted_opportunity_id
        ).where(t.leads.c.id.in_(ids), t.leads.c.is_converted)
        return {row[0]: (row[1], row[2]) for row in self.conn.execute(stmt)}
