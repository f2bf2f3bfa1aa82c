"""REST API routers, one module per resource, gathered under /api/v1."""

from fastapi import APIRouter, Security
from fastapi.security import HTTPBearer

from opportune.api.routers import accounts as accounts_and_contacts
from opportune.api.routers import activities as activities_router
from opportune.api.routers import (
    assignment,
    audit,
    conversions,
    duplicates,
    exports,
    imports,
    jobs,
    leads,
    me,
    merges,
    opportunities,
    picklists,
    recycle_bin,
    reports,
    sharing,
    stages,
    users,
    web_forms,
)

# Authentication itself is done by ``deps.current_user`` (a bearer token, or the web
# session cookie with X-CSRF-Token on writes); this scheme only documents it in OpenAPI.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="A personal API token (POST /api/v1/me/tokens or `opportune token create`)",
)

api_router = APIRouter(dependencies=[Security(bearer)])
# Exports first: /leads/export.csv must win over /leads/{lead_id}.
api_router.include_router(exports.router)
for module in (me, conversions, leads, picklists, users):
    api_router.include_router(module.router)
api_router.include_router(accounts_and_contacts.router)
api_router.include_router(opportunities.router)
api_router.include_router(stages.router)
api_router.include_router(activities_router.router)
api_router.include_router(conversions.mappings_router)
for module in (imports, assignment, duplicates, merges, web_forms):
    api_router.include_router(module.router)
api_router.include_router(reports.router)
api_router.include_router(audit.router)
api_router.include_router(sharing.router)
api_router.include_router(recycle_bin.router)
api_router.include_router(jobs.router)

__all__ = ["api_router"]
