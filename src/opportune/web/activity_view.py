"""Activities shaped for templates: the add forms, the record panel's feed, the task agenda."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from opportune.domain.activities import PRIORITIES, SPECS, Activity, ActivityKind, is_overdue
from opportune.errors import FieldError, ValidationError

# The pages each kind of related record lives on, and how the panel names the kind.
RECORD_PAGES = {
    "lead_id": ("Lead", "/leads"),
    "contact_id": ("Contact", "/contacts"),
    "account_id": ("Account", "/accounts"),
    "opportunity_id": ("Opportunity", "/opportunities"),
}
RECORD_FIELDS = tuple(RECORD_PAGES)


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of an add-activity form."""

    name: str
    label: str
    kind: str = "text"  # text, date, datetime-local, number, textarea, select
    hint: str = ""

    def required(self, kind: ActivityKind) -> bool:
        """True when an activity of ``kind`` cannot do without this field."""
        return self.name in SPECS[kind].required

    def maxlength(self, kind: ActivityKind) -> int | None:
        """The longest text the field takes for ``kind``."""
        return SPECS[kind].text_limits().get(self.name)


@dataclass(frozen=True, slots=True)
class ActivityForm:
    """The form adding one kind of activity: its tab label, fields and button."""

    kind: ActivityKind
    tab: str
    button: str
    done: str  # the toast after saving
    fields: tuple[FormField, ...]


FORMS = {
    form.kind.value: form
    for form in (
        ActivityForm(ActivityKind.TASK, "New task", "Add task", "Task added", (
            FormField("subject", "Subject"),
            FormField("due_date", "Due date", "date"),
            FormField("priority", "Priority", "select"),
            FormField("owner_id", "Assigned to", "select"),
            FormField("description", "Description", "textarea"),
        )),
        ActivityForm(ActivityKind.CALL, "Log a call", "Log call", "Call logged", (
            FormField("subject", "Subject"),
            FormField("occurred_at", "When", "datetime-local", "UTC; empty means now"),
            FormField("call_duration_minutes", "Duration (minutes)", "number"),
            FormField("outcome", "Outcome"),
            FormField("description", "Notes", "textarea"),
        )),
        ActivityForm(ActivityKind.NOTE, "Add a note", "Add note", "Note added", (
            FormField("title", "Title"),
            FormField("body", "Note", "textarea"),
        )),
    )
}  # fmt: skip


def form_input(kind: str, form: Mapping[str, object]) -> dict[str, object]:
    """The activity fields a submitted add form holds (empty inputs as ``None``)."""
    data: dict[str, object] = {"kind": kind}
    for spec in FORMS[kind].fields:
        value = form.get(spec.name)
        data[spec.name] = value if isinstance(value, str) and value.strip() else None
    return data


def form_errors(kind: str, fields: Sequence[FieldError]) -> tuple[dict[str, str], list[str]]:
    """Errors next to the form's inputs, and the rest (about the record) for the form's top."""
    names = {spec.name for spec in FORMS[kind].fields}
    by_field: dict[str, str] = {}
    others: list[str] = []
    for error in fields:
        if error.field in names:
            by_field.setdefault(error.field, error.message)
        else:
            others.append(error.message)
    return by_field, others


def priority_options() -> list[tuple[str, str]]:
    """The task priorities as select options."""
    return [(p, p) for p in PRIORITIES]


# --- the record panel ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordRef:
    """The record a panel shows: one of lead_id, contact_id, account_id or opportunity_id."""

    lead_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    opportunity_id: int | None = None

    @property
    def ids(self) -> dict[str, int]:
        """The ids given, by relation field."""
        found = {name: getattr(self, name) for name in RECORD_FIELDS}
        return {name: value for name, value in found.items() if value is not None}

    @property
    def query(self) -> str:
        """The record as a query string, for the panel's own links."""
        return urlencode(self.ids)

    def one(self) -> tuple[str, int]:
        """The relation field and id; refuse none or several, naming ``record``."""
        if len(self.ids) != 1:
            raise ValidationError.single(
                "record",
                "INVALID_QUERY",
                "Give exactly one of lead_id, contact_id, account_id or opportunity_id",
            )
        ((field, record_id),) = self.ids.items()
        return field, record_id


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One line of the panel's list: a heading, an empty-section note, or an activity."""

    kind: str  # heading, empty or activity
    text: str = ""
    activity: Activity | None = None


def feed(
    items: Sequence[Activity], *, first_page: bool, after_open: bool, more: bool
) -> list[FeedEntry]:
    """The panel's lines for one page: open tasks, then the history, each under its heading.

    ``after_open`` says the previous page ended among the open tasks (the first page
    starts there), so the history heading goes before the first other activity.
    """
    entries = [FeedEntry("heading", "Open tasks")] if first_page else []
    in_open, shown_open = first_page or after_open, False
    for activity in items:
        if in_open and not activity.is_open_task:
            entries += _history_start(first_page and not shown_open)
            in_open = False
        shown_open = shown_open or activity.is_open_task
        entries.append(FeedEntry("activity", activity=activity))
    if in_open and not more:
        entries += _history_start(first_page and not shown_open)
        entries.append(FeedEntry("empty", "Nothing logged yet."))
    return entries


def _history_start(no_open_tasks: bool) -> list[FeedEntry]:
    lines = [FeedEntry("empty", "No open tasks.")] if no_open_tasks else []
    return [*lines, FeedEntry("heading", "Activity history")]


# --- my tasks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskGroup:
    """Open tasks due alike: overdue, today, upcoming or undated."""

    key: str
    title: str
    empty: str
    tasks: tuple[Activity, ...]


GROUPS = (
    ("overdue", "Overdue", "Nothing overdue."),
    ("today", "Due today", "Nothing due today."),
    ("upcoming", "Upcoming", "Nothing coming up."),
    ("someday", "No due date", "No undated tasks."),
)


def agenda(tasks: Sequence[Activity], today: date) -> list[TaskGroup]:
    """Open tasks in the four groups, each keeping the order given (soonest due first)."""
    found: dict[str, list[Activity]] = {key: [] for key, _, _ in GROUPS}
    for task in tasks:
        found[_group_of(task, today)].append(task)
    return [TaskGroup(key, title, empty, tuple(found[key])) for key, title, empty in GROUPS]


def _group_of(task: Activity, today: date) -> str:
    if task.due_date is None:
        return "someday"
    if is_overdue(task, today):
        return "overdue"
    return "today" if task.due_date == today else "upcoming"


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A record an activity relates to, as a link: "Lead: Olivia Smith"."""

    kind: str
    name: str
    url: str


def related_links(activity: Activity, names: Mapping[tuple[str, int], str]) -> list[RelatedLink]:
    """Links to the person and the record ``activity`` relates to."""
    links = []
    for field, (kind, base) in RECORD_PAGES.items():
        record_id = getattr(activity, field)
        if record_id is not None:
            name = names.get((field, record_id), f"#{record_id}")
            links.append(RelatedLink(kind, name, f"{base}/{record_id}"))
    return links


def task_context(tasks: Sequence[Activity], today: date) -> dict[str, Any]:
    """The counts the task page shows and updates: all open, and per group."""
    groups = agenda(tasks, today)
    return {
        "groups": groups,
        "open_count": len(tasks),
        "counts": {group.key: len(group.tasks) for group in groups},
    }
