"""The request body limit (``OPPORTUNE_REQUEST_MAX_BYTES``), counted as the body streams in.

A declared ``Content-Length`` over the limit is refused at the first read, before any of
the body is received; a body sent without one is refused as soon as the bytes received
pass the limit. Either way the route's read raises a 413 that the error handlers render
in the error format of the API, the web UI or the Salesforce API. Routes that stream an
upload to disk under their own limit (imports, Bulk API data) lift this one first with
:func:`lift_body_limit`. (Starlette's own body limit answers a declared oversize in plain
text, whatever the route would have answered: hence this middleware.)
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opportune.api.body_errors import size_in_words

SCOPE_KEY = "opportune.body_limit"


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 while they are read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self.max_bytes
        declared = _content_length(scope)
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            limit = scope.get(SCOPE_KEY)
            if limit is not None and declared is not None and declared > limit:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit is not None and received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted_receive, send)


def lift_body_limit(request: Request) -> None:
    """Let this request's body through whatever its size: the route enforces its own
    limit while it streams the body to disk."""
    request.scope[SCOPE_KEY] = None


def too_large(limit: int) -> HTTPException:
    """The 413 for a body over ``limit`` bytes."""
    return HTTPException(
        413,
        f"The request body is larger than the {size_in_words(limit)} this server accepts "
        "(OPPORTUNE_REQUEST_MAX_BYTES)",
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
