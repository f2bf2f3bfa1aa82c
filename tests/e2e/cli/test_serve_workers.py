"""``opportune serve --workers N``: several processes on PostgreSQL only, with metrics that add
up across them and the application's own log set-up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opportune.api.metrics import MULTIPROC_ENV
from opportune.logging_setup import make_formatter
from tests.e2e.cli.conftest import invoke, one_error_line
from tests.prometheus import metric

POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def no_multiproc_env() -> Iterator[None]:
    """PROMETHEUS_MULTIPROC_DIR unset during the test and as it was after it: serve sets it
    for the server processes, and left set here it would reach every later test."""
    saved = os.environ.pop(MULTIPROC_ENV, None)
    yield
    os.environ.pop(MULTIPROC_ENV, None)
    if saved is not None:
        os.environ[MULTIPROC_ENV] = saved


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch, no_multiproc_env: None) -> list[dict[str, Any]]:
    """The keyword arguments of each uvicorn.run call (which starts no server), with the
    PROMETHEUS_MULTIPROC_DIR the server processes would inherit."""
    calls: list[dict[str, Any]] = []

    def run(*args: Any, **kwargs: Any) -> None:
        calls.append({**kwargs, MULTIPROC_ENV: os.environ.get(MULTIPROC_ENV)})

    monkeypatch.setattr("opportune.cli.system.uvicorn.run", run)
    return calls


def test_more_than_one_worker_on_sqlite_is_refused(
    sqlite_url: str, uvicorn_calls: list[dict[str, Any]]
) -> None:
    line = one_error_line(invoke(sqlite_url, ["serve", "--workers", "2"]), 2)
    assert line.startswith("Error: --workers: more than one worker process needs PostgreSQL")
    assert uvicorn_calls == []


def test_one_worker_logs_through_the_application_and_keeps_metrics_in_memory(
    sqlite_url: str, uvicorn_calls: list[dict[str, Any]]
) -> None:
    result = invoke(sqlite_url, ["serve"])
    assert result.exit_code == 0, result.output
    (call,) = uvicorn_calls
    assert call["workers"] == 1
    assert call["access_log"] is False
    assert call["log_config"]["loggers"]["uvicorn.access"]["handlers"] == []
    assert call[MULTIPROC_ENV] is None


@POSTGRES_ONLY
def test_workers_on_postgresql_share_an_emptied_metrics_directory(
    database_url: str, tmp_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    metrics_dir = tmp_path / "data" / "metrics"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_99999.db").write_bytes(b"counts of an earlier run")
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "data"), "OPPORTUNE_LOG_FORMAT": "json"}
    result = invoke(database_url, ["serve", "--workers", "3"], env=env)
    assert result.exit_code == 0, result.output
    (call,) = uvicorn_calls
    assert call["workers"] == 3
    assert call["timeout_worker_healthcheck"] >= 30  # slow starts on a busy machine survive
    assert call[MULTIPROC_ENV] == str(metrics_dir.resolve())
    assert list(metrics_dir.iterdir()) == []
    assert call["access_log"] is False
    formatter = call["log_config"]["formatters"]["default"]
    assert formatter["log_format"] == "json"
    assert formatter["()"] is make_formatter


@POSTGRES_ONLY
def test_an_operators_metrics_directory_is_used_as_it_is(
    database_url: str, tmp_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    mine = tmp_path / "prom"
    mine.mkdir()
    (mine / "keep.db").write_bytes(b"")
    os.environ[MULTIPROC_ENV] = str(mine)  # no_multiproc_env restores it
    result = invoke(database_url, ["serve", "--workers", "2"], env={"OPPORTUNE_DATA_DIR": "d"})
    assert result.exit_code == 0, result.output
    assert uvicorn_calls[0][MULTIPROC_ENV] == str(mine)
    assert (mine / "keep.db").exists()


# --- a real server of two processes --------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /readyz (not /healthz, which the test counts) until the server is ready, or fail
    with what it printed."""
    deadline = time.monotonic() + 60  # two processes starting on a busy CI machine
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"serve was not ready in time:\n{log.read_text(errors='replace')}")


@pytest.fixture
def two_process_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``opportune serve --workers 2`` on this test's database: its address and metrics
    directory. Stopped after the test (the server stops its worker processes)."""
    port, data_dir, log = free_port(), tmp_path / "data", tmp_path / "serve.log"
    env = {**os.environ, "OPPORTUNE_DATABASE_URL": database_url,
           "OPPORTUNE_DATA_DIR": str(data_dir), "OPPORTUNE_EMBEDDED_WORKER": "false"}  # fmt: skip
    env.pop(MULTIPROC_ENV, None)
    command = [str(Path(sys.executable).parent / "opportune"), "serve", "--workers", "2",
               "--port", str(port)]  # fmt: skip
    with log.open("wb") as output:  # a file, not a pipe nobody reads while it fills up
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server, log)
        yield base, data_dir / "metrics"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this test started
            server.wait()


def healthz_count(scrape: str) -> float:
    """The /healthz requests answered with 200 in a scrape."""
    value = metric(scrape, "opportune_http_requests_total", method="GET", route="/healthz",
                   status="200")  # fmt: skip
    return value or 0.0


@POSTGRES_ONLY
def test_a_scrape_of_either_process_counts_the_requests_of_both(
    two_process_server: tuple[str, Path],
) -> None:
    base, metrics_dir = two_process_server
    sent = 0
    # New connections (no keep-alive) until both processes have answered some.
    while len({p.stem.rsplit("_", 1)[-1] for p in metrics_dir.glob("counter_*.db")}) < 2:
        assert sent < 500, "one process answered every request"
        for _ in range(10):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        sent += 10
    for _ in range(6):  # several scrapes: any process may answer each
        assert healthz_count(httpx.get(f"{base}/metrics", timeout=5).text) == sent
