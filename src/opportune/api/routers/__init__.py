"""REST API routers, one module per resource, served flat under /api/v1."""

from starlette.routing import BaseRoute

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

# In the order they are matched. Exports first: /leads/export.csv must win over
# /leads/{lead_id}.
API_ROUTERS = (
    exports.router,
    me.router,
    conversions.router,
    leads.router,
    picklists.router,
    users.router,
    accounts_and_contacts.accounts,
    accounts_and_contacts.contacts,
    opportunities.router,
    stages.router,
    activities_router.router,
    conversions.mappings_router,
    imports.router,
    assignment.router,
    duplicates.router,
    merges.router,
    web_forms.router,
    reports.router,
    audit.router,
    sharing.router,
    recycle_bin.router,
    jobs.router,
)


def api_routes() -> list[BaseRoute]:
    """Every REST API route, each already carrying its full path and dependencies."""
    return [route for router in API_ROUTERS for route in router.routes]


__all__ = ["API_ROUTERS", "api_routes"]
