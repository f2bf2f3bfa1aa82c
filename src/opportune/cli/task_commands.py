"""``opportune task``: your tasks, a record's activities, and logging calls and notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import typer

from opportune.cli.fields import FieldOption, spec_options, to_service_data, with_fields
from opportune.cli.options import (
    CursorOption,
    ExpectVersion,
    JsonOption,
    LimitOption,
    day_option,
    parse_day,
)
from opportune.cli.output import note, print_json, print_table
from opportune.cli.presenters import Session, activity_record, related, session
from opportune.cli.records import (
    RecordId,
    RecordKind,
    add_record_commands,
    limit_or_default,
    print_page,
)
from opportune.domain.activities import SPECS, Activity, ActivityKind

app = typer.Typer(
    help="Your tasks and a record's activities: add, complete, change and delete tasks; "
    "log calls and notes.",
    no_args_is_help=True,
)

_FLAGS = {
    "due_date": ("--due", "--due-date"),
    "call_duration_minutes": ("--duration", "--minutes"),
    "occurred_at": ("--when", "--occurred-at"),
}
_HELPS = {
    "subject": "What to do or what the call was about.",
    "description": "Details.",
    "status": "Open or Completed (Open reopens a completed task).",
    "priority": "High, Normal or Low (default Normal).",
    "call_duration_minutes": "How long the call took, in minutes.",
    "outcome": "How the call went.",
    "occurred_at": "When the call happened, ISO 8601 (default: now; UTC without a zone).",
    "title": "The note's title.",
    "body": "The note's text.",
    "lead_id": "The lead it is about (not with --account or --opportunity).",
    "contact_id": "The contact it is about.",
    "account_id": "The account it belongs to.",
    "opportunity_id": "The opportunity it belongs to.",
}


def _options(kind: ActivityKind, *, skip: tuple[str, ...] = ()) -> tuple[FieldOption, ...]:
    return spec_options(SPECS[kind], flags=_FLAGS, helps=_HELPS, skip=skip)


TASK_OPTIONS = _options(ActivityKind.TASK, skip=("subject",))
CALL_OPTIONS = _options(ActivityKind.CALL, skip=("subject",))
NOTE_OPTIONS = _options(ActivityKind.NOTE, skip=("title",))
# `task update` works on every kind; the service refuses a field of another kind.
ANY_OPTIONS = tuple({o.field: o for kind in ActivityKind for o in _options(kind)}.values())
ALIASES = {
    "owner": "owner_id", "lead": "lead_id", "contact": "contact_id", "account": "account_id",
    "opportunity": "opportunity_id", "due": "due_date", "duration": "call_duration_minutes",
    "minutes": "call_duration_minutes", "when": "occurred_at",
}  # fmt: skip
# What each kind shows, in order, besides what every activity shows.
_KIND_FIELDS = {
    "task": ("subject", "status", "priority", "due_date", "completed_at", "description"),
    "call": ("subject", "occurred_at", "call_duration_minutes", "outcome", "description"),
    "note": ("title", "body"),
}
RecordOption = Annotated[int | None, typer.Option(metavar="ID")]


def _title(record: dict[str, Any]) -> str:
    return f"{record['kind']} {record['id']} · {record['subject'] or record['title']}"


def _shown(s: Session, r: dict[str, Any]) -> dict[str, Any]:
    own = {key: r[key] for key in _KIND_FIELDS[r["kind"]]}
    return {
        "id": r["id"], "kind": r["kind"], **own, "related_to": related(s, r),
        "owner": r["owner_name"], "created_at": r["created_at"],
        "updated_at": r["updated_at"], "version": r["version"],
    }  # fmt: skip


KIND = RecordKind(
    noun="activity",
    service=lambda core: core.activities,
    present=activity_record,
    title=_title,
    shown=_shown,
    options=ANY_OPTIONS,
    aliases=ALIASES,
    examples={
        "show": "opportune task show 40",
        "update": "opportune task update 40 --due 2026-07-01 --priority High",
        "delete": "opportune task delete 40 --yes",
    },
)
add_record_commands(app, KIND, add=False)


def _create(ctx: typer.Context, data: dict[str, object], *, as_json: bool) -> None:
    s = session(ctx)
    activity = s.core.activities.create(s.actor, to_service_data(data, s.actor, s.users))
    KIND.print(s, activity, as_json=as_json, verb="Created")


@app.command("add")
@with_fields(TASK_OPTIONS, "Task fields")
def add(
    ctx: typer.Context,
    fields: dict[str, object],
    subject: Annotated[str, typer.Argument(metavar="SUBJECT", help="What to do.")],
    as_json: JsonOption = False,
) -> None:
    """Create a task (yours unless --owner says otherwise), optionally about a record.

    Example: opportune task add "Send the proposal" --due 2026-06-30 --opportunity 12
    """
    _create(ctx, {"kind": "task", "subject": subject, **fields}, as_json=as_json)


@app.command("log-call")
@with_fields(CALL_OPTIONS, "Call fields")
def log_call(
    ctx: typer.Context,
    fields: dict[str, object],
    subject: Annotated[str, typer.Argument(metavar="SUBJECT", help="What the call was about.")],
    as_json: JsonOption = False,
) -> None:
    """Log a call that happened (now, unless --when says otherwise).

    Example: opportune task log-call "Pricing call" --contact 31 --duration 20 --outcome Positive
    """
    _create(ctx, {"kind": "call", "subject": subject, **fields}, as_json=as_json)


@app.command("note")
@with_fields(NOTE_OPTIONS, "Note fields")
def add_note(
    ctx: typer.Context,
    fields: dict[str, object],
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The note's title.")],
    as_json: JsonOption = False,
) -> None:
    """Keep a note about a lead, contact, account or opportunity.

    Example: opportune task note "Budget confirmed" --opportunity 12 --body "Signed off by the CFO."
    """
    _create(ctx, {"kind": "note", "title": title, **fields}, as_json=as_json)


@app.command("done")
def done(
    ctx: typer.Context,
    record_id: RecordId,
    expect_version: ExpectVersion = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a task completed (completing it twice changes nothing).

    Example: opportune task done 40
    """
    s = session(ctx)
    task = s.core.activities.complete(s.actor, record_id, expected_version=expect_version)
    record = activity_record(s, task)
    if as_json:
        print_json(record)
    else:
        note(f"Completed {_title(record)}.")


@app.command("list")
def list_tasks(
    ctx: typer.Context,
    lead: RecordOption = None,
    contact: RecordOption = None,
    account: RecordOption = None,
    opportunity: RecordOption = None,
    today: Annotated[
        str | None, day_option("Your calendar day, which decides what is overdue.")
    ] = None,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your open tasks, soonest due first, overdue ones marked; or, with --lead, --contact,
    --account or --opportunity, every activity of that record (open tasks first).

    Example: opportune task list --opportunity 12
    """
    s = session(ctx)
    record = {"lead_id": lead, "contact_id": contact, "account_id": account,
              "opportunity_id": opportunity}  # fmt: skip
    if any(v is not None for v in record.values()):
        _record_activities(s, record, cursor, limit_or_default(s, limit), as_json=as_json)
    else:
        _my_tasks(s, parse_day("today", today), as_json=as_json)


def _record_activities(
    s: Session, record: dict[str, int | None], cursor: str | None, limit: int, *, as_json: bool
) -> None:
    page = s.core.activities.for_record(s.actor, **record, cursor=cursor, limit=limit)
    _learn_names(s, page.items)
    records = [activity_record(s, a) for a in page.items]
    print_page(
        records, noun="activity", next_cursor=page.next_cursor, total=None, as_json=as_json,
        columns=("ID", "Kind", "Subject", "Status", "Due", "When", "Owner"),
        row=lambda r: (r["id"], r["kind"], r["subject"] or r["title"], r["status"],
                       r["due_date"], r["occurred_at"] or r["created_at"], r["owner_name"]),
    )  # fmt: skip


def _my_tasks(s: Session, today: date | None, *, as_json: bool) -> None:
    tasks = s.core.activities.my_tasks(s.actor, today)
    if as_json:
        print_json({"open": [activity_record(s, t) for t in tasks.open],
                    "overdue": [activity_record(s, t) for t in tasks.overdue]})  # fmt: skip
        return
    _learn_names(s, tasks.open)
    overdue = {t.id for t in tasks.overdue}
    rows = [
        (t.id, _due(t, t.id in overdue), t.subject, t.priority, related(s, activity_record(s, t)))
        for t in tasks.open
    ]
    print_table(("ID", "Due", "Subject", "Priority", "Related to"), rows,
                title=f"Open tasks of {s.actor.name}")  # fmt: skip
    note(f"{len(tasks.open)} open, {len(tasks.overdue)} overdue", style="dim")


def _due(task: Activity, overdue: bool) -> str | None:
    if task.due_date is None:
        return None
    return f"{task.due_date} overdue" if overdue else str(task.due_date)


def _learn_names(s: Session, activities: Sequence[Activity]) -> None:
    """Look up the names of the records the activities relate to, in one read per kind."""
    for (field, record_id), name in s.core.activities.related_names(s.actor, activities).items():
        s.remember(field.removesuffix("_id"), record_id, name)
