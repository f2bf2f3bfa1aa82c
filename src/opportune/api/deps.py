"""Request dependencies: the installation, the signed-in user, CSRF for cookie sessions."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request

from opportune.domain.users import User
from opportune.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from opportune.services import Opportune
from opportune.services.permissions import require_admin

CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_opportune(request: Request) -> Opportune:
    """The installation this application serves."""
    core: Opportune = request.app.state.opportune
    return core


OpportuneDep = Annotated[Opportune, Depends(get_opportune)]


def session_user(request: Request, core: Opportune) -> User | None:
    """The active user of the web session cookie, if any."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    try:
        user = core.users.get(user_id)
    except NotFoundError:
        return None
    return user if user.is_active else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a state-changing cookie-authenticated request without the session's token."""
    expected = request.session.get(CSRF_SESSION_KEY)
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise PermissionDeniedError("Missing or invalid CSRF token; reload the page", code="CSRF")


def current_user(request: Request, core: OpportuneDep) -> User:
    """The caller: a bearer API token, or the web session (with CSRF on writes)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("Use 'Authorization: Bearer <token>'")
        return core.auth.user_for_token(token.strip())
    user = session_user(request, core)
    if user is None:
        raise AuthenticationError("Sign in or send an API token")
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    """The caller, who must be an administrator."""
    require_admin(user)
    return user


AdminUser = Annotated[User, Depends(admin_user)]
