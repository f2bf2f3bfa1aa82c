"""Web UI: the possible-duplicates panel, the duplicates report, duplicate rules setup."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.api.schemas import MAX_ID
from opportune.domain.duplicate_rules import ACTIONS, COMPARE_WITH, OBJECT_TYPES, RULE_FIELDS
from opportune.domain.fields import clean_value, day
from opportune.domain.users import User
from opportune.errors import PermissionDeniedError, ValidationError
from opportune.services.duplicates import DuplicateCandidate, ReportFilters
from opportune.services.filters import LeadFilters
from opportune.web.deps import CsrfChecked, NamedRecord, PostedForm, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
PAGE_SIZE = 50
RECORD_PATHS = {"lead": "/leads", "contact": "/contacts", "account": "/accounts"}
# Spare comparison slots shown per alternative, and spare alternatives, for adding.
_SPARE_COMPARISONS, _SPARE_ALTERNATIVES = 2, 1


def record_url(kind: str, record_id: int) -> str:
    """The page of a lead, contact or account."""
    return f"{RECORD_PATHS[kind]}/{record_id}"


def merge_url(kind: str, ids: list[int]) -> str:
    """The merge page for these records (built by the merge pages)."""
    return f"/merge?object={kind}&ids={','.join(str(i) for i in ids)}"


def alert_text(found: list[DuplicateCandidate]) -> str:
    """A one-line notice naming the possible duplicates of a record just saved."""
    names = ", ".join(f"{c.object_type} {c.name} (#{c.record_id})" for c in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return f"Possible duplicate{'s' if len(found) > 1 else ''}: {names}{more}. See the panel below."


def flash_alerts(request: Request, found: list[DuplicateCandidate]) -> None:
    """After a save from a whole-page form: a notice when an alert rule matched (``found``:
    what :func:`~opportune.services.saved_alerts.collecting_alerts` gathered around it)."""
    if found:
        flash(request, alert_text(found))


def toast_alerts(response: Response, found: list[DuplicateCandidate]) -> Response:
    """After an inline edit (htmx): when an alert rule matched, a toast naming the matches
    and the page's possible-duplicates panel reloads to show them."""
    if found:
        events: dict[str, Any] = json.loads(response.headers.get("HX-Trigger") or "{}")
        events["opportune:toast"] = alert_text(found)
        events["opportune:duplicates"] = True
        response.headers["HX-Trigger"] = json.dumps(events)
    return response


# --- the panel ----------------------------------------------------------------------------


@router.get("/duplicates/panel")
def panel(request: Request, user: WebUser, core: OpportuneDep, named: NamedRecord) -> Response:
    """The record's possible duplicates (an invisible placeholder when there are none)."""
    kind, record_id = named
    found = core.duplicates.possible_duplicates(user, kind, record_id)
    rows = [{"c": c, "url": record_url(c.object_type, c.record_id),
             "merge": merge_url(kind, [record_id, c.record_id]) if c.object_type == kind else None}
            for c in found]  # fmt: skip
    context = {"kind": kind, "record_id": record_id, "rows": rows}
    return render(request, "duplicates/_panel.html", context, user=user)


# --- the report ---------------------------------------------------------------------------


@router.get("/duplicates")
def report_page(
    request: Request,
    user: WebUser,
    core: OpportuneDep,
    object_type: Annotated[str, Query(alias="object")] = "",
    status: str = "open",
    rule: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Reported pairs of possible duplicates, with filters, dismiss and merge links."""
    filters = ReportFilters(object_type or None, rule, status, offset, PAGE_SIZE)
    page = core.duplicates.report(user, filters)
    rows = [{"r": r, "url": record_url(r.object_type, r.record_id),
             "other_url": record_url(r.other_type, r.other_id),
             "merge": merge_url(r.object_type, [r.record_id, r.other_id])
             if r.object_type == r.other_type and r.resolved_at is None else None}
            for r in page.items]  # fmt: skip
    context = {
        "nav": "duplicates", "page": page, "rows": rows, "object_type": object_type,
        "status": status, "rule": rule, "rules": core.duplicates.rules(user),
        "statuses": core.leads.lookups().picklists.statuses,
        "prev_offset": max(offset - PAGE_SIZE, 0) if offset else None,
        "next_offset": offset + PAGE_SIZE if offset + PAGE_SIZE < page.total else None,
        "query": request.url.query,
    }  # fmt: skip
    return render(request, "duplicates/report.html", context, user=user)


@router.post("/duplicates/reports/{report_id:int}/dismiss", dependencies=[CsrfChecked])
def dismiss(
    request: Request, report_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Dismiss a reported pair and go back to the report as it was filtered."""
    core.duplicates.dismiss(user, report_id)
    flash(request, "Pair dismissed: it is no longer in the open report.")
    return RedirectResponse(_back(form), status_code=303)


@router.post("/duplicates/scan", dependencies=[CsrfChecked])
def scan(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Scan the leads (optionally of one status and created since a day) for duplicates."""
    status = str(form.get("status") or "")
    since = str(form.get("created_from") or "") or None
    filters = LeadFilters(status=[status] if status else [], created_from=_day(since))
    result = core.duplicates.scan_leads(user, filters)
    flash(request, f"Scanned {result.scanned} lead(s): {result.reported} new pair(s) reported.")
    return RedirectResponse("/duplicates", status_code=303)


def _day(text: str | None) -> date | None:
    found = clean_value(day("created_from"), text)
    return found if isinstance(found, date) else None


def _back(form: FormData) -> str:
    query = str(form.get("back") or "")
    return f"/duplicates?{query}" if query and "\n" not in query else "/duplicates"


# --- duplicate rules setup ----------------------------------------------------------------


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can change duplicate rules")


@router.get("/setup/duplicate-rules")
def rules_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Every duplicate rule, by object, with its matching rule and actions."""
    _require_admin(user)
    rules = core.duplicates.rules(user)
    context = {"nav": "setup", "rules": rules, "object_types": OBJECT_TYPES}
    return render(request, "duplicates/rules.html", context, user=user)


@router.get("/setup/duplicate-rules/new")
def new_rule(
    request: Request, user: WebUser, object_type: Annotated[str, Query(alias="object")] = "lead"
) -> Response:
    """An empty rule form for one object."""
    _require_admin(user)
    kind = object_type if object_type in OBJECT_TYPES else "lead"
    values = {"object_type": kind, "name": "", "is_active": True,
              "compare_with": list(COMPARE_WITH[kind]), "action_on_create": "alert",
              "action_on_edit": "alert", "sort_order": 1, "alternatives": []}  # fmt: skip
    return _rule_form(request, user, None, values, [])


@router.post("/setup/duplicate-rules", dependencies=[CsrfChecked])
def create_rule(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Save a new rule; bad input shows the form again with each error."""
    _require_admin(user)
    values = _posted_rule(form)
    try:
        rule = core.duplicates.create_rule(user, values)
    except ValidationError as exc:
        return _rule_form(request, user, None, values, exc.fields, status=422)
    flash(request, f"Duplicate rule {rule.name} saved.")
    return RedirectResponse("/setup/duplicate-rules", status_code=303)


@router.get("/setup/duplicate-rules/{rule_id:int}")
def edit_rule(request: Request, rule_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The form to change a rule."""
    _require_admin(user)
    rule = core.duplicates.rule(user, rule_id)
    values = {"object_type": rule.object_type, "name": rule.name, "is_active": rule.is_active,
              "compare_with": list(rule.compare_with), "action_on_create": rule.action_on_create,
              "action_on_edit": rule.action_on_edit, "sort_order": rule.sort_order,
              "alternatives": [[{"field": c.field, "method": c.method.value,
                                 "threshold": c.threshold} for c in alt]
                               for alt in rule.rule.alternatives]}  # fmt: skip
    return _rule_form(request, user, rule_id, values, [])


@router.post("/setup/duplicate-rules/{rule_id:int}", dependencies=[CsrfChecked])
def save_rule(
    request: Request, rule_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Save a changed rule; bad input shows the form again with each error."""
    _require_admin(user)
    values = _posted_rule(form)
    kind = core.duplicates.rule(user, rule_id).object_type
    values["object_type"] = kind
    try:
        rule = core.duplicates.update_rule(user, rule_id, values)
    except ValidationError as exc:
        return _rule_form(request, user, rule_id, values, exc.fields, status=422)
    flash(request, f"Duplicate rule {rule.name} saved.")
    return RedirectResponse("/setup/duplicate-rules", status_code=303)


@router.post("/setup/duplicate-rules/{rule_id:int}/active", dependencies=[CsrfChecked])
def set_active(
    request: Request, rule_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Activate or deactivate a rule from the list."""
    _require_admin(user)
    active = form.get("is_active") == "true"
    rule = core.duplicates.update_rule(user, rule_id, {"is_active": active})
    flash(request, f"Duplicate rule {rule.name} {'activated' if active else 'deactivated'}.")
    return RedirectResponse("/setup/duplicate-rules", status_code=303)


@router.post("/setup/duplicate-rules/{rule_id:int}/delete", dependencies=[CsrfChecked])
def delete_rule(request: Request, rule_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Delete a rule and its report rows."""
    _require_admin(user)
    rule = core.duplicates.rule(user, rule_id)
    core.duplicates.delete_rule(user, rule_id)
    flash(request, f"Duplicate rule {rule.name} deleted.")
    return RedirectResponse("/setup/duplicate-rules", status_code=303)


def _posted_rule(form: FormData) -> dict[str, Any]:
    """The rule a posted form describes; comparison slots without a field are left out."""
    alternatives: list[list[dict[str, Any]]] = []
    for i in range(int(str(form.get("alternative_count") or 0) or 0)):
        alternative = []
        for j in range(int(str(form.get(f"alt-{i}-count") or 0) or 0)):
            field = str(form.get(f"alt-{i}-{j}-field") or "")
            if field:
                method = str(form.get(f"alt-{i}-{j}-method") or "exact")
                threshold = str(form.get(f"alt-{i}-{j}-threshold") or "100").strip()
                alternative.append({"field": field, "method": method, "threshold": threshold})
        if alternative:
            alternatives.append(alternative)
    values: dict[str, Any] = {
        "name": str(form.get("name") or ""), "is_active": form.get("is_active") == "on",
        "compare_with": [str(v) for v in form.getlist("compare_with")],
        "action_on_create": str(form.get("action_on_create") or ""),
        "action_on_edit": str(form.get("action_on_edit") or ""),
        "sort_order": str(form.get("sort_order") or "1"), "alternatives": alternatives,
    }  # fmt: skip
    if form.get("object_type"):
        values["object_type"] = str(form.get("object_type"))
    return values


def _rule_form(
    request: Request, user: User, rule_id: int | None, values: dict[str, Any],
    errors: Any, *, status: int = 200,
) -> Response:  # fmt: skip
    kind = values.get("object_type") if values.get("object_type") in OBJECT_TYPES else "lead"
    slots = [list(alt) + [{}] * _SPARE_COMPARISONS for alt in values.get("alternatives") or []]
    slots += [[{}] * 3 for _ in range(_SPARE_ALTERNATIVES)]
    context = {
        "nav": "setup", "rule_id": rule_id, "values": values, "kind": kind, "slots": slots,
        "fields": RULE_FIELDS[str(kind)], "actions": ACTIONS,
        "compare_kinds": COMPARE_WITH[str(kind)],
        "errors": {e.field: e.message for e in errors}, "error_list": list(errors),
    }  # fmt: skip
    return render(request, "duplicates/rule_form.html", context, user=user, status=status)
