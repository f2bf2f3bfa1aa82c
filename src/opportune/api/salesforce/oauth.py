"""OAuth 2.0 endpoints: ``POST /services/oauth2/token`` (username-password grant) and
``POST /services/oauth2/revoke``. Errors use OAuth's shape, ``{"error",
"error_description"}`` with status 400, not Salesforce's error list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.errors import AuthenticationError, RateLimitError, ValidationError
from opportune.services.salesforce import oauth

router = APIRouter()

FormField = Annotated[str | None, Form()]
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/oauth2/token")
def token(
    request: Request,
    core: OpportuneDep,
    grant_type: FormField = None,
    username: FormField = None,
    password: FormField = None,
    client_id: FormField = None,
    client_secret: FormField = None,
) -> Response:
    """Sign in with a username and password; the access token is an Opportune API token."""
    form = {"grant_type": grant_type, "username": username, "password": password,
            "client_id": client_id, "client_secret": client_secret}  # fmt: skip
    instance_url = f"{request.url.scheme}://{request.url.netloc}"
    try:
        grant = oauth.password_grant(core.auth, form, instance_url)
    except ValidationError as exc:
        return _oauth_error(exc.fields[0].code, exc.fields[0].message)
    except (AuthenticationError, RateLimitError):
        # A locked-out user gets the same answer as Salesforce gives: no hint either way.
        return _oauth_error("invalid_grant", "authentication failure")
    return JSONResponse(grant.as_dict(), headers=_NO_STORE)


@router.post("/oauth2/revoke")
def revoke(core: OpportuneDep, token: FormField = None) -> Response:
    """Revoke an access token so it no longer authenticates."""
    try:
        oauth.revoke(core.auth, token)
    except ValidationError as exc:
        return _oauth_error(exc.fields[0].code, exc.fields[0].message)
    return Response(status_code=200, headers=_NO_STORE)


def _oauth_error(error: str, description: str) -> JSONResponse:
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=400, headers=_NO_STORE)
