"""Merge records, and the set-based reads and writes a merge and its undo need."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.match_keys import refresh_keys
from opportune.db.repositories._common import new_id
from opportune.db.types import UTCDateTime
from opportune.domain.merge import MergeRecord

RECORD_TABLES: dict[str, Table] = {"lead": t.leads, "contact": t.contacts, "account": t.accounts}
# The tables whose rows a merge may re-point (by name, as the merge record stores them).
TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        t.activities,
        t.web_form_submissions,
        t.opportunity_contact_roles,
        t.leads,
        t.contacts,
        t.accounts,
        t.opportunities,
    )
}
STAMPS = ("version", "updated_at", "updated_by_id")


def encode(value: Any) -> Any:
    """A column value as JSON can hold it (decimals as text, moments in ISO 8601)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def decode(table: Table, column: str, value: Any) -> Any:
    """A value :func:`encode` stored, back in the column's Python type."""
    if value is None:
        return None
    kind = table.c[column].type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if kind.python_type is Decimal:
        return Decimal(value)
    if kind.python_type is date:
        return date.fromisoformat(value)
    return value


class MergeRepository:
    """Merge records, and the set-based moves of related rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- the records merged -----------------------------------------------------------------

    def stamps(self, object_type: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Each record's version and last-update stamps (records that are gone left out)."""
        table = RECORD_TABLES[object_type]
        stmt = select(table.c.id, *(table.c[n] for n in STAMPS)).where(table.c.id.in_(set(ids)))
        return {
            row["id"]: {n: row[n] for n in STAMPS} for row in self.conn.execute(stmt).mappings()
        }

    def set_merged_into(
        self,
        object_type: str,
        record_id: int,
        master_id: int | None,
        stamps: Mapping[str, Any],
        expected_version: int,
    ) -> bool:
        """Point a record at its master (``None``: unmerge it) with new stamps, if its
        version is still ``expected_version``."""
        table = RECORD_TABLES[object_type]
        stmt = (
            update(table)
            .where(table.c.id == record_id, table.c.version == expected_version)
            .values(merged_into_id=master_id, **stamps)
        )
        return self.conn.execute(stmt).rowcount == 1

    def restore(self, object_type: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Write values back on a record and recompute its duplicate keys."""
        table = RECORD_TABLES[object_type]
        self.conn.execute(update(table).where(table.c.id == record_id).values(dict(values)))
        refresh_keys(self.conn, object_type, [record_id])

    def merged_records(self, object_type: str, master_id: int) -> list[int]:
        """The records merged into this one."""
        table = RECORD_TABLES[object_type]
        stmt = select(table.c.id).where(table.c.merged_into_id == master_id).order_by(table.c.id)
        return list(self.conn.execute(stmt).scalars())

    # --- related rows -----------------------------------------------------------------------

    def pointing_at(
        self, table_name: str, column: str, ids: Sequence[int], *, but: Iterable[int] = ()
    ) -> list[tuple[int, int]]:
        """(row id, referred id) of the rows whose ``column`` refers to one of ``ids``."""
        table = TABLES[table_name]
        stmt = select(table.c.id, table.c[column]).where(table.c[column].in_(ids))
        skip = set(but)
        if skip:
            stmt = stmt.where(table.c.id.notin_(skip))
        return [(row[0], row[1]) for row in self.conn.execute(stmt.order_by(table.c.id))]

    def repoint(self, table_name: str, column: str, row_ids: Sequence[int], to: int | None) -> None:
        """Set ``column`` to ``to`` on these rows (one statement)."""
        if row_ids:
            table = TABLES[table_name]
            stmt = update(table).where(table.c.id.in_(row_ids)).values({column: to})
            self.conn.execute(stmt)

    def values_of(self, table_name: str, column: str, row_ids: Iterable[int]) -> dict[int, Any]:
        """The current ``column`` of these rows (rows that are gone left out)."""
        table = TABLES[table_name]
        stmt = select(table.c.id, table.c[column]).where(table.c.id.in_(set(row_ids)))
        return {row[0]: row[1] for row in self.conn.execute(stmt)}

    def roles_of(self, contact_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The opportunity contact roles of these contacts, whole rows, by id."""
        roles = t.opportunity_contact_roles
        stmt = select(roles).where(roles.c.contact_id.in_(contact_ids)).order_by(roles.c.id)
        return [dict(row) for row in self.conn.execute(stmt).mappings()]

    def delete_roles(self, role_ids: Sequence[int]) -> None:
        """Delete these contact roles."""
        if role_ids:
            roles = t.opportunity_contact_roles
            self.conn.execute(delete(roles).where(roles.c.id.in_(role_ids)))

    def add_roles(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert contact roles again, with their ids."""
        if rows:
            self.conn.execute(insert(t.opportunity_contact_roles), [dict(r) for r in rows])

    def existing_ids(self, table_name: str, ids: Iterable[int]) -> set[int]:
        """Which of these ids exist in the table."""
        table = TABLES[table_name]
        stmt = select(table.c.id).where(table.c.id.in_(set(ids)))
        return set(self.conn.execute(stmt).scalars())

    def open_reports(self, object_type: str, ids: Sequence[int]) -> list[int]:
        """Unresolved duplicate reports naming one of these records, on either side."""
        r = t.duplicate_reports.c
        stmt = (
            select(r.id)
            .where(
                r.resolved_at.is_(None),
                or_(
                    and_(r.object_type == object_type, r.record_id.in_(ids)),
                    and_(r.other_type == object_type, r.other_id.in_(ids)),
                ),
            )
            .order_by(r.id)
        )
        return list(self.conn.execute(stmt).scalars())

    def resolve_reports(self, report_ids: Sequence[int], at: datetime | None) -> None:
        """Mark duplicate reports resolved at ``at`` (``None``: open again)."""
        if report_ids:
            r = t.duplicate_reports
            self.conn.execute(update(r).where(r.c.id.in_(report_ids)).values(resolved_at=at))

    def conversions_naming(self, object_type: str, ids: Sequence[int]) -> list[int]:
        """Lead conversions that produced or used one of these contacts or accounts."""
        if object_type not in ("contact", "account"):
            return []
        c = t.lead_conversions.c
        column = c.contact_id if object_type == "contact" else c.account_id
        return list(self.conn.execute(select(c.id).where(column.in_(ids)).order_by(c.id)).scalars())

    def history_counts(self, object_type: str, ids: Sequence[int]) -> dict[int, int]:
        """How many field history rows each record has."""
        fh = t.field_history.c
        stmt = (
            select(fh.record_id, func.count())
            .where(fh.object_type == object_type, fh.record_id.in_(ids))
            .group_by(fh.record_id)
        )
        return {row[0]: int(row[1]) for row in self.conn.execute(stmt)}

    def delete_history(
        self, object_type: str, record_ids: Sequence[int], *, at: datetime, by: int
    ) -> None:
        """Delete the field history a merge wrote (its moment and author) on these records."""
        fh = t.field_history
        self.conn.execute(
            delete(fh).where(
                fh.c.object_type == object_type,
                fh.c.record_id.in_(record_ids),
                fh.c.changed_at == at,
                fh.c.changed_by_id == by,
            )
        )

    # --- merge records ----------------------------------------------------------------------

    def add(self, record: MergeRecord) -> int:
        """Store a merge record and return its id."""
        values = {
            "object_type": record.object_type,
            "master_id": record.master_id,
            "merged_ids": list(record.merged_ids),
            "details": record.details,
            "merged_by_id": record.merged_by_id,
            "merged_at": record.merged_at,
        }
        return new_id(self.conn.execute(insert(t.merges).values(values)))

    def get(self, merge_id: int) -> MergeRecord | None:
        """The merge with this id, if any."""
        row = self.conn.execute(select(t.merges).where(t.merges.c.id == merge_id)).mappings()
        found = row.first()
        return _merge(found) if found else None

    def for_record(self, object_type: str | None, record_id: int | None) -> list[MergeRecord]:
        """Merges, newest first: of one kind, and naming one record as master or merged."""
        m = t.merges.c
        stmt = select(t.merges).order_by(m.merged_at.desc(), m.id.desc()).limit(200)
        if object_type is not None:
            stmt = stmt.where(m.object_type == object_type)
        found = [_merge(row) for row in self.conn.execute(stmt).mappings()]
        if record_id is None:
            return found
        return [r for r in found if record_id == r.master_id or record_id in r.merged_ids]

    def latest_into(self, object_type: str, record_id: int, master_id: int) -> MergeRecord | None:
        """The merge in force that merged this record into ``master_id``, if any."""
        m = t.merges.c
        stmt = (
            select(t.merges)
            .where(m.object_type == object_type, m.master_id == master_id, m.undone_at.is_(None))
            .order_by(m.id.desc())
        )
        for row in self.conn.execute(stmt).mappings():
            if record_id in row["merged_ids"]:
                return _merge(row)
        return None

    def mark_undone(self, merge_id: int, actor_id: int, now: datetime) -> None:
        """Record that the merge was undone, by whom and when."""
        stmt = update(t.merges).where(t.merges.c.id == merge_id)
        self.conn.execute(stmt.values(undone_at=now, undone_by_id=actor_id))


def _merge(row: RowMapping) -> MergeRecord:
    return MergeRecord(
        id=row["id"],
        object_type=row["object_type"],
        master_id=row["master_id"],
        merged_ids=tuple(row["merged_ids"]),
        details=dict(row["details"]),
        merged_by_id=row["merged_by_id"],
        merged_at=row["merged_at"],
        undone_at=row["undone_at"],
        undone_by_id=row["undone_by_id"],
    )
