"""Errors in the Salesforce shape: a JSON list of ``{"message", "errorCode", "fields"}``.

Salesforce answers most failed writes and queries with 400 (not 409 or 422), and a
missing session with 401 ``INVALID_SESSION_ID``; clients such as simple-salesforce
decide what to raise from the status and read the list.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from opportune.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)

PREFIX = "/services/"
_STATUS: tuple[tuple[type[OpportuneError], int], ...] = (
    (ValidationError, 400),
    (ConflictError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitError, 403),
    (NotFoundError, 404),
)


def salesforce_status(exc: OpportuneError, status: int) -> int:
    """Salesforce's status for an error (``status`` for HTTP-level errors we do not know)."""
    return next((code for cls, code in _STATUS if isinstance(exc, cls)), status)


def salesforce_errors(exc: OpportuneError) -> list[dict[str, object]]:
    """The error list: one entry per bad field of a plain validation error, else one."""
    if exc.code == ValidationError.code and exc.fields:
        return [
            {"message": f"{f.field}: {f.message}", "errorCode": f.code, "fields": [f.field]}
            for f in exc.fields
        ]
    code = "REQUEST_LIMIT_EXCEEDED" if isinstance(exc, RateLimitError) else exc.code
    return [{"message": exc.message, "errorCode": code, "fields": [f.field for f in exc.fields]}]


def salesforce_error_response(exc: OpportuneError, status: int) -> JSONResponse:
    """The response for an error under ``/services/``."""
    return JSONResponse(salesforce_errors(exc), status_code=salesforce_status(exc, status))
