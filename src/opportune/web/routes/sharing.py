"""Web UI: sharing settings (org-wide defaults, managers) and a record's Sharing panel.

Administrators set each object's org-wide default on ``/setup/sharing`` and each user's
manager on ``/setup/users``. A lead, account, contact or opportunity page loads the Sharing
panel (``/sharing/panel``) with htmx; it lists the record's shares and adds or removes them,
and is empty for anyone who may not share the record.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.api.schemas import MAX_ID
from opportune.domain.sharing import SHARED_OBJECTS, OrgAccess, clean_org_access
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, PermissionDeniedError, ValidationError
from opportune.services import Opportune
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.templating import flash, is_htmx, render

router = APIRouter()

RECORD_PATHS = {"lead": "/leads", "account": "/accounts", "contact": "/contacts",
                "opportunity": "/opportunities"}  # fmt: skip
ORG_LABELS = {OrgAccess.PRIVATE: "Private", OrgAccess.READ: "Public read-only",
              OrgAccess.READ_WRITE: "Public read/write"}  # fmt: skip
ObjectType = Annotated[str, Query(pattern="^(lead|account|contact|opportunity)$")]
RecordId = Annotated[int, Query(ge=1, le=MAX_ID)]


def _admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can change sharing settings")


# --- org-wide defaults ----------------------------------------------------------------------


@router.get("/setup/sharing")
def sharing_settings(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Each object's org-wide default access (administrators only)."""
    _admin(user)
    return _settings_page(request, core, user)


@router.post("/setup/sharing", dependencies=[CsrfChecked])
def save_sharing_settings(
    request: Request, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Save the org-wide defaults; nothing changes if any value is invalid."""
    _admin(user)
    chosen, errors = {}, []
    for name in SHARED_OBJECTS:
        try:
            chosen[name] = clean_org_access(form.get(name), field=name)
        except ValidationError as exc:
            errors.extend(exc.fields)
    if errors:
        return _settings_page(request, core, user, errors=errors, status=422)
    current = core.sharing.org_defaults()
    for name, access in chosen.items():
        if current[name] is not access:
            core.sharing.set_org_default(user, name, access.value)
    flash(request, "Sharing settings saved.")
    return RedirectResponse("/setup/sharing", status_code=303)


def _settings_page(
    request: Request, core: Opportune, user: User, *, errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "nav": "setup", "defaults": core.sharing.org_defaults(), "labels": ORG_LABELS,
        "errors": {e.field: e.message for e in errors or []},
    }  # fmt: skip
    return render(request, "setup/sharing.html", context, user=user, status=status)


# --- managers -------------------------------------------------------------------------------


@router.get("/setup/users")
def users_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Every user with their role and manager (administrators only)."""
    _admin(user)
    return _users_page(request, core, user)


@router.post("/setup/users/{user_id:int}/manager", dependencies=[CsrfChecked])
def set_manager(
    request: Request, user_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Change who a user reports to (empty: nobody)."""
    _admin(user)
    raw = str(form.get("manager_id") or "").strip()
    try:
        manager = int(raw) if raw else None
        if user_id > MAX_ID or (manager is not None and not 0 < manager <= MAX_ID):
            raise ValueError
        changed = core.users.update(user, user_id, {"manager_id": manager})
    except ValueError:
        error = ValidationError.single("manager_id", "INVALID_TYPE", "Choose a user")
        return _users_page(request, core, user, error=(user_id, error), status=422)
    except ValidationError as exc:
        return _users_page(request, core, user, error=(user_id, exc), status=422)
    flash(request, f"{changed.name}'s manager saved.")
    return RedirectResponse("/setup/users", status_code=303)


def _users_page(
    request: Request, core: Opportune, user: User, *,
    error: tuple[int, ValidationError] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    people = core.users.list()
    context = {
        "nav": "setup", "people": people, "names": {p.id: p.name for p in people},
        "error_for": error[0] if error else None, "error": error[1].message if error else "",
    }  # fmt: skip
    return render(request, "setup/users.html", context, user=user, status=status)


# --- a record's Sharing panel ---------------------------------------------------------------


@router.get("/sharing/panel")
def panel(
    request: Request, object_type: ObjectType, record_id: RecordId, user: WebUser,
    core: OpportuneDep,
) -> Response:  # fmt: skip
    """The record's shares and a form to add one; empty for those who may not share it."""
    return _panel(request, core, user, object_type, record_id)


@router.post("/sharing/panel", dependencies=[CsrfChecked])
def add_share(
    request: Request, object_type: ObjectType, record_id: RecordId, user: WebUser,
    core: OpportuneDep, form: PostedForm,
) -> Response:  # fmt: skip
    """Share the record with the chosen user or queue, read or edit."""
    try:
        grantee = _grantee(str(form.get("grantee") or ""))
        core.sharing.share(user, object_type, record_id, access=str(form.get("access") or ""),
                           **grantee)  # fmt: skip
    except ValidationError as exc:
        return _panel(request, core, user, object_type, record_id, error=exc, status=422)
    return _after(request, core, user, object_type, record_id, "Shared.")


@router.post("/sharing/shares/{share_id:int}/delete", dependencies=[CsrfChecked])
def remove_share(
    request: Request, share_id: int, object_type: ObjectType, record_id: RecordId,
    user: WebUser, core: OpportuneDep,
) -> Response:  # fmt: skip
    """Stop sharing the record with one user or queue."""
    if share_id > MAX_ID:
        raise NotFoundError.for_record("Share", share_id)
    core.sharing.unshare(user, share_id)
    return _after(request, core, user, object_type, record_id, "Share removed.")


def _grantee(value: str) -> dict[str, int]:
    """``user:12`` or ``queue:3`` from the picker, as the service's keyword."""
    kind, _, ident = value.partition(":")
    if kind in ("user", "queue") and ident.isdecimal() and 0 < int(ident) <= MAX_ID:
        return {f"{kind}_id": int(ident)}
    raise ValidationError.single("grantee", "REQUIRED_FIELD_MISSING", "Choose a user or a queue")


def _after(
    request: Request, core: Opportune, user: User, object_type: str, record_id: int, done: str
) -> Response:
    if is_htmx(request):
        return _panel(request, core, user, object_type, record_id)
    flash(request, done)
    return RedirectResponse(f"{RECORD_PATHS[object_type]}/{record_id}", status_code=303)


def _panel(
    request: Request, core: Opportune, user: User, object_type: str, record_id: int, *,
    error: ValidationError | None = None, status: int = 200,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {"object_type": object_type, "record_id": record_id}
    if core.sharing.can_share(user, object_type, record_id):
        context |= {
            "shares": core.sharing.shares(user, object_type, record_id),
            "people": [p for p in core.users.list() if p.is_active and p.id != user.id],
            "queues": core.assignment.queues(user),
            "error": error,
        }  # fmt: skip
    return render(request, "sharing/_panel.html", context, user=user, status=status)
