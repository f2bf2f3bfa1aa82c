"""Health, readiness, metrics and request ids: what load balancers, Prometheus and log
collectors see."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from opportune import Opportune, Settings, User
from opportune.api import create_app
from opportune.db import migrate
from opportune.db.engine import make_engine
from opportune.logging_setup import RequestIdFilter, make_formatter
from tests.conftest import PASSWORD, make_settings
from tests.prometheus import metric

Headers = dict[str, str]


def requests_of(client: TestClient, route: str, status: str = "200") -> float:
    """How many GET requests of ``route`` the metrics count so far."""
    text = client.get("/metrics").text
    value = metric(text, "opportune_http_requests_total", method="GET", route=route, status=status)
    return value or 0.0


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """JSON log lines of the application, formatted and filtered as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter("json"))
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("opportune.access"), logging.getLogger("opportune.api.errors")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield stream
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    """The JSON objects logged so far."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


UnservedClient = Callable[[Settings], TestClient]


@pytest.fixture
def unserved_client() -> Iterator[UnservedClient]:
    """Make a client whose application never started (no lifespan: nothing touches the
    database before the test's own requests); closes the installations afterwards."""
    cores: list[Opportune] = []

    def make(settings: Settings) -> TestClient:
        cores.append(Opportune(settings))
        return TestClient(create_app(core=cores[-1]))

    yield make
    for core in cores:
        core.close()


# --- liveness and readiness --------------------------------------------------------------


def test_healthz_says_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_even_when_the_database_cannot_be_opened(
    tmp_path: Path, unserved_client: UnservedClient
) -> None:
    (tmp_path / "a-folder").mkdir()
    settings = make_settings(f"sqlite:///{tmp_path / 'a-folder'}", tmp_path)
    assert unserved_client(settings).get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client: TestClient, core: Opportune) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "schema": core.head_revision()}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each engine that was never migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


def test_readyz_is_503_and_names_both_revisions_when_migrations_are_behind(
    unmigrated_url: str, tmp_path: Path, unserved_client: UnservedClient
) -> None:
    settings = make_settings(unmigrated_url, tmp_path)
    response = unserved_client(settings).get("/readyz")
    engine = make_engine(settings.database_url)
    head = migrate.head_revision(engine)  # reads the migration scripts, not the database
    engine.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready", "database": "ok", "schema": f"at none, expected {head}"
    }  # fmt: skip


def test_readyz_is_503_naming_only_the_error_class_when_sqlite_cannot_be_opened(
    tmp_path: Path, unserved_client: UnservedClient
) -> None:
    (tmp_path / "a-folder").mkdir()  # a folder where the database file should be
    settings = make_settings(f"sqlite:///{tmp_path / 'a-folder'}", tmp_path)
    response = unserved_client(settings).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready", "database": "OperationalError", "schema": "unknown"
    }  # fmt: skip


def test_readyz_does_not_reveal_the_database_address_or_password(
    tmp_path: Path, unserved_client: UnservedClient
) -> None:
    url = "postgresql+psycopg://opportune:hunter2-secret@127.0.0.1:1/crm"  # nothing listens
    response = unserved_client(make_settings(url, tmp_path)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"
    assert "hunter2" not in response.text
    assert "127.0.0.1" not in response.text


def test_operations_endpoints_need_no_sign_in_and_carry_the_security_headers(
    client: TestClient,
) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "set-cookie" not in response.headers


def test_the_openapi_document_lists_the_operations_endpoints(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/healthz", "/readyz", "/metrics"):
        assert paths[path]["get"]["tags"] == ["operations"]
    readyz = paths["/readyz"]["get"]["responses"]
    assert readyz["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReadinessOut")


# --- metrics -----------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_not_by_path(
    client: TestClient, as_admin: Headers
) -> None:
    before = requests_of(client, "/api/v1/leads/{lead_id}", "404")
    for lead_id in (990001, 990002, 990003):
        assert client.get(f"/api/v1/leads/{lead_id}", headers=as_admin).status_code == 404
    text = client.get("/metrics").text
    after = metric(text, "opportune_http_requests_total", method="GET",
                   route="/api/v1/leads/{lead_id}", status="404")  # fmt: skip
    assert after == before + 3
    assert "/leads/990001" not in text
    duration = metric(text, "opportune_http_request_duration_seconds_count", method="GET",
                      route="/api/v1/leads/{lead_id}")  # fmt: skip
    assert duration is not None
    assert duration >= 3


def test_static_files_and_unknown_paths_get_one_label_each(client: TestClient) -> None:
    static, unmatched = requests_of(client, "/static"), requests_of(client, "<unmatched>", "404")
    client.get("/static/app.css")
    client.get("/static/app.js")
    client.get("/no/such/page/7")
    assert requests_of(client, "/static") == static + 2
    assert requests_of(client, "<unmatched>", "404") == unmatched + 1


def test_metrics_show_the_database_pool(client: TestClient) -> None:
    text = client.get("/metrics").text
    assert "# TYPE opportune_db_pool_connections gauge" in text
    idle = metric(text, "opportune_db_pool_connections", state="idle")
    checked_out = metric(text, "opportune_db_pool_connections", state="checked_out")
    assert idle is not None
    assert checked_out is not None
    assert idle >= 0


class FakeJobs:
    """A job queue that counts what it is told to."""

    def __init__(self, counts: dict[str, int] | None) -> None:
        self._counts = counts

    def counts(self) -> dict[str, int]:
        """The queue by state, or a database error when there are no counts."""
        if self._counts is None:
            raise OperationalError("SELECT ...", {}, Exception("the database went away"))
        return self._counts


def test_metrics_show_the_job_queue_depth_by_state(
    client: TestClient, core: Opportune, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "jobs", FakeJobs({"queued": 4, "running": 1}), raising=False)
    text = client.get("/metrics").text
    assert metric(text, "opportune_job_queue_depth", state="queued") == 4
    assert metric(text, "opportune_job_queue_depth", state="running") == 1


def test_metrics_still_answer_when_the_job_queue_cannot_be_read(
    client: TestClient, core: Opportune, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    monkeypatch.setattr(core, "jobs", FakeJobs(None), raising=False)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "opportune_job_queue_depth" not in response.text
    assert "opportune_db_pool_connections" in response.text
    assert "Could not count the job queue" in caplog.text


def test_metrics_without_a_job_queue_leave_the_queue_out(
    client: TestClient, core: Opportune, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core, "jobs", None, raising=False)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "opportune_job_queue_depth" not in response.text


def test_a_metrics_token_is_required_when_one_is_set(
    sqlite_url: str, tmp_path: Path, unserved_client: UnservedClient
) -> None:
    settings = make_settings(sqlite_url, tmp_path).model_copy(update={"metrics_token": "m3trics"})
    client = unserved_client(settings)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic m3trics"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["code"] == "INVALID_SESSION_ID"
    response = client.get("/metrics", headers={"Authorization": "Bearer m3trics"})
    assert response.status_code == 200
    assert "opportune_http_requests_total" in response.text
    assert client.get("/healthz").status_code == 200  # only /metrics asks for it


def test_metrics_speak_openmetrics_to_a_scraper_that_asks(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


# --- request ids and logs ----------------------------------------------------------------


def test_a_well_formed_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2_x"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.2_x"


def test_a_request_id_is_made_when_none_or_a_malformed_one_is_sent(client: TestClient) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert int(made, 16) >= 0
    for bad in ("has space", "x" * 129, "semi;colon", "slash/no"):
        sent = client.get("/api/v1/me", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert sent != bad
        assert len(sent) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made


def test_each_request_is_logged_as_json_with_its_request_id(
    client: TestClient, log_lines: io.StringIO, as_admin: Headers
) -> None:
    client.get("/api/v1/leads/990001?token=secret-in-query", headers={
        **as_admin, "X-Request-ID": "trace-42", "Cookie": "opportune_session=cookie-value",
    })  # fmt: skip
    (line,) = [entry for entry in parsed(log_lines) if entry.get("request_id") == "trace-42"]
    assert line["logger"] == "opportune.access"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/leads/{lead_id}"
    assert line["path"] == "/api/v1/leads/990001"
    assert line["status"] == 404
    assert line["duration_ms"] >= 0
    assert line["client_ip"] == "testclient"
    assert "timestamp" in line
    text = log_lines.getvalue()
    assert "secret-in-query" not in text
    assert "cookie-value" not in text
    assert as_admin["Authorization"].split()[1] not in text


def test_a_web_session_request_is_logged_with_its_user_id(
    client: TestClient, log_lines: io.StringIO, rep: User
) -> None:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    form = {"email": rep.email, "password": PASSWORD, "csrf_token": csrf.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    client.get("/leads", headers={"X-Request-ID": "web-1"})
    (line,) = [e for e in parsed(log_lines) if e.get("request_id") == "web-1"]
    assert line["user_id"] == rep.id
    assert line["route"] == "/leads"


def test_probes_and_scrapes_are_logged_only_at_debug_level(
    client: TestClient, log_lines: io.StringIO
) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        client.get(path, headers={"X-Request-ID": "probe-1"})
    assert [e for e in parsed(log_lines) if e.get("request_id") == "probe-1"] == []
    logging.getLogger("opportune.access").setLevel(logging.DEBUG)  # log_lines restores it
    client.get("/healthz", headers={"X-Request-ID": "probe-2"})
    (line,) = [e for e in parsed(log_lines) if e.get("request_id") == "probe-2"]
    assert line["level"] == "DEBUG"


def test_an_unexpected_error_is_logged_with_the_request_id_it_answers_with(
    core: Opportune, log_lines: io.StringIO
) -> None:
    app = create_app(core=core)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/test-boom", boom)
    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/test-boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    entries = [e for e in parsed(log_lines) if e.get("request_id") == request_id]
    assert {e["logger"] for e in entries} == {"opportune.api.errors", "opportune.access"}
    error = next(e for e in entries if e["logger"] == "opportune.api.errors")
    assert error["level"] == "ERROR"
    assert "RuntimeError: a bug" in error["exc_info"]
    access = next(e for e in entries if e["logger"] == "opportune.access")
    assert access["status"] == 500
    assert access["route"] == "/api/v1/test-boom"
