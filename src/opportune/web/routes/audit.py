"""Web UI: the audit log on ``/setup/audit``, filtered, read-only (administrators only).

The filter form is a GET form, so a filtered view is a link to share; "Load more" fetches
the next page's rows with htmx (or opens the next page without JavaScript).
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from opportune.api.deps import OpportuneDep
from opportune.domain.audit import AuditAction, AuditEntry
from opportune.domain.listing import Page
from opportune.errors import FieldError, PermissionDeniedError, ValidationError
from opportune.services.audit import AuditFilters
from opportune.web.deps import WebUser
from opportune.web.templating import is_htmx, render

router = APIRouter()

FILTERS = ("action", "user", "object_type", "object_id", "since", "until", "ip")


@router.get("/setup/audit")
def audit_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """One page of the audit log matching the filters in the query string."""
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can read the audit log")
    chosen = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    filters, errors = _filters(chosen, request.query_params.get("cursor"),
                               core.settings.page_size_default)  # fmt: skip
    page: Page[AuditEntry] = Page([])
    try:
        found = core.audit.list(user, filters)
        page = page if errors else found
    except ValidationError as exc:
        errors += exc.fields
    more = None
    if page.next_cursor:
        kept = {k: v for k, v in chosen.items() if v}
        more = "/setup/audit?" + urlencode({**kept, "cursor": page.next_cursor})
    context = {"nav": "setup", "page": page, "chosen": chosen, "errors": errors, "more": more,
               "actions": [a.value for a in AuditAction],
               "details": {e.id: details_text(e) for e in page.items}}  # fmt: skip
    template = "audit/_rows.html" if is_htmx(request) else "audit/page.html"
    return render(request, template, context, user=user, status=422 if errors else 200)


def details_text(entry: AuditEntry) -> str:
    """An entry's details as one line of text (the template escapes it)."""
    return "; ".join(
        f"{key}: {json.dumps(value, ensure_ascii=False, default=str)}"
        for key, value in entry.details.items()
    )


def _filters(
    chosen: dict[str, str], cursor: str | None, limit: int
) -> tuple[AuditFilters, list[FieldError]]:
    """The service's filters from the form's text, and an error naming each bad day or id
    (left out of the filters, so the service names any other bad filter too)."""
    errors: list[FieldError] = []
    days = {name: _day(name, chosen[name], errors) for name in ("since", "until")}
    object_id = None
    if chosen["object_id"]:
        if chosen["object_id"].isdecimal() and len(chosen["object_id"]) < 11:
            object_id = int(chosen["object_id"])
        else:
            errors.append(FieldError("object_id", "INVALID_FILTER", "Must be a record id"))
    filters = AuditFilters(
        action=[chosen["action"]] if chosen["action"] else [],
        user=[chosen["user"]] if chosen["user"] else [],
        object_type=chosen["object_type"] or None, object_id=object_id,
        since=days["since"], until=days["until"], ip=chosen["ip"] or None,
        cursor=cursor or None, limit=limit,
    )  # fmt: skip
    return filters, errors


def _day(name: str, text: str, errors: list[FieldError]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(name, "INVALID_DATE", "Use a day as YYYY-MM-DD"))
        return None
