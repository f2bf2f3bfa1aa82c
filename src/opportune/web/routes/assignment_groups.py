"""Web UI: Setup pages for queues and round-robin groups (administrators only).

Every change is a plain form post that comes back to the page with a message saying what
happened (or what was wrong).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
QUEUES, GROUPS = "/setup/queues", "/setup/round-robin"


def require_admin(user: User) -> None:
    """Setup pages are for administrators."""
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can change assignment settings")


def _text(form: PostedForm, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: PostedForm, name: str) -> int:
    text = _text(form, name)
    if not text.isdecimal():
        raise ValidationError.single(name, "INVALID_ID", f"Choose a {name.replace('_id', '')}")
    return int(text)


def _attempt(request: Request, back: str, action: Callable[[], str]) -> Response:
    """Run a change; flash its success message or what went wrong; go back to the page."""
    try:
        flash(request, action())
    except (ValidationError, ConflictError, NotFoundError) as exc:
        flash(request, f"Not saved: {exc.message}")
    return RedirectResponse(back, status_code=303)


# --- queues --------------------------------------------------------------------------------


@router.get(QUEUES)
def queues_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Queues, their members and how many leads each holds."""
    require_admin(user)
    users = core.users.list()
    context = {
        "nav": "setup", "queues": core.assignment.queues(user),
        "users": {u.id: u for u in users}, "active_users": [u for u in users if u.is_active],
    }  # fmt: skip
    return render(request, "assignment/queues.html", context, user=user)


@router.post(QUEUES, dependencies=[CsrfChecked])
def create_queue(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Create a queue."""
    require_admin(user)

    def create() -> str:
        queue = core.assignment.create_queue(user, _text(form, "name"), _text(form, "email"))
        return f"Created the queue '{queue.name}'. Add its members below."

    return _attempt(request, QUEUES, create)


@router.post(QUEUES + "/{queue_id:int}", dependencies=[CsrfChecked])
def update_queue(
    request: Request, queue_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Rename a queue or change its email."""
    require_admin(user)

    def update() -> str:
        queue = core.assignment.update_queue(
            user, queue_id, name=_text(form, "name"), email=_text(form, "email")
        )
        return f"Saved the queue '{queue.name}'."

    return _attempt(request, QUEUES, update)


@router.post(QUEUES + "/{queue_id:int}/delete", dependencies=[CsrfChecked])
def delete_queue(request: Request, queue_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Delete an empty queue."""
    require_admin(user)

    def delete() -> str:
        name = core.assignment.queue(user, queue_id).name
        core.assignment.delete_queue(user, queue_id)
        return f"Deleted the queue '{name}'."

    return _attempt(request, QUEUES, delete)


@router.post(QUEUES + "/{queue_id:int}/members", dependencies=[CsrfChecked])
def add_queue_member(
    request: Request, queue_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Add a member to a queue."""
    require_admin(user)

    def add() -> str:
        user_id = _number(form, "user_id")
        queue = core.assignment.add_queue_member(user, queue_id, user_id)
        return f"{core.users.get(user_id).name} is now a member of '{queue.name}'."

    return _attempt(request, QUEUES, add)


@router.post(QUEUES + "/{queue_id:int}/members/{user_id:int}/remove", dependencies=[CsrfChecked])
def remove_queue_member(
    request: Request, queue_id: int, user_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Take a member out of a queue."""
    require_admin(user)

    def remove() -> str:
        queue = core.assignment.remove_queue_member(user, queue_id, user_id)
        return f"{core.users.get(user_id).name} is no longer a member of '{queue.name}'."

    return _attempt(request, QUEUES, remove)


# --- round-robin groups --------------------------------------------------------------------


@router.get(GROUPS)
def groups_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Round-robin groups: members, weights and how many leads each got."""
    require_admin(user)
    users = core.users.list()
    context = {
        "nav": "setup", "groups": core.assignment.groups(user),
        "users": {u.id: u for u in users}, "active_users": [u for u in users if u.is_active],
    }  # fmt: skip
    return render(request, "assignment/round_robin.html", context, user=user)


@router.post(GROUPS, dependencies=[CsrfChecked])
def create_group(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Create a round-robin group."""
    require_admin(user)

    def create() -> str:
        group = core.assignment.create_group(user, _text(form, "name"))
        return f"Created the round-robin group '{group.name}'. Add its members below."

    return _attempt(request, GROUPS, create)


@router.post(GROUPS + "/{group_id:int}/delete", dependencies=[CsrfChecked])
def delete_group(request: Request, group_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Delete a group no rule uses."""
    require_admin(user)

    def delete() -> str:
        name = core.assignment.group(user, group_id).name
        core.assignment.delete_group(user, group_id)
        return f"Deleted the round-robin group '{name}'."

    return _attempt(request, GROUPS, delete)


@router.post(GROUPS + "/{group_id:int}/members", dependencies=[CsrfChecked])
def set_group_member(
    request: Request, group_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Add a member with a weight, or change a member's weight."""
    require_admin(user)

    def save() -> str:
        user_id = _number(form, "user_id")
        weight = _text(form, "weight") or "1"
        group = core.assignment.set_group_member(user, group_id, user_id, weight)
        return f"{core.users.get(user_id).name} is in '{group.name}' with weight {weight}."

    return _attempt(request, GROUPS, save)


@router.post(GROUPS + "/{group_id:int}/members/{user_id:int}/remove", dependencies=[CsrfChecked])
def remove_group_member(
    request: Request, group_id: int, user_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Take a member out of a group."""
    require_admin(user)

    def remove() -> str:
        group = core.assignment.remove_group_member(user, group_id, user_id)
        return f"{core.users.get(user_id).name} is no longer in '{group.name}'."

    return _attempt(request, GROUPS, remove)
