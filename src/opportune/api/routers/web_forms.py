"""REST API: web-to-lead form configurations, their submissions and the overflow queue.

Administrators only. The public endpoint forms post to is ``POST /web-to-lead`` (outside
/api, no authentication): see ``web/routes/web_to_lead.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response

from opportune.api.deps import AdminUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.web_forms import (
    QueueRunOut,
    SnippetOut,
    SubmissionPageOut,
    WebFormOut,
    WebFormWrite,
)
from opportune.domain.web_form_snippet import DEFAULT_SNIPPET_FIELDS

router = resource_router("/web-forms", tags=["web forms"])

FormId = Annotated[int, Path(ge=1, le=MAX_ID, description="The form's id")]
Status = Literal["created", "queued", "attached", "flagged", "rejected", "spam"]


@router.get("", responses=error_responses(401, 403))
def list_web_forms(user: AdminUser, core: OpportuneDep) -> list[WebFormOut]:
    """Every form, by name, with its queue size and today's lead count."""
    return [WebFormOut.of(o.form, o) for o in core.web_forms.list(user)]


@router.post("", status_code=201, responses=error_responses(400, 401, 403, 422))
def create_web_form(
    body: WebFormWrite, user: AdminUser, core: OpportuneDep, request: Request, response: Response
) -> WebFormOut:
    """Create a form; it gets a random public key (`key`, posted as `oid`)."""
    form = core.web_forms.create(user, body.to_data())
    assert form.id is not None
    response.headers["Location"] = str(request.url_for("get_web_form", form_id=form.id))
    return WebFormOut.of(form, core.web_forms.overview(user, form.id))


@router.post("/process-queue", responses=error_responses(401, 403))
def process_web_form_queue(user: AdminUser, core: OpportuneDep) -> QueueRunOut:
    """Process queued posts now, oldest first, as far as each form's daily cap allows."""
    del user
    return QueueRunOut.of(core.web_forms.process_queue())


@router.get("/{form_id}", responses=error_responses(401, 403, 404, 422))
def get_web_form(form_id: FormId, user: AdminUser, core: OpportuneDep) -> WebFormOut:
    """One form with its numbers."""
    overview = core.web_forms.overview(user, form_id)
    return WebFormOut.of(overview.form, overview)


@router.patch("/{form_id}", responses=error_responses(400, 401, 403, 404, 422))
def update_web_form(
    form_id: FormId, body: WebFormWrite, user: AdminUser, core: OpportuneDep
) -> WebFormOut:
    """Change the settings sent; the key never changes (pasted snippets keep working)."""
    core.web_forms.update(user, form_id, body.to_data())
    overview = core.web_forms.overview(user, form_id)
    return WebFormOut.of(overview.form, overview)


@router.delete("/{form_id}", status_code=204, responses=error_responses(401, 403, 404, 409, 422))
def delete_web_form(form_id: FormId, user: AdminUser, core: OpportuneDep) -> None:
    """Delete a form and its submission log (refused while posts are queued)."""
    core.web_forms.delete(user, form_id)


@router.get("/{form_id}/snippet", responses=error_responses(401, 403, 404, 422))
def web_form_snippet(
    form_id: FormId,
    user: AdminUser,
    core: OpportuneDep,
    request: Request,
    fields: Annotated[
        list[str] | None,
        Query(description="Posted field names to include (last_name and company always are)"),
    ] = None,
    return_url: Annotated[
        str | None, Query(description="Where to send the visitor after posting (retURL)")
    ] = None,
) -> SnippetOut:
    """The HTML `<form>` to paste into a website, posting to this server's /web-to-lead."""
    chosen = fields or list(DEFAULT_SNIPPET_FIELDS)
    html = core.web_forms.snippet(
        user, form_id, base_url=str(request.base_url), fields=chosen, return_url=return_url
    )
    return SnippetOut(html=html, fields=chosen, return_url=return_url)


@router.get("/{form_id}/submissions", responses=error_responses(401, 403, 404, 422))
def web_form_submissions(
    form_id: FormId,
    user: AdminUser,
    core: OpportuneDep,
    status: Annotated[list[Status] | None, Query(description="Only these statuses")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SubmissionPageOut:
    """The form's submissions, newest first."""
    page = core.web_forms.submissions(
        user, form_id, statuses=status or (), cursor=cursor, limit=limit
    )
    return SubmissionPageOut.of(page)
