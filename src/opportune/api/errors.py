"""Errors to HTTP, in one place: JSON under /api, HTML pages elsewhere.

Every JSON error body is ``{"code", "message", "fields": [{"field", "code", "message"}]}``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from opportune.errors import (
    AuthenticationError,
    ConflictError,
    FieldError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.web.errors import html_error_response

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[OpportuneError], int], ...] = (
    (ValidationError, 422),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
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


def error_response(request: Request, exc: OpportuneError, status: int) -> Response:
    """Render ``exc`` as JSON for the API or as an HTML page for the web UI."""
    if not _wants_json(request):
        return html_error_response(request, exc, status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(exc.as_dict(), status_code=status, headers=headers)


def request_validation_error(exc: RequestValidationError) -> ValidationError:
    """Turn FastAPI's parsing errors into ours, one field error per bad field."""
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "body"
        code = "JSON_PARSER_ERROR" if err.get("type") == "json_invalid" else "INVALID_FIELD"
        fields.append(FieldError(field, code, str(err.get("msg", "Invalid value"))))
    return ValidationError(fields)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping of every error to a response."""

    @app.exception_handler(OpportuneError)
    async def _opportune(request: Request, exc: OpportuneError) -> Response:
        return error_response(request, exc, http_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, request_validation_error(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        error = OpportuneError(str(exc.detail), code=code)
        response = error_response(request, error, exc.status_code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        error = OpportuneError("Something went wrong on our side; it has been logged")
        return error_response(request, error, 500)
