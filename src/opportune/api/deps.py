"""Request dependencies: the installation, the signed-in user, CSRF for cookie sessions."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request

from opportune.domain.security import scope_needed, session_problem
from opportune.domain.users import User
from opportune.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from opportune.services import Opportune
from opportune.services.permissions import limit_to_scopes, require_admin, require_scope

CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_USER = "user_id"
SESSION_STARTED = "started_at"
SESSION_SEEN = "seen_at"
# The last-seen time is refreshed at most this often (seconds).
SEEN_RESOLUTION = 60


def installation(request: Request) -> Opportune:
    """The installation this application serves."""
    core: Opportune = request.app.state.opportune
    return core


async def get_opportune(request: Request) -> Opportune:
    """The installation, as a dependency (async: it needs no worker thread)."""
    return installation(request)


OpportuneDep = Annotated[Opportune, Depends(get_opportune)]


def session_user(request: Request, core: Opportune) -> User | None:
    """The active user of the web session cookie, if any: a session that was signed out
    (even a copied cookie), is older than ``session_max_age_seconds`` or has been idle
    too long counts as none."""
    user_id, started = request.session.get(SESSION_USER), request.session.get(SESSION_STARTED)
    if not isinstance(user_id, int) or not isinstance(started, int | float):
        return None
    try:
        user = core.users.get(user_id)
    except NotFoundError:
        return None
    now = core.auth.clock()
    problem = session_problem(
        started=started, seen=_number(request.session.get(SESSION_SEEN)),
        valid_after=user.sessions_valid_after, now=now,
        max_age_seconds=core.settings.session_max_age_seconds,
        idle_minutes=core.settings.session_idle_minutes,
    )  # fmt: skip
    if problem is not None or not user.is_active:
        request.session.clear()
        if problem == "signed out":
            core.sessions.refuse_replayed(user, "signed-out session")
        return None
    if now.timestamp() - (_number(request.session.get(SESSION_SEEN)) or 0) >= SEEN_RESOLUTION:
        request.session[SESSION_SEEN] = now.timestamp()
    return user


def start_session(request: Request, core: Opportune, user: User) -> None:
    """A fresh session for ``user`` who just signed in (a session fixed before sign-in
    cannot be reused)."""
    request.session.clear()
    now = core.auth.clock().timestamp()
    request.session.update({SESSION_USER: user.id, SESSION_STARTED: now, SESSION_SEEN: now})


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


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
    """The caller: a bearer API token (limited to its scopes), or the web session (with
    CSRF on writes)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("Use 'Authorization: Bearer <token>'")
        return token_user(request, core, token.strip())
    user = session_user(request, core)
    if user is None:
        raise AuthenticationError("Sign in or send an API token")
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


def token_user(request: Request, core: Opportune, token: str) -> User:
    """The user of an API token, after checking the token's scopes allow this request:
    ``read`` for GET/HEAD/OPTIONS, ``write`` for other methods (403
    ``INSUFFICIENT_SCOPE``); administration later also needs ``admin``."""
    access = core.auth.token_access(token)
    limit_to_scopes(access.scopes)
    require_scope(scope_needed(request.method, admin_endpoint=False))
    return access.user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    """The caller, who must be an administrator."""
    require_admin(user)
    return user


AdminUser = Annotated[User, Depends(admin_user)]
