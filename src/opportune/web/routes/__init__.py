"""Web UI routes: sign-in, leads, accounts, contacts, opportunities, the pipeline board, tasks."""

from fastapi import APIRouter

from opportune.web.routes import (
    account,
    activities,
    assignment,
    audit,
    auth,
    board,
    conversion,
    duplicates,
    imports,
    jobs,
    lead_page,
    leads,
    merges,
    records,
    recycle_bin,
    reports,
    setup,
    sharing,
    web_forms,
)

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(account.router)
router.include_router(leads.router)
router.include_router(lead_page.router)
router.include_router(records.router)
router.include_router(board.router)
router.include_router(activities.router)
router.include_router(conversion.router)
for module in (setup, sharing, imports, assignment, duplicates, merges, web_forms, reports):
    router.include_router(module.router)
router.include_router(recycle_bin.router)
router.include_router(audit.router)
router.include_router(jobs.router)

__all__ = ["router"]
