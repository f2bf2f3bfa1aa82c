"""REST API: duplicate rules, possible duplicates of a record, the duplicates report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Path, Query, Response

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.duplicates import (
    CandidateListOut,
    CandidateOut,
    ReportOut,
    ReportPageOut,
    ReportParams,
    RuleCreate,
    RuleListOut,
    RuleOut,
    RuleUpdate,
    ScanIn,
    ScanOut,
)
from opportune.domain.users import User
from opportune.services import Opportune
from opportune.services.filters import LeadFilters
from opportune.services.saved_alerts import collecting_alerts

router = resource_router(tags=["duplicates"])

RuleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The duplicate rule's id")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id")]
ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="The report row's id")]
HEADER = "Opportune-Possible-Duplicates"
Saved = TypeVar("Saved")


def save_telling_duplicates(response: Response, save: Callable[[], Saved]) -> Saved:
    """Run ``save`` (a lead, contact or account create or update) and set
    ``Opportune-Possible-Duplicates: lead:12,contact:4`` when alert rules matched the record,
    from the save's own screening (see :mod:`opportune.services.saved_alerts`)."""
    with collecting_alerts() as found:
        saved = save()
    if found:
        response.headers[HEADER] = ",".join(f"{c.object_type}:{c.record_id}" for c in found)
    return saved


@router.get("/duplicate-rules", responses=error_responses(401, 422))
def list_rules(
    user: CurrentUser,
    core: OpportuneDep,
    object_type: Annotated[str | None, Query(description="lead, contact or account")] = None,
) -> RuleListOut:
    """The duplicate rules, in the order they apply."""
    return RuleListOut(items=[RuleOut.of(r) for r in core.duplicates.rules(user, object_type)])


@router.post("/duplicate-rules", status_code=201, responses=error_responses(400, 401, 403, 422))
def create_rule(body: RuleCreate, user: CurrentUser, core: OpportuneDep) -> RuleOut:
    """Add a duplicate rule (administrators)."""
    return RuleOut.of(core.duplicates.create_rule(user, _rule_data(body)))


@router.get("/duplicate-rules/{rule_id}", responses=error_responses(401, 404, 422))
def get_rule(rule_id: RuleId, user: CurrentUser, core: OpportuneDep) -> RuleOut:
    """One duplicate rule."""
    return RuleOut.of(core.duplicates.rule(user, rule_id))


@router.patch("/duplicate-rules/{rule_id}", responses=error_responses(400, 401, 403, 404, 422))
def update_rule(
    rule_id: RuleId, body: RuleUpdate, user: CurrentUser, core: OpportuneDep
) -> RuleOut:
    """Change a duplicate rule (administrators): fields sent change, the others stay."""
    return RuleOut.of(core.duplicates.update_rule(user, rule_id, _rule_data(body)))


@router.delete(
    "/duplicate-rules/{rule_id}", status_code=204, responses=error_responses(401, 403, 404, 422)
)
def delete_rule(rule_id: RuleId, user: CurrentUser, core: OpportuneDep) -> Response:
    """Delete a duplicate rule and its report rows (administrators)."""
    core.duplicates.delete_rule(user, rule_id)
    return Response(status_code=204)


def _rule_data(body: RuleUpdate) -> dict[str, object]:
    return body.changes()


def _candidates(core: Opportune, user: User, kind: str, record_id: int) -> CandidateListOut:
    found = core.duplicates.possible_duplicates(user, kind, record_id)
    return CandidateListOut(items=[CandidateOut.of(c) for c in found])


@router.get("/leads/{record_id}/possible-duplicates", responses=error_responses(401, 404, 422))
def lead_duplicates(record_id: RecordId, user: CurrentUser, core: OpportuneDep) -> CandidateListOut:
    """Leads and contacts that the active lead rules say look like this lead, best first."""
    return _candidates(core, user, "lead", record_id)


@router.get("/contacts/{record_id}/possible-duplicates", responses=error_responses(401, 404, 422))
def contact_duplicates(
    record_id: RecordId, user: CurrentUser, core: OpportuneDep
) -> CandidateListOut:
    """Contacts and leads that the active contact rules say look like this contact."""
    return _candidates(core, user, "contact", record_id)


@router.get("/accounts/{record_id}/possible-duplicates", responses=error_responses(401, 404, 422))
def account_duplicates(
    record_id: RecordId, user: CurrentUser, core: OpportuneDep
) -> CandidateListOut:
    """Accounts that the active account rules say look like this account."""
    return _candidates(core, user, "account", record_id)


@router.get("/duplicate-reports", responses=error_responses(401, 422))
def list_reports(
    user: CurrentUser, core: OpportuneDep, params: Annotated[ReportParams, Query()]
) -> ReportPageOut:
    """Reported pairs of records (open by default), newest first."""
    page = core.duplicates.report(user, params.to_filters(core.settings.page_size_default))
    return ReportPageOut(items=[ReportOut.of(r) for r in page.items], total=page.total,
                         offset=page.offset, limit=page.limit)  # fmt: skip


@router.post(
    "/duplicate-reports/{report_id}/dismiss", status_code=204,
    responses=error_responses(401, 404, 422),
)  # fmt: skip
def dismiss_report(report_id: ReportId, user: CurrentUser, core: OpportuneDep) -> Response:
    """Say a reported pair is not a duplicate: it leaves the open report."""
    core.duplicates.dismiss(user, report_id)
    return Response(status_code=204)


@router.post("/duplicate-scans", responses=error_responses(400, 401, 422))
def scan_leads(body: ScanIn, user: CurrentUser, core: OpportuneDep) -> ScanOut:
    """Compare every lead of a filtered list with existing leads and contacts (active lead
    rules, whatever their action) and add the pairs found to the duplicates report."""
    filters = LeadFilters(**body.model_dump())
    result = core.duplicates.scan_leads(user, filters)
    return ScanOut(scanned=result.scanned, reported=result.reported)
