"""How every REST resource router is made, so the API's routes can be served flat.

Each resource router carries the full ``/api/v1/...`` prefix, the dependencies every API
request has (the query-string check, the bearer scheme for OpenAPI) and the one-hop route
class from the start. The application adds their routes to its own router directly instead
of including routers in routers: FastAPI matches an included router's path again at each
level of inclusion and re-checks every nested router for changes on every request.
"""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Depends, Security
from fastapi.security import HTTPBearer

from opportune.api.body_errors import require_utf8_query
from opportune.api.one_hop import OneHopRoute

API_PREFIX = "/api/v1"
# Every route of the application runs this first (a query string that is not UTF-8 is a
# clear 400).
APP_DEPENDENCIES = [Depends(require_utf8_query)]

# Authentication itself is done by ``deps.current_user`` (a bearer token, or the web
# session cookie with X-CSRF-Token on writes); this scheme only documents it in OpenAPI.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="A personal API token (POST /api/v1/me/tokens or `opportune token create`)",
)


def resource_router(prefix: str = "", *, tags: list[str | Enum] | None = None) -> APIRouter:
    """A router for one REST resource under ``/api/v1``."""
    return APIRouter(
        prefix=API_PREFIX + prefix,
        tags=tags,
        dependencies=[*APP_DEPENDENCIES, Security(bearer)],
        route_class=OneHopRoute,
    )
