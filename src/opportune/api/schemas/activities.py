"""Request and response bodies of the activity endpoints: tasks, logged calls and notes.

One request model covers the three kinds; which fields a kind accepts (a note has no
``due_date``, a task no ``title``) is the domain's rule, so that a field of another kind
is refused with the same error by every interface. Dates are passed on as text for the
domain to read, for the same reason; the schema still documents their format.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.activities import SPECS, Activity, ActivityKind
from opportune.domain.field_history import FieldChange
from opportune.domain.fields import MAX_INT, STAMP_FIELDS
from opportune.errors import FieldError, ValidationError

TEXT_LIMITS: dict[str, int] = {}
CHOICES: dict[str, tuple[str, ...]] = {}
for _spec in SPECS.values():
    TEXT_LIMITS.update(_spec.text_limits())
    CHOICES.update(_spec.choice_lists())

RECORD_PARAMS = ("lead_id", "contact_id", "account_id", "opportunity_id")
_KINDS = ", ".join(kind.value for kind in ActivityKind)


def _text(name: str, description: str) -> Any:
    return Field(
        default=None, description=description, json_schema_extra={"maxLength": TEXT_LIMITS[name]}
    )


def _choice(name: str, description: str) -> Any:
    choices = ", ".join(CHOICES[name])
    return Field(default=None, description=f"{description}. One of (any case): {choices}")


def _ref(description: str) -> Any:
    return Field(default=None, ge=1, le=MAX_ID, description=description)


# --- requests -----------------------------------------------------------------------------


class ActivityUpdate(RequestModel):
    """Changes to an activity: send only the fields to change; ``null`` clears a field.

    Each kind takes its own fields: tasks ``subject``, ``due_date``, ``status``,
    ``priority``, ``description``; calls ``subject``, ``call_duration_minutes``,
    ``outcome``, ``occurred_at``, ``description``; notes ``title`` and ``body``. Any kind
    relates to one person (``lead_id`` or ``contact_id``) and one record (``account_id``
    or ``opportunity_id``); a lead cannot be combined with an account or opportunity.
    """

    read_only: ClassVar[dict[str, str]] = dict.fromkeys(
        STAMP_FIELDS | {"owner_name"}, "This field is read-only"
    ) | {"completed_at": "Set when a task's status becomes Completed"}

    kind: str | None = Field(
        default=None, description=f"{_KINDS}; it cannot change once the activity exists"
    )
    subject: str | None = _text("subject", "Tasks and calls; required for them")
    description: str | None = _text("description", "Tasks and calls")
    due_date: str | None = Field(
        default=None,
        description="Tasks: the day it is due (YYYY-MM-DD)",
        json_schema_extra={"format": "date"},
    )
    status: str | None = _choice("status", "Tasks; Completed records when")
    priority: str | None = _choice("priority", "Tasks")
    call_duration_minutes: StrictInt | None = Field(
        default=None, ge=0, le=MAX_INT, description="Calls: how long, in whole minutes"
    )
    outcome: str | None = _text("outcome", "Calls: how it went")
    occurred_at: str | None = Field(
        default=None,
        description="Calls: when it happened (ISO 8601; without a time zone, UTC); defaults to now",
        json_schema_extra={"format": "date-time"},
    )
    title: str | None = _text("title", "Notes; required for them")
    body: str | None = _text("body", "Notes: the text")
    owner_id: StrictInt | None = _ref("A user id; defaults to you")
    lead_id: StrictInt | None = _ref("Who: a lead (not converted)")
    contact_id: StrictInt | None = _ref("Who: a contact")
    account_id: StrictInt | None = _ref("What: an account")
    opportunity_id: StrictInt | None = _ref("What: an opportunity")


class ActivityCreate(ActivityUpdate):
    """A new task, call or note. ``kind`` is required, and so is a task's or call's
    ``subject`` and a note's ``title``. A task starts Open with Normal priority."""

    # Presence is checked by the domain, so that a missing kind is reported with every
    # other problem of the request; the schema still documents it as required.
    model_config = ConfigDict(json_schema_extra={"required": ["kind"]})


class ActivityListParams(RequestModel):
    """Query parameters of the activity list: exactly one of the four record ids."""

    lead_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="A lead's activities")
    contact_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A contact's activities"
    )
    account_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="An account's activities"
    )
    opportunity_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="An opportunity's activities"
    )
    cursor: str | None = Field(default=None, description="`next_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")

    def record(self) -> dict[str, int]:
        """The one record asked for, as ``{parameter: id}``; raise naming the parameters."""
        given = {name: value for name in RECORD_PARAMS if (value := getattr(self, name))}
        if len(given) == 1:
            return given
        message = "Give exactly one of lead_id, contact_id, account_id or opportunity_id"
        if not given:
            raise ValidationError(
                [FieldError(name, "REQUIRED_FIELD_MISSING", message) for name in RECORD_PARAMS]
            )
        raise ValidationError([FieldError(name, "INVALID_QUERY", message) for name in given])


class MyTasksParams(RequestModel):
    """Query parameters of your task list."""

    today: date | None = Field(
        default=None,
        description="Your calendar day (YYYY-MM-DD), which decides what is overdue; "
        "default today in UTC",
    )


# --- responses ----------------------------------------------------------------------------


class ActivityOut(BaseModel):
    """A task, call or note; the fields of the other kinds are null."""

    id: int
    kind: ActivityKind
    subject: str | None
    description: str | None
    due_date: date | None
    status: str | None = Field(description="Tasks: Open or Completed")
    priority: str | None = Field(description="Tasks: High, Normal or Low")
    completed_at: datetime | None = Field(description="Tasks: when they were completed")
    call_duration_minutes: int | None
    outcome: str | None
    occurred_at: datetime | None
    title: str | None
    body: str | None
    owner_id: int
    owner_name: str | None
    lead_id: int | None
    contact_id: int | None
    account_id: int | None
    opportunity_id: int | None
    created_at: datetime
    created_by_id: int
    updated_at: datetime
    updated_by_id: int
    version: int = Field(description="Send it back as `If-Match` to refuse lost updates")

    @classmethod
    def of(cls, activity: Activity, names: Mapping[int, str]) -> ActivityOut:
        """The response for an activity; ``names`` maps user ids to names."""
        return cls(
            id=activity.id, kind=activity.kind, subject=activity.subject,
            description=activity.description, due_date=activity.due_date,
            status=activity.status, priority=activity.priority,
            completed_at=activity.completed_at,
            call_duration_minutes=activity.call_duration_minutes, outcome=activity.outcome,
            occurred_at=activity.occurred_at, title=activity.title, body=activity.body,
            owner_id=activity.owner_id, owner_name=names.get(activity.owner_id),
            lead_id=activity.lead_id, contact_id=activity.contact_id,
            account_id=activity.account_id, opportunity_id=activity.opportunity_id,
            created_at=activity.created_at, created_by_id=activity.created_by_id,
            updated_at=activity.updated_at, updated_by_id=activity.updated_by_id,
            version=activity.version,
        )  # fmt: skip


class ActivityPageOut(BaseModel):
    """One page of a record's activities: open tasks first, soonest due first (none last),
    then completed tasks, calls and notes, newest first.

    Follow ``next_cursor`` for the next page; the list pages forwards only, so
    ``prev_cursor`` and ``total`` are always null.
    """

    items: list[ActivityOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None


class MyTasksOut(BaseModel):
    """Your open tasks, soonest due first (no due date last), and the overdue ones."""

    open: list[ActivityOut]
    overdue: list[ActivityOut]


class ActivityChangeOut(BaseModel):
    """One change of one field of an activity, values as text."""

    field: str
    old_value: str | None
    new_value: str | None
    changed_by_id: int
    changed_by_name: str | None
    changed_at: datetime

    @classmethod
    def of(cls, change: FieldChange, names: Mapping[int, str]) -> ActivityChangeOut:
        """The response for a history row; ``names`` maps user ids to names."""
        return cls(
            field=change.field, old_value=change.old_value, new_value=change.new_value,
            changed_by_id=change.changed_by_id, changed_by_name=names.get(change.changed_by_id),
            changed_at=change.changed_at,
        )  # fmt: skip
