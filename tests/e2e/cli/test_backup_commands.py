"""``opportune backup`` and ``opportune restore`` end to end, on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli.conftest import Run, invoke, ok_json, one_error_line


@pytest.fixture
def demo(run: Run) -> Run:
    """The test database with a little demo data in it."""
    result = run("demo", "--leads", "12", "--accounts", "2")
    assert result.exit_code == 0, result.output
    return run


def test_backup_then_restore_gives_the_same_records(
    demo: Run, empty_database_url: str, tmp_path: Path, database_url: str
) -> None:
    if database_url.split(":")[0] != empty_database_url.split(":")[0]:
        pytest.skip("a backup restores into the engine it was made on")
    file = tmp_path / "crm.backup"
    made = ok_json(demo("backup", str(file), "--json"))
    assert made["path"] == str(file.resolve()) and made["bytes"] == file.stat().st_size
    assert made["rows"] > 12 and made["tables"] >= 39

    restored = ok_json(invoke(empty_database_url, ["restore", str(file), "--json"]))
    assert (restored["rows"], restored["revision"]) == (made["rows"], made["revision"])
    leads = ["lead", "list", "--json", "--limit", "100"]
    assert ok_json(invoke(empty_database_url, leads)) == ok_json(demo(*leads))
    accounts = ["account", "list", "--json"]
    assert ok_json(invoke(empty_database_url, accounts)) == ok_json(demo(*accounts))


def test_backup_prints_a_summary_for_people(demo: Run, tmp_path: Path) -> None:
    result = demo("backup", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.stdout and "rows in" in result.stdout


def test_backup_refuses_an_existing_file_unless_forced(demo: Run, tmp_path: Path) -> None:
    file = tmp_path / "b"
    file.write_text("keep me")
    line = one_error_line(demo("backup", str(file)), 5)
    assert "already exists" in line and "--force" in line
    assert file.read_text() == "keep me"
    assert demo("backup", str(file), "--force").exit_code == 0


def test_restore_refuses_a_database_with_records(demo: Run, tmp_path: Path) -> None:
    file = tmp_path / "b"
    assert demo("backup", str(file)).exit_code == 0
    line = one_error_line(demo("restore", str(file)), 5)
    assert "not empty" in line


def test_restore_refuses_a_file_that_is_not_a_backup(
    empty_database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("shopping list\n" * 50)
    line = one_error_line(invoke(empty_database_url, ["restore", str(file)]), 2)
    assert line.startswith("Error: FILE: ") and "notes.txt" in line
    missing = one_error_line(invoke(empty_database_url, ["restore", str(tmp_path / "x")]), 2)
    assert "does not exist" in missing


def test_backup_by_a_rep_is_refused(demo: Run, tmp_path: Path) -> None:
    result = demo("--user", "rep@example.com", "backup", str(tmp_path / "b"))
    assert "administrator" in one_error_line(result, 4)
    assert not (tmp_path / "b").exists()
