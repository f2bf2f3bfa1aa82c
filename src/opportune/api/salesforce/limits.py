"""Counting Salesforce API requests: the ``Sforce-Limit-Info`` header and the daily limit.

Every request under ``/services/data`` counts towards the day's ``DailyApiRequests``
(:class:`~opportune.services.salesforce.usage.ApiUsage`, one per application, sharing its
count with the other server processes through the database); its response carries
``Sforce-Limit-Info: api-usage=USED/MAX``, and once the day's maximum is reached requests
get 403 ``REQUEST_LIMIT_EXCEEDED`` until the next UTC day. This is middleware rather than a
dependency so that every response gets the header, errors and unknown paths included.
"""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opportune.api.salesforce.errors import salesforce_error_response
from opportune.errors import RateLimitError
from opportune.services import Opportune
from opportune.services.salesforce.usage import ApiUsage, DatabaseUsageStore, UsageSnapshot

__all__ = ["DATA_PREFIX", "LIMIT_HEADER", "SalesforceLimitMiddleware", "api_usage"]

DATA_PREFIX = "/services/data"
LIMIT_HEADER = "Sforce-Limit-Info"
_creating = threading.Lock()


def api_usage(app: Starlette) -> ApiUsage:
    """The application's request count, made on first use from its installation's settings."""
    state = app.state
    with _creating:
        usage: ApiUsage | None = getattr(state, "salesforce_usage", None)
        if usage is None:
            core: Opportune = state.opportune
            usage = ApiUsage(core.settings.salesforce_daily_api_requests, core.auth.clock,
                             store=DatabaseUsageStore(core.engine))  # fmt: skip
            state.salesforce_usage = usage
    return usage


class SalesforceLimitMiddleware:
    """Count requests under ``/services/data``, refuse those over the daily limit, and add
    ``Sforce-Limit-Info`` to their responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != DATA_PREFIX and not path.startswith(DATA_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        usage = api_usage(scope["app"])
        snapshot = usage.record()
        if usage.flush_due():  # share the count with the other server processes
            await run_in_threadpool(usage.flush)
        if not snapshot.allowed:
            await _refusal(usage, snapshot)(scope, receive, send)
            return

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(LIMIT_HEADER, snapshot.header)
            await send(message)

        await self.app(scope, receive, send_with_usage)


def _refusal(usage: ApiUsage, snapshot: UsageSnapshot) -> Response:
    """Salesforce's answer once the day's requests are used up."""
    exc = RateLimitError("TotalRequests Limit exceeded.", retry_after=usage.seconds_to_reset())
    response = salesforce_error_response(exc, 403)
    response.headers[LIMIT_HEADER] = snapshot.header
    return response
