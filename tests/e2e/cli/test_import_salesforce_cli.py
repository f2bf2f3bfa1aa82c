"""``opportune import-salesforce DIR``: a Salesforce export from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

from tests import salesforce_export as ex
from tests.e2e.cli.conftest import Run, ok_json, one_error_line
from tests.salesforce_export import write_export


def setup(run: Run) -> None:
    result = run("user", "create", "--name", "Ada Admin", "--email", "ada.admin@example.com",
                 "--role", "admin", "--password", "correct-horse-1")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_the_import_prints_a_table_per_object_and_exits_1_when_a_row_failed(
    run: Run, tmp_path: Path
) -> None:
    setup(run)
    export = write_export(tmp_path / "export")

    result = run("import-salesforce", str(export))

    assert result.exit_code == 1, result.output
    out = " ".join(result.stdout.split())
    assert "Object Read Created Updated Skipped Failed" in out
    assert "Contact 3 2 0 0 1" in out and "Task 3 3 0 0 0" in out
    assert "Account.csv: ignored columns: Custom_Score__c" in out
    assert "Trade Show added as a new lead source" in out
    assert "sam.seller@example.com" in out and "Salesforce_Id__c" in out
    assert "Contact.csv 4 " + ex.sf(ex.BAD_CONTACT) + " LastName: Is required" in out
    with (export / "import-salesforce-errors.csv").open(encoding="utf-8-sig") as file:
        assert [r["line"] for r in csv.DictReader(file)] == ["4"]


def test_a_second_run_creates_nothing_and_json_gives_the_counts(run: Run, tmp_path: Path) -> None:
    setup(run)
    export = write_export(tmp_path / "export")
    assert run("import-salesforce", str(export)).exit_code == 1
    rows = [r for r in ex.CONTACTS if r[0] != ex.sf(ex.BAD_CONTACT)]
    with (export / "Contact.csv").open("w", newline="", encoding="utf-8-sig") as file:
        csv.writer(file).writerows(rows)

    report = ok_json(run("import-salesforce", str(export), "--json"))

    assert report["ok"] and report["errors_file"] is None
    assert {name: c["created"] for name, c in report["counts"].items()} == {
        "User": 0, "Account": 0, "Contact": 0, "Opportunity": 0, "Lead": 0, "Task": 0,
    }  # fmt: skip
    assert report["counts"]["Account"]["skipped"] == 4
    leads = ok_json(run("lead", "list", "--json", "--include-converted"))
    assert len(leads["items"]) == 2


def test_an_unknown_default_owner_is_refused(run: Run, tmp_path: Path) -> None:
    setup(run)
    export = write_export(tmp_path / "export")

    result = run("import-salesforce", str(export), "--default-owner", "nobody@example.com")

    assert "nobody@example.com" in one_error_line(result, 3)


def test_a_missing_directory_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("import-salesforce", str(tmp_path / "nowhere"))

    assert result.exit_code == 2
