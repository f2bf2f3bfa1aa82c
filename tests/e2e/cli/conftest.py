"""Running the ``opportune`` command in-process against a test database."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.main import get_command
from typer.testing import CliRunner, Result

from opportune.cli import app

# Typer turns the app into a click command by reading every command's signature and type
# hints, a sixth of a CLI test's time; ``opportune`` does that once per process, and so
# does the test runner here (its invoke() looks the function up in its own module).
typer.testing._get_command = functools.cache(get_command)  # type: ignore[attr-defined]

Run = Callable[..., Result]


def invoke(database_url: str, args: Sequence[str], **kwargs: Any) -> Result:
    """Run ``opportune ARGS`` on ``database_url`` with a wide, colourless terminal."""
    env = {"OPPORTUNE_DATABASE_URL": database_url, "COLUMNS": "200", "OPPORTUNE_USER": None,
           "OPPORTUNE_TOKEN": None}  # fmt: skip
    env.update(kwargs.pop("env", {}))
    return CliRunner().invoke(app, list(args), env=env, **kwargs)


@pytest.fixture
def run(database_url: str) -> Run:
    """Run the CLI on this test's database (SQLite and PostgreSQL)."""
    return lambda *args, **kwargs: invoke(database_url, args, **kwargs)


def ok_json(result: Result) -> Any:
    """The JSON a successful command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_error_line(result: Result, code: int) -> str:
    """The single ``Error: ...`` line a failed command printed on stderr."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout == ""
    return lines[0]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each engine that was never migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url
