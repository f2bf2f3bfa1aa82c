"""Opportunities: list with filters, create, read, change, delete; their field history,
stage history, metrics and contact roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query, Request, Response

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.opportunities import (
    ContactRoleCreate,
    ContactRoleOut,
    ContactRoleUpdate,
    OpportunityCreate,
    OpportunityFieldChangeOut,
    OpportunityListParams,
    OpportunityMetricsOut,
    OpportunityOut,
    OpportunityPageOut,
    OpportunityUpdate,
    StageSnapshotOut,
    opportunity_items,
)
from opportune.domain.opportunities import Opportunity
from opportune.errors import ValidationError
from opportune.services import Opportune
from opportune.services.opportunities import OpportunityLookups

router = resource_router("/opportunities", tags=["opportunities"])

OpportunityId = Annotated[int, Path(ge=1, le=MAX_ID, description="The opportunity's id")]
RoleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The contact role's id")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The opportunity's `version` (as in `ETag`) you last read; "
        "the change is refused with 409 STALE_RECORD if it changed since"
    ),
]
OtherAccounts = Annotated[
    bool,
    Query(description="Allow a contact of another account (a partner or consultant)"),
]
READ_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 404, 422)


@router.get("", responses=error_responses(401, 422))
def list_opportunities(
    user: CurrentUser, core: OpportuneDep, params: Annotated[OpportunityListParams, Query()]
) -> OpportunityPageOut:
    """One page of opportunities matching the filters, by close date unless sorted otherwise."""
    result = core.opportunities.list(user, params.to_filters(core.settings.page_size_default))
    page = result.page
    return OpportunityPageOut(
        items=opportunity_items(page.items, result.lookups),
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        total=page.total,
    )


@router.post("", status_code=201, responses=error_responses(400, 401, 422))
def create_opportunity(
    body: OpportunityCreate,
    user: CurrentUser,
    core: OpportuneDep,
    request: Request,
    response: Response,
) -> OpportunityOut:
    """Create an opportunity; it starts on the first open stage unless given one."""
    opp = core.opportunities.create(user, body.model_dump(exclude_unset=True))
    response.headers["Location"] = str(request.url_for("get_opportunity", opportunity_id=opp.id))
    return _response(core, opp, response)


@router.get("/{opportunity_id}", responses=READ_ERRORS)
def get_opportunity(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep, response: Response
) -> OpportunityOut:
    """The opportunity, with its stage, lost reason and lead source as labels."""
    shown = core.opportunities.shown(user, opportunity_id)
    return _response(core, shown.opportunity, response, shown.lookups)


@router.patch("/{opportunity_id}", responses=error_responses(400, 401, 404, 409, 422))
def update_opportunity(
    opportunity_id: OpportunityId,
    body: OpportunityUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityOut:
    """Change the fields sent; a stage move takes the stage's defaults."""
    opp = core.opportunities.update(
        user,
        opportunity_id,
        body.model_dump(exclude_unset=True),
        expected_version=_version(if_match),
    )
    return _response(core, opp, response)


@router.delete("/{opportunity_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def delete_opportunity(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep
) -> None:
    """Delete the opportunity with its history and contact roles (reps only their own)."""
    core.opportunities.delete(user, opportunity_id)


@router.get("/{opportunity_id}/history", responses=READ_ERRORS)
def opportunity_history(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep
) -> list[OpportunityFieldChangeOut]:
    """Every change of every field, newest first."""
    changes = core.opportunities.history(user, opportunity_id)
    lookups = core.opportunities.lookups()
    return [OpportunityFieldChangeOut.of(change, lookups) for change in changes]


@router.get("/{opportunity_id}/stage-history", responses=READ_ERRORS)
def opportunity_stage_history(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep
) -> list[StageSnapshotOut]:
    """The pipeline values after creation and after each change of them, oldest first."""
    snapshots = core.opportunities.stage_history(user, opportunity_id)
    lookups = core.opportunities.lookups()
    return [StageSnapshotOut.of(snap, lookups) for snap in snapshots]


@router.get("/{opportunity_id}/metrics", responses=READ_ERRORS)
def opportunity_metrics(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep
) -> OpportunityMetricsOut:
    """Time in each stage, age of the current stage, days to close, close date pushes."""
    metrics = core.opportunities.metrics(user, opportunity_id)
    return OpportunityMetricsOut.of(metrics, core.pipeline.pipeline())


@router.get("/{opportunity_id}/contact-roles", responses=READ_ERRORS)
def list_contact_roles(
    opportunity_id: OpportunityId, user: CurrentUser, core: OpportuneDep
) -> list[ContactRoleOut]:
    """The opportunity's contact roles, the primary one first."""
    return [ContactRoleOut.of(r) for r in core.opportunities.contact_roles(user, opportunity_id)]


@router.post("/{opportunity_id}/contact-roles", status_code=201, responses=WRITE_ERRORS)
def add_contact_role(
    opportunity_id: OpportunityId,
    body: ContactRoleCreate,
    user: CurrentUser,
    core: OpportuneDep,
    allow_other_accounts: OtherAccounts = False,
) -> ContactRoleOut:
    """Give a contact of the opportunity's account a role in it; at most one is primary."""
    role = core.opportunities.add_contact_role(
        user,
        opportunity_id,
        body.model_dump(exclude_unset=True),
        allow_other_accounts=allow_other_accounts,
    )
    return ContactRoleOut.of(role)


@router.patch("/{opportunity_id}/contact-roles/{role_id}", responses=WRITE_ERRORS)
def update_contact_role(
    opportunity_id: OpportunityId,
    role_id: RoleId,
    body: ContactRoleUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    allow_other_accounts: OtherAccounts = False,
) -> ContactRoleOut:
    """Change a contact role by the same rules."""
    role = core.opportunities.update_contact_role(
        user,
        opportunity_id,
        role_id,
        body.model_dump(exclude_unset=True),
        allow_other_accounts=allow_other_accounts,
    )
    return ContactRoleOut.of(role)


@router.delete("/{opportunity_id}/contact-roles/{role_id}", status_code=204, responses=READ_ERRORS)
def remove_contact_role(
    opportunity_id: OpportunityId, role_id: RoleId, user: CurrentUser, core: OpportuneDep
) -> None:
    """Take the contact role off the opportunity."""
    core.opportunities.remove_contact_role(user, opportunity_id, role_id)


def _response(
    core: Opportune,
    opp: Opportunity,
    response: Response,
    lookups: OpportunityLookups | None = None,
) -> OpportunityOut:
    response.headers["ETag"] = f'"{opp.version}"'
    return OpportunityOut.model_validate((lookups or core.opportunities.lookups()).record(opp))


def _version(if_match: str | None) -> int | None:
    """The version in an ``If-Match`` header: ``3``, ``"3"`` or ``W/"3"``; ``*`` means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdecimal()) or len(value) > 10:
        raise ValidationError.single(
            "If-Match", "INVALID_HEADER", "Must be the opportunity's version number, as in its ETag"
        )
    return int(value)
