"""Keep-alive replies of ``opportune serve --workers N`` without Nagle's 40 ms wait.

With one worker, uvicorn lets asyncio open the listening socket, and asyncio turns Nagle's
algorithm off (``TCP_NODELAY``) on every connection it accepts. With several workers,
uvicorn opens the shared socket itself as ``socket.socket(AF_INET)``: protocol 0 rather
than ``IPPROTO_TCP``, so asyncio does not recognise its connections as TCP and leaves Nagle
on. Each response then waits for the client's delayed acknowledgement of the previous one:
about 44 ms per request on a keep-alive connection (measured with bench/load.py; uvicorn
issue 3149). Setting ``TCP_NODELAY`` on the listening socket fixes it: Linux copies it to
every connection accepted from that socket.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn.config

_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


@contextmanager
def tcp_nodelay_listening_sockets() -> Iterator[None]:
    """While active, sockets uvicorn binds for its worker processes have TCP_NODELAY."""
    original = uvicorn.config.Config.bind_socket

    def bind_socket(config: uvicorn.config.Config) -> socket.socket:
        sock = original(config)
        if sock.family in _TCP_FAMILIES:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        uvicorn.config.Config.bind_socket = original  # type: ignore[method-assign]
