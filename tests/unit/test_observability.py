"""The pieces of observability that need no server: request ids, route templates, readiness
bodies, the metrics token, the pool gauge, the logging set-up and its settings."""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from opportune import Settings
from opportune.api.metrics import MULTIPROC_ENV, pool_gauge, prepare_multiprocess_dir
from opportune.api.observability import (
    UNMATCHED,
    bearer_matches,
    incoming_request_id,
    readiness_out,
    route_template,
)
from opportune.logging_setup import (
    RequestIdFilter,
    configure_logging,
    log_format,
    make_formatter,
    set_request_id,
    uvicorn_log_config,
)
from opportune.services.health import Readiness


class FakeRoute:
    """What the route template reads of a matched route."""

    def __init__(self, template: str, pattern: str) -> None:
        self.path_format = template
        self.path_regex = re.compile(pattern)


LEAD_ROUTE = FakeRoute("/leads/{lead_id}", r"^/leads/(?P<lead_id>[^/]+)$")


def test_an_included_route_is_named_with_the_prefix_it_was_included_under() -> None:
    scope = {"path": "/api/v1/leads/7", "root_path": "", "route": LEAD_ROUTE}
    assert route_template(scope, "") == "/api/v1/leads/{lead_id}"


def test_a_route_that_stores_its_whole_path_is_named_by_it() -> None:
    route = FakeRoute("/api/v1/leads/{lead_id}", r"^/api/v1/leads/(?P<lead_id>[^/]+)$")
    scope = {"path": "/api/v1/leads/7", "root_path": "", "route": route}
    assert route_template(scope, "") == "/api/v1/leads/{lead_id}"


def test_a_mounted_app_is_named_by_its_mount_path_and_nothing_matched_by_one_label() -> None:
    assert route_template({"path": "/static/a.css", "root_path": "/static"}, "") == "/static"
    assert route_template({"path": "/x/static/a.css", "root_path": "/x/static"}, "/x") == "/static"
    assert route_template({"path": "/wp-admin.php", "root_path": ""}, "") == UNMATCHED


@pytest.mark.parametrize("sent", ["abc", "A.b_c-9", "x" * 128])
def test_a_safe_request_id_is_taken(sent: str) -> None:
    assert incoming_request_id({"type": "http", "headers": [(b"x-request-id", sent.encode())]})


@pytest.mark.parametrize("sent", ["", "x" * 129, "a b", "a\nb", "<script>", "id;drop"])
def test_an_unsafe_request_id_is_ignored(sent: str) -> None:
    scope = {"type": "http", "headers": [(b"x-request-id", sent.encode())]}
    assert incoming_request_id(scope) is None


def test_the_metrics_token_is_checked_only_when_one_is_set() -> None:
    assert bearer_matches("", None)
    assert bearer_matches("t0k", "Bearer t0k")
    assert bearer_matches("t0k", "bearer t0k")
    assert not bearer_matches("t0k", None)
    assert not bearer_matches("t0k", "Bearer t0")
    assert not bearer_matches("t0k", "Basic t0k")


def test_readiness_names_the_revisions_when_the_schema_is_behind() -> None:
    body = readiness_out(Readiness("ok", "0012", "0013")).model_dump(by_alias=True)
    assert body == {"status": "not ready", "database": "ok", "schema": "at 0012, expected 0013"}
    ready = readiness_out(Readiness("ok", "0013", "0013")).model_dump(by_alias=True)
    assert ready == {"status": "ready", "database": "ok", "schema": "0013"}


class CountingPool:
    """The counters of SQLAlchemy's QueuePool."""

    def checkedout(self) -> int:
        return 2

    def checkedin(self) -> int:
        return 3

    def overflow(self) -> int:
        return -3  # fewer connections opened than the pool's size


def test_the_pool_gauge_reports_what_the_pool_counts() -> None:
    samples = {s.labels["state"]: s.value for s in pool_gauge(CountingPool()).samples}
    assert samples == {"checked_out": 2, "idle": 3, "overflow": 0}
    assert pool_gauge(object()).samples == []


@pytest.fixture
def no_multiproc_env() -> Iterator[None]:
    """PROMETHEUS_MULTIPROC_DIR unset during the test and as it was after it (a leaked value
    would send later tests' metrics to a directory that is gone)."""
    saved = os.environ.pop(MULTIPROC_ENV, None)
    yield
    os.environ.pop(MULTIPROC_ENV, None)
    if saved is not None:
        os.environ[MULTIPROC_ENV] = saved


@pytest.mark.usefixtures("no_multiproc_env")
def test_the_multiprocess_directory_starts_empty(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path)
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_123.db").write_bytes(b"old counts")
    path = prepare_multiprocess_dir(settings)
    assert path == tmp_path / "metrics"
    assert list(path.iterdir()) == []
    assert os.environ[MULTIPROC_ENV] == str(path.resolve())


def test_a_multiprocess_directory_set_by_the_operator_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "counter_1.db").write_bytes(b"x")
    monkeypatch.setenv(MULTIPROC_ENV, str(mine))
    assert prepare_multiprocess_dir(Settings(env="test", data_dir=tmp_path)) is None
    assert (mine / "counter_1.db").exists()
    assert not (tmp_path / "metrics").exists()


# --- logging -----------------------------------------------------------------------------


def test_logs_are_json_in_production_and_text_elsewhere_unless_set() -> None:
    prod = Settings(env="prod", secret_key="k" * 40)
    assert log_format(prod) == "json"
    assert log_format(Settings(env="dev")) == "text"
    assert log_format(Settings(env="prod", secret_key="k" * 40, log_format="text")) == "text"


def test_the_log_level_must_be_a_logging_level() -> None:
    assert Settings(log_level="warning").log_level == "WARNING"
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="LOUD")


def record(message: str, **extra: object) -> logging.LogRecord:
    """A log record as a logger makes it."""
    made = logging.LogRecord("opportune.test", logging.INFO, __file__, 1, message, (), None)
    made.__dict__.update(extra)
    return made


def test_the_filter_stamps_the_current_request_id_or_a_dash() -> None:
    stamp = RequestIdFilter()
    outside = record("outside")
    assert stamp.filter(outside)
    assert outside.__dict__["request_id"] == "-"
    set_request_id("req-1")
    try:
        inside = record("inside")
        stamp.filter(inside)
    finally:
        set_request_id(None)
    assert inside.__dict__["request_id"] == "req-1"


def test_a_json_line_has_the_time_level_logger_message_request_id_and_extras() -> None:
    line = record("GET /healthz 200", request_id="req-2", route="/healthz", color_message="x")
    parsed = json.loads(make_formatter("json").format(line))
    assert "color_message" not in parsed  # uvicorn's copy of the message for terminals
    assert parsed["level"] == "INFO"
    assert parsed["logger"] == "opportune.test"
    assert parsed["message"] == "GET /healthz 200"
    assert parsed["request_id"] == "req-2"
    assert parsed["route"] == "/healthz"
    assert parsed["timestamp"].endswith("+00:00")
    text = make_formatter("text").format(record("hello", request_id="req-3"))
    assert text.endswith("INFO opportune.test [req-3] hello")


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, with its handlers and level put back after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.NOTSET)


def test_configure_logging_twice_keeps_one_handler(
    root_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    settings = Settings(env="test", log_format="json", log_level="DEBUG")
    configure_logging(settings)
    configure_logging(settings)
    ours = [h for h in root_logger.handlers if h.get_name() == "opportune"]
    assert len(ours) == 1
    assert root_logger.level == logging.DEBUG
    logging.getLogger("opportune.test").debug("once")
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["once"]


def test_uvicorn_logs_through_our_formatter_and_its_access_log_is_off() -> None:
    config = uvicorn_log_config(Settings(env="test", log_format="json", log_level="info"))
    formatter = config["formatters"]["default"]
    assert formatter["()"](log_format=formatter["log_format"]).__class__.__name__ == (
        "JsonFormatter"
    )
    assert config["handlers"]["default"]["filters"] == ["request_id"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert config["loggers"]["uvicorn"]["level"] == "INFO"
    assert config["root"] == {"handlers": ["default"], "level": "INFO"}
    assert config["disable_existing_loggers"] is False


def test_a_metrics_token_header_with_other_characters_is_refused_not_an_error() -> None:
    assert not bearer_matches("t0k", "Bearer t\u00f6k")
