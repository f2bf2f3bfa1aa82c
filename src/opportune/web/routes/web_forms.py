"""Web UI: Setup > Web-to-lead forms (administrators) and, included here, the public endpoint.

The list, the create/edit form, and a page per form with the HTML snippet to paste into a
website, its recent submissions and its queue.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.picklists import RATINGS
from opportune.domain.users import User
from opportune.domain.web_form_snippet import DEFAULT_SNIPPET_FIELDS, snippet_fields
from opportune.domain.web_forms import DEFAULT_FIELDS, SubmissionStatus, WebForm
from opportune.errors import PermissionDeniedError, ValidationError
from opportune.services import Opportune
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.routes import web_to_lead
from opportune.web.templating import flash, render

router = APIRouter()
router.include_router(web_to_lead.router)

BASE = "/setup/web-forms"
LIMIT_FIELDS = ("daily_cap", "per_ip_per_hour", "per_form_per_minute")
NEW_FORM = WebForm(key="", name="", created_by_id=0)


@router.get(BASE)
def form_list(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Every web-to-lead form with its numbers."""
    forms = core.web_forms.list(user)
    context = {"nav": "setup", "forms": forms, "queued": sum(f.queued for f in forms)}
    return render(request, "web_forms/list.html", context, user=user)


@router.get(f"{BASE}/new")
def new_form(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The form to create a web-to-lead form."""
    _require_admin(user)
    return _edit_page(request, user, core, NEW_FORM, {}, {})


@router.post(BASE, dependencies=[CsrfChecked])
def create_form(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Create a form from the posted settings."""
    data = settings_from(form)
    try:
        created = core.web_forms.create(user, data)
    except ValidationError as exc:
        return _edit_page(request, user, core, NEW_FORM, form, _errors(exc), status=422)
    flash(request, f"Web form {created.name} created. Paste its snippet into your website.")
    return RedirectResponse(f"{BASE}/{created.id}", status_code=303)


@router.post(f"{BASE}/process-queue", dependencies=[CsrfChecked])
def process_queue(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Process queued posts now (as far as each form's daily cap allows)."""
    _require_admin(user)
    run = core.web_forms.process_queue()
    waiting = f"; {run.remaining} still queued (daily cap reached)" if run.remaining else ""
    flash(request, f"Processed {run.processed} queued post(s){waiting}.")
    back = request.headers.get("referer", "")
    target = back if BASE in back and back.startswith(str(request.base_url)) else BASE
    return RedirectResponse(target, status_code=303)


@router.get(f"{BASE}/{{form_id:int}}")
def form_page(request: Request, form_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """A form: its settings, the snippet to paste, its recent submissions and queue."""
    overview = core.web_forms.overview(user, form_id)
    query = request.query_params
    chosen = query.getlist("fields") or list(DEFAULT_SNIPPET_FIELDS)
    return_url = query.get("return_url") or _suggested_return_url(overview.form)
    status_filter = [s for s in query.getlist("status") if s]
    context: dict[str, Any] = {
        "nav": "setup", "overview": overview, "form": overview.form,
        "snippet_fields": snippet_fields(), "chosen": chosen, "return_url": return_url,
        "status_filter": status_filter, "statuses": [s.value for s in SubmissionStatus],
        "snippet_error": None, "snippet": "",
    }  # fmt: skip
    try:
        context["snippet"] = core.web_forms.snippet(
            user, form_id, base_url=str(request.base_url), fields=chosen,
            return_url=return_url or None,
        )  # fmt: skip
    except ValidationError as exc:
        context["snippet_error"] = exc.message
    context["page"] = core.web_forms.submissions(
        user, form_id, statuses=status_filter, cursor=query.get("cursor"), limit=25
    )
    return render(request, "web_forms/detail.html", context, user=user)


@router.get(f"{BASE}/{{form_id:int}}/edit")
def edit_form(request: Request, form_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The form to change a web form's settings."""
    return _edit_page(request, user, core, core.web_forms.get(user, form_id), {}, {})


@router.post(f"{BASE}/{{form_id:int}}", dependencies=[CsrfChecked])
def update_form(
    request: Request, form_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Save a web form's settings."""
    existing = core.web_forms.get(user, form_id)
    try:
        updated = core.web_forms.update(user, form_id, settings_from(form))
    except ValidationError as exc:
        return _edit_page(request, user, core, existing, form, _errors(exc), status=422)
    flash(request, f"Web form {updated.name} saved.")
    return RedirectResponse(f"{BASE}/{form_id}", status_code=303)


@router.post(f"{BASE}/{{form_id:int}}/delete", dependencies=[CsrfChecked])
def delete_form(request: Request, form_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Delete a web form (refused while it has queued posts)."""
    form = core.web_forms.get(user, form_id)
    core.web_forms.delete(user, form_id)
    flash(request, f"Web form {form.name} deleted.")
    return RedirectResponse(BASE, status_code=303)


# --- helpers ------------------------------------------------------------------------------


def settings_from(form: FormData | dict[str, Any]) -> dict[str, object]:
    """The posted edit form as the service's settings (checkboxes absent mean false)."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    data: dict[str, object] = {
        "name": text("name"),
        "is_active": bool(text("is_active")),
        "use_assignment_rule": bool(text("use_assignment_rule")),
        "owner_id": text("owner_id") or None,
        "allowed_redirect_hosts": text("allowed_redirect_hosts"),
        "duplicate_action": text("duplicate_action") or "attach",
        "defaults": {name: text(f"default_{name}") for name in DEFAULT_FIELDS},
    }
    for name in LIMIT_FIELDS:
        data[name] = text(name)
    return data


def _errors(exc: ValidationError) -> dict[str, str]:
    """Field errors by input name (``defaults.rating`` is the input ``default_rating``)."""
    return {e.field.replace("defaults.", "default_"): e.message for e in exc.fields}


def _values(form: WebForm) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": form.name, "is_active": form.is_active or not form.id,
        "use_assignment_rule": form.use_assignment_rule,
        "owner_id": str(form.owner_id or ""),
        "allowed_redirect_hosts": "\n".join(form.allowed_redirect_hosts),
        "duplicate_action": form.duplicate_action.value,
    }  # fmt: skip
    values |= {name: str(getattr(form, name)) for name in LIMIT_FIELDS}
    values |= {f"default_{n}": form.defaults.get(n, "") for n in DEFAULT_FIELDS}
    if not form.id:
        values["default_lead_source"] = "Web"
    return values


def _edit_page(
    request: Request,
    user: User,
    core: Opportune,
    form: WebForm,
    posted: FormData | dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    lookups = core.leads.lookups()
    values = _values(form)
    if posted:
        values |= {k: v for k, v in posted.items() if isinstance(v, str)}
        for flag in ("is_active", "use_assignment_rule"):
            values[flag] = bool(posted.get(flag))
    context = {
        "nav": "setup", "form": form, "values": values, "errors": errors,
        "users": [u for u in lookups.users if u.is_active],
        "sources": [v.label for v in lookups.picklists.sources if v.is_active],
        "statuses": [s.label for s in lookups.picklists.statuses if not s.is_converted],
        "ratings": RATINGS,
    }  # fmt: skip
    return render(request, "web_forms/edit.html", context, user=user, status=status)


def _suggested_return_url(form: WebForm) -> str:
    plain = [h for h in form.allowed_redirect_hosts if not h.startswith("*.")]
    return f"https://{plain[0]}/thank-you" if plain else ""


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDeniedError("Only an administrator can manage web forms")
