"""The database going away and coming back, and a database that cannot be written.

PostgreSQL is taken away with a proxy between Opportune and the server (the server itself is
shared with other test runs and never restarted): while it is away every API request gets a
503 in the error format, web pages a 503 page, ``/readyz`` says not ready and the CLI one
line; once it is back the same running application serves again.

``OPPORTUNE_RELIABILITY_TRIALS`` raises the number of outages of the load test (default 3).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from opportune import Opportune, Settings
from opportune.api import create_app
from opportune.domain.security import allowed_scopes
from tests.conftest import PASSWORD, add_user
from tests.e2e.api.helpers import assert_error
from tests.e2e.cli.conftest import invoke, one_error_line
from tests.tcp_proxy import CuttableProxy

POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
TRIALS = int(os.environ.get("OPPORTUNE_RELIABILITY_TRIALS", "3"))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LEAD = {"last_name": "Ng", "company": "Acme"}
NEW_USER = ["user", "create", "--name", "Bo", "--email", "bo@example.com", "--role", "rep",
            "--password", PASSWORD]  # fmt: skip


@dataclass
class Served:
    """Opportune served by uvicorn in a thread, reaching PostgreSQL through ``proxy``."""

    base: str
    core: Opportune
    proxy: CuttableProxy
    database_url: str  # through the proxy
    real_url: str  # straight to the server
    headers: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API request as the administrator."""
        return httpx.request(
            method, f"{self.base}/api/v1{path}", headers=self.headers, timeout=30, **kwargs
        )


def serve(core: Opportune) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start the app on a free loopback port; the server, its thread and its address."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(core=core), lifespan="off", log_level="critical",
                            timeout_graceful_shutdown=1)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    """Opportune on this test's PostgreSQL database through a proxy, with an administrator."""
    real = make_url(database_url)
    proxy = CuttableProxy((real.host or "127.0.0.1", real.port or 5432))
    url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(env="test", database_url=url, data_dir=tmp_path / "data",
                        embedded_worker=False, db_pool_timeout_seconds=5)  # fmt: skip
    core = Opportune(settings)
    admin = add_user(core, "Ada Admin", "admin")
    assert admin.id is not None
    token = core.auth.create_token(None, admin.id, "faults", scopes=list(allowed_scopes(admin)))
    server, thread, base = serve(core)
    try:
        headers = {"Authorization": f"Bearer {token.token}"}
        yield Served(base, core, proxy, url, database_url, headers)
    finally:
        proxy.restore_if_cut()
        server.should_exit = True
        thread.join(10)
        core.close()
        proxy.close()


def signed_in_browser(base: str) -> httpx.Client:
    """A browser-like client signed in as the administrator through the login form."""
    browser = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = CSRF.search(browser.get("/login").text)
    assert token is not None
    data = {"email": "ada.admin@example.com", "password": PASSWORD, "csrf_token": token[1]}
    assert browser.post("/login", data=data).status_code == 303
    return browser


def assert_unavailable(response: httpx.Response) -> None:
    """A 503 in the error format that says to try again."""
    body = assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert "not reachable" in body["message"]
    assert response.headers["Retry-After"] == "5"


def lead_names(core: Opportune) -> list[str]:
    """Every lead's last name, straight from the database."""
    with core.engine.connect() as conn:
        return list(conn.execute(text("SELECT last_name FROM leads ORDER BY id")).scalars())


@POSTGRES_ONLY
def test_while_the_database_is_away_requests_get_503_and_it_serves_again_once_back(
    served: Served, request: pytest.FixtureRequest
) -> None:
    browser = signed_in_browser(served.base)
    request.addfinalizer(browser.close)
    assert served.api("POST", "/leads", json={**LEAD, "last_name": "Before"}).status_code == 201
    served.proxy.cut()

    assert_unavailable(served.api("GET", "/leads"))
    assert_unavailable(served.api("POST", "/leads", json={**LEAD, "last_name": "During"}))
    page = browser.get("/leads")
    assert page.status_code == 503
    assert "The database is unavailable" in page.text and "not reachable" in page.text
    ready = httpx.get(f"{served.base}/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"
    assert httpx.get(f"{served.base}/healthz", timeout=30).status_code == 200  # alive
    line = one_error_line(invoke(served.database_url, ["lead", "list"]), 1)
    assert line.startswith("Error: Database error: The database is not reachable right now")

    served.proxy.restore()
    assert httpx.get(f"{served.base}/readyz", timeout=30).status_code == 200
    assert served.api("POST", "/leads", json={**LEAD, "last_name": "After"}).status_code == 201
    assert served.api("GET", "/leads").status_code == 200
    assert browser.get("/leads").status_code == 200
    assert lead_names(served.core) == ["Before", "After"]


def on_the_server(served: Served, sql: str) -> Any:
    """Run ``sql`` on the test's database straight on the server (not through the proxy or
    the application's pool); its first value."""
    outside = create_engine(served.real_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with outside.connect() as conn:
            conn.execute(text("SET default_transaction_read_only = off"))  # the test's own
            result = conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        outside.dispose()


END_OTHER_SESSIONS = (
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@POSTGRES_ONLY
def test_connections_the_server_ended_are_replaced_without_an_error(served: Served) -> None:
    for _ in range(3):  # fill the pool with connections
        assert served.api("GET", "/leads").status_code == 200
    assert on_the_server(served, END_OTHER_SESSIONS)  # the pool's connections were among them
    statuses = [served.api("GET", "/leads").status_code for _ in range(5)]
    statuses.append(served.api("POST", "/leads", json=LEAD).status_code)
    assert statuses == [200] * 5 + [201]


@POSTGRES_ONLY
def test_a_database_made_read_only_gives_a_clear_error_and_writes_resume_once_writable(
    served: Served,
) -> None:
    name = make_url(served.real_url).database
    assert served.api("POST", "/leads", json={**LEAD, "last_name": "Before"}).status_code == 201
    on_the_server(served, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    on_the_server(served, END_OTHER_SESSIONS)  # as a failover to a standby would
    body = assert_error(served.api("POST", "/leads", json=LEAD), 503, "DATABASE_READ_ONLY")
    assert "read-only" in body["message"]
    on_the_server(served, f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    # The application drops its read-only sessions by itself: no restart, no reconnect.
    assert served.api("POST", "/leads", json={**LEAD, "last_name": "After"}).status_code == 201
    assert lead_names(served.core) == ["Before", "After"]


class Load:
    """Client threads creating and listing leads until stopped, keeping every outcome."""

    def __init__(self, served: Served, threads: int = 3) -> None:
        self.served, self.stop = served, threading.Event()
        self.statuses: Counter[int] = Counter()
        self.created: list[str] = []  # leads the server said it created
        self.attempted = 0
        self.bad: list[str] = []  # anything but success or a proper 503
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(60)

    def count(self, status: int) -> int:
        """How many responses had ``status`` so far."""
        with self._lock:
            return self.statuses[status]

    def wait_for_more(self, status: int, more: int, what: str, timeout: float = 60) -> None:
        """Wait until ``more`` further responses had ``status``; fail naming ``what``."""
        target, deadline = self.count(status) + more, time.monotonic() + timeout
        while self.count(status) < target:
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.01)

    def _run(self, n: int) -> None:
        for i in range(1_000_000):
            if self.stop.is_set():
                return
            name = f"L{n}-{i}"
            with self._lock:
                self.attempted += 1
            self._record(self.served.api("POST", "/leads", json={**LEAD, "last_name": name}), name)
            self._record(self.served.api("GET", "/leads", params={"limit": 5}), None)

    def _record(self, response: httpx.Response, name: str | None) -> None:
        with self._lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 201 and name:
                self.created.append(name)
            elif response.status_code == 503:
                body = response.json()
                if body.get("code") != "DATABASE_UNAVAILABLE" or set(body) != {
                    "code", "message", "fields"
                }:  # fmt: skip
                    self.bad.append(response.text)
            elif response.status_code not in (200, 201):
                self.bad.append(f"{response.status_code} {response.text}")


@POSTGRES_ONLY
def test_outages_during_a_load_give_503s_then_service_resumes_and_no_acknowledged_write_is_lost(
    served: Served,
) -> None:
    with Load(served) as load:
        for _ in range(TRIALS):
            load.wait_for_more(201, 5, "writes before the outage")
            served.proxy.cut()
            load.wait_for_more(503, 3, "503s during the outage")
            served.proxy.restore()
        load.wait_for_more(201, 5, "writes after the last outage")
    assert load.bad == []
    names = lead_names(served.core)
    assert set(load.created) <= set(names)  # every acknowledged write is there
    assert len(names) == len(set(names)) <= load.attempted
    assert served.api("GET", "/leads").status_code == 200


# --- a read-only database, a full disk ----------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB filesystem of its own (tmpfs), so a test can fill it up; needs root (CI runs
    as root), skipped otherwise."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16M", "tmpfs",
                              str(mount_point)], capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


@dataclass
class OnDisk:
    """Opportune on an SQLite file in ``small_disk``, with an administrator and one lead."""

    path: Path
    core: Opportune
    client: TestClient
    headers: dict[str, str]

    @property
    def url(self) -> str:
        """The database URL."""
        return f"sqlite:///{self.path}"

    def create_lead(self, name: str, **fields: object) -> httpx.Response:
        """POST one lead."""
        return self.client.post("/api/v1/leads", json={**LEAD, "last_name": name, **fields},
                                headers=self.headers)  # fmt: skip


def open_on_disk(path: Path, tmp_path: Path) -> tuple[Opportune, TestClient]:
    """Opportune and a test client on the SQLite file at ``path``."""
    settings = Settings(env="test", database_url=f"sqlite:///{path}",
                        data_dir=tmp_path / "data", embedded_worker=False)  # fmt: skip
    core = Opportune(settings)
    return core, TestClient(create_app(core=core)).__enter__()


@pytest.fixture
def on_disk(small_disk: Path, sqlite_template: Path, tmp_path: Path) -> Iterator[OnDisk]:
    """Opportune on a fresh database in ``small_disk`` with a lead named Before."""
    path = small_disk / "opportune.db"
    shutil.copy(sqlite_template, path)
    core, client = open_on_disk(path, tmp_path)
    admin = add_user(core, "Ada Admin", "admin")
    assert admin.id is not None
    token = core.auth.create_token(None, admin.id, "faults", scopes=list(allowed_scopes(admin)))
    disk = OnDisk(path, core, client, {"Authorization": f"Bearer {token.token}"})
    assert disk.create_lead("Before").status_code == 201
    try:
        yield disk
    finally:
        disk.client.__exit__(None, None, None)
        disk.core.close()


def assert_intact(path: Path, names: list[str]) -> None:
    """SQLite's integrity check passes and the leads are exactly ``names``."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert [r[0] for r in conn.execute("SELECT last_name FROM leads ORDER BY id")] == names


def test_a_read_only_database_file_gives_a_clear_error_and_stays_intact(
    on_disk: OnDisk, tmp_path: Path
) -> None:
    on_disk.client.__exit__(None, None, None)
    on_disk.core.close()  # the last connection folds the write-ahead log into the file
    subprocess.run(["chattr", "+i", str(on_disk.path)], check=True)  # even root cannot write
    try:
        on_disk.core, on_disk.client = open_on_disk(on_disk.path, tmp_path)
        body = assert_error(on_disk.create_lead("During"), 503, "DATABASE_READ_ONLY")
        assert "read-only" in body["message"]
        line = one_error_line(invoke(on_disk.url, NEW_USER), 1)
        assert line.startswith("Error: Database error: The database is read-only")
    finally:
        subprocess.run(["chattr", "-i", str(on_disk.path)], check=True)
    assert on_disk.create_lead("After").status_code == 201  # writable again: no restart
    assert_intact(on_disk.path, ["Before", "After"])


def test_a_full_disk_gives_a_clear_error_keeps_what_was_saved_and_recovers(
    on_disk: OnDisk,
) -> None:
    filler = on_disk.path.parent / "filler"
    filler.write_bytes(b"\0" * (shutil.disk_usage(filler.parent).free - 64 * 1024))
    saved, big = ["Before"], {"description": "x" * 30_000}
    for i in range(200):  # each lead takes ~30 KB: the disk is full within a few
        response = on_disk.create_lead(f"Fill{i}", **big)
        if response.status_code != 201:
            break
        saved.append(f"Fill{i}")
    body = assert_error(response, 507, "STORAGE_FULL")
    assert "disk is full" in body["message"]
    assert on_disk.client.get("/api/v1/leads", headers=on_disk.headers).status_code == 200
    filler.unlink()
    assert on_disk.create_lead("After").status_code == 201  # space again: no restart
    assert_intact(on_disk.path, [*saved, "After"])
