"""Leads: list with filters, create, read, change, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query, Request, Response

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.routers.duplicates import save_telling_duplicates
from opportune.api.schemas import (
    MAX_ID,
    LeadCreate,
    LeadListParams,
    LeadOut,
    LeadPageOut,
    LeadUpdate,
    error_responses,
)
from opportune.domain.leads import Lead
from opportune.errors import ValidationError
from opportune.services import Opportune
from opportune.services.presenters import LeadLookups

router = resource_router("/leads", tags=["leads"])

LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="The lead's id")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The lead's `version` (as in `ETag`) you last read; "
        "the change is refused with 409 STALE_RECORD if the lead changed since"
    ),
]


@router.get("", responses=error_responses(401, 422))
def list_leads(
    user: CurrentUser, core: OpportuneDep, params: Annotated[LeadListParams, Query()]
) -> LeadPageOut:
    """One page of leads matching the filters, newest first unless sorted otherwise."""
    result = core.leads.list(user, params.to_filters(core.settings.page_size_default))
    page = result.page
    return LeadPageOut(
        items=[LeadOut.model_validate(result.lookups.record(lead)) for lead in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        total=page.total,
    )


@router.post("", status_code=201, responses=error_responses(400, 401, 403, 409, 422))
def create_lead(
    body: LeadCreate,
    user: CurrentUser,
    core: OpportuneDep,
    request: Request,
    response: Response,
    assign: Annotated[
        bool, Query(description="Run the active assignment rule when no owner_id is given")
    ] = True,
) -> LeadOut:
    """Create a lead; it gets the default status, and an owner: the one given, else the active
    assignment rule's choice (unless `assign=false`), else the caller."""
    data = body.model_dump(exclude_unset=True)
    lead = save_telling_duplicates(response, lambda: core.leads.create(user, data, assign=assign))
    response.headers["Location"] = str(request.url_for("get_lead", lead_id=lead.id))
    return _lead_response(core, lead, response)


@router.get("/{lead_id}", responses=error_responses(401, 404, 422))
def get_lead(lead_id: LeadId, user: CurrentUser, core: OpportuneDep, response: Response) -> LeadOut:
    """The lead; when its owner reads it, it is no longer unread."""
    shown = core.leads.shown(user, lead_id)
    return _lead_response(core, shown.lead, response, shown.lookups)


@router.patch("/{lead_id}", responses=error_responses(400, 401, 403, 404, 409, 422))
def update_lead(
    lead_id: LeadId,
    body: LeadUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    """Change the fields sent; the others stay as they are."""
    data, version = body.model_dump(exclude_unset=True), _version(if_match)
    lead = save_telling_duplicates(
        response, lambda: core.leads.update(user, lead_id, data, expected_version=version)
    )
    return _lead_response(core, lead, response)


@router.delete("/{lead_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def delete_lead(lead_id: LeadId, user: CurrentUser, core: OpportuneDep) -> None:
    """Move the lead to the recycle bin with its activities (reps only their own leads)."""
    core.leads.delete(user, lead_id)


def _lead_response(
    core: Opportune, lead: Lead, response: Response, lookups: LeadLookups | None = None
) -> LeadOut:
    response.headers["ETag"] = f'"{lead.version}"'
    return LeadOut.model_validate((lookups or core.leads.lookups()).record(lead))


def _version(if_match: str | None) -> int | None:
    """The version in an ``If-Match`` header: ``3``, ``"3"`` or ``W/"3"``; ``*`` means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdecimal()) or len(value) > 10:
        raise ValidationError.single(
            "If-Match", "INVALID_HEADER", "Must be the lead's version number, as in its ETag"
        )
    return int(value)
