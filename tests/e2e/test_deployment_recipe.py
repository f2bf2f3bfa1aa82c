"""The deployment recipe of docs/deployment.md, run for real on PostgreSQL: migrate, create
the first administrator and a token, start ``opportune serve --workers 2`` and a separate
``opportune worker``, check /healthz and /readyz, import a CSV through the API (the
separate worker runs it: web processes run no jobs on PostgreSQL), sign in once and use
the session on whichever web process answers, then stop everything cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.postgres
OPPORTUNE = str(Path(sys.executable).with_name("opportune"))
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def opportune(env: dict[str, str], *args: str) -> str:
    """Run one ``opportune`` command to its end; its output."""
    done = subprocess.run([OPPORTUNE, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def env(pg_database: str, tmp_path: Path) -> dict[str, str]:
    """The recipe's environment: only settings, through OPPORTUNE_* variables."""
    return {
        **os.environ, "OPPORTUNE_ENV": "prod", "OPPORTUNE_SECRET_KEY": "s" * 40,
        "OPPORTUNE_SECURE_COOKIES": "false",  # plain HTTP on loopback; TLS is the proxy's
        "OPPORTUNE_DATABASE_URL": pg_database, "OPPORTUNE_DATA_DIR": str(tmp_path / "data"),
        "OPPORTUNE_DB_POOL_SIZE": "3", "OPPORTUNE_ARGON2_TIME_COST": "1",
        "OPPORTUNE_ARGON2_MEMORY_COST": "1024", "COLUMNS": "200",
    }  # fmt: skip


@pytest.fixture
def started(env: dict[str, str]) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """Migrated, with an administrator; two web workers and one job worker running."""
    opportune(env, "db", "upgrade")
    opportune(env, "user", "create", "--name", "Ada Admin", "--email", "ada@example.com",
              "--role", "admin", "--password", PASSWORD)  # fmt: skip
    port = free_port()
    logs = Path(env["OPPORTUNE_DATA_DIR"]) / "logs"
    logs.mkdir(parents=True)
    commands = {"serve": ["serve", "--workers", "2", "--port", str(port)], "worker": ["worker"]}
    with ExitStack() as files:
        processes = [
            subprocess.Popen([OPPORTUNE, *args], env=env, stderr=subprocess.STDOUT,
                             stdout=files.enter_context((logs / f"{name}.log").open("wb")))
            for name, args in commands.items()
        ]  # fmt: skip
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", processes, logs)
            yield f"http://127.0.0.1:{port}", processes
        finally:
            stop(processes)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process still running; kill what does not end in 20 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(base: str, processes: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise AssertionError("a process exited at start:\n" + "\n".join(
                f.read_text() for f in sorted(logs.iterdir())))  # fmt: skip
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server never became ready")


def test_the_deployment_recipe_works_end_to_end(
    env: dict[str, str], started: tuple[str, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    base, processes = started
    assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
    assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
    token = opportune(env, "token", "create", "--user", "ada@example.com", "--name", "deploy",
                      "--json")  # fmt: skip
    headers = {"Authorization": f"Bearer {_token_of(token)}"}

    csv = "First Name,Last Name,Company,Email\n" + "".join(
        f"Ada{n},Ng{n},Co {n},ada{n}@co{n}.example\n" for n in range(300)
    )
    upload = httpx.post(f"{base}/api/v1/imports", headers=headers, data={"object_type": "lead"},
                        files={"file": ("leads.csv", csv.encode(), "text/csv")})  # fmt: skip
    assert upload.status_code == 202, upload.text
    status = follow_import(base, upload.headers["Location"], headers)
    assert status["status"] == "completed" and status["created_count"] == 300, status
    jobs = httpx.get(f"{base}/api/v1/jobs", params={"kind": "import"}, headers=headers).json()
    assert jobs[0]["state"] == "succeeded"

    with httpx.Client(base_url=base) as browser:  # one session, many web processes
        page = browser.get("/login")
        assert page.status_code == 200
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed = browser.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                              "csrf_token": csrf})  # fmt: skip
        assert signed.status_code in (200, 303), signed.text
        answers = [browser.get("/leads").status_code for _ in range(30)]
    assert answers == [200] * 30

    metrics = httpx.get(f"{base}/metrics").text
    assert "opportune_http_requests_total" in metrics
    assert 'opportune_job_queue_depth{state="succeeded"}' in metrics

    for process in processes:
        process.send_signal(signal.SIGTERM)
    assert [p.wait(30) for p in processes] == [0, 0]


def follow_import(base: str, url: str, headers: dict[str, str]) -> dict[str, object]:
    """Poll the import until it ends (the separate job worker runs it)."""
    target = url if url.startswith("http") else base + url
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status: dict[str, object] = httpx.get(target, headers=headers).json()
        if status["status"] in ("completed", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"the import is still {status['status']}")


def _token_of(output: str) -> str:
    import json

    return str(json.loads(output)["token"])
