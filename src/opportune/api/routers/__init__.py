"""REST API routers, one module per resource, gathered under /api/v1."""

from fastapi import APIRouter, Security
from fastapi.security import HTTPBearer

from opportune.api.routers import leads, me, picklists, users

# Authentication itself is done by ``deps.current_user`` (a bearer token, or the web
# session cookie with X-CSRF-Token on writes); this scheme only documents it in OpenAPI.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="A personal API token (POST /api/v1/me/tokens or `opportune token create`)",
)

api_router = APIRouter(dependencies=[Security(bearer)])
for module in (me, leads, picklists, users):
    api_router.include_router(module.router)

__all__ = ["api_router"]
