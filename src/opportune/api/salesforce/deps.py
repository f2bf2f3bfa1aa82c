"""Dependencies of the Salesforce-compatible API: the caller and the API version."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Path, Request

from opportune.api.deps import OpportuneDep
from opportune.domain.security import scope_needed
from opportune.domain.users import User
from opportune.errors import AuthenticationError, NotFoundError
from opportune.services.permissions import limit_to_scopes, require_scope

MIN_VERSION = 50
MAX_VERSION = 62
VERSIONS = tuple(f"{major}.0" for major in range(MIN_VERSION, MAX_VERSION + 1))
_VERSION = re.compile(r"v(\d{2})\.0")


def salesforce_user(request: Request, core: OpportuneDep) -> User:
    """The caller, from an Opportune API token sent as the session id (``Bearer``),
    limited to the token's scopes."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() not in {"bearer", "oauth"} or not token.strip():
        raise AuthenticationError("Session expired or invalid")
    try:
        access = core.auth.token_access(token.strip())
    except AuthenticationError as exc:
        raise AuthenticationError("Session expired or invalid") from exc
    # The same rule as the REST API: read-only tokens may only read.
    limit_to_scopes(access.scopes)
    require_scope(scope_needed(request.method, admin_endpoint=False))
    return access.user


def api_version(version: Annotated[str, Path(description="v50.0 to v62.0")]) -> str:
    """The version in the path, ``vNN.N``: 50.0 to 62.0 are served; others are 404."""
    match = _VERSION.fullmatch(version)
    if match is None or not MIN_VERSION <= int(match.group(1)) <= MAX_VERSION:
        raise NotFoundError(f"The requested resource does not exist: version {version}",
                            code="NOT_FOUND")  # fmt: skip
    return version[1:]


SfUser = Annotated[User, Depends(salesforce_user)]
ApiVersion = Annotated[str, Depends(api_version)]
