"""The pipeline: its stages and lost reasons (everyone reads, administrators edit), and the
pipeline board's columns.

Stages and lost reasons are never deleted (opportunities and their history keep them); set
``is_active`` to false instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import (
    MAX_ID,
    PicklistValueCreate,
    PicklistValueOut,
    PicklistValueUpdate,
    error_responses,
)
from opportune.api.schemas.opportunities import (
    BoardColumnOut,
    BoardColumnParams,
    StageCreate,
    StageOut,
    StageUpdate,
)

router = resource_router(tags=["pipeline"])

StageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The stage's id")]
ReasonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The lost reason's id")]
READ_ERRORS = error_responses(401)
CREATE_ERRORS = error_responses(400, 401, 403, 422)
UPDATE_ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get("/stages", responses=READ_ERRORS)
def list_stages(user: CurrentUser, core: OpportuneDep) -> list[StageOut]:
    """The stages in pipeline order, inactive ones included."""
    return [StageOut.of(s) for s in core.pipeline.stages()]


@router.post("/stages", status_code=201, responses=CREATE_ERRORS)
def create_stage(body: StageCreate, admin: AdminUser, core: OpportuneDep) -> StageOut:
    """Add a stage (administrators)."""
    return StageOut.of(core.pipeline.save_stage(admin, body.model_dump(exclude_unset=True)))


@router.patch("/stages/{stage_id}", responses=UPDATE_ERRORS)
def update_stage(
    stage_id: StageId, body: StageUpdate, admin: AdminUser, core: OpportuneDep
) -> StageOut:
    """Change a stage (administrators); the pipeline must stay usable."""
    data = body.model_dump(exclude_unset=True)
    return StageOut.of(core.pipeline.save_stage(admin, data, stage_id))


@router.get("/stages/{stage_id}/board-column", responses=error_responses(401, 404, 422))
def board_column(
    stage_id: StageId,
    user: CurrentUser,
    core: OpportuneDep,
    params: Annotated[BoardColumnParams, Query()],
) -> BoardColumnOut:
    """One column of the pipeline board: a page of the stage's opportunities by close date,
    and the count, amount and expected revenue of the whole column."""
    limit = params.limit if params.limit is not None else core.settings.page_size_default
    column = core.opportunities.board_column(
        user, stage_id, params.to_filters(), cursor=params.cursor, limit=limit
    )
    return BoardColumnOut.of(column, core.opportunities.lookups())


@router.get("/lost-reasons", responses=READ_ERRORS)
def list_lost_reasons(user: CurrentUser, core: OpportuneDep) -> list[PicklistValueOut]:
    """The lost reasons in sort order, inactive ones included."""
    return [PicklistValueOut.of(r) for r in core.pipeline.lost_reasons()]


@router.post("/lost-reasons", status_code=201, responses=CREATE_ERRORS)
def create_lost_reason(
    body: PicklistValueCreate, admin: AdminUser, core: OpportuneDep
) -> PicklistValueOut:
    """Add a lost reason (administrators)."""
    data = body.model_dump(exclude_unset=True)
    return PicklistValueOut.of(core.pipeline.save_lost_reason(admin, data))


@router.patch("/lost-reasons/{reason_id}", responses=UPDATE_ERRORS)
def update_lost_reason(
    reason_id: ReasonId, body: PicklistValueUpdate, admin: AdminUser, core: OpportuneDep
) -> PicklistValueOut:
    """Rename, reorder or deactivate a lost reason (administrators); one stays active."""
    data = body.model_dump(exclude_unset=True)
    return PicklistValueOut.of(core.pipeline.save_lost_reason(admin, data, reason_id))
