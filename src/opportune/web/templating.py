"""Rendering pages: one Jinja2 environment, the context every page shares, display filters."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from opportune import __version__
from opportune.api.deps import csrf_token
from opportune.domain.users import User
from opportune.web import TEMPLATES_DIR
from opportune.web.formatting import format_date, format_datetime, format_number, initials

FLASH_KEY = "flash"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def flash(request: Request, message: str) -> None:
    """Keep a one-time message for the next page this session sees."""
    messages = list(request.session.get(FLASH_KEY, []))
    request.session[FLASH_KEY] = [*messages, message]


def _take_flashes(request: Request) -> list[str]:
    messages = request.session.pop(FLASH_KEY, [])
    return [str(m) for m in messages] if isinstance(messages, list) else []


def is_htmx(request: Request) -> bool:
    """True for an htmx request wanting a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    user: User | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Render template ``name`` with the shared page context (user, CSRF token, messages)."""
    has_session = "session" in request.scope
    values: dict[str, Any] = {
        "user": user,
        "csrf": csrf_token(request) if has_session else "",
        # Fragments leave the messages for the next whole page, which shows them.
        "flashes": _take_flashes(request) if has_session and not is_htmx(request) else [],
        "version": __version__,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status)
    # The same URL answers htmx with a fragment and browsers with a page: keep caches apart.
    response.headers["Vary"] = "HX-Request"
    return response


templates.env.filters.update(
    date=format_date, datetime=format_datetime, number=format_number, initials=initials
)
