"""Activities: single rows, related lists, a user's open tasks and moves on lead conversion."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    tuple_,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.db.visibility import visibility_filters
from opportune.domain.activities import OPEN, PRIORITIES, Activity, ActivityKind
from opportune.domain.listing import Cursor, Page
from opportune.domain.sharing import Viewer

ACTIVITY_COLUMNS = tuple(f.name for f in dataclasses.fields(Activity))
# The table each relation field points at.
RELATED_TABLES: dict[str, Table] = {
    "lead_id": t.leads,
    "contact_id": t.contacts,
    "account_id": t.accounts,
    "opportunity_id": t.opportunities,
}
# Open tasks without a due date come after every dated one.
NO_DUE_DATE = date.max


@dataclass(frozen=True, slots=True)
class RecordPosition:
    """The place of one activity in a record's list, where the next page starts after it.

    The list holds open tasks by due date (none last), then everything else newest
    first; so an open task is placed by its due date, anything else by its creation.
    """

    open_task: bool
    value: date | datetime
    id: int

    @classmethod
    def of(cls, activity: Activity) -> RecordPosition:
        """The position of a saved activity."""
        assert activity.id is not None and activity.created_at is not None
        if activity.is_open_task:
            return cls(True, activity.due_date or NO_DUE_DATE, activity.id)
        return cls(False, activity.created_at, activity.id)

    def encode(self) -> str:
        """An opaque, URL-safe page cursor for this position."""
        part = "open" if self.open_task else "rest"
        return Cursor(f"{part}:{self.value.isoformat()}", self.id).encode()

    @classmethod
    def decode(cls, cursor: Cursor) -> RecordPosition:
        """The position in a cursor made by :meth:`encode`; ``ValueError`` for anything else."""
        if cursor.backwards or not isinstance(cursor.value, str):
            raise ValueError("not a cursor of a record's activities")
        part, _, value = cursor.value.partition(":")
        if part == "open":
            return cls(True, date.fromisoformat(value), cursor.id)
        if part != "rest":
            raise ValueError("not a cursor of a record's activities")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return cls(False, moment.astimezone(UTC), cursor.id)


class ActivityRepository:
    """Tasks, logged calls and notes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, activity_id: int) -> Activity | None:
        """The activity with this id, if any."""
        a = t.activities
        row = self.conn.execute(select(a).where(a.c.id == activity_id)).mappings().first()
        return activity_from_row(row) if row else None

    def add(self, activity: Activity) -> int:
        """Insert an activity and return its id."""
        return new_id(self.conn.execute(insert(t.activities).values(_values(activity))))

    def update(self, activity: Activity, changed: Iterable[str], expected_version: int) -> bool:
        """Save changed columns if the stored version is still ``expected_version``."""
        values = {name: getattr(activity, name) for name in changed}
        if not values:
            return True
        a = t.activities
        stmt = (
            update(a).where(a.c.id == activity.id, a.c.version == expected_version).values(values)
        )
        return self.conn.execute(stmt).rowcount == 1

    def touch_lead(self, lead_id: int, moment: datetime) -> None:
        """Record that the lead was given an activity at ``moment`` (its last activity
        stays the latest; the lead's version is left alone, so no edit becomes stale)."""
        c = t.leads.c
        stmt = (
            update(t.leads)
            .where(c.id == lead_id)
            .where(or_(c.last_activity_at.is_(None), c.last_activity_at < moment))
            .values(last_activity_at=moment)
        )
        self.conn.execute(stmt)

    def delete(self, activity_id: int) -> bool:
        """Delete an activity; return False when it did not exist."""
        a = t.activities
        return self.conn.execute(delete(a).where(a.c.id == activity_id)).rowcount == 1

    def count(self) -> int:
        """How many activities exist."""
        return int(self.conn.execute(select(func.count()).select_from(t.activities)).scalar_one())

    def missing_references(self, refs: Mapping[str, int | None]) -> list[str]:
        """The relation fields in ``refs`` whose record does not exist (converted leads too).

        Keys are relation field names (``lead_id``, ``contact_id``, ``account_id``,
        ``opportunity_id``); ``None`` values are skipped.
        """
        missing: list[str] = []
        for field, record_id in refs.items():
            if record_id is None:
                continue
            table = RELATED_TABLES[field]
            stmt = select(table.c.id).where(table.c.id == record_id)
            if table is t.leads:
                stmt = stmt.where(t.leads.c.is_converted.is_(False))
            if self.conn.execute(stmt).first() is None:
                missing.append(field)
        return missing

    def merged_into(self, refs: Mapping[str, int | None]) -> dict[str, int]:
        """For the relation fields in ``refs`` naming a lead, contact or account merged
        into another, the id of the record it was merged into."""
        found: dict[str, int] = {}
        for field, record_id in refs.items():
            table = RELATED_TABLES[field]
            if record_id is None or "merged_into_id" not in table.c:
                continue
            stmt = select(table.c.merged_into_id).where(table.c.id == record_id)
            master = self.conn.execute(stmt).scalar()
            if master is not None:
                found[field] = int(master)
        return found

    def record_exists(self, field: str, record_id: int) -> bool:
        """True when the record a relation field would point at exists (converted or not)."""
        table = RELATED_TABLES[field]
        stmt = select(table.c.id).where(table.c.id == record_id)
        return self.conn.execute(stmt).first() is not None

    def for_record(
        self, field: str, record_id: int, *, after: RecordPosition | None, limit: int
    ) -> Page[Activity]:
        """One page of the activities related to one record, after ``after``.

        Open tasks come first, soonest due first (none last); then everything else,
        newest first. ``next_cursor`` (a :class:`RecordPosition`) is set when more follow.
        """
        assert field in RELATED_TABLES, f"not a relation field: {field}"
        column = t.activities.c[field]
        rows: list[RowMapping] = []
        if after is None or after.open_task:
            rows = self._open_tasks(column == record_id, after, limit + 1)
        if len(rows) <= limit:
            history_after = after if after is not None and not after.open_task else None
            rows += self._history(column == record_id, history_after, limit + 1 - len(rows))
        items = [activity_from_row(row) for row in rows[:limit]]
        more = len(rows) > limit
        next_cursor = RecordPosition.of(items[-1]).encode() if more else None
        return Page(items, next_cursor)

    def _open_tasks(
        self, related: ColumnElement[bool], after: RecordPosition | None, limit: int
    ) -> list[RowMapping]:
        a = t.activities
        due = func.coalesce(a.c.due_date, literal(NO_DUE_DATE, a.c.due_date.type))
        stmt = select(a).where(related, _is_open_task())
        if after is not None:
            bound = tuple_(literal(after.value, a.c.due_date.type), literal(after.id))
            stmt = stmt.where(tuple_(due, a.c.id) > bound)
        stmt = stmt.order_by(due, a.c.id).limit(limit)
        return list(self.conn.execute(stmt).mappings())

    def _history(
        self, related: ColumnElement[bool], after: RecordPosition | None, limit: int
    ) -> list[RowMapping]:
        a = t.activities
        stmt = select(a).where(related, not_(_is_open_task()))
        if after is not None:
            bound = tuple_(literal(after.value, a.c.created_at.type), literal(after.id))
            stmt = stmt.where(tuple_(a.c.created_at, a.c.id) < bound)
        stmt = stmt.order_by(a.c.created_at.desc(), a.c.id.desc()).limit(limit)
        return list(self.conn.execute(stmt).mappings())

    def names_of(
        self, refs: Mapping[str, Iterable[int]], viewer: Viewer | None = None
    ) -> dict[tuple[str, int], str]:
        """The names of related records, keyed by ``(relation field, id)``: one query per kind.

        Leads and contacts are named by first and last name, accounts and opportunities
        by their name; ids of records that do not exist, or that ``viewer`` (when given)
        may not read, are left out.
        """
        names: dict[tuple[str, int], str] = {}
        for field, ids in refs.items():
            table = RELATED_TABLES[field]
            wanted = sorted(set(ids))
            if not wanted:
                continue
            if "name" in table.c:
                stmt = select(table.c.id, table.c.name)
            else:
                stmt = select(table.c.id, table.c.first_name, table.c.last_name)
            visible = visibility_filters(field.removesuffix("_id"), viewer, table)
            for row in self.conn.execute(stmt.where(table.c.id.in_(wanted), *visible)):
                parts = row[1:]
                names[(field, row[0])] = " ".join(p for p in parts if p)
        return names

    def open_tasks_of(self, owner_id: int) -> list[Activity]:
        """The open tasks ``owner_id`` owns, soonest due first (see :func:`open_tasks_query`)."""
        rows = self.conn.execute(open_tasks_query(owner_id)).mappings()
        return [activity_from_row(row) for row in rows]


def open_tasks_query(owner_id: int) -> Select[Any]:
    """A user's open tasks through ``ix_activities_owner_status_due``.

    Order as :func:`opportune.domain.activities.open_and_overdue` defines it: due date
    (none last), priority (High first), then age.
    """
    a = t.activities
    rank = case(
        *((a.c.priority == name, i) for i, name in enumerate(PRIORITIES)), else_=len(PRIORITIES)
    )
    return (
        select(a)
        .where(a.c.owner_id == owner_id, a.c.status == OPEN, a.c.kind == ActivityKind.TASK.value)
        .order_by(a.c.due_date.is_(None), a.c.due_date, rank, a.c.id)
    )


def _is_open_task() -> ColumnElement[bool]:
    a = t.activities
    return and_(a.c.kind == ActivityKind.TASK.value, a.c.status == OPEN)


_ACTIVITY_FIELDS = tuple(f.name for f in dataclasses.fields(Activity))


def activity_from_row(row: RowMapping) -> Activity:
    """The activity of a row of ``activities`` (integration keys are not part of it)."""
    values = {name: row[name] for name in _ACTIVITY_FIELDS}
    values["kind"] = ActivityKind(values["kind"])
    return Activity(**values)


def _values(activity: Activity) -> dict[str, Any]:
    values = {name: getattr(activity, name) for name in ACTIVITY_COLUMNS}
    values["kind"] = activity.kind.value
    if values["id"] is None:
        values.pop("id")
    return values
