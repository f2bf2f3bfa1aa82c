"""Production observability: ``/healthz``, ``/readyz``, ``/metrics``, and a middleware that
gives each request an id, logs one access line for it and counts it by route.

``install_observability(app, core)`` adds all of it to an application.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from functools import cache
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opportune.api.deps import SESSION_USER
from opportune.api.metrics import exposition, observe_request
from opportune.api.schemas import ErrorOut
from opportune.errors import AuthenticationError
from opportune.logging_setup import set_request_id
from opportune.services import Opportune
from opportune.services.health import Readiness, check_readiness

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
TAG = "operations"
# Probes and scrapes come every few seconds: their access lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

access_log = logging.getLogger("opportune.access")


def install_observability(app: FastAPI, core: Opportune) -> None:
    """Add the request middleware (outermost of those added so far: call it after the
    others) and the health, readiness and metrics endpoints."""
    app.add_middleware(RequestObservabilityMiddleware)
    app.include_router(operations_router(core))


class HealthOut(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class ReadinessOut(BaseModel):
    """Whether this process can serve requests."""

    status: Literal["ready", "not ready"]
    database: str = Field(
        description='"ok", or the class name of the error reaching the database',
        examples=["ok", "OperationalError"],
    )
    schema_: str = Field(
        alias="schema",
        description="The schema revision when current; otherwise where the database is "
        "and what this code expects (or unknown when the database did not answer)",
        examples=["0013", "at 0012, expected 0013"],
    )


def readiness_out(readiness: Readiness) -> ReadinessOut:
    """The response body for a readiness check."""
    if readiness.ready:
        return ReadinessOut(
            status="ready", database=readiness.database, schema=readiness.head or "none"
        )
    if readiness.database != "ok":
        schema = "unknown"
    else:
        schema = f"at {readiness.revision or 'none'}, expected {readiness.head or 'none'}"
    return ReadinessOut(status="not ready", database=readiness.database, schema=schema)


_METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "The metrics"},
    401: {"model": ErrorOut, "description": "OPPORTUNE_METRICS_TOKEN is set and not sent"},
}


def operations_router(core: Opportune) -> APIRouter:
    """The endpoints for load balancers, orchestrators and Prometheus; none needs a sign-in
    (``/metrics`` asks for ``metrics_token`` when one is set)."""
    router = APIRouter(tags=[TAG])
    head = cache(core.head_revision)  # parses every migration script; fixed for a process

    @router.get("/healthz", response_model=HealthOut, summary="Liveness")
    def healthz() -> HealthOut:
        """The process is alive. Touches nothing else, the database included."""
        return HealthOut()

    @router.get("/readyz", response_model=ReadinessOut, summary="Readiness", responses={
        503: {"model": ReadinessOut, "description": "Database unreachable or not migrated"},
    })  # fmt: skip
    def readyz() -> JSONResponse:
        """Ready to serve: the database answers ``SELECT 1`` and is at the newest schema
        revision; otherwise 503 naming the problem."""
        readiness = check_readiness(core.engine, head())
        body = readiness_out(readiness).model_dump(by_alias=True)
        return JSONResponse(body, status_code=200 if readiness.ready else 503)

    @router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics",
                responses=_METRICS_RESPONSES)  # fmt: skip
    def metrics(request: Request) -> Response:
        """Request counts and durations by route, database pool connections and the job
        queue, in Prometheus' text format (or OpenMetrics when the scraper asks for it)."""
        if not bearer_matches(core.settings.metrics_token, request.headers.get("Authorization")):
            error = AuthenticationError("Send 'Authorization: Bearer <metrics token>'")
            return JSONResponse(error.as_dict(), 401, headers={"WWW-Authenticate": "Bearer"})
        body, content_type = exposition(core, request.headers.get("Accept"))
        return Response(body, media_type=content_type)

    return router


def bearer_matches(token: str, header: str | None) -> bool:
    """True when no token is configured, or ``header`` is ``Bearer <token>``."""
    if not token:
        return True
    scheme, _, sent = (header or "").partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header may hold.
    return scheme.lower() == "bearer" and secrets.compare_digest(
        sent.strip().encode(), token.encode()
    )


class RequestObservabilityMiddleware:
    """For each HTTP request: take a well-formed ``X-Request-ID`` or make one, make it the
    context's request id (every log line of the request carries it) and a response header,
    then log one access line and count the request by route template.

    A pure ASGI middleware, like ``SecurityMiddleware``: the context variable it sets is
    seen by routes run in the thread pool and by the error handlers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        # Not reset afterwards: Starlette's last-resort error handler, outside this
        # middleware, logs unexpected errors in this same task and should name the request.
        set_request_id(request_id)
        root_path, started = scope.get("root_path", ""), time.perf_counter()
        status = 500  # unless a response starts: an error escaped the application

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            finished(scope, root_path, status, time.perf_counter() - started)


def incoming_request_id(scope: Scope) -> str | None:
    """The client's or proxy's ``X-Request-ID`` when it is 1-128 safe characters (it goes
    into logs and headers as it is), else None."""
    sent = Headers(scope=scope).get(REQUEST_ID_HEADER)
    return sent if sent is not None and REQUEST_ID_PATTERN.fullmatch(sent) else None


def finished(scope: Scope, root_path: str, status: int, seconds: float) -> None:
    """Count and log one answered request."""
    method = scope["method"] if scope["method"] in METHODS else "OTHER"
    route = route_template(scope, root_path)
    observe_request(method, route, status, seconds)
    log_access(scope, method, route, status, seconds)


def log_access(scope: Scope, method: str, route: str, status: int, seconds: float) -> None:
    """The access line: the path without its query string (query strings can carry tokens),
    no headers, cookies or bodies."""
    client = scope.get("client")
    client_ip, path, ms = client[0] if client else None, scope["path"], seconds * 1000
    level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
    access_log.log(
        level, "%s %s %s %s %.1fms", client_ip or "-", method, path, status, ms,
        extra={"method": method, "route": route, "path": path, "status": status,
               "duration_ms": round(ms, 3), "client_ip": client_ip,
               "user_id": session_user_id(scope)},
    )  # fmt: skip


def session_user_id(scope: Scope) -> int | None:
    """The user id in the signed session cookie (web UI requests); API token requests do
    not expose theirs this cheaply."""
    session = scope.get("session")
    user_id = session.get(SESSION_USER) if isinstance(session, dict) else None
    return user_id if isinstance(user_id, int) else None


def route_template(scope: Scope, root_path: str) -> str:
    """The matched route's path template (``/api/v1/leads/{lead_id}``), never the raw path,
    so that metric labels stay few: a mounted app (static files) by its mount path, a
    request no route matched as ``<unmatched>``."""
    mounted = str(scope.get("root_path", ""))[len(root_path) :]
    if mounted:
        return mounted
    route = scope.get("route")
    template, regex = getattr(route, "path_format", None), getattr(route, "path_regex", None)
    if isinstance(template, str) and isinstance(regex, re.Pattern):
        return _with_prefix(template, regex, scope["path"])
    if scope.get("endpoint") is not None and not scope.get("path_params"):
        return str(scope["path"])  # a fixed route added to the app itself (OpenAPI document)
    return UNMATCHED


def _with_prefix(template: str, regex: re.Pattern[str], path: str) -> str:
    """``template`` with the prefix it was included under. Newer FastAPI versions match an
    included route by its own path (``/leads/{lead_id}``) after the router's prefix; older
    ones store the joined path. The shortest start of ``path`` after which the route's
    pattern matches is that prefix: a literal one (prefixes here have no parameters)."""
    starts = [0, *(i for i, char in enumerate(path) if char == "/" and i)]
    for start in starts:
        if regex.match(path[start:]):
            return path[:start] + template
    return template
