"""The activity panel of a record page (tasks, calls, notes) and the "My tasks" page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.api.schemas import MAX_ID
from opportune.domain.activities import Activity, is_overdue
from opportune.domain.listing import Page
from opportune.domain.users import User
from opportune.errors import NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.web.activity_view import (
    FORMS,
    RecordRef,
    feed,
    form_errors,
    form_input,
    priority_options,
    related_links,
    task_context,
)
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.templating import flash, is_htmx, render

router = APIRouter()
PANEL_PAGE = 10
RecordId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def record_ref(
    lead_id: RecordId = None,
    contact_id: RecordId = None,
    account_id: RecordId = None,
    opportunity_id: RecordId = None,
) -> RecordRef:
    """The record named in the query string (checked when used: exactly one must be given)."""
    return RecordRef(lead_id, contact_id, account_id, opportunity_id)


Record = Annotated[RecordRef, Depends(record_ref)]


# --- the panel ----------------------------------------------------------------------------


@router.get("/activities/panel")
def panel(request: Request, user: WebUser, core: OpportuneDep, record: Record) -> Response:
    """The record's activities with the forms to add a task, a call or a note."""
    record.one()
    return _panel(request, core, user, record)


@router.get("/activities/panel/more")
def panel_more(
    request: Request,
    user: WebUser,
    core: OpportuneDep,
    record: Record,
    cursor: str,
    after: str = "rest",
) -> Response:
    """The next page of the panel's list, replacing its "Load more" line."""
    record.one()
    page = _page(core, user, record, cursor)
    context = _feed_context(core, core.users.list(), page, first_page=False,
                            after_open=after == "open")  # fmt: skip
    return render(request, "activities/_feed.html", {**context, "record": record}, user=user)


@router.post("/activities", dependencies=[CsrfChecked])
def add_activity(
    request: Request, user: WebUser, core: OpportuneDep, record: Record, form: PostedForm
) -> Response:
    """Add a task, call or note to the record; bad input shows each error by its field."""
    field, record_id = record.one()
    kind = str(form.get("kind") or "")
    if kind not in FORMS:
        raise ValidationError.single("kind", "INVALID_FIELD", "Choose a task, a call or a note")
    data = {**form_input(kind, form), field: record_id}
    try:
        core.activities.create(user, data)
    except ValidationError as exc:
        errors, general = form_errors(kind, exc.fields)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _panel(request, core, user, record, status=422, form_kind=kind,
                      values=values, errors=errors, general=general)  # fmt: skip
    return _panel(request, core, user, record, toast=FORMS[kind].done, form_kind=kind)


@router.post("/activities/{activity_id:int}/complete", dependencies=[CsrfChecked])
def complete_in_panel(
    request: Request, activity_id: int, user: WebUser, core: OpportuneDep, record: Record
) -> Response:
    """Complete a task shown in the panel; it moves to the history."""
    record.one()
    task = core.activities.complete(user, _activity_id(activity_id))
    return _panel(request, core, user, record, toast=f"Task completed: {task.subject}")


@router.post("/activities/{activity_id:int}/delete", dependencies=[CsrfChecked])
def delete_in_panel(
    request: Request, activity_id: int, user: WebUser, core: OpportuneDep, record: Record
) -> Response:
    """Move an activity to the recycle bin (reps only their own: the service refuses with a 403)."""
    record.one()
    activity = core.activities.get(user, _activity_id(activity_id))
    core.activities.delete(user, _activity_id(activity_id))
    return _panel(request, core, user, record, toast=f"{_noun(activity)} deleted")


def _panel(
    request: Request,
    core: Opportune,
    user: User,
    record: RecordRef,
    *,
    status: int = 200,
    toast: str | None = None,
    form_kind: str = "task",
    **form_state: Any,
) -> Response:
    """The whole panel: its first page, and the add forms (one of them possibly with errors)."""
    page = _page(core, user, record, None)
    users = core.users.list()
    context = {
        **_feed_context(core, users, page, first_page=True, after_open=True),
        **_form_context(users, user), "record": record, "form_kind": form_kind,
        "values": {}, "errors": {}, "general": [], "can_add": _can_add(core, user, record),
        **form_state,
    }  # fmt: skip
    response = render(request, "activities/_panel.html", context, user=user, status=status)
    if toast:
        response.headers["HX-Trigger"] = json.dumps({"opportune:toast": toast})
    return response


def _can_add(core: Opportune, user: User, record: RecordRef) -> bool:
    """New activities go anywhere but on a converted lead (they belong on its contact)."""
    if record.lead_id is None:
        return True
    return not core.leads.get(user, record.lead_id, mark_read=False).is_converted


def _page(core: Opportune, user: User, record: RecordRef, cursor: str | None) -> Page[Activity]:
    """One page of the panel's list."""
    return core.activities.for_record(
        user, lead_id=record.lead_id, contact_id=record.contact_id, account_id=record.account_id,
        opportunity_id=record.opportunity_id, cursor=cursor, limit=PANEL_PAGE,
    )  # fmt: skip


def _feed_context(
    core: Opportune, users: Sequence[User], page: Page[Activity], *, first_page: bool,
    after_open: bool,
) -> dict[str, Any]:  # fmt: skip
    """The panel list's lines for one page, and what its "Load more" asks for next."""
    items, more = page.items, page.next_cursor is not None
    entries = feed(items, first_page=first_page, after_open=after_open, more=more)
    last_open = bool(items) and items[-1].is_open_task
    return {
        "entries": entries, "next_cursor": page.next_cursor,
        "after": "open" if last_open else "rest", "names": _names(users),
        "today": core.activities.clock().date(), "is_overdue": is_overdue,
    }  # fmt: skip


def _form_context(users: Sequence[User], user: User) -> dict[str, Any]:
    """Choices and defaults of the add forms: priorities, and active users as owners."""
    owners = [(str(u.id), u.name) for u in users if u.is_active]
    return {"forms": FORMS, "options": {"priority": priority_options(), "owner_id": owners},
            "defaults": {"priority": "Normal", "owner_id": str(user.id)}}  # fmt: skip


# --- my tasks -----------------------------------------------------------------------------


@router.get("/tasks")
def my_tasks(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The signed-in user's open tasks: overdue first, then today, upcoming, undated."""
    return render(request, "activities/tasks.html", _tasks_context(core, user), user=user)


@router.post("/tasks", dependencies=[CsrfChecked])
def add_my_task(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Add a task (to me unless assigned to someone else); bad input shows each error."""
    try:
        task = core.activities.create(user, form_input("task", form))
    except ValidationError as exc:
        errors, general = form_errors("task", exc.fields)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        extra = {"values": values, "errors": errors, "general": general}
        return _tasks_page(request, core, user, extra, status=422)
    message = _added_message(core, user, task)
    if not is_htmx(request):
        flash(request, message)
        return RedirectResponse("/tasks", status_code=303)
    return _tasks_page(request, core, user, {"added_id": task.id}, toast=message)


@router.post("/tasks/{activity_id:int}/complete", dependencies=[CsrfChecked])
def complete_my_task(
    request: Request, activity_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Complete a task: its row shows it done in place and the counts follow."""
    task = core.activities.complete(user, _activity_id(activity_id))
    if not is_htmx(request):
        flash(request, f"Task completed: {task.subject}")
        return RedirectResponse("/tasks", status_code=303)
    names = core.activities.related_names(user, [task])
    context = {**_tasks_context(core, user), "task": task, "done_links": related_links(task, names)}
    response = render(request, "activities/_task_done.html", context, user=user)
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": "Task completed"})
    return response


@router.post("/notifications/{notification_id:int}/read", dependencies=[CsrfChecked])
def read_notification(
    request: Request, notification_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Mark a notification read; the page drops it."""
    if notification_id > MAX_ID:
        raise NotFoundError.for_record("Notification", notification_id)
    core.notifications.mark_read(user, notification_id)
    if is_htmx(request):
        return Response(status_code=200)
    return RedirectResponse("/tasks", status_code=303)


def _tasks_page(
    request: Request,
    core: Opportune,
    user: User,
    extra: dict[str, Any],
    *,
    status: int = 200,
    toast: str | None = None,
) -> Response:
    """The task page, or for htmx only its body (list and form) after adding a task."""
    context = {**_tasks_context(core, user), **extra}
    name = "activities/_tasks_body.html" if is_htmx(request) else "activities/tasks.html"
    response = render(request, name, context, user=user, status=status)
    if toast:
        response.headers["HX-Trigger"] = json.dumps({"opportune:toast": toast})
    return response


def _tasks_context(core: Opportune, user: User) -> dict[str, Any]:
    today = core.activities.clock().date()
    tasks = core.activities.my_tasks(user, today).open
    names = core.activities.related_names(user, tasks)
    return {
        **task_context(tasks, today), **_form_context(core.users.list(), user), "nav": "tasks",
        "links": {task.id: related_links(task, names) for task in tasks}, "today": today,
        "values": {}, "errors": {}, "general": [], "added_id": None,
        "notifications": core.notifications.list(user, unread_only=True),
    }  # fmt: skip


def _added_message(core: Opportune, user: User, task: Activity) -> str:
    if task.owner_id == user.id:
        return f"Task added: {task.subject}"
    owner = _names(core.users.list()).get(task.owner_id, "its owner")
    return f"Task added for {owner}: {task.subject}"


def _names(users: Sequence[User]) -> dict[int, str]:
    return {u.id: u.name for u in users if u.id is not None}


def _noun(activity: Activity) -> str:
    return {"task": "Task", "call": "Call", "note": "Note"}[activity.kind.value]


def _activity_id(activity_id: int) -> int:
    """Ids beyond what the database stores name no activity: refuse them as unknown."""
    if activity_id > MAX_ID:
        raise NotFoundError.for_record("Activity", activity_id)
    return activity_id
