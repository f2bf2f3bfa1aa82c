"""The lead page: every field, inline edits, the status path, and delete."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.leads import Lead, check_editable
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.presenters import LeadLookups
from opportune.services.saved_alerts import collecting_alerts
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.fields import PAGE_FIELDS, PAGE_SECTIONS, FieldSpec, choices, form_data
from opportune.web.routes.duplicates import toast_alerts
from opportune.web.templating import flash, is_htmx, render
from opportune.web.view import display_value, input_value, status_kind, status_path

router = APIRouter()
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; larger ones cannot exist


def _lead(core: Opportune, user: User, lead_id: int) -> Lead:
    """The lead for a form on its page (opening a form does not mark it read)."""
    _check_id(lead_id)
    return core.leads.get(user, lead_id, mark_read=False)


def _check_id(lead_id: int) -> None:
    if lead_id > MAX_ID:
        raise NotFoundError.for_record("Lead", lead_id)


def page_context(lead: Lead, lookups: LeadLookups) -> dict[str, Any]:
    """What the lead page's templates show."""
    status = lookups.picklists.status(lead.status_id)
    return {
        "lead": lead, "record": lookups.record(lead), "status_kind": status_kind(status),
        "is_closed": status.needs_close_reason, "steps": status_path(lead, lookups),
        "sections": PAGE_SECTIONS,
        "editable": not lead.is_converted and lead.merged_into_id is None,
        "created_by": lookups.user_name(lead.created_by_id),
        "updated_by": lookups.user_name(lead.updated_by_id),
        "display_value": display_value,
    }  # fmt: skip


@router.get("/leads/{lead_id:int}")
def lead_page(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The lead with all its fields; its owner opening it marks it read."""
    _check_id(lead_id)
    shown = core.leads.shown(user, lead_id)  # the lead and its labels in one transaction
    context = page_context(shown.lead, shown.lookups)
    return render(request, "leads/detail.html", context, user=user)


@router.get("/leads/{lead_id:int}/status/close")
def close_form(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The small form asking why the lead is being closed."""
    lead = _lead(core, user, lead_id)
    check_editable(lead)
    label = request.query_params.get("status", "")
    return _close_form(request, user, lead, core.leads.lookups(), label, None, 200)


def _close_form(
    request: Request,
    user: User,
    lead: Lead,
    lookups: LeadLookups,
    label: str,
    error: str | None,
    status: int,
) -> Response:
    context = {"lead": lead, "status_label": label, "error": error,
               "reasons": choices("close_reason", lookups)}  # fmt: skip
    return render(request, "leads/_close_form.html", context, user=user, status=status)


@router.post("/leads/{lead_id:int}/status", dependencies=[CsrfChecked])
def move_status(
    request: Request, lead_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Move the lead along the path; closing it without converting needs a reason."""
    label = str(form.get("status") or "")
    data: dict[str, object] = {"status": label}
    if form.get("close_reason"):
        data["close_reason"] = str(form.get("close_reason"))
    _lead(core, user, lead_id)
    try:
        lead = core.leads.update(user, lead_id, data)
    except ValidationError as exc:
        return _status_refused(request, user, core, lead_id, label, exc)
    if not is_htmx(request):
        return RedirectResponse(f"/leads/{lead_id}", status_code=303)
    response = render(
        request, "leads/_detail.html", page_context(lead, core.leads.lookups()), user=user
    )
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": f"Status set to {label}"})
    return response


def _status_refused(
    request: Request, user: User, core: Opportune, lead_id: int, label: str, exc: ValidationError
) -> Response:
    """Show why the move was refused under the path (the close form when a reason is missing)."""
    if not is_htmx(request):
        raise exc
    lead = _lead(core, user, lead_id)
    message = "; ".join(e.message for e in exc.fields)
    if any(e.field == "close_reason" for e in exc.fields):
        message = "Choose a reason to close this lead."
    response = _close_form(request, user, lead, core.leads.lookups(), label, message, 422)
    response.headers["HX-Retarget"] = "#status-panel"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _spec(name: str, lead: Lead, lookups: LeadLookups) -> FieldSpec:
    spec = PAGE_FIELDS.get(name)
    if spec is None:
        raise NotFoundError(f"Leads have no field '{name}' to edit here")
    if name == "close_reason" and not lookups.picklists.status(lead.status_id).needs_close_reason:
        raise ConflictError("A close reason applies only to a lead closed without conversion")
    return spec


def _field(
    request: Request,
    user: User,
    lead: Lead,
    lookups: LeadLookups,
    spec: FieldSpec,
    **extra: Any,
) -> Response:
    """One field of the lead page, shown or being edited."""
    record = lookups.record(lead)
    context = {**page_context(lead, lookups), "spec": spec, "record": record, **extra}
    editing = "value" in extra
    if editing:
        context["options"] = choices(spec.name, lookups)
    name = "leads/_field_edit.html" if editing else "leads/_field_response.html"
    return render(request, name, context, user=user, status=422 if extra.get("error") else 200)


@router.get("/leads/{lead_id:int}/fields/{name}")
def show_field(
    request: Request, lead_id: int, name: str, user: WebUser, core: OpportuneDep
) -> Response:
    """A field's value (cancelling an edit)."""
    lead, lookups = _lead(core, user, lead_id), core.leads.lookups()
    return _field(request, user, lead, lookups, _spec(name, lead, lookups), focus=True)


@router.get("/leads/{lead_id:int}/fields/{name}/edit")
def edit_field(
    request: Request, lead_id: int, name: str, user: WebUser, core: OpportuneDep
) -> Response:
    """A field as an input, to change it in place."""
    lead, lookups = _lead(core, user, lead_id), core.leads.lookups()
    check_editable(lead)
    spec = _spec(name, lead, lookups)
    value = input_value(spec, lookups.record(lead))
    if spec.name == "owner_id":
        value = str(lead.owner_id)
    return _field(request, user, lead, lookups, spec, value=value, error=None)


@router.post("/leads/{lead_id:int}/fields/{name}", dependencies=[CsrfChecked])
def save_field(
    request: Request,
    lead_id: int,
    name: str,
    user: WebUser,
    core: OpportuneDep,
    form: PostedForm,
) -> Response:
    """Save one field; a bad value keeps the input open with the error next to it."""
    lead, lookups = _lead(core, user, lead_id), core.leads.lookups()
    spec = _spec(name, lead, lookups)
    try:
        with collecting_alerts() as found:
            lead = core.leads.update(user, lead_id, form_data(form, [spec.name]))
    except ValidationError as exc:
        value = form.get(spec.name)
        message = "; ".join(e.message for e in exc.fields)
        text = value if isinstance(value, str) else ""
        return _field(request, user, lead, lookups, spec, value=text, error=message)
    response = _field(request, user, lead, lookups, spec, focus=True, saved=True)
    return toast_alerts(response, found)


@router.post("/leads/{lead_id:int}/delete", dependencies=[CsrfChecked])
def delete_lead(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Move the lead to the recycle bin and go back to the list."""
    lead = _lead(core, user, lead_id)
    core.leads.delete(user, lead_id)
    flash(request, f"Lead {lead.name} deleted. It is in the recycle bin.")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": "/leads"})
    return RedirectResponse("/leads", status_code=303)
