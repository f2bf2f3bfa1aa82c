"""Name each request's client for the audit log.

A pure ASGI middleware (not ``BaseHTTPMiddleware``) sets the client IP context variable
before the application runs, so the value is copied into the threadpool that runs
synchronous routes and reaches every audit entry written while serving the request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from opportune.services.audit_trail import set_client_ip


class ClientIpMiddleware:
    """Sets :func:`opportune.services.audit_trail.client_ip` for each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record the peer's address, then run the application."""
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            set_client_ip(client[0] if client else None)
        await self.app(scope, receive, send)
