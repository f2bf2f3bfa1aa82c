"""Opportunity page routes: the stage path (closing as lost asks for a reason), the stage
history panel, and contact roles (add, mark primary, remove)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.opportunities import Opportunity
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services import Opportune
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.record_access import get_record
from opportune.web.record_context import detail_context, field_context
from opportune.web.record_data import load_lookups, source_choices
from opportune.web.record_pages import OPPORTUNITIES
from opportune.web.record_related import history_context, roles_context
from opportune.web.templating import is_htmx, render

router = APIRouter()


def expected_version(form: Mapping[str, object]) -> int | None:
    """The record version the page showed, sent with every edit (None when absent)."""
    value = form.get("expected_version")
    if isinstance(value, str) and value.isdecimal() and len(value) < 11:
        return int(value)
    return None


def _opportunity(core: Opportune, user: User, opportunity_id: int) -> Opportunity:
    record = get_record(core, user, OPPORTUNITIES, opportunity_id)
    assert isinstance(record, Opportunity)
    return record


def _toast(response: Response, message: str) -> Response:
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": message})
    return response


# --- the stage path ----------------------------------------------------------------------------


@router.get("/opportunities/{opportunity_id:int}/stage/lost")
def lost_form(request: Request, opportunity_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The small form asking why the opportunity is being closed as lost."""
    opp = _opportunity(core, user, opportunity_id)
    label = request.query_params.get("stage", "")
    return _lost_form(request, core, user, opp, label, None, 200)


def _lost_form(
    request: Request,
    core: Opportune,
    user: User,
    opp: Opportunity,
    label: str,
    error: str | None,
    status: int,
    chosen: str = "",
) -> Response:
    lookups = load_lookups(core, user, [])
    context = {"rec": {"id": opp.id}, "stage_label": label, "error": error, "chosen": chosen,
               "reasons": source_choices("lost_reasons", lookups)}  # fmt: skip
    return render(request, "records/_lost_form.html", context, user=user, status=status)


@router.post("/opportunities/{opportunity_id:int}/stage", dependencies=[CsrfChecked])
def move_stage(
    request: Request, opportunity_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Move the opportunity along the path; closing it as lost needs a reason. A move made
    on a page older than the record's last change is refused (409)."""
    label = str(form.get("stage") or "")
    data: dict[str, object] = {"stage": label}
    reason = form.get("lost_reason")
    if isinstance(reason, str) and reason:
        data["lost_reason"] = reason
    _opportunity(core, user, opportunity_id)
    try:
        opp = core.opportunities.update(
            user, opportunity_id, data, expected_version=expected_version(form)
        )
    except ValidationError as exc:
        return _stage_refused(request, core, user, opportunity_id, label, exc)
    if not is_htmx(request):
        return RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303)
    context = detail_context(core, user, OPPORTUNITIES, opp)
    response = render(request, "records/_detail.html", context, user=user)
    return _toast(response, f"Stage set to {context['rec']['stage']}")


def _stage_refused(
    request: Request,
    core: Opportune,
    user: User,
    opportunity_id: int,
    label: str,
    exc: ValidationError,
) -> Response:
    """Show why the move was refused under the path: the lost-reason form again when the
    reason is missing or not one of the list, else the message."""
    if not is_htmx(request):
        raise exc
    opp = _opportunity(core, user, opportunity_id)
    message = "; ".join(e.message for e in exc.fields)
    if any(e.field == "lost_reason" for e in exc.fields):
        response = _lost_form(request, core, user, opp, label, message, 422)
    else:
        context = {"message": message, "fields": []}
        response = render(request, "partials/error_fragment.html", context, user=user, status=422)
    response.headers["HX-Retarget"] = "#stage-panel"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


@router.get("/opportunities/{opportunity_id:int}/stage-history")
def stage_history(
    request: Request, opportunity_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """The stage history panel (the page reloads it after each save)."""
    opp = _opportunity(core, user, opportunity_id)
    lookups = load_lookups(core, user, [])
    context = {"rec": {"id": opp.id}, **history_context(core, user, opp, lookups)}
    return render(request, "records/_stage_history.html", context, user=user)


# --- contact roles -----------------------------------------------------------------------------


def _roles(
    request: Request,
    core: Opportune,
    user: User,
    opp: Opportunity,
    *,
    error: ValidationError | None = None,
    values: Mapping[str, object] | None = None,
) -> Response:
    """The contact roles panel; after a refused change, with why and what was chosen."""
    lookups = load_lookups(core, user, [opp.account_id])
    context: dict[str, Any] = {
        **field_context(OPPORTUNITIES, opp, lookups), **roles_context(core, user, opp),
        "role_error": "; ".join(e.message for e in error.fields) if error else None,
        "role_values": {k: v for k, v in (values or {}).items() if isinstance(v, str)},
    }  # fmt: skip
    status = 422 if error else 200
    return render(request, "records/_contact_roles.html", context, user=user, status=status)


def _role_change(
    request: Request,
    core: Opportune,
    user: User,
    opportunity_id: int,
    change: Callable[[], object],
    done: str,
    values: Mapping[str, object] | None = None,
) -> Response:
    """Run a contact role change; show the panel again, with the error when refused."""
    opp = _opportunity(core, user, opportunity_id)
    try:
        change()
    except ValidationError as exc:
        if not is_htmx(request):
            raise
        return _roles(request, core, user, opp, error=exc, values=values)
    if not is_htmx(request):
        return RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303)
    return _toast(_roles(request, core, user, opp), done)


@router.post("/opportunities/{opportunity_id:int}/roles", dependencies=[CsrfChecked])
def add_role(
    request: Request, opportunity_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Give a contact of the account a role in the opportunity."""
    data = {"contact_id": form.get("contact_id"), "role": form.get("role") or None,
            "is_primary": "true" if form.get("is_primary") else "false"}  # fmt: skip
    return _role_change(
        request, core, user, opportunity_id,
        lambda: core.opportunities.add_contact_role(user, opportunity_id, data),
        "Contact role added", form,
    )  # fmt: skip


@router.post(
    "/opportunities/{opportunity_id:int}/roles/{role_id:int}/primary", dependencies=[CsrfChecked]
)
def mark_primary(
    request: Request,
    opportunity_id: int,
    role_id: int,
    user: WebUser,
    core: OpportuneDep,
    form: PostedForm,
) -> Response:
    """Make a contact role the primary one, or no longer primary."""
    primary = str(form.get("is_primary") or "") == "true"
    done = "Primary contact set" if primary else "Primary contact unmarked"
    return _role_change(
        request, core, user, opportunity_id,
        lambda: core.opportunities.update_contact_role(
            user, opportunity_id, role_id, {"is_primary": primary}),
        done,
    )  # fmt: skip


@router.post(
    "/opportunities/{opportunity_id:int}/roles/{role_id:int}/delete", dependencies=[CsrfChecked]
)
def remove_role(
    request: Request, opportunity_id: int, role_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Take a contact role off the opportunity."""
    return _role_change(
        request, core, user, opportunity_id,
        lambda: core.opportunities.remove_contact_role(user, opportunity_id, role_id),
        "Contact role removed",
    )  # fmt: skip
