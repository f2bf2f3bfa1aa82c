"""Live Salesforce API fixtures: Opportune over HTTPS on loopback, and clients of it.

``sf_server`` runs uvicorn in a thread with a self-signed certificate (made once per
session by :mod:`opportune.tls`); ``sf`` is the real simple-salesforce client on it.
Sessions ignore the environment (``trust_env = False``): this machine's
``REQUESTS_CA_BUNDLE`` would otherwise replace ``verify`` and reject the certificate.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn
from simple_salesforce import Salesforce

from opportune import Opportune, User
from opportune.api import create_app
from opportune.tls import CertificatePair, ensure_self_signed

API_VERSION = "59.0"
TokenFor = Callable[[User], str]


@dataclass(frozen=True)
class SfServer:
    """The running server: its base URL (``https://127.0.0.1:PORT``), certificate and port."""

    url: str
    cert_path: Path
    port: int

    def data_url(self, path: str = "", version: str = API_VERSION) -> str:
        """The URL of ``path`` under ``/services/data/vNN.N/``."""
        return f"{self.url}/services/data/v{version}/{path}"


@pytest.fixture(scope="session")
def sf_certificate(tmp_path_factory: pytest.TempPathFactory) -> CertificatePair:
    """A self-signed certificate for 127.0.0.1, made once per test session."""
    return ensure_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def sf_server(core: Opportune, sf_certificate: CertificatePair) -> Iterator[SfServer]:
    """Opportune on this test's database, served over HTTPS on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(core=core), host="127.0.0.1", port=port, lifespan="on",
        ssl_certfile=str(sf_certificate.cert), ssl_keyfile=str(sf_certificate.key),
        log_level="warning", timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait_until_started(server, thread)
    yield SfServer(f"https://127.0.0.1:{port}", sf_certificate.cert, port)
    _wait_for_clients_to_leave(server)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _wait_for_clients_to_leave(server: uvicorn.Server) -> None:
    # Clients close their sessions first; letting the server see them go avoids closing
    # TLS connections during shutdown, which would leave their sockets to the collector.
    deadline = time.monotonic() + 0.5
    while server.server_state.connections and time.monotonic() < deadline:
        time.sleep(0.01)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Salesforce test server did not start")
        time.sleep(0.02)


@pytest.fixture
def sf_token_for(core: Opportune) -> TokenFor:
    """Make a fresh API token (a Salesforce session id) for a user."""

    def make(user: User) -> str:
        assert user.id is not None
        scopes = ["read", "write", "admin"] if user.is_admin else None
        return core.auth.create_token(None, user.id, "salesforce tests", scopes=scopes).token

    return make


@pytest.fixture
def sf_token(sf_token_for: TokenFor, admin: User) -> str:
    """A session id of the administrator."""
    return sf_token_for(admin)


@pytest.fixture
def sf_session(sf_server: SfServer) -> Iterator[requests.Session]:
    """A requests session that trusts the server's certificate and nothing from the
    environment; closed at teardown so the server need not wait on keep-alive."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sf_server.cert_path)
    # One connection per request, closed by the server: asyncio can keep an idle TLS
    # connection whose client left open until shutdown, then leak its socket.
    session.headers["Connection"] = "close"
    yield session
    session.close()


def salesforce_client(server: SfServer, token: str, session: requests.Session) -> Salesforce:
    """simple-salesforce on the live server with a session id (no login call)."""
    return Salesforce(
        instance_url=server.url, session_id=token, version=API_VERSION, session=session
    )


@pytest.fixture
def sf(sf_server: SfServer, sf_token: str, sf_session: requests.Session) -> Salesforce:
    """The real simple-salesforce client, signed in as the administrator."""
    return salesforce_client(sf_server, sf_token, sf_session)
