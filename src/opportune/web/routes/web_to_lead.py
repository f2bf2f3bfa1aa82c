"""The public web-to-lead endpoint: other websites' forms post here, with no sign-in.

``POST /web-to-lead`` and Salesforce's path ``POST /servlet/servlet.WebToLead`` take
``application/x-www-form-urlencoded`` (an HTML form: answered with a redirect or a page)
or ``application/json`` (answered with JSON). No CSRF token: the form lives on another
site, and the form's key (``oid``) plus the limits are the protection. Every failure is
answered with a clear page or JSON error, never a server error.

The client address is the connection's (``request.client.host``); behind a reverse proxy
run uvicorn with ``--proxy-headers --forwarded-allow-ips`` so that it is the visitor's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import installation
from opportune.errors import (
    FieldError,
    NotFoundError,
    OpportuneError,
    RateLimitError,
    ValidationError,
)
from opportune.services.web_forms import SubmissionResult
from opportune.web.templating import templates

router = APIRouter()
log = logging.getLogger(__name__)

PATHS = ("/web-to-lead", "/servlet/servlet.WebToLead")
FORM_TYPE, JSON_TYPE = "application/x-www-form-urlencoded", "application/json"
MAX_FIELDS = 200


class PostError(OpportuneError):
    """A post that could not even be read; ``status`` says how (400, 413, 415)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


@router.post(PATHS[0])
@router.post(PATHS[1])
async def web_to_lead(request: Request) -> Response:
    """Receive a web-to-lead post (see the module docstring)."""
    core = installation(request)
    as_json = _wants_json(request)
    try:
        payload, as_json = await _read_payload(request, core.settings.web_to_lead_max_bytes)
        key = payload.get("oid")
        if key in (None, ""):
            raise ValidationError.single("oid", "REQUIRED_FIELD_MISSING", "Is required")
        ip = request.client.host if request.client else "unknown"
        result = await run_in_threadpool(
            core.web_forms.submit, str(key) if isinstance(key, str) else "", payload, ip=ip
        )
    except PostError as exc:
        return _error(request, exc, exc.status, as_json=as_json)
    except ValidationError as exc:
        return _error(request, exc, 422, as_json=as_json)
    except NotFoundError as exc:
        return _error(request, exc, 404, as_json=as_json)
    except RateLimitError as exc:
        return _error(request, exc, 429, as_json=as_json)
    return await _success(request, result, payload, as_json=as_json)


@router.options(PATHS[0])
@router.options(PATHS[1])
async def web_to_lead_preflight(request: Request) -> Response:
    """CORS preflight for JSON posts from pages on an active form's redirect hosts."""
    origin = request.headers.get("Origin", "")
    core = installation(request)
    allowed = bool(origin) and await run_in_threadpool(core.web_forms.allowed_origin, origin)
    if not allowed:
        return Response(status_code=204)
    return Response(status_code=204, headers=_cors(origin) | {
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
    })  # fmt: skip


# --- reading the post ---------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == JSON_TYPE or (
        content_type != FORM_TYPE and JSON_TYPE in request.headers.get("accept", "")
    )


async def _read_payload(request: Request, max_bytes: int) -> tuple[dict[str, Any], bool]:
    """The posted fields, and whether the post was JSON."""
    media, charset = _content_type(request.headers.get("content-type", ""))
    if media not in (FORM_TYPE, JSON_TYPE):
        raise PostError(
            415, "UNSUPPORTED_MEDIA_TYPE",
            f"Send the form as {FORM_TYPE} (an HTML form's default) or {JSON_TYPE}",
        )  # fmt: skip
    if charset not in ("", "utf-8", "utf8", "us-ascii"):
        raise PostError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the form in UTF-8")
    body = await _read_body(request, max_bytes)
    try:
        text = body.decode("utf-8")
        return (_parse_json(text), True) if media == JSON_TYPE else (_parse_form(text), False)
    except UnicodeDecodeError:
        raise PostError(400, "BAD_REQUEST", "The form data is not valid UTF-8") from None


def _content_type(header: str) -> tuple[str, str]:
    media, _, params = header.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


async def _read_body(request: Request, max_bytes: int) -> bytes:
    too_large = PostError(
        413, "REQUEST_TOO_LARGE", f"The form data is too large (at most {max_bytes:,} bytes)"
    )
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_form(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict",
            max_num_fields=MAX_FIELDS,
        )  # fmt: skip
    except ValueError as exc:  # UnicodeDecodeError is one
        if isinstance(exc, UnicodeDecodeError):
            raise
        raise PostError(400, "BAD_REQUEST", f"At most {MAX_FIELDS} fields") from None
    payload: dict[str, Any] = {}
    for name, value in pairs:
        payload.setdefault(name, value)  # the first of repeated names counts
    return payload


def _parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise PostError(400, "JSON_PARSER_ERROR", f"The body is not valid JSON: {detail}") from None
    if not isinstance(data, dict):
        raise PostError(400, "JSON_PARSER_ERROR", "The body must be a JSON object of fields")
    if len(data) > MAX_FIELDS:
        raise PostError(400, "BAD_REQUEST", f"At most {MAX_FIELDS} fields")
    return data


# --- answering ----------------------------------------------------------------------------


async def _success(
    request: Request, result: SubmissionResult, payload: Mapping[str, Any], *, as_json: bool
) -> Response:
    """Spam, queued and created posts look alike to the poster, on purpose."""
    if as_json:
        body = {"status": "accepted", "redirect": result.redirect_to}
        return JSONResponse(body, status_code=202, headers=await _cors_for(request, payload))
    if str(payload.get("debug", "")).strip() in ("1", "true"):
        context = {"posted": result.posted, "payload": payload, "redirect": result.redirect_to}
        return _page(request, "web_forms/public_debug.html", context, 200)
    if result.redirect_to:
        return RedirectResponse(result.redirect_to, status_code=303)
    return _page(request, "web_forms/public_message.html", {
        "title": "Thank you",
        "message": "Your details have been received. We will be in touch soon.",
    }, 200)  # fmt: skip


def _error(request: Request, exc: OpportuneError, status: int, *, as_json: bool) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitError) else {}
    if as_json:
        return JSONResponse(exc.as_dict(), status_code=status, headers=headers)
    titles = {
        400: "The form could not be read", 404: "This form does not exist",
        413: "The form is too large", 415: "The form could not be read",
        422: "Please check the form", 429: "Please try again later",
    }  # fmt: skip
    fields: list[FieldError] = exc.fields
    response = _page(request, "web_forms/public_message.html", {
        "title": titles.get(status, "The form could not be sent"), "message": exc.message,
        "fields": fields, "status": status, "back": status in (400, 413, 422),
    }, status)  # fmt: skip
    response.headers.update(headers)
    return response


def _page(request: Request, name: str, context: dict[str, Any], status: int) -> Response:
    """A standalone page (no session, no app layout: the visitor is not a user)."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _cors_for(request: Request, payload: Mapping[str, Any]) -> dict[str, str]:
    origin = request.headers.get("Origin", "")
    key = payload.get("oid")
    if not origin or not isinstance(key, str):
        return {}
    core = installation(request)
    allowed = await run_in_threadpool(core.web_forms.origin_allowed_for, key, origin)
    return _cors(origin) if allowed else {}


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
