"""Activities: tasks to do, calls logged and notes kept, each tied to a person and/or a record.

An activity relates to at most one person (``who``: a lead or a contact) and at most one
record (``what``: an account or an opportunity). As in Salesforce, a lead cannot be
combined with an account or opportunity: a lead is not yet anyone's customer, so the
activity belongs on the contact it becomes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from opportune.domain.fields import (
    READ_ONLY_CODE,
    STAMP_FIELDS,
    ReadOnly,
    RecordSpec,
    choice,
    clean_fields,
    day,
    finish_update,
    has_error,
    integer,
    moment,
    ref,
    stamp_new,
    text,
)
from opportune.domain.picklists import match_choice
from opportune.errors import FieldError, ValidationError

__all__ = [
    "COMPLETED",
    "OPEN",
    "PRIORITIES",
    "SPECS",
    "TASK_STATUSES",
    "Activity",
    "ActivityKind",
    "OpenTasks",
    "complete_task",
    "is_overdue",
    "new_activity",
    "open_and_overdue",
    "update_activity",
]


class ActivityKind(StrEnum):
    """What an activity is: something to do, a call that happened, or a note."""

    TASK = "task"
    CALL = "call"
    NOTE = "note"


OPEN, COMPLETED = "Open", "Completed"
TASK_STATUSES = (OPEN, COMPLETED)
PRIORITIES = ("High", "Normal", "Low")
INTEGRITY = "FIELD_INTEGRITY_EXCEPTION"
RELATIONS = ("lead_id", "contact_id", "account_id", "opportunity_id")

_COMMON = (
    ref("owner_id", "user"),
    ref("lead_id", "lead"),
    ref("contact_id", "contact"),
    ref("account_id", "account"),
    ref("opportunity_id", "opportunity"),
)
_READ_ONLY = (ReadOnly(STAMP_FIELDS | {"completed_at"}),)
SPECS: dict[ActivityKind, RecordSpec] = {
    ActivityKind.TASK: RecordSpec(
        "task",
        (
            text("subject", 255, required=True),
            day("due_date"),
            choice("status", TASK_STATUSES, required=True),
            choice("priority", PRIORITIES, required=True),
            text("description", 32000),
            *_COMMON,
        ),
        _READ_ONLY,
    ),
    ActivityKind.CALL: RecordSpec(
        "call",
        (
            text("subject", 255, required=True),
            integer("call_duration_minutes", what="minutes"),
            text("outcome", 255),
            moment("occurred_at"),
            text("description", 32000),
            *_COMMON,
        ),
        _READ_ONLY,
    ),
    ActivityKind.NOTE: RecordSpec(
        "note",
        (text("title", 255, required=True), text("body", 32000), *_COMMON),
        _READ_ONLY,
    ),
}
# Used to still check every field when the kind itself is missing or wrong.
_ANY_KIND = RecordSpec(
    "activity",
    tuple({f.name: f for spec in SPECS.values() for f in spec.fields}.values()),
    _READ_ONLY,
)
_DEFAULTS: dict[ActivityKind, dict[str, object]] = {
    ActivityKind.TASK: {"status": OPEN, "priority": "Normal"},
    ActivityKind.CALL: {},
    ActivityKind.NOTE: {},
}


@dataclass(slots=True)
class Activity:
    """A task, a logged call or a note; the fields of the other kinds stay empty."""

    kind: ActivityKind
    owner_id: int
    id: int | None = None
    subject: str | None = None  # tasks and calls
    description: str | None = None  # tasks and calls
    due_date: date | None = None  # tasks
    status: str | None = None  # tasks: Open or Completed
    priority: str | None = None  # tasks: High, Normal or Low
    completed_at: datetime | None = None  # tasks, set when completed
    call_duration_minutes: int | None = None  # calls
    outcome: str | None = None  # calls
    occurred_at: datetime | None = None  # calls
    title: str | None = None  # notes
    body: str | None = None  # notes
    lead_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    opportunity_id: int | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1

    @property
    def is_open_task(self) -> bool:
        """True for a task still to do."""
        return self.kind is ActivityKind.TASK and self.status == OPEN


# --- creating and changing ----------------------------------------------------------------


def new_activity(raw: Mapping[str, object], *, actor_id: int, now: datetime) -> Activity:
    """Build a valid new activity from raw input; raise :class:`ValidationError` otherwise.

    ``kind`` (task, call or note) is required. A task starts Open with Normal priority;
    a call without ``occurred_at`` happened ``now``; without an owner, the activity
    belongs to the actor. A task created Completed is completed ``now``.
    """
    fields = dict(raw)
    errors: list[FieldError] = []
    kind = _kind(fields.pop("kind", None), errors)
    if kind is None:
        # Still check the rest, so that every bad field is reported at once.
        cleaned, more = clean_fields(_ANY_KIND, fields, creating=False)
    else:
        cleaned, more = clean_fields(SPECS[kind], _DEFAULTS[kind] | fields, creating=True)
    errors.extend(more)
    errors.extend(_relation_errors(cleaned, errors))
    if errors or kind is None:
        raise ValidationError(errors)
    owner_id = cleaned.pop("owner_id", None) or actor_id
    activity = Activity(kind=kind, owner_id=owner_id, **cleaned)  # type: ignore[arg-type]
    if kind is ActivityKind.CALL and activity.occurred_at is None:
        activity.occurred_at = now
    _sync_completion(None, activity, now)
    return stamp_new(activity, actor_id=actor_id, now=now)


def update_activity(
    activity: Activity, raw: Mapping[str, object], *, actor_id: int, now: datetime
) -> tuple[Activity, list[str]]:
    """Apply raw changes; return the new activity and the names of the changed fields.

    The kind cannot change. Setting a task's status to Completed records when; setting
    it back to Open clears that. The who/what rules apply to the result, so moving a
    task from a lead to a contact is one update setting ``lead_id`` to null as well.
    """
    fields = dict(raw)
    errors: list[FieldError] = []
    if "kind" in fields and _kind(fields.pop("kind"), errors) not in (activity.kind, None):
        errors.append(FieldError("kind", READ_ONLY_CODE, "The kind of an activity cannot change"))
    cleaned, more = clean_fields(SPECS[activity.kind], fields, creating=False)
    errors.extend(more)
    if "owner_id" in cleaned and cleaned["owner_id"] is None:
        errors.append(
            FieldError("owner_id", "REQUIRED_FIELD_MISSING", "An activity must have an owner")
        )
    current = {name: getattr(activity, name) for name in RELATIONS}
    errors.extend(_relation_errors(current | cleaned, errors))
    if errors:
        raise ValidationError(errors)
    updated = dataclasses.replace(activity, **cleaned)  # type: ignore[arg-type]
    _sync_completion(activity.status, updated, now)
    return finish_update(activity, updated, actor_id=actor_id, now=now)


def complete_task(task: Activity, actor_id: int, now: datetime) -> tuple[Activity, list[str]]:
    """Mark a task Completed at ``now``; completing a completed task changes nothing."""
    if task.kind is not ActivityKind.TASK:
        raise ValidationError.single("kind", "INVALID_OPERATION", "Only a task can be completed")
    if task.status == COMPLETED:
        return task, []
    return update_activity(task, {"status": COMPLETED}, actor_id=actor_id, now=now)


def _kind(value: object, errors: list[FieldError]) -> ActivityKind | None:
    """The activity kind named by ``value`` (any case), or ``None`` after adding an error."""
    names = tuple(k.value for k in ActivityKind)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(FieldError("kind", "REQUIRED_FIELD_MISSING", "Is required"))
        return None
    found = match_choice(names, value) if isinstance(value, str) else None
    if found is None:
        errors.append(
            FieldError(
                "kind",
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"Must be one of: {', '.join(names)}",
            )
        )
        return None
    return ActivityKind(found)


def _relation_errors(values: Mapping[str, object], errors: list[FieldError]) -> list[FieldError]:
    """Who/what problems in ``values``, except on fields that already have an error."""
    has = {name: values.get(name) is not None for name in RELATIONS}
    found: list[FieldError] = []
    if has["lead_id"] and has["contact_id"]:
        message = "An activity relates to one person: a lead or a contact, not both"
        found.append(FieldError("contact_id", INTEGRITY, message))
    if has["account_id"] and has["opportunity_id"]:
        message = "An activity relates to one record: an account or an opportunity, not both"
        found.append(FieldError("opportunity_id", INTEGRITY, message))
    if has["lead_id"] and (has["account_id"] or has["opportunity_id"]):
        message = "A lead cannot be combined with an account or opportunity; use its contact"
        found.append(FieldError("lead_id", INTEGRITY, message))
    return [e for e in found if not has_error(errors, e.field)]


def _sync_completion(before: str | None, activity: Activity, now: datetime) -> None:
    """Keep a task's ``completed_at`` in step with its status."""
    if activity.kind is not ActivityKind.TASK:
        return
    if activity.status != COMPLETED:
        activity.completed_at = None
    elif before != COMPLETED:
        activity.completed_at = now


# --- task lists ---------------------------------------------------------------------------


def is_overdue(task: Activity, today: date) -> bool:
    """True for an open task that was due before ``today``."""
    return task.is_open_task and task.due_date is not None and task.due_date < today


@dataclass(frozen=True, slots=True)
class OpenTasks:
    """One user's open tasks, soonest due first, and those of them that are overdue."""

    open: tuple[Activity, ...]
    overdue: tuple[Activity, ...]


def open_and_overdue(tasks: Iterable[Activity], owner_id: int, today: date) -> OpenTasks:
    """The open tasks ``owner_id`` owns, and the overdue ones among them.

    Order: by due date (tasks without one last), then priority (High first), then age.
    """
    mine = sorted(
        (t for t in tasks if t.owner_id == owner_id and t.is_open_task), key=_agenda_order
    )
    return OpenTasks(open=tuple(mine), overdue=tuple(t for t in mine if is_overdue(t, today)))


def _agenda_order(task: Activity) -> tuple[bool, date, int, int]:
    rank = PRIORITIES.index(task.priority) if task.priority in PRIORITIES else len(PRIORITIES)
    return (task.due_date is None, task.due_date or date.max, rank, task.id or 0)
