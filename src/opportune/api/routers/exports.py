"""REST API: CSV exports of filtered lists (leads, accounts, contacts, opportunities).

Each list has ``GET /<list>/export.csv`` taking the list's own query parameters (the page
parameters ``cursor`` and ``limit`` are ignored: an export holds every matching record).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Query
from fastapi.responses import StreamingResponse

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import LeadListParams, error_responses
from opportune.api.schemas.accounts import AccountListParams, ContactListParams
from opportune.api.schemas.opportunities import OpportunityListParams
from opportune.services import Opportune
from opportune.services.exports import Filters

router = resource_router(tags=["exports"])
CSV_RESPONSE = {
    200: {"content": {"text/csv": {}}, "description": "The CSV file, streamed"},
    **error_responses(401, 422),
}


@router.get("/leads/export.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_leads(
    user: CurrentUser, core: OpportuneDep, params: Annotated[LeadListParams, Query()]
) -> StreamingResponse:
    """Every lead matching the list filters, as CSV that `opportune import` reads back."""
    return _csv(core, user, "lead", params.to_filters(1))


@router.get("/accounts/export.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_accounts(
    user: CurrentUser, core: OpportuneDep, params: Annotated[AccountListParams, Query()]
) -> StreamingResponse:
    """Every account matching the list filters, as CSV."""
    return _csv(core, user, "account", params.to_filters(1))


@router.get("/contacts/export.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_contacts(
    user: CurrentUser, core: OpportuneDep, params: Annotated[ContactListParams, Query()]
) -> StreamingResponse:
    """Every contact matching the list filters, as CSV."""
    return _csv(core, user, "contact", params.to_filters(1))


@router.get("/opportunities/export.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
def export_opportunities(
    user: CurrentUser, core: OpportuneDep, params: Annotated[OpportunityListParams, Query()]
) -> StreamingResponse:
    """Every opportunity matching the list filters, as CSV."""
    return _csv(core, user, "opportunity", params.to_filters(1))


def _csv(
    core: Opportune, user: CurrentUser, object_type: str, filters: Filters
) -> StreamingResponse:
    chunks = core.exports.stream(user, object_type, filters)  # bad filters: 422 here
    name = f"{_PLURALS[object_type]}-{core.exports.clock().date().isoformat()}.csv"
    return StreamingResponse(
        _encoded(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


_PLURALS = {
    "lead": "leads",
    "account": "accounts",
    "contact": "contacts",
    "opportunity": "opportunities",
}
