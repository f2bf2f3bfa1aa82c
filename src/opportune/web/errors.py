"""Errors as HTML pages, in one place."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opportune.errors import AuthenticationError, OpportuneError


def html_error_response(request: Request, exc: OpportuneError, status: int) -> Response:
    """A page explaining the error; unauthenticated visitors go to the sign-in page."""
    if isinstance(exc, AuthenticationError):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return HTMLResponse(f"<h1>{status}</h1><p>{exc.message}</p>", status_code=status)
