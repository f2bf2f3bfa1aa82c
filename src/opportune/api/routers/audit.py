"""The audit log, read-only, for administrators: GET only (there is no way to change it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from opportune.api.deps import AdminUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.audit import AuditEntryOut, AuditListParams, AuditPageOut

router = resource_router("/audit", tags=["audit"])


@router.get("", responses=error_responses(401, 403, 422))
def list_audit(
    user: AdminUser, core: OpportuneDep, params: Annotated[AuditListParams, Query()]
) -> AuditPageOut:
    """One page of audit entries matching the filters, newest first."""
    page = core.audit.list(user, params.to_filters(core.settings.page_size_default))
    return AuditPageOut(
        items=[AuditEntryOut.of(e) for e in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
    )


@router.get("/{entry_id}", responses=error_responses(401, 403, 404, 422))
def get_audit_entry(
    entry_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's id")],
    user: AdminUser,
    core: OpportuneDep,
) -> AuditEntryOut:
    """One audit entry."""
    return AuditEntryOut.of(core.audit.get(user, entry_id))
