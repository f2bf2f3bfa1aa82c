"""Web UI: Setup pages for assignment rules; taking a lead; re-running assignment on a list.

Queues and round-robin groups have their pages in :mod:`opportune.web.routes.assignment_groups`.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, QueryParams
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.assignment import CRITERIA_FIELDS, NUMBER_FIELDS, OPERATORS, AssignmentRule
from opportune.domain.users import Role, User
from opportune.errors import (
    ConflictError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.services import Opportune
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.fields import field_label
from opportune.web.listing import ListState, lead_filters
from opportune.web.routes.assignment_groups import require_admin
from opportune.web.routes.assignment_groups import router as groups_router
from opportune.web.templating import flash, render

router = APIRouter()
router.include_router(groups_router)

OPERATOR_LABELS = {
    "equals": "equals", "not_equals": "does not equal", "in": "is one of",
    "not_in": "is none of", "contains": "contains", "starts_with": "starts with",
    "greater_than": "greater than", "less_than": "less than", "between": "between",
    "blank": "is blank", "not_blank": "is not blank",
}  # fmt: skip
_ENTRY_KEY = re.compile(r"^e(\d+)_(assignee|order)$")
_CRITERION_KEY = re.compile(r"^e(\d+)_c(\d+)_(field|operator|value)$")
_ERROR_PLACE = re.compile(r"^entries\[(\d+)\](?:\.criteria\[(\d+)\])?\.?(.*)$")


def _rule_ref(core: Opportune, user: User, rule_id: int) -> AssignmentRule:
    return core.assignment.rule(user, rule_id)


def _choices(core: Opportune, user: User) -> dict[str, Any]:
    """Who a rule can send leads to, and the fields and operators criteria use."""
    return {
        "users": [u for u in core.users.list() if u.is_active],
        "queues": core.assignment.queues(user),
        "groups": core.assignment.groups(user),
        "fields": [(name, field_label(name)) for name in CRITERIA_FIELDS],
        "number_fields": NUMBER_FIELDS,
        "operators": [(op, OPERATOR_LABELS[op]) for op in OPERATORS],
    }


def _assignee_names(core: Opportune, user: User) -> dict[str, str]:
    names = {f"user:{u.id}": u.name for u in core.users.list()}
    names.update({f"queue:{q.id}": f"Queue: {q.name}" for q in core.assignment.queues(user)})
    groups = core.assignment.groups(user)
    names.update({f"round_robin:{g.id}": f"Round robin: {g.name}" for g in groups})
    return names


# --- the list of rules ---------------------------------------------------------------------


@router.get("/setup/assignment")
def rules_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Every assignment rule, with activate / deactivate / delete (administrators only)."""
    require_admin(user)
    rules = core.assignment.rules(user)
    context = {
        "nav": "setup", "rules": rules, "drafts": {r.id: _draft(r) for r in rules},
        "names": _assignee_names(core, user), "operator_labels": OPERATOR_LABELS,
    }  # fmt: skip
    return render(request, "assignment/rules.html", context, user=user)


@router.post("/setup/assignment/{rule_id:int}/{action}", dependencies=[CsrfChecked])
def rule_action(
    request: Request, rule_id: int, action: str, user: WebUser, core: OpportuneDep
) -> Response:
    """Activate, deactivate or delete a rule, then back to the list with a message."""
    require_admin(user)
    rule = _rule_ref(core, user, rule_id)
    if action == "activate":
        core.assignment.activate(user, rule_id)
        flash(request, f"'{rule.name}' is now the active assignment rule.")
    elif action == "deactivate":
        core.assignment.deactivate(user, rule_id)
        flash(request, f"'{rule.name}' is no longer active: new leads keep their creator.")
    elif action == "delete":
        core.assignment.delete_rule(user, rule_id)
        flash(request, f"Deleted the assignment rule '{rule.name}'.")
    else:
        raise NotFoundError(f"No such action: {action}")
    return RedirectResponse("/setup/assignment", status_code=303)


# --- the rule editor -----------------------------------------------------------------------


def _draft(rule: AssignmentRule | None) -> dict[str, Any]:
    """A rule as the editor shows it (assignees as ``type:id``, lists as comma-separated)."""
    if rule is None:
        return {"name": "", "default": "", "entries": []}
    default = ""
    if rule.default_owner_id is not None:
        default = f"user:{rule.default_owner_id}"
    elif rule.default_queue_id is not None:
        default = f"queue:{rule.default_queue_id}"
    entries = [
        {
            "assignee": f"{e.assignee.type}:"
            f"{e.assignee.user_id or e.assignee.queue_id or e.assignee.group_id}",
            "criteria": [
                {"field": c.field, "operator": c.operator, "value": _shown(c.value)}
                for c in e.criteria
            ],
        }
        for e in rule.entries
    ]
    return {"name": rule.name, "default": default, "entries": entries}


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _editor(
    request: Request,
    core: Opportune,
    user: User,
    rule: AssignmentRule | None,
    draft: dict[str, Any],
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    problems = errors or []
    context = {
        "nav": "setup", "rule": rule, "draft": draft, "errors": problems,
        "error_fields": {field for field, _ in problems}, **_choices(core, user),
    }  # fmt: skip
    return render(request, "assignment/edit.html", context, user=user, status=status)


@router.get("/setup/assignment/new")
def new_rule_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """An empty rule editor."""
    require_admin(user)
    return _editor(request, core, user, None, _draft(None))


@router.get("/setup/assignment/{rule_id:int}")
def edit_rule_page(request: Request, rule_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The editor for a rule: its ordered entries, criteria rows and assignees."""
    require_admin(user)
    rule = _rule_ref(core, user, rule_id)
    return _editor(request, core, user, rule, _draft(rule))


@router.post("/setup/assignment/new", dependencies=[CsrfChecked])
def create_rule(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Save a new rule; invalid input shows the editor again with each problem."""
    require_admin(user)
    draft = form_draft(form)
    try:
        rule = core.assignment.create_rule(user, rule_data(draft))
    except ValidationError as exc:
        return _editor(request, core, user, None, draft, _problems(exc), status=422)
    flash(request, f"Saved the assignment rule '{rule.name}'. Activate it to use it.")
    return RedirectResponse("/setup/assignment", status_code=303)


@router.post("/setup/assignment/{rule_id:int}", dependencies=[CsrfChecked])
def save_rule(
    request: Request, rule_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Save a changed rule."""
    require_admin(user)
    rule = _rule_ref(core, user, rule_id)
    draft = form_draft(form)
    try:
        saved = core.assignment.update_rule(user, rule_id, rule_data(draft))
    except ValidationError as exc:
        return _editor(request, core, user, rule, draft, _problems(exc), status=422)
    flash(request, f"Saved the assignment rule '{saved.name}'.")
    return RedirectResponse("/setup/assignment", status_code=303)


def form_draft(form: FormData) -> dict[str, Any]:
    """The editor's posted fields as a draft: entries in their order, blank rows dropped."""
    entries: dict[int, dict[str, Any]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if match := _ENTRY_KEY.match(key):
            entries.setdefault(int(match[1]), {"criteria": {}})[match[2]] = value.strip()
        elif match := _CRITERION_KEY.match(key):
            entry = entries.setdefault(int(match[1]), {"criteria": {}})
            entry["criteria"].setdefault(int(match[2]), {})[match[3]] = value.strip()
    ordered = sorted(entries.items(), key=lambda item: (_order(item[1]), item[0]))
    drafts = [_entry_draft(entry) for _, entry in ordered]
    name, default = form.get("name"), form.get("default")
    return {
        "name": name.strip() if isinstance(name, str) else "",
        "default": default if isinstance(default, str) else "",
        "entries": [d for d in drafts if d["assignee"] or d["criteria"]],
    }


def _order(entry: dict[str, Any]) -> float:
    text = str(entry.get("order") or "")
    return float(text) if text.replace(".", "", 1).isdigit() else float("inf")


def _entry_draft(entry: dict[str, Any]) -> dict[str, Any]:
    criteria = [entry["criteria"][j] for j in sorted(entry["criteria"])]
    kept = [
        {
            "field": c.get("field", ""),
            "operator": c.get("operator", ""),
            "value": c.get("value", ""),
        }
        for c in criteria
        if c.get("field")
    ]
    return {"assignee": entry.get("assignee", ""), "criteria": kept}


def rule_data(draft: dict[str, Any]) -> dict[str, object]:
    """A draft as the service's rule definition."""
    kind, _, ident = str(draft["default"]).partition(":")
    data: dict[str, object] = {
        "name": draft["name"],
        "default_owner_id": ident if kind == "user" else None,
        "default_queue_id": ident if kind == "queue" else None,
    }
    entries = []
    for entry in draft["entries"]:
        kind, _, ident = str(entry["assignee"]).partition(":")
        key = {"user": "user_id", "queue": "queue_id", "round_robin": "group_id"}.get(kind)
        criteria = [
            {"field": c["field"], "operator": c["operator"], "value": c["value"] or None}
            for c in entry["criteria"]
        ]
        item: dict[str, object] = {"criteria": criteria, "assignee_type": kind or None}
        if key:
            item[key] = ident
        entries.append(item)
    data["entries"] = entries
    return data


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Each error as (field, message in words: 'Entry 2, condition 1, operator: ...')."""
    found = []
    for error in exc.fields:
        found.append((error.field, f"{_place(error.field)}: {error.message}"))
    return found


def _place(field: str) -> str:
    match = _ERROR_PLACE.match(field)
    if match is None:
        return field_label(field.replace("_id", "")).replace("Default queue", "Default")
    entry, criterion, rest = match.groups()
    words = f"Entry {int(entry) + 1}"
    if criterion is not None:
        words += f", condition {int(criterion) + 1}"
    if rest and rest not in ("field", "operator", "value"):
        rest = "assign to"
    return f"{words}, {rest}" if rest else words


# --- taking a lead, re-running assignment --------------------------------------------------


@router.get("/leads/{lead_id:int}/take")
def take_button(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The "Take" button for a lead in one of the user's queues (empty otherwise)."""
    lead = core.leads.get(user, lead_id, mark_read=False)
    assert user.id is not None
    mine = {q.id for q in core.assignment.queues(user, mine=True)}
    if lead.queue_id is None or lead.queue_id not in mine or lead.is_converted:
        return HTMLResponse("")
    return render(request, "assignment/_take.html", {"lead": lead}, user=user)


@router.post("/leads/{lead_id:int}/take", dependencies=[CsrfChecked])
def take_lead(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Take the lead from its queue; the lead page then shows the user as owner."""
    try:
        lead = core.assignment.take(user, lead_id)
    except (ConflictError, PermissionDeniedError) as exc:
        flash(request, exc.message)
    else:
        flash(request, f"You now own {lead.name} ({lead.company}).")
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


@router.post("/leads/reassign", dependencies=[CsrfChecked])
def reassign(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Re-run assignment on the lead list's current filter (admins and managers)."""
    params = QueryParams([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    state = ListState.from_query(params)
    if user.role is Role.REP:
        flash(request, "Only an administrator or a manager can re-run assignment.")
        return RedirectResponse(state.url(), status_code=303)
    try:
        result = core.assignment.reassign(user, lead_filters(state, None))
    except OpportuneError as exc:
        flash(request, f"Assignment was not re-run: {exc.message}")
    else:
        flash(
            request,
            f"Re-ran '{result.rule_name}' on {result.matched} lead(s): {result.changed} "
            f"reassigned, {result.unchanged} unchanged.",
        )
    return RedirectResponse(state.url(), status_code=303)
