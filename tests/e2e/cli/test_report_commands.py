"""``opportune report`` on every database engine: the list, a table, CSV and JSON, errors.

As in the API tests, the report itself is a stand-in (``fake_report``): these tests are
about the command, the numbers are the library's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from typer.testing import Result

from opportune import Opportune, User
from opportune.domain.reports.catalog import REPORTS
from opportune.domain.reports.model import ChartSpec, ReportColumn, ReportResult
from opportune.domain.reports.model import ReportRequest as Request
from opportune.services.reports.runners import RUNNERS
from tests.e2e.api.test_reports_api import FAKE, FAKE_CSV, fake_runner
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def stdout_text(result: Result) -> str:
    """What the command wrote, line ends untouched (``Result.stdout`` turns CRLF into LF)."""
    return result.stdout_bytes.decode("utf-8")


@pytest.fixture
def fake_report() -> Iterator[str]:
    """Run the API tests' stand-in for the ``lead-conversion`` report during the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(RUNNERS, FAKE, fake_runner)
        yield FAKE


def test_report_without_a_name_lists_every_report_with_its_date_and_options(
    run: Run, admin: User
) -> None:
    result = run("report")
    assert result.exit_code == 0, result.output
    for name in REPORTS:
        assert name in result.stdout
    win_rate = next(line for line in result.stdout.splitlines() if "win-rate" in line)
    assert "Win rate" in win_rate and "close date" in win_rate
    assert "--by owner|source|period" in win_rate
    aging = next(line for line in result.stdout.splitlines() if "lead-aging" in line)
    assert "--days (Untouched for (days), default 30)" in aging


def test_the_list_as_json_is_the_catalog_of_the_api(run: Run, admin: User) -> None:
    listed = ok_json(run("report", "--format", "json"))
    assert listed == [
        {**dataclasses.asdict(d), "groupings": list(d.groupings)} for d in REPORTS.values()
    ]
    assert listed[0]["name"] == "lead-funnel"


def test_json_is_the_library_result_with_me_as_the_acting_user(
    run: Run, core: Opportune, admin: User, rep: User, fake_report: str
) -> None:
    result = run("--user", rep.email, "report", fake_report, "--owner", "me", "--by", "owner",
                 "--format", "json")  # fmt: skip
    printed = ok_json(result)
    assert (
        printed == core.reports.run(rep, fake_report, Request(owner=["me"], by="owner")).as_dict()
    )
    assert printed["filters"]["owner"] == [rep.id]
    assert printed["rows"][1]["values"]["group"] == "by owner"  # the grouping reached it


def test_csv_is_the_same_text_as_the_api_download(run: Run, admin: User, fake_report: str) -> None:
    result = run("report", fake_report, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert stdout_text(result) == FAKE_CSV


def test_the_table_reads_like_a_person_writes_numbers(
    run: Run, admin: User, fake_report: str
) -> None:
    result = run("report", fake_report, "--from", "2026-01-01", "--source", "Web")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "Lead conversion rate"
    web = next(line for line in lines if "Web, direct" in line)
    assert web.split()[-3:] == ["1,234", "12.5%", "1,234.50"]
    echo = next(line for line in lines if line.strip().startswith("by source"))
    assert echo.split()[-3:] == ["0", "—", "0.00"]
    total = next(line for line in lines if line.strip().startswith("Total"))
    assert total.split() == ["Total", "1,234", "12.5%", "1,234.50"]
    assert "Lead created: 2026-01-01 to …" in result.stdout
    assert "lead source: Web" in result.stdout


def test_sources_and_owners_repeat_or_take_commas(
    run: Run, admin: User, rep: User, fake_report: str
) -> None:
    printed = ok_json(run(
        "report", fake_report, "--source", "Web", "--lead-source", "Partner Referral,Other",
        "--owner", f"{rep.email},me", "--format", "json",
    ))  # fmt: skip
    assert printed["filters"]["lead_source"] == ["Web", "Partner Referral", "Other"]
    assert printed["filters"]["owner"] == [rep.id, admin.id]


def test_a_report_without_rows_still_prints_its_columns(
    run: Run, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = ReportResult(
        name="x", title="x", description="", filters={},
        columns=(ReportColumn("reason", "Lost reason", "text"),
                 ReportColumn("count", "Opportunities", "count")),
        rows=(), chart=ChartSpec("bar", "reason", ("count",)),
    )  # fmt: skip
    monkeypatch.setitem(RUNNERS, "lost-reasons", lambda *_: empty)
    result = run("report", "lost-reasons")
    assert result.exit_code == 0, result.output
    assert "Lost reason" in result.stdout and "Opportunities" in result.stdout
    assert "No records match these filters." in result.stdout
    csv = run("report", "lost-reasons", "--format", "csv")
    assert stdout_text(csv) == "Lost reason,Opportunities\r\n"


def test_an_unknown_report_is_one_error_line_naming_the_reports(run: Run, admin: User) -> None:
    line = one_error_line(run("report", "revenue-magic"), 3)
    assert "revenue-magic" in line and "lead-funnel" in line and "source-to-revenue" in line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--from", "2026-13-01"], "date_from"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "date_to"),
        (["--days", "many"], "days"),
        (["--format", "xml"], "format"),
        (["--stage", "Prospecting"], "stage"),
        (["--by", "stage"], "by"),
        (["--source", "Nope"], "lead_source"),
        (["--owner", "nobody@example.com"], "owner"),
    ],
)
def test_a_bad_filter_is_one_error_line_naming_it(
    run: Run, admin: User, fake_report: str, args: list[str], field: str
) -> None:
    line = one_error_line(run("report", fake_report, *args), 2)
    assert f"Error: {field}: " in line
