"""``lead list``, ``opportunity list`` and ``export`` with the filters report click-throughs use.

Records: ``tests/drill_records.py``. The command runs on the real clock, so the leads are
dated back from today, and the untouched tests use 40 days, whose cutoff (the start of
today - 40) is far from every lead's last touch: Closed (today - 64) is the only open
lead not touched since; Won (today - 69) the only converted one.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opportune import Opportune, User
from tests.drill_records import lead_set, opportunity_set
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


@pytest.fixture(autouse=True)
def acting_admin(admin: User) -> User:
    """The administrator commands act as (without ``--user``)."""
    return admin


@pytest.fixture
def leads(core: Opportune, manager: User) -> dict[str, int]:
    return lead_set(core, manager, datetime.now(UTC).date())


@pytest.fixture
def deals(core: Opportune, manager: User) -> dict[str, int]:
    return opportunity_set(core, manager)


def listed(run: Run, noun: str, *args: str) -> dict[str, Any]:
    body: dict[str, Any] = ok_json(run(noun, "list", *args, "--json", "--total"))
    return body


def lead_names(run: Run, *args: str) -> set[str]:
    return {r["last_name"] for r in listed(run, "lead", *args)["items"]}


def deal_names(run: Run, *args: str) -> set[str]:
    return {r["name"] for r in listed(run, "opportunity", *args)["items"]}


def exported(run: Run, *args: str) -> set[str]:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    rows = csv.DictReader(io.StringIO(result.stdout, newline=""))
    return {row.get("last_name") or row["name"] for row in rows}


def test_lead_list_takes_converted_only_and_untouched_days(run: Run, leads: dict[str, int]) -> None:
    assert lead_names(run, "--converted-only") == {"Won", "Recent"}
    assert lead_names(run, "--untouched-days", "40") == {"Closed"}
    assert lead_names(run, "--untouched-days", "40", "--include-converted") == {"Closed", "Won"}
    both = listed(run, "lead", "--converted-only", "--untouched-days", "40")
    assert [r["last_name"] for r in both["items"]] == ["Won"] and both["total"] == 1


def test_the_lead_table_lists_the_drilled_leads_with_their_count(
    run: Run, leads: dict[str, int]
) -> None:
    result = run("lead", "list", "--converted-only", "--total")
    assert result.exit_code == 0, result.output
    assert "Won Ltd" in result.stdout and "Recent Ltd" in result.stdout
    assert "Stale Ltd" not in result.stdout and "Gone Ltd" not in result.stdout
    assert "2 leads of 2" in result.stdout


@pytest.mark.parametrize(
    ("value", "expected"),
    [("thirty", "untouched_days: Must be a number"),
     ("2.5", "untouched_days: Must be a whole number"),
     ("0", "untouched_days: Must be a whole number of days between 1 and 36500"),
     ("36501", "untouched_days: Must be a whole number of days between 1 and 36500")],
)  # fmt: skip
def test_a_bad_untouched_days_is_one_error_line_naming_it(
    run: Run, tmp_path: Path, value: str, expected: str
) -> None:
    assert expected in one_error_line(run("lead", "list", "--untouched-days", value), 2)
    target = tmp_path / "leads.csv"
    line = one_error_line(run("export", "leads", "--untouched-days", value, "-o", str(target)), 2)
    assert expected in line and not target.exists()


def test_opportunity_list_takes_every_drill_filter(run: Run, deals: dict[str, int]) -> None:
    assert deal_names(run, "--lead-source", "web") == {"Alpha", "Charlie", "Delta"}
    assert deal_names(run, "--forecast-category", "commit") == {"Bravo"}
    assert deal_names(run, "--forecast-category", "Best Case,Omitted") == {
        "Charlie", "Delta", "Echo",
    }  # fmt: skip
    assert deal_names(run, "--lost-reason", "Price", "--lost-reason", "Competitor") == {
        "Delta", "Echo",
    }  # fmt: skip
    february = ("--created-from", "2026-02-01", "--created-to", "2026-02-28")
    assert deal_names(run, *february) == {"Charlie", "Delta", "Foxtrot"}
    assert deal_names(run, "--stage-entered-to", "2026-02-28") == {"Alpha", "Bravo"}


def test_opportunity_drill_filters_combine_and_are_counted(run: Run, deals: dict[str, int]) -> None:
    # Open Web deals in their stage since 03-05 or earlier: Alpha (01-10), Charlie (03-01).
    body = listed(run, "opportunity", "--lead-source", "Web", "--state", "open",
                  "--stage-entered-to", "2026-03-05", "--sort", "name")  # fmt: skip
    assert [r["name"] for r in body["items"]] == ["Alpha", "Charlie"] and body["total"] == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["--lead-source", "Pigeon"], "lead_source: Unknown lead_source 'Pigeon'"),
     (["--forecast-category", "Maybe"], "forecast_category: Unknown forecast_category 'Maybe'"),
     (["--lost-reason", "Boredom"], "lost_reason: Unknown lost_reason 'Boredom'"),
     (["--created-from", "2026-03-01", "--created-to", "2026-02-01"],
      "created_to: Must not be before created_from"),
     (["--stage-entered-to", "2026-02-30"], "stage_entered_to:"),
     (["--created-from", "yesterday"], "created_from:")],
)  # fmt: skip
def test_a_bad_opportunity_drill_filter_is_one_error_line_naming_it(
    run: Run, deals: dict[str, int], args: list[str], expected: str
) -> None:
    assert expected in one_error_line(run("opportunity", "list", *args), 2)
    assert expected in one_error_line(run("export", "opportunities", *args), 2)


def test_exports_take_the_same_drill_filters(
    run: Run, leads: dict[str, int], deals: dict[str, int]
) -> None:
    assert exported(run, "leads", "--converted-only") == {"Won", "Recent"}
    assert exported(run, "leads", "--untouched-days", "40", "--include-converted") == {
        "Closed", "Won",
    }  # fmt: skip
    assert exported(run, "opportunities", "--lead-source", "Web", "--lost-reason", "Price",
                    "--forecast-category", "Omitted", "--created-from", "2026-02-01",
                    "--stage-entered-to", "2026-03-05") == {"Delta"}  # fmt: skip
