"""Lead statuses, lead sources and close reasons: everyone reads them, administrators edit.

Values are never deleted (old leads keep their meaning); set ``is_active`` to false instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import (
    MAX_ID,
    LeadStatusCreate,
    LeadStatusOut,
    LeadStatusUpdate,
    PicklistValueCreate,
    PicklistValueOut,
    PicklistValueUpdate,
    error_responses,
)
from opportune.services.picklists import ValueList

router = resource_router(tags=["picklists"])

ValueId = Annotated[int, Path(ge=1, le=MAX_ID, description="The value's id")]
READ_ERRORS = error_responses(401)
CREATE_ERRORS = error_responses(400, 401, 403, 422)
UPDATE_ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get("/lead-statuses", responses=READ_ERRORS)
def list_lead_statuses(user: CurrentUser, core: OpportuneDep) -> list[LeadStatusOut]:
    """The lead statuses in process order, inactive ones included."""
    return [LeadStatusOut.of(s) for s in core.picklists.lead_picklists().statuses]


@router.post("/lead-statuses", status_code=201, responses=CREATE_ERRORS)
def create_lead_status(
    body: LeadStatusCreate, admin: AdminUser, core: OpportuneDep
) -> LeadStatusOut:
    """Add a lead status (administrators)."""
    return LeadStatusOut.of(core.picklists.save_status(admin, body.model_dump(exclude_unset=True)))


@router.patch("/lead-statuses/{value_id}", responses=UPDATE_ERRORS)
def update_lead_status(
    value_id: ValueId, body: LeadStatusUpdate, admin: AdminUser, core: OpportuneDep
) -> LeadStatusOut:
    """Change a lead status (administrators); the list must keep exactly one default."""
    data = body.model_dump(exclude_unset=True)
    return LeadStatusOut.of(core.picklists.save_status(admin, data, value_id))


def _add_value_list(path: str, table: ValueList, noun: str) -> None:
    """Register list, create and update endpoints for a simple value list."""

    def list_values(user: CurrentUser, core: OpportuneDep) -> list[PicklistValueOut]:
        picklists = core.picklists.lead_picklists()
        values = picklists.sources if table == "lead_sources" else picklists.close_reasons
        return [PicklistValueOut.of(v) for v in values]

    def create_value(
        body: PicklistValueCreate, admin: AdminUser, core: OpportuneDep
    ) -> PicklistValueOut:
        data = body.model_dump(exclude_unset=True)
        return PicklistValueOut.of(core.picklists.save_value(admin, table, data))

    def update_value(
        value_id: ValueId, body: PicklistValueUpdate, admin: AdminUser, core: OpportuneDep
    ) -> PicklistValueOut:
        data = body.model_dump(exclude_unset=True)
        return PicklistValueOut.of(core.picklists.save_value(admin, table, data, value_id))

    name = table.removesuffix("s")
    router.add_api_route(
        path, list_values, methods=["GET"], name=f"list_{table}", responses=READ_ERRORS,
        summary=f"List {noun.title()}s",
        description=f"The {noun}s in sort order, inactive ones included.",
    )  # fmt: skip
    router.add_api_route(
        path, create_value, methods=["POST"], status_code=201, name=f"create_{name}",
        responses=CREATE_ERRORS, summary=f"Create {noun.title()}",
        description=f"Add a {noun} (administrators).",
    )  # fmt: skip
    router.add_api_route(
        f"{path}/{{value_id}}", update_value, methods=["PATCH"], name=f"update_{name}",
        responses=UPDATE_ERRORS, summary=f"Update {noun.title()}",
        description=f"Rename, reorder or deactivate a {noun} (administrators).",
    )  # fmt: skip


_add_value_list("/lead-sources", "lead_sources", "lead source")
_add_value_list("/lead-close-reasons", "lead_close_reasons", "lead close reason")
