"""Clear errors for request bodies and query strings the framework could not read.

FastAPI answers every body it fails to parse, other than malformed JSON, with a bare
"There was an error parsing the body". Hostile clients send exactly those bodies
(invalid UTF-8, JSON nested a hundred thousand levels deep), so the error says which
problem it was, in the error format.
Query strings and form posts whose percent-escapes are not UTF-8 would be quietly turned
into U+FFFD replacement characters (and searched for, or stored): they are refused.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request

from opportune.errors import OpportuneError, ValidationError

BODY = "body"
JSON_PARSER_ERROR = "JSON_PARSER_ERROR"


def unreadable_body_error(exc: HTTPException) -> OpportuneError | None:
    """The error to answer ``exc`` with when it is about an unreadable request body, or
    None for any other HTTP error."""
    if exc.status_code != 400:
        return None
    cause = exc.__cause__
    if isinstance(cause, RecursionError):
        return ValidationError.single(
            BODY, JSON_PARSER_ERROR, "The body is not valid JSON: it is nested too deeply"
        )
    if isinstance(cause, UnicodeDecodeError):
        message = f"The body is not valid UTF-8 (byte {cause.start:,} cannot start a character)"
        return ValidationError.single(BODY, "INVALID_ENCODING", message)
    return None


async def require_utf8_query(request: Request) -> None:
    """Refuse a query string that is not UTF-8 once its percent-escapes are decoded (an
    application-wide dependency: async, so it costs no thread)."""
    _require_utf8(request.scope.get("query_string", b""), "query", "The query string")


async def require_utf8_form(request: Request) -> None:
    """Refuse an HTML form post (``application/x-www-form-urlencoded``) that is not UTF-8.
    Reads the body, which the application-wide limit bounds; the form parser reuses it."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        _require_utf8(await request.body(), "form", "The form data")


def _require_utf8(raw: bytes, field: str, what: str) -> None:
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{what} is not valid UTF-8 (byte {exc.start:,} once %-escapes are decoded)"
        raise ValidationError.single(field, "INVALID_ENCODING", message) from None


def size_in_words(count: int) -> str:
    """``count`` bytes as people read it: 10 MB, 64 KB, 100 bytes."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"
