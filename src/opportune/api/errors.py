"""Errors to HTTP, in one place: JSON under /api, Salesforce's error list under /services,
HTML pages elsewhere.

Every JSON error body is ``{"code", "message", "fields": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from opportune.api.body_errors import unreadable_body_error
from opportune.api.one_hop import check_caller_first
from opportune.api.salesforce.errors import PREFIX as SALESFORCE_PREFIX
from opportune.api.salesforce.errors import salesforce_error_response
from opportune.db.errors import DatabaseError, database_error_message, unavailable_error
from opportune.errors import (
    AuthenticationError,
    ConflictError,
    DatabaseUnavailableError,
    FieldError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    RateLimitError,
    StorageFullError,
    ValidationError,
)
from opportune.logging_setup import current_request_id
from opportune.web.errors import html_error_response

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[OpportuneError], int], ...] = (
    (ValidationError, 422),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitError, 429),
    (StorageFullError, 507),
    (DatabaseUnavailableError, 503),
)
HTTP_CODES = {
    400: "BAD_REQUEST", 401: "INVALID_SESSION_ID", 403: "INSUFFICIENT_ACCESS", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE", 409: "CONFLICT", 413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE", 422: "VALIDATION_ERROR", 429: "REQUEST_LIMIT_EXCEEDED",
}  # fmt: skip


def http_status(exc: OpportuneError) -> int:
    """The HTTP status for an Opportune error."""
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 500)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


async def error_response(request: Request, exc: OpportuneError, status: int) -> Response:
    """Render ``exc`` as JSON for the API or as an HTML page for the web UI."""
    if request.url.path.startswith(SALESFORCE_PREFIX):
        return salesforce_error_response(exc, status)
    if not _wants_json(request):
        # The page shows the signed-in user, a database read: keep it off the event loop.
        return await run_in_threadpool(html_error_response, request, exc, status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimitError | DatabaseUnavailableError) and exc.retry_after:
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(exc.as_dict(), status_code=status, headers=headers)


# Pydantic error types mapped to our codes; types we raise ourselves are already codes.
PYDANTIC_CODES = {
    "missing": "REQUIRED_FIELD_MISSING",
    "extra_forbidden": "INVALID_FIELD",
    "string_too_long": "STRING_TOO_LONG",
    "too_long": "STRING_TOO_LONG",
    "greater_than": "NUMBER_OUTSIDE_VALID_RANGE",
    "greater_than_equal": "NUMBER_OUTSIDE_VALID_RANGE",
    "less_than": "NUMBER_OUTSIDE_VALID_RANGE",
    "less_than_equal": "NUMBER_OUTSIDE_VALID_RANGE",
    "finite_number": "NUMBER_OUTSIDE_VALID_RANGE",
    "enum": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "literal_error": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "json_invalid": "JSON_PARSER_ERROR",
}
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _field_code(error_type: str) -> str:
    if error_type in PYDANTIC_CODES:
        return PYDANTIC_CODES[error_type]
    if error_type.isupper():
        return error_type
    if error_type.endswith(("_type", "_parsing")):
        return "INVALID_TYPE"
    return "INVALID_FIELD"


def _field_name(error_type: str, loc: tuple[object, ...]) -> str:
    if error_type == "json_invalid":
        # FastAPI puts the character offset in the location; the body as a whole is at fault.
        return "body"
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "body"


def _field_message(err: Mapping[str, Any]) -> str:
    error_type = err.get("type")
    if error_type == "extra_forbidden":
        return "No such field"
    if error_type == "missing":
        return "Is required"  # as the domain says it, so every interface reads alike
    if error_type == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "invalid syntax")
        where = [p for p in err.get("loc", ()) if isinstance(p, int)]
        at = f" at character {where[0]}" if where else ""
        return f"The body is not valid JSON: {detail}{at}"
    return str(err.get("msg", "Invalid value"))


def request_validation_error(exc: RequestValidationError) -> ValidationError:
    """Turn FastAPI's parsing errors into ours, one field error per bad field."""
    fields = []
    for err in exc.errors():
        error_type = str(err.get("type", ""))
        field = _field_name(error_type, tuple(err.get("loc", ())))
        fields.append(FieldError(field, _field_code(error_type), _field_message(err)))
    return ValidationError(fields)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping of every error to a response."""

    @app.exception_handler(OpportuneError)
    async def _opportune(request: Request, exc: OpportuneError) -> Response:
        return await error_response(request, exc, http_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not any(err.get("type") == "json_invalid" for err in exc.errors()):
            try:  # the body was read: its caller is checked before its contents
                await check_caller_first(request)
            except OpportuneError as refused:
                return await error_response(request, refused, http_status(refused))
        return await error_response(request, request_validation_error(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        error = unreadable_body_error(exc)
        error = error or OpportuneError(str(exc.detail), code=code)
        status = 422 if isinstance(error, ValidationError) else exc.status_code
        response = await error_response(request, error, status)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(DatabaseError)
    async def _database(request: Request, exc: Exception) -> Response:
        return await _database_unavailable(request, exc) or await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Errors raised in a middleware come here directly, database faults included.
        if (response := await _database_unavailable(request, exc)) is not None:
            return _with_request_id(response)
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        error = OpportuneError("Something went wrong on our side; it has been logged")
        return _with_request_id(await error_response(request, error, 500))


async def _database_unavailable(request: Request, exc: Exception) -> Response | None:
    """503 (507 for a full disk) when ``exc`` is the database not serving now; else None."""
    error = unavailable_error(exc)
    if error is None:
        return None
    # One line, not a traceback: an outage repeats this on every request while it lasts.
    log.warning("%s on %s %s: %s: %s", error.code, request.method, request.url.path,
                type(exc).__name__, database_error_message(exc))  # fmt: skip
    return await error_response(request, error, http_status(error))


def _with_request_id(response: Response) -> Response:
    if request_id := current_request_id():
        # The catch-all handler answers outside the request id middleware: name the request.
        response.headers.setdefault("X-Request-ID", request_id)
    return response
