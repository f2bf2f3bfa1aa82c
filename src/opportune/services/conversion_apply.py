"""Writing conversion plans: many leads at once, with set-based statements.

:func:`apply_plans` turns the plans of one batch into a few executemany statements per
table (new accounts, then contacts, then opportunities with their first stage snapshot,
contact roles, re-linked activities, merged fields, the leads, the conversion records) and
returns one :class:`Applied` per plan. It runs inside the caller's unit of work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opportune.db.repositories.conversions import ConversionRepository
from opportune.domain.accounts import Account
from opportune.domain.activities import Activity
from opportune.domain.contacts import Contact
from opportune.domain.conversion import (
    ActivityLink,
    ConversionPlan,
    ConversionRecord,
    MergedFields,
    RecordPlan,
)
from opportune.domain.field_history import field_changes
from opportune.domain.history import make_snapshot
from opportune.domain.leads import Lead
from opportune.domain.opportunities import Opportunity
from opportune.errors import ConflictError

__all__ = ["Applied", "Planned", "apply_plans"]

_CLASSES: dict[str, Any] = {"account": Account, "contact": Contact, "opportunity": Opportunity}
_STAMPS = ("version", "updated_at", "updated_by_id")
LEAD_CHANGES = (
    "status_id",
    "is_converted",
    "converted_date",
    "converted_account_id",
    "converted_contact_id",
    "converted_opportunity_id",
)


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan with what it was made from: the lead, the records it merges into (as they
    were before this batch touched them), the lead's activities, and the options given."""

    plan: ConversionPlan
    lead: Lead
    merged: dict[str, Any]
    activities: Sequence[Activity]
    options: dict[str, object]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Applied:
    """The ids a conversion ended with."""

    lead_id: int
    account_id: int
    contact_id: int
    opportunity_id: int | None


class _Batch:
    """The writes of one batch, table by table; ``ids`` holds each plan's record ids."""

    def __init__(self, repo: ConversionRepository, actor_id: int, now: datetime) -> None:
        self.repo, self.actor_id, self.now = repo, actor_id, now
        self.ids: list[dict[str, int | None]] = []
        self.history: list[dict[str, Any]] = []
        self.snapshots: list[dict[str, Any]] = []

    def stamps(self) -> dict[str, Any]:
        return {"updated_at": self.now, "updated_by_id": self.actor_id}

    def new_record(self, plan: RecordPlan, links: dict[str, int | None]) -> Any:
        values = {
            **plan.values,
            **links,
            "created_at": self.now,
            "created_by_id": self.actor_id,
            **self.stamps(),
        }
        return _CLASSES[plan.kind](**values)

    def create(self, kind: str, plans: Sequence[tuple[int, RecordPlan, dict[str, Any]]]) -> None:
        records = [self.new_record(plan, links) for _, plan, links in plans]
        rows = [_row(record) for record in records]
        for (index, _, _), new_id, record in zip(
            plans, self.repo.insert_many(kind, rows), records, strict=True
        ):
            record.id = new_id
            self.ids[index][kind] = new_id
            if kind == "opportunity":
                self.snapshots.append(_plain(make_snapshot(record, self.actor_id, self.now)))

    def merge(self, kind: str, merges: Sequence[tuple[int, RecordPlan, Any]]) -> None:
        rows = []
        for index, plan, before in merges:
            self.ids[index][kind] = plan.record_id
            if not plan.values:
                continue
            rows.append({"id": plan.record_id, **plan.values, **self.stamps()})
            after = dataclasses.replace(before, **plan.values)
            self.history.extend(
                _plain(c)
                for c in field_changes(
                    kind, before, after, plan.values, actor_id=self.actor_id, now=self.now
                )
            )
        self.repo.update_many(kind, rows)


def apply_plans(
    repo: ConversionRepository, batch: Sequence[Planned], actor_id: int, now: datetime
) -> list[Applied]:
    """Write every plan of ``batch``; raise :class:`ConflictError` if a lead was converted
    by someone else meanwhile (the caller's transaction then rolls back)."""
    if not batch:
        return []
    writer = _Batch(repo, actor_id, now)
    writer.ids = [{} for _ in batch]
    for kind in ("account", "contact", "opportunity"):
        _write_kind(writer, kind, batch)
    repo.insert_many("snapshot", [_without_id(s) for s in writer.snapshots])
    role_ids = _add_roles(repo, batch, writer.ids)
    links = _move_activities(writer, batch)
    _convert_leads(writer, batch)
    repo.insert_many("field_history", [_without_id(h) for h in writer.history])
    records = [
        _record(p, ids, role_ids[i], links[i], actor_id, now)
        for i, (p, ids) in enumerate(zip(batch, writer.ids, strict=True))
    ]
    repo.add_records(records)
    return [
        Applied(p.plan.lead_id, _int(ids["account"]), _int(ids["contact"]), ids.get("opportunity"))
        for p, ids in zip(batch, writer.ids, strict=True)
    ]


def _write_kind(writer: _Batch, kind: str, batch: Sequence[Planned]) -> None:
    creates, merges = [], []
    for index, planned in enumerate(batch):
        plan = _plan_of(planned.plan, kind)
        if plan is None:
            writer.ids[index][kind] = None
        elif plan.creates:
            creates.append((index, plan, _links(kind, writer.ids[index])))
        else:
            merges.append((index, plan, planned.merged[kind]))
    writer.create(kind, creates)
    writer.merge(kind, merges)


def _plan_of(plan: ConversionPlan, kind: str) -> RecordPlan | None:
    found: RecordPlan | None = getattr(plan, kind)
    return found


def _links(kind: str, ids: dict[str, int | None]) -> dict[str, int | None]:
    """The account a new contact or opportunity belongs to."""
    return {} if kind == "account" else {"account_id": ids["account"]}


def _add_roles(
    repo: ConversionRepository, batch: Sequence[Planned], ids: Sequence[dict[str, int | None]]
) -> list[int | None]:
    rows, owners = [], []
    for index, planned in enumerate(batch):
        if planned.plan.primary_role is None:
            continue
        rows.append(
            {
                "opportunity_id": ids[index]["opportunity"],
                "contact_id": ids[index]["contact"],
                "role": None,
                "is_primary": planned.plan.primary_role,
            }
        )
        owners.append(index)
    role_ids: list[int | None] = [None] * len(batch)
    for index, role_id in zip(owners, repo.insert_many("role", rows), strict=True):
        role_ids[index] = role_id
    return role_ids


def _move_activities(writer: _Batch, batch: Sequence[Planned]) -> list[tuple[ActivityLink, ...]]:
    """Activities go to the contact, and to the opportunity (or else the account)."""
    rows, links = [], []
    for planned, ids in zip(batch, writer.ids, strict=True):
        by_id = {a.id: a for a in planned.activities}
        moved = []
        for move in planned.plan.activities:
            activity = by_id[move.activity_id]
            what = (
                {"opportunity_id": ids["opportunity"], "account_id": None}
                if ids["opportunity"]
                else {"opportunity_id": None, "account_id": ids["account"]}
            )
            owner = {"owner_id": move.owner_id} if move.owner_id else {}
            rows.append(
                {
                    "id": activity.id,
                    "lead_id": None,
                    "contact_id": ids["contact"],
                    **what,
                    **owner,
                    **writer.stamps(),
                }
            )
            moved.append(
                ActivityLink(move.activity_id, _activity_links(activity), activity.version + 1)
            )
        links.append(tuple(moved))
    writer.repo.update_many("activity", rows)
    return links


def _activity_links(activity: Activity) -> dict[str, int | None]:
    names = ("lead_id", "contact_id", "account_id", "opportunity_id", "owner_id")
    return {name: getattr(activity, name) for name in names}


def _convert_leads(writer: _Batch, batch: Sequence[Planned]) -> None:
    rows = []
    for planned, ids in zip(batch, writer.ids, strict=True):
        lead, plan = planned.lead, planned.plan
        after = dataclasses.replace(
            lead,
            status_id=plan.status_id,
            is_converted=True,
            converted_date=plan.converted_date,
            converted_account_id=ids["account"],
            converted_contact_id=ids["contact"],
            converted_opportunity_id=ids["opportunity"],
        )
        rows.append(
            {
                "id": lead.id,
                "version": lead.version,
                **{name: getattr(after, name) for name in LEAD_CHANGES},
                **writer.stamps(),
            }
        )
        writer.history.extend(
            _plain(c)
            for c in field_changes(
                "lead", lead, after, LEAD_CHANGES, actor_id=writer.actor_id, now=writer.now
            )
        )
    if writer.repo.convert_leads(rows) != len(rows):
        raise ConflictError(
            "A lead was converted or changed by someone else at the same time; nothing was "
            "converted in this batch: reload and try again",
            code="CANNOT_UPDATE_CONVERTED_LEAD",
        )


def _record(
    planned: Planned,
    ids: dict[str, int | None],
    role_id: int | None,
    links: tuple[ActivityLink, ...],
    actor_id: int,
    now: datetime,
) -> ConversionRecord:
    plan, lead = planned.plan, planned.lead
    created, merged = {}, {}
    for kind in ("account", "contact", "opportunity"):
        record_plan = _plan_of(plan, kind)
        if record_plan is None:
            continue
        if record_plan.creates:
            created[kind] = (_int(ids[kind]), 1)
        elif record_plan.values:
            merged[kind] = MergedFields(
                _int(record_plan.record_id),
                {
                    name: (record_plan.previous[name], value)
                    for name, value in record_plan.values.items()
                },
            )
    return ConversionRecord(
        lead_id=plan.lead_id,
        converted_at=now,
        converted_by_id=actor_id,
        lead_status_id=lead.status_id,
        account_id=_int(ids["account"]),
        contact_id=_int(ids["contact"]),
        opportunity_id=ids["opportunity"],
        created=created,
        merged=merged,
        role_id=role_id,
        activities=links,
        unmapped=plan.unmapped,
        options=planned.options,
        stamps=_stamps_before(planned, merged),
    )


def _stamps_before(
    planned: Planned, merged: dict[str, MergedFields]
) -> dict[str, dict[str, object]]:
    """Version and update stamps of everything the conversion changed, as they were."""
    stamps = {"lead": _stamp(planned.lead)}
    for kind, fields in merged.items():
        stamps[f"{kind}:{fields.record_id}"] = _stamp(planned.merged[kind])
    for activity in planned.activities:
        stamps[f"activity:{activity.id}"] = _stamp(activity)
    return stamps


def _stamp(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in _STAMPS}


def _row(record: object) -> dict[str, Any]:
    return _without_id(_plain(record))


def _plain(record: object) -> dict[str, Any]:
    """A dataclass's fields as a dict, values as they are (``asdict`` deep-copies them,
    which costs more than the whole insert)."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in dataclasses.fields(record))  # type: ignore[arg-type]
    return {name: getattr(record, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _without_id(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "id"}


def _int(value: int | None) -> int:
    assert value is not None
    return value
