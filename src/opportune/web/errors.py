"""Errors as HTML, in one place: full pages in the layout, small fragments for htmx requests."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import session_user
from opportune.domain.users import User
from opportune.errors import AuthenticationError, OpportuneError

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    422: "Please check your input",
    500: "Something went wrong",
    503: "The database is unavailable",
    507: "The disk is full",
}
HINTS = {
    403: "You do not have access to this. If you think you should, ask an administrator.",
    404: "It may have been deleted, or the link is wrong.",
    409: "Someone changed this in the meantime. Reload the page to see the latest version.",
    500: "The error has been logged. Try again in a moment.",
}


def login_url(request: Request) -> str:
    """The sign-in page, coming back to the page the visitor wanted (htmx: the page they are on)."""
    current = request.headers.get("HX-Current-URL")
    if current:
        target = "/" + current.split("://", 1)[-1].partition("/")[2]
    else:
        query = f"?{request.url.query}" if request.url.query else ""
        target = f"{request.url.path}{query}"
    return f"/login?next={quote(target, safe='/')}"


def _user(request: Request) -> User | None:
    """The signed-in user for the top bar, if it can be known without failing again."""
    if "session" not in request.scope:
        return None
    try:
        return session_user(request, request.app.state.opportune)
    except Exception:  # the error page must render even when the database is the problem
        return None


def html_error_response(request: Request, exc: OpportuneError, status: int) -> Response:
    """A page explaining the error; unauthenticated visitors go to the sign-in page."""
    # Imported here: templating imports the API package, which imports this module.
    from opportune.web.templating import is_htmx, render

    if isinstance(exc, AuthenticationError):
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": login_url(request)})
        return RedirectResponse(login_url(request), status_code=303)
    context = {
        "status": status,
        "title": TITLES.get(status, "Error"),
        "message": exc.message,
        "hint": HINTS.get(status, ""),
        "fields": exc.fields,
    }
    if is_htmx(request):
        return render(request, "partials/error_fragment.html", context, status=status)
    return render(request, "error.html", context, user=_user(request), status=status)
