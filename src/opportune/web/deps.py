"""What web routes need: the signed-in user and a CSRF check that accepts forms and htmx alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from opportune.api.deps import CSRF_HEADER, OpportuneDep, check_csrf, session_user
from opportune.domain.users import User
from opportune.errors import AuthenticationError

CSRF_FIELD = "csrf_token"


def web_user(request: Request, core: OpportuneDep) -> User:
    """The user of the session cookie; without one the error page sends them to sign in."""
    user = session_user(request, core)
    if user is None:
        raise AuthenticationError("Sign in to continue")
    return user


WebUser = Annotated[User, Depends(web_user)]


async def require_csrf(request: Request) -> None:
    """Refuse a POST without the session's token, sent as htmx's header or a hidden form field."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    check_csrf(request, sent)


CsrfChecked = Depends(require_csrf)


async def read_form(request: Request) -> FormData:
    """The posted form, parsed on the event loop so the route itself can be a plain ``def``
    (run in the thread pool: services block on the database and on password hashing)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]
