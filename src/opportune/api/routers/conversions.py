"""Lead conversion: convert one lead or many, preview, the conversion record, and undo."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Body, Path

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.conversions import (
    BulkConvertIn,
    BulkConvertOut,
    ConversionOut,
    ConversionPlanOut,
    ConversionResultOut,
    ConvertIn,
    FieldMappingIO,
    SuggestionsOut,
    UnconvertIn,
    UnconvertOut,
)
from opportune.domain.conversion import FieldMapping
from opportune.services.conversions import ConvertRequest

router = resource_router("/leads", tags=["conversion"])
LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="The lead's id")]


@router.post("/convert", responses=error_responses(400, 401, 422))
def convert_leads(body: BulkConvertIn, user: CurrentUser, core: OpportuneDep) -> BulkConvertOut:
    """Convert any number of leads (no cap); one result per lead, in the order given.

    Without `all_or_none` each lead succeeds or fails on its own; with it, nothing is
    converted unless every lead can be.
    """
    requests = [ConvertRequest(item.lead_id, item.options()) for item in body.items]
    results = core.conversions.convert_many(user, requests, all_or_none=body.all_or_none)
    succeeded = sum(r.success for r in results)
    return BulkConvertOut(
        results=[ConversionResultOut.of(r) for r in results],
        succeeded=succeeded,
        failed=len(results) - succeeded,
    )


@router.post("/{lead_id}/convert", responses=error_responses(400, 401, 404, 409, 422))
def convert_lead(
    lead_id: LeadId, body: ConvertIn, user: CurrentUser, core: OpportuneDep
) -> ConversionResultOut:
    """Convert the lead into an account, a contact and (unless told not to) an opportunity,
    creating them or merging into existing ones, in one transaction."""
    return ConversionResultOut.of(core.conversions.convert(user, lead_id, body.options()))


@router.post("/{lead_id}/convert/preview", responses=error_responses(400, 401, 404, 409, 422))
def preview_conversion(
    lead_id: LeadId, body: ConvertIn, user: CurrentUser, core: OpportuneDep
) -> ConversionPlanOut:
    """What converting with these options would do: records created or merged, the fields
    filled on existing records, activities moved, values no record receives. Changes nothing."""
    return ConversionPlanOut.of(core.conversions.preview(user, lead_id, body.options()))


@router.get("/{lead_id}/duplicates", responses=error_responses(401, 404, 422))
def conversion_suggestions(
    lead_id: LeadId, user: CurrentUser, core: OpportuneDep
) -> SuggestionsOut:
    """Existing accounts and contacts the lead could be merged into instead of creating
    duplicates: same company name or website (or the email's domain); same email, or the
    same name with the same company or phone. Exact matches first."""
    return SuggestionsOut.of(core.conversions.suggestions(user, lead_id))


@router.get("/{lead_id}/conversion", responses=error_responses(401, 404, 422))
def get_conversion(lead_id: LeadId, user: CurrentUser, core: OpportuneDep) -> ConversionOut:
    """The lead's conversion in force: what it created, merged and moved (404 if none)."""
    return ConversionOut.of(core.conversions.conversion(user, lead_id))


@router.post("/{lead_id}/unconvert", responses=error_responses(400, 401, 404, 409, 422))
def unconvert_lead(
    lead_id: LeadId,
    user: CurrentUser,
    core: OpportuneDep,
    body: Annotated[UnconvertIn | None, Body()] = None,
) -> UnconvertOut:
    """Undo the conversion: delete what it created, empty what it filled, move activities
    back and reopen the lead. Refused (409 UNDO_BLOCKED, each change listed in `fields`)
    if records changed since, unless `force`, which keeps changed records detached."""
    force = body.force if body else False
    return UnconvertOut.of(core.conversions.unconvert(user, lead_id, force=force))


mappings_router = resource_router("/conversion-mappings", tags=["conversion"])


@mappings_router.get("", responses=error_responses(401))
def list_mappings(user: CurrentUser, core: OpportuneDep) -> list[FieldMappingIO]:
    """The extra field mappings conversion applies on top of the standard ones."""
    return [FieldMappingIO(**dataclasses.asdict(m)) for m in core.conversions.mappings()]


@mappings_router.put("", responses=error_responses(400, 401, 403, 422))
def replace_mappings(
    body: list[FieldMappingIO], user: AdminUser, core: OpportuneDep
) -> list[FieldMappingIO]:
    """Replace the extra field mappings (administrators). Each must fit: the lead field and
    target field exist, their kinds and lengths agree, and nothing else fills the target
    field; every mapping that does not is reported (`mappings[N]`)."""
    mappings = [FieldMapping(m.lead_field, m.target, m.target_field) for m in body]
    core.conversions.save_mappings(user, mappings)
    return body
