"""``serve --workers N``: the listening socket uvicorn binds for its workers has TCP_NODELAY,
so keep-alive replies do not wait for delayed acknowledgements (uvicorn issue 3149)."""

from __future__ import annotations

import socket

import uvicorn.config

from opportune.cli.tcp_nodelay import tcp_nodelay_listening_sockets


def nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_sockets_bound_for_worker_processes_have_nagle_turned_off() -> None:
    config = uvicorn.config.Config("opportune.api.app:create_app", host="127.0.0.1", port=0)
    with tcp_nodelay_listening_sockets():
        patched = config.bind_socket()
    unpatched = config.bind_socket()  # the original again once the block ends
    try:
        assert nodelay(patched) == 1
        assert nodelay(unpatched) == 0
        assert uvicorn.config.Config.bind_socket.__name__ == "bind_socket"
    finally:
        patched.close()
        unpatched.close()


def test_accepted_connections_inherit_it() -> None:
    config = uvicorn.config.Config("opportune.api.app:create_app", host="127.0.0.1", port=0)
    with tcp_nodelay_listening_sockets():
        listener = config.bind_socket()
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert nodelay(accepted) == 1
    finally:
        for sock in (accepted, client, listener):
            sock.close()
