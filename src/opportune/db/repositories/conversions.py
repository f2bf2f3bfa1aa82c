"""Lead conversions: conversion records, field mappings, and the set-based reads and writes
a bulk conversion needs (many rows per statement, ids returned in input order)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from opportune.db import tables as t
from opportune.db.match_keys import KEY_SOURCES, refresh_keys, with_keys
from opportune.db.repositories._common import sqlite_last_id
from opportune.db.repositories.activities import activity_from_row
from opportune.db.repositories.leads import lead_from_row
from opportune.db.repositories.stage_periods import StageEntry, StagePeriodRepository
from opportune.domain.accounts import Account
from opportune.domain.activities import Activity
from opportune.domain.contacts import Contact
from opportune.domain.conversion import (
    ActivityLink,
    ConversionRecord,
    FieldMapping,
    MergedFields,
)
from opportune.domain.leads import Lead
from opportune.domain.opportunities import ContactRole, Opportunity

# SQLite binds at most 32,766 variables per statement; 500 rows of ~40 columns stay below.
CHUNK = 500
TABLES: dict[str, Table] = {
    "account": t.accounts,
    "contact": t.contacts,
    "opportunity": t.opportunities,
    "activity": t.activities,
}


class ConversionRepository:
    """Conversion records and mappings, and bulk access to the records conversion touches."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- reads for planning ---------------------------------------------------------------

    def leads_for_update(self, ids: Iterable[int]) -> dict[int, Lead]:
        """The leads with these ids, locked against concurrent conversion until commit."""
        stmt = select(t.leads).where(self._one_of(t.leads.c.id, set(ids))).with_for_update()
        return {row.id: lead_from_row(row._mapping) for row in self.conn.execute(stmt)}

    def accounts(self, ids: Iterable[int]) -> dict[int, Account]:
        """Accounts by id (missing ids left out)."""
        return {r.id: r for r in _records(self.conn, t.accounts, Account, ids)}

    def contacts(self, ids: Iterable[int]) -> dict[int, Contact]:
        """Contacts by id (missing ids left out)."""
        return {r.id: r for r in _records(self.conn, t.contacts, Contact, ids)}

    def opportunities(self, ids: Iterable[int]) -> dict[int, Opportunity]:
        """Opportunities by id (missing ids left out)."""
        return {r.id: r for r in _records(self.conn, t.opportunities, Opportunity, ids)}

    def roles_of(self, opportunity_ids: Iterable[int]) -> dict[int, list[ContactRole]]:
        """The contact roles of these opportunities, by opportunity id."""
        roles = t.opportunity_contact_roles
        found: dict[int, list[ContactRole]] = defaultdict(list)
        wanted = set(opportunity_ids)
        if not wanted:
            return found
        stmt = select(roles).where(roles.c.opportunity_id.in_(wanted))
        for row in self.conn.execute(stmt).mappings():
            found[row["opportunity_id"]].append(ContactRole(**row))
        return found

    def activities_of_leads(self, lead_ids: Iterable[int]) -> dict[int, list[Activity]]:
        """The activities of these leads, by lead id, oldest first."""
        a = t.activities
        stmt = select(a).where(self._one_of(a.c.lead_id, set(lead_ids))).order_by(a.c.id)
        found: dict[int, list[Activity]] = defaultdict(list)
        for row in self.conn.execute(stmt).mappings():
            found[row["lead_id"]].append(activity_from_row(row))
        return found

    def account_candidates(
        self, name_keys: Iterable[str], domains: Iterable[str], limit: int = 1000
    ) -> list[Account]:
        """Accounts with one of these company keys or web domains (not merged ones)."""
        c = t.accounts.c
        names, sites = set(name_keys), set(domains)
        if not names and not sites:
            return []
        stmt = _columns(t.accounts, Account).where(
            or_(self._one_of(c.name_key, names), self._one_of(c.website_domain, sites)),
            c.merged_into_id.is_(None),
        )
        return [_build(Account, row) for row in self.conn.execute(stmt.limit(limit)).mappings()]

    def contact_candidates(
        self, email_keys: Iterable[str], name_keys: Iterable[str], limit: int = 1000
    ) -> list[tuple[Contact, str | None]]:
        """Contacts with one of these email or name keys, with their account's name (not
        merged ones)."""
        c, a = t.contacts.c, t.accounts.c
        emails, names = set(email_keys), set(name_keys)
        if not emails and not names:
            return []
        stmt = (
            _columns(t.contacts, Contact)
            .add_columns(a.name.label("account_name"))
            .outerjoin(t.accounts, a.id == c.account_id)
            .where(or_(self._one_of(c.email_key, emails), self._one_of(c.name_key, names)))
            .where(c.merged_into_id.is_(None))
        )
        rows = self.conn.execute(stmt.limit(limit)).mappings()
        return [(_build(Contact, row), row["account_name"]) for row in rows]

    def _one_of(self, column: Column[Any], values: set[Any]) -> ColumnElement[bool]:
        """``column IN values``, as a semi-join on PostgreSQL.

        PostgreSQL compares a list of hundreds of bound values one by one per row; when
        its statistics still describe a small table (as they do during a bulk conversion
        that makes it grow), it scans the table that way, which grows with the table. A
        subquery over one array parameter is hashed instead, whatever the plan.
        """
        if self.conn.dialect.name != "postgresql":
            return column.in_(values)
        array = bindparam(None, sorted(values), type_=ARRAY(column.type))
        return column.in_(select(func.unnest(array)).scalar_subquery())

    def versions(self, kind: str, ids: Iterable[int]) -> dict[int, int]:
        """The current version of each record of ``kind`` that still exists."""
        table = TABLES[kind]
        stmt = select(table.c.id, table.c.version).where(table.c.id.in_(set(ids)))
        return {row.id: row.version for row in self.conn.execute(stmt)}

    # --- set-based writes -----------------------------------------------------------------

    def insert_many(self, kind: str, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows of ``kind`` (or ``role``, ``snapshot``) and return their ids in order."""
        table = _write_table(kind)
        if kind in KEY_SOURCES:
            rows = [with_keys(kind, row) for row in rows]
        if not rows:
            return []
        if kind == "snapshot":
            # Every stage snapshot also opens (or moves) the opportunity's stay in a stage.
            StagePeriodRepository(self.conn).record_many([StageEntry.of(r) for r in rows])
        rows = _without_empty_columns(rows)
        if self.conn.dialect.name == "sqlite" and len(rows) > 1:
            return self._insert_numbered(table, rows)
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(self.conn.execute(stmt, list(rows[start : start + CHUNK])).scalars())
        return ids

    def _insert_numbered(self, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
        """SQLite: number the rows ourselves and insert them in one executemany.

        SQLite does not promise RETURNING's order, so SQLAlchemy would insert such rows one
        at a time; numbering after the highest id ever used is safe because a writing unit
        of work holds SQLite's only write lock from its first statement to its commit.
        """
        first = sqlite_last_id(self.conn, table) + 1
        ids = list(range(first, first + len(rows)))
        self.conn.execute(
            insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
        return ids

    def update_many(self, kind: str, rows: Sequence[dict[str, Any]]) -> None:
        """Update rows of ``kind``: each dict holds ``id`` and the columns to set.

        The version goes up by one unless a row sets it. Rows setting the same columns go
        in one executemany.
        """
        table = _write_table(kind)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            columns = tuple(sorted(name for name in row if name != "id"))
            groups[columns].append({f"b_{k}": v for k, v in row.items()})
        for columns, params in groups.items():
            stmt = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({name: bindparam(f"b_{name}") for name in columns})
            )
            if "version" not in columns:
                stmt = stmt.values({"version": table.c.version + 1})
            self.conn.execute(stmt, params)
        if kind in KEY_SOURCES:
            refresh_keys(self.conn, kind, (row["id"] for row in rows))

    def delete_many(self, kind: str, ids: Iterable[int]) -> None:
        """Delete records of ``kind`` (or ``role``) by id."""
        table = _write_table(kind)
        self.conn.execute(delete(table).where(table.c.id.in_(set(ids))))

    def convert_leads(self, rows: Sequence[dict[str, Any]]) -> int:
        """Mark leads converted where they are still unconverted at the version planned from;
        return how many were (fewer means someone else got there first)."""
        c = t.leads.c
        stmt = (
            update(t.leads)
            .where(c.id == bindparam("b_id"), c.version == bindparam("b_version"),
                   c.is_converted == False)  # noqa: E712
            .values({**{name: bindparam(f"b_{name}") for name in _LEAD_CONVERSION_COLUMNS},
                     "version": c.version + 1})
        )  # fmt: skip
        params = [{f"b_{k}": v for k, v in row.items()} for row in rows]
        result = self.conn.execute(stmt, params)
        return result.rowcount

    def attached(self, kind: str, record_id: int, excluded: Mapping[str, Iterable[int]]) -> int:
        """How many records refer to this account, contact or opportunity, leaving out the
        ids in ``excluded`` (by kind: contact, opportunity, role, activity)."""
        total = 0
        for ref_kind, column in _REFERENCES[kind]:
            table = _write_table(ref_kind)
            stmt = select(func.count()).select_from(table).where(column == record_id)
            skip = set(excluded.get(ref_kind, ()))
            if skip:
                stmt = stmt.where(table.c.id.not_in(skip))
            total += self.conn.execute(stmt).scalar_one()
        return total

    def delete_history(
        self,
        records: Iterable[tuple[str, int]],
        *,
        at: datetime | None = None,
        by: int | None = None,
    ) -> None:
        """Delete field history of these (object type, id) records: all of it, or only the
        entries written at ``at`` by ``by``."""
        h = t.field_history.c
        for object_type, record_id in records:
            stmt = delete(t.field_history).where(
                h.object_type == object_type, h.record_id == record_id
            )
            if at is not None:
                stmt = stmt.where(h.changed_at == at, h.changed_by_id == by)
            self.conn.execute(stmt)

    # --- conversion records ---------------------------------------------------------------

    def add_records(self, records: Sequence[ConversionRecord]) -> list[int]:
        """Store conversion records; return their ids."""
        return self.insert_many("conversion", [_record_row(r) for r in records])

    def in_force(self, lead_id: int) -> ConversionRecord | None:
        """The lead's conversion that has not been undone, if any."""
        c = t.lead_conversions.c
        stmt = select(t.lead_conversions).where(c.lead_id == lead_id, c.undone_at.is_(None))
        row = self.conn.execute(stmt).mappings().first()
        return _record(row) if row else None

    def history(self, lead_id: int) -> list[ConversionRecord]:
        """Every conversion of the lead, undone ones included, oldest first."""
        c = t.lead_conversions.c
        stmt = select(t.lead_conversions).where(c.lead_id == lead_id).order_by(c.id)
        return [_record(row) for row in self.conn.execute(stmt).mappings()]

    def mark_undone(self, record_id: int, actor_id: int, at: datetime) -> None:
        """Record that a conversion was undone, by whom and when."""
        c = t.lead_conversions.c
        stmt = update(t.lead_conversions).where(c.id == record_id)
        self.conn.execute(stmt.values(undone_at=at, undone_by_id=actor_id))

    # --- field mappings -------------------------------------------------------------------

    def mappings(self) -> list[FieldMapping]:
        """The administrator's extra field mappings, in the order they were made."""
        m = t.conversion_field_mappings
        rows = self.conn.execute(select(m).order_by(m.c.id))
        return [FieldMapping(r.lead_field, r.target, r.target_field) for r in rows]

    def replace_mappings(self, mappings: Sequence[FieldMapping]) -> None:
        """Replace every extra field mapping with ``mappings``."""
        m = t.conversion_field_mappings
        self.conn.execute(delete(m))
        if mappings:
            self.conn.execute(insert(m), [dataclasses.asdict(x) for x in mappings])


_LEAD_CONVERSION_COLUMNS = (
    "status_id", "is_converted", "converted_date", "converted_account_id",
    "converted_contact_id", "converted_opportunity_id", "updated_at", "updated_by_id",
)  # fmt: skip
_REFERENCES = {
    "account": (
        ("contact", t.contacts.c.account_id),
        ("opportunity", t.opportunities.c.account_id),
        ("account", t.accounts.c.parent_account_id),
        # Accounts and contacts merged into a created one keep pointing at it: undo must not
        # delete it from under them.
        ("account", t.accounts.c.merged_into_id),
        ("activity", t.activities.c.account_id),
    ),
    "contact": (
        ("role", t.opportunity_contact_roles.c.contact_id),
        ("activity", t.activities.c.contact_id),
        ("contact", t.contacts.c.merged_into_id),
    ),
    "opportunity": (
        ("role", t.opportunity_contact_roles.c.opportunity_id),
        ("activity", t.activities.c.opportunity_id),
    ),
}
_WRITE_TABLES = {
    **TABLES,
    "lead": t.leads,
    "role": t.opportunity_contact_roles,
    "snapshot": t.opportunity_history,
    "field_history": t.field_history,
    "conversion": t.lead_conversions,
}


def _without_empty_columns(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without the columns that are empty in every one of them: fewer bound values
    per statement, and the columns take their default (NULL) anyway."""
    used = {name for row in rows for name, value in row.items() if value is not None}
    return [{name: row[name] for name in row if name in used} for row in rows]


def _write_table(kind: str) -> Table:
    return _WRITE_TABLES[kind]


def _records(conn: Connection, table: Table, cls: Any, ids: Iterable[int]) -> list[Any]:
    wanted = set(ids)
    if not wanted:
        return []
    stmt = _columns(table, cls).where(table.c.id.in_(wanted))
    return [_build(cls, row) for row in conn.execute(stmt).mappings()]


def _columns(table: Table, cls: Any) -> Select[Any]:
    """SELECT of the table's columns that ``cls`` (a domain dataclass) has fields for."""
    return select(*(table.c[f.name] for f in dataclasses.fields(cls)))


def _build(cls: Any, row: RowMapping) -> Any:
    return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


# --- the conversion record as a row: details as JSON with typed values ------------------------


def encode(value: object) -> object:
    """A value as JSON can hold it; decimals and dates are tagged so they come back typed."""
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def decode(value: object) -> object:
    """The value :func:`encode` stored."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "decimal":
            return Decimal(text)
        if tag == "datetime":
            return datetime.fromisoformat(text)
        if tag == "date":
            return date.fromisoformat(text)
    return value


def _encoded(values: Mapping[str, object]) -> dict[str, object]:
    return {name: encode(value) for name, value in values.items()}


def _decoded(values: Mapping[str, object]) -> dict[str, object]:
    return {name: decode(value) for name, value in values.items()}


def _record_row(record: ConversionRecord) -> dict[str, Any]:
    details = {
        "created": {k: list(v) for k, v in record.created.items()},
        "merged": {k: {"record_id": m.record_id,
                       "fields": {f: [encode(p), encode(n)] for f, (p, n) in m.fields.items()}}
                   for k, m in record.merged.items()},
        "role_id": record.role_id,
        "activities": [{"id": a.activity_id, "before": a.before, "version": a.version_after}
                       for a in record.activities],
        "unmapped": _encoded(record.unmapped),
        "options": _encoded(record.options),
        "stamps": {key: _encoded(values) for key, values in record.stamps.items()},
    }  # fmt: skip
    return {
        "lead_id": record.lead_id, "converted_at": record.converted_at,
        "converted_by_id": record.converted_by_id, "status_before_id": record.lead_status_id,
        "account_id": record.account_id, "contact_id": record.contact_id,
        "opportunity_id": record.opportunity_id, "details": details,
    }  # fmt: skip


def _record(row: RowMapping) -> ConversionRecord:
    details = row["details"]
    merged = {
        kind: MergedFields(m["record_id"],
                           {f: (decode(p), decode(n)) for f, (p, n) in m["fields"].items()})
        for kind, m in details["merged"].items()
    }  # fmt: skip
    return ConversionRecord(
        lead_id=row["lead_id"], converted_at=row["converted_at"],
        converted_by_id=row["converted_by_id"], lead_status_id=row["status_before_id"],
        account_id=row["account_id"], contact_id=row["contact_id"],
        opportunity_id=row["opportunity_id"],
        created={k: (v[0], v[1]) for k, v in details["created"].items()}, merged=merged,
        role_id=details["role_id"],
        activities=tuple(ActivityLink(a["id"], a["before"], a["version"])
                         for a in details["activities"]),
        unmapped=_decoded(details["unmapped"]), options=_decoded(details["options"]),
        stamps={key: _decoded(values) for key, values in details["stamps"].items()},
        id=row["id"], undone_at=row["undone_at"], undone_by_id=row["undone_by_id"],
    )  # fmt: skip
