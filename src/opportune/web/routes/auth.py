"""Signing in and out with the session cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep, session_user, start_session
from opportune.errors import AuthenticationError, RateLimitError
from opportune.web.deps import CsrfChecked, PostedForm
from opportune.web.templating import flash, render

router = APIRouter()
HOME = "/leads"


def safe_next(value: object) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return HOME
    parts = urlsplit(value)
    if "\\" in value or parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return HOME
    return value


@router.get("/")
def home() -> RedirectResponse:
    """The lead list is the home page."""
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_page(request: Request, core: OpportuneDep) -> Response:
    """The sign-in form (signed-in visitors go straight on)."""
    target = safe_next(request.query_params.get("next"))
    if session_user(request, core) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", {"next": target, "email": "", "error": None})


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, core: OpportuneDep, form: PostedForm) -> Response:
    """Check the email and password; start a fresh session on success."""
    email, password = str(form.get("email") or "").strip(), str(form.get("password") or "")
    target = safe_next(form.get("next"))
    try:
        user = core.auth.authenticate(email, password)
    except (AuthenticationError, RateLimitError) as exc:
        context = {"next": target, "email": email, "error": exc.message}
        if not isinstance(exc, RateLimitError):
            return render(request, "login.html", context, status=401)
        response = render(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    start_session(request, core, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, core: OpportuneDep) -> RedirectResponse:
    """End the session: every browser session of the user, so that a copy of the cookie
    stops working too."""
    user = session_user(request, core)
    if user is not None:
        core.sessions.sign_out(user)
    request.session.clear()
    flash(request, "You have signed out.")
    return RedirectResponse("/login", status_code=303)
