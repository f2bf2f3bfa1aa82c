"""What web routes need: the signed-in user and a CSRF check that accepts forms and htmx alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.datastructures import FormData

from opportune.api.body_errors import require_utf8_form
from opportune.api.deps import CSRF_HEADER, OpportuneDep, check_csrf, session_user
from opportune.api.schemas import MAX_ID
from opportune.domain.users import User
from opportune.errors import AuthenticationError, ValidationError

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
    await require_utf8_form(request)
    if not sent:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    check_csrf(request, sent)


CsrfChecked = Depends(require_csrf)


async def read_form(request: Request) -> FormData:
    """The posted form, parsed on the event loop so the route itself can be a plain ``def``
    (run in the thread pool: services block on the database and on password hashing)."""
    await require_utf8_form(request)
    return await request.form()


PostedForm = Annotated[FormData, Depends(read_form)]

RecordId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def named_record(
    lead_id: RecordId = None, contact_id: RecordId = None, account_id: RecordId = None
) -> tuple[str, int]:
    """The one lead, contact or account a fragment's query names (``?lead_id=12``), as
    (kind, id); naming none or several is refused."""
    given = [(kind, record_id) for kind, record_id in
             (("lead", lead_id), ("contact", contact_id), ("account", account_id))
             if record_id is not None]  # fmt: skip
    if len(given) != 1:
        raise ValidationError.single("record", "INVALID_FIELD", "Name one lead, contact or account")
    return given[0]


NamedRecord = Annotated[tuple[str, int], Depends(named_record)]
