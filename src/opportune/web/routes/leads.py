"""The lead list (filters, search, sort, pages) and the new-lead form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.leads import Lead
from opportune.domain.users import User
from opportune.errors import DuplicateRecordError, ValidationError
from opportune.services.presenters import LeadLookups
from opportune.services.saved_alerts import collecting_alerts
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.fields import (
    FORM_FIELDS,
    FORM_SECTIONS,
    choices,
    errors_by_field,
    field_label,
    form_data,
)
from opportune.web.listing import ListState, lead_filters
from opportune.web.routes.duplicates import flash_alerts
from opportune.web.templating import flash, is_htmx, render
from opportune.web.view import lead_row

router = APIRouter()


@router.get("/leads")
def lead_list(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The lead list: the whole page, or only the results for htmx (search, sort, pages)."""
    state = ListState.from_query(request.query_params)
    context: dict[str, Any] = {"state": state, "rows": [], "page": None, "errors": []}
    status = 200
    try:
        result = core.leads.list(user, lead_filters(state, request.query_params.get("cursor")))
    except ValidationError as exc:
        context["errors"] = [f"{field_label(e.field)}: {e.message}" for e in exc.fields]
        context["lookups"] = core.leads.lookups()
        status = 422
    else:
        lookups = result.lookups
        context.update(lookups=lookups, page=result.page)
        context["rows"] = [lead_row(lead, lookups) for lead in result.page.items]
    if not is_htmx(request):
        return render(request, "leads/list.html", context, user=user, status=status)
    response = render(request, "leads/_results.html", context, user=user, status=status)
    # The address bar keeps the filters, without the empty fields a form submits.
    response.headers["HX-Push-Url"] = state.url(cursor=request.query_params.get("cursor"))
    return response


def _form_context(
    user: User, lookups: LeadLookups, values: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    options = {
        name: choices(name, lookups) for name, f in FORM_FIELDS.items() if f.kind == "select"
    }
    values = {"status": lookups.picklists.default_status.label, **values}
    return {
        "sections": FORM_SECTIONS, "options": options, "values": values, "errors": errors,
        "default_owner": str(user.id),
    }  # fmt: skip


@router.get("/leads/new")
def new_lead_form(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """An empty lead form, owned by the current user unless they choose someone else."""
    context = _form_context(user, core.leads.lookups(), {"owner_id": str(user.id)}, {})
    return render(request, "leads/new.html", context, user=user)


@router.post("/leads", dependencies=[CsrfChecked])
def create_lead(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Create the lead and open it; on bad input show the form again with each field's error."""
    try:
        with collecting_alerts() as found:
            lead: Lead = core.leads.create(user, form_data(form, list(FORM_FIELDS)))
    except ValidationError as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        context = _form_context(user, core.leads.lookups(), values, errors_by_field(exc.fields))
        context["error_list"] = exc.fields
        return render(request, "leads/new.html", context, user=user, status=422)
    except DuplicateRecordError as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        flash(request, f"Not saved: {exc.message}. Open it, or change the details.")
        context = _form_context(user, core.leads.lookups(), values, {})
        return render(request, "leads/new.html", context, user=user, status=409)
    flash(request, f"Lead {lead.name} at {lead.company} created.")
    flash_alerts(request, found)
    return RedirectResponse(f"/leads/{lead.id}", status_code=303)
