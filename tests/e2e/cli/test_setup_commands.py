"""``opportune db``, ``serve``, the console script, and errors before any data exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from opportune import Opportune
from opportune.db import migrate
from opportune.db.engine import make_engine
from opportune.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo
from tests.e2e.cli.conftest import Run, invoke, one_error_line


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_schema_in_an_empty_database(empty_database_url: str) -> None:
    result = invoke(empty_database_url, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(empty_database_url)
    head = migrate.head_revision(engine)
    assert migrate.current_revision(engine) == head
    engine.dispose()
    assert f"upgraded from empty to revision {head}" in " ".join(result.stdout.split())
    assert {"users", "leads", "lead_statuses"} <= _tables(empty_database_url)
    again = invoke(empty_database_url, ["db", "upgrade"])
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_db_current_tells_whether_an_upgrade_is_needed(empty_database_url: str) -> None:
    before = invoke(empty_database_url, ["db", "current"])
    assert before.exit_code == 0 and "run `opportune db upgrade`" in before.stdout
    invoke(empty_database_url, ["db", "upgrade"])
    after = invoke(empty_database_url, ["db", "current"])
    assert "(up to date)" in after.stdout


@pytest.mark.parametrize(
    "args", [["lead", "list"], ["user", "list"], ["lead", "show", "1"], ["serve"]]
)
def test_commands_on_an_unmigrated_database_say_to_run_db_upgrade(
    empty_database_url: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opportune.cli.system.uvicorn.run", _fail_if_called)
    line = one_error_line(invoke(empty_database_url, args), 1)
    assert "run `opportune db upgrade`" in line
    assert _tables(empty_database_url) == set()


def _fail_if_called(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the server must not start")


def test_serve_prints_the_url_and_runs_uvicorn_on_the_app_factory(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("opportune.cli.system.uvicorn.run", lambda *a, **k: calls.append(k))
    result = run("serve")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000" in result.stdout
    assert "Demo login" not in result.stdout
    run("serve", "--host", "192.0.2.1", "--port", "9000", "--reload")
    # log_config and access_log (the application's logging) and the worker health check
    # are tested in test_serve_workers.
    tested_there = ("log_config", "access_log", "timeout_worker_healthcheck")
    called = [{k: v for k, v in call.items() if k not in tested_there} for call in calls]
    assert called == [
        {"factory": True, "host": "127.0.0.1", "port": 8000, "reload": False, "workers": 1},
        {"factory": True, "host": "192.0.2.1", "port": 9000, "reload": True, "workers": 1},
    ]


def test_serve_prints_the_demo_login_when_the_demo_admin_exists(
    run: Run, core: Opportune, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(core, leads=0, accounts=0)
    monkeypatch.setattr("opportune.cli.system.uvicorn.run", lambda *a, **k: None)
    result = run("serve")
    assert f"Demo login: {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}" in result.stdout


def test_a_database_that_cannot_be_reached_is_one_line_not_a_traceback() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    line = one_error_line(invoke(url, ["db", "upgrade"]), 1)
    assert line.startswith("Error: Database error:")


def test_invalid_settings_are_one_line_naming_the_variable(sqlite_url: str) -> None:
    result = invoke(sqlite_url, ["lead", "list"], env={"OPPORTUNE_PAGE_SIZE_DEFAULT": "lots"})
    assert "OPPORTUNE_PAGE_SIZE_DEFAULT" in one_error_line(result, 1)
    result = invoke(sqlite_url, ["lead", "list"], env={"OPPORTUNE_ENV": "prod"})
    assert "OPPORTUNE_SECRET_KEY must be set" in one_error_line(result, 1)


def test_an_unknown_option_is_a_usage_error(sqlite_url: str) -> None:
    result = invoke(sqlite_url, ["lead", "list", "--colour", "red"])
    assert result.exit_code == 2
    assert "--colour" in result.output


def test_version_prints_the_package_version(sqlite_url: str) -> None:
    from opportune import __version__

    result = invoke(sqlite_url, ["--version"])
    assert result.stdout.strip() == f"opportune {__version__}"


def test_the_installed_console_script_shows_help() -> None:
    script = Path(sys.executable).parent / "opportune"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for command in ("serve", "demo", "db", "user", "token", "lead"):
        assert command in result.stdout


def test_the_console_script_reports_errors_in_one_line(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "opportune"
    env = {"PATH": "/usr/bin:/bin", "OPPORTUNE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run(
        [str(script), "lead", "list"], capture_output=True, text=True, timeout=60,
        check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: The database sqlite:///{tmp_path / 'x.db'} is not set up: "
        "run `opportune db upgrade`"
    ]
