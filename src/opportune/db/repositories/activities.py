"""Activities: single rows, related lists, a user's open tasks and moves on lead conversion."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.activities import OPEN, PRIORITIES, Activity, ActivityKind

ACTIVITY_COLUMNS = tuple(f.name for f in dataclasses.fields(Activity))
# The table each relation field points at.
RELATED_TABLES: dict[str, Table] = {
    "lead_id": t.leads,
    "contact_id": t.contacts,
    "account_id": t.accounts,
    "opportunity_id": t.opportunities,
}


class ActivityRepository:
    """Tasks, logged calls and notes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, activity_id: int) -> Activity | None:
        """The activity with this id, if any."""
        a = t.activities
        row = self.conn.execute(select(a).where(a.c.id == activity_id)).mappings().first()
        return _activity(row) if row else None

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

    def record_exists(self, field: str, record_id: int) -> bool:
        """True when the record a relation field would point at exists (converted or not)."""
        table = RELATED_TABLES[field]
        stmt = select(table.c.id).where(table.c.id == record_id)
        return self.conn.execute(stmt).first() is not None

    def for_record(self, field: str, record_id: int, limit: int = 200) -> list[Activity]:
        """The activities related to one record: open tasks first, then newest first."""
        assert field in RELATED_TABLES, f"not a relation field: {field}"
        a = t.activities
        column = a.c[field]
        is_open_task = and_(a.c.kind == ActivityKind.TASK.value, a.c.status == OPEN)
        stmt = (
            select(a)
            .where(column == record_id)
            .order_by(case((is_open_task, 0), else_=1), a.c.created_at.desc(), a.c.id.desc())
            .limit(limit)
        )
        return [_activity(row) for row in self.conn.execute(stmt).mappings()]

    def open_tasks_of(self, owner_id: int) -> list[Activity]:
        """The open tasks ``owner_id`` owns, soonest due first (see :func:`open_tasks_query`)."""
        return [_activity(row) for row in self.conn.execute(open_tasks_query(owner_id)).mappings()]

    def relink(
        self,
        *,
        from_lead_id: int,
        to_contact_id: int,
        to_account_id: int,
        to_opportunity_id: int | None,
        new_owner_id: int | None,
        actor_id: int | None = None,
        now: datetime | None = None,
    ) -> int:
        """Move a converted lead's activities to its contact and account or opportunity.

        Every activity of the lead moves to the contact; its record becomes the
        opportunity when one was created, else the account (an activity has one record).
        Only open tasks go to ``new_owner_id`` (``None`` keeps every owner); completed
        tasks, calls and notes stay with whoever owned them. One set-based UPDATE; each
        moved row gets a new version, and ``actor_id``/``now`` as its last change when
        given. Returns how many activities moved. The caller checks the target ids.
        """
        a = t.activities
        values: dict[str, Any] = {
            "lead_id": None,
            "contact_id": to_contact_id,
            "account_id": None if to_opportunity_id is not None else to_account_id,
            "opportunity_id": to_opportunity_id,
            "version": a.c.version + 1,
        }
        if new_owner_id is not None:
            is_open_task = and_(a.c.kind == ActivityKind.TASK.value, a.c.status == OPEN)
            values["owner_id"] = case((is_open_task, new_owner_id), else_=a.c.owner_id)
        if actor_id is not None:
            values["updated_by_id"] = actor_id
        if now is not None:
            values["updated_at"] = now
        stmt = update(a).where(a.c.lead_id == from_lead_id).values(values)
        return int(self.conn.execute(stmt).rowcount)


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


def _activity(row: RowMapping) -> Activity:
    values = dict(row)
    values["kind"] = ActivityKind(values["kind"])
    return Activity(**values)


def _values(activity: Activity) -> dict[str, Any]:
    values = {name: getattr(activity, name) for name in ACTIVITY_COLUMNS}
    values["kind"] = activity.kind.value
    if values["id"] is None:
        values.pop("id")
    return values
