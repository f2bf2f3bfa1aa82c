"""``opportune lead list``: the API's filters, sort and pagination, as a table or JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune import Opportune, User
from opportune.services.leads import LeadService
from tests.e2e.cli.conftest import Run, ok_json, one_error_line

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def leads(core: Opportune, admin: User, manager: User, rep: User) -> dict[str, int]:
    """Five leads of different statuses, sources, owners, ratings and creation days."""
    specs = [
        (admin, 40, {"last_name": "Old", "company": "Acme", "lead_source": "Web",
                     "rating": "Cold"}),
        (manager, 20, {"last_name": "Mid", "company": "Globex", "lead_source": "Phone Inquiry",
                       "status": "Working - Contacted", "rating": "Warm"}),
        (rep, 10, {"last_name": "Rep", "company": "Initech", "lead_source": "Web", "rating": "Hot",
                   "email": "pat@initech.example"}),
        (rep, 5, {"first_name": "Zoe", "last_name": "Closed", "company": "Umbrella",
                  "status": "Closed - Not Converted", "close_reason": "No need"}),
        (admin, 1, {"last_name": "New", "company": "Hooli", "owner_id": rep.id}),
    ]  # fmt: skip
    ids = {}
    for actor, days_ago, data in specs:
        clock = lambda d=days_ago: NOW - timedelta(days=d)  # noqa: E731
        ids[str(data["last_name"])] = LeadService(core.engine, clock).create(actor, data).id or 0
    return ids


def names(run: Run, *args: str) -> list[str]:
    """The last names a JSON list returns, in order."""
    return [r["last_name"] for r in ok_json(run("lead", "list", *args, "--json"))["items"]]


def test_list_json_has_items_cursor_and_total_as_the_library_records_them(
    run: Run, core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    data = ok_json(run("lead", "list", "--json", "--total"))
    assert set(data) == {"items", "next_cursor", "total"}
    assert data["total"] == 5 and data["next_cursor"] is None
    newest = data["items"][0]
    expected = core.leads.lookups().record(core.leads.get(admin, leads["New"], mark_read=False))
    assert newest["created_at"] == expected["created_at"].isoformat()
    assert {k: v for k, v in newest.items() if k not in {"created_at", "updated_at"}} == {
        k: v for k, v in expected.items() if k not in {"created_at", "updated_at"}
    }


def test_list_is_newest_first_by_default_and_sorts_on_request(
    run: Run, leads: dict[str, int]
) -> None:
    assert names(run) == ["New", "Closed", "Rep", "Mid", "Old"]
    assert names(run, "--sort", "company") == ["Old", "Mid", "New", "Rep", "Closed"]
    assert names(run, "--sort", "-company")[0] == "Closed"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--status", "Working - Contacted"], {"Mid"}),
        (["--status", "open - not contacted", "--status", "Closed - Not Converted"],
         {"Old", "Rep", "Closed", "New"}),
        (["--source", "Web"], {"Old", "Rep"}),
        (["--owner", "rae.rep@example.com"], {"Rep", "Closed", "New"}),
        (["--rating", "Hot", "--rating", "Warm"], {"Mid", "Rep"}),
        (["--created-from", "2026-02-20", "--created-to", "2026-03-05"], {"Mid", "Rep"}),
        (["-q", "initech"], {"Rep"}),
        (["--search", "zoe"], {"Closed"}),
        (["--unread"], {"New"}),
    ],
)  # fmt: skip
def test_list_filters_like_the_api(
    run: Run, leads: dict[str, int], args: list[str], expected: set[str]
) -> None:
    assert set(names(run, *args)) == expected


def test_owner_me_means_the_acting_user(run: Run, rep: User, leads: dict[str, int]) -> None:
    assert set(names(run, "--owner", "me")) == {"Old"}
    result = run("--user", rep.email, "lead", "list", "--owner", "me", "--json")
    assert {r["last_name"] for r in ok_json(result)["items"]} == {"Rep", "Closed", "New"}


def test_pages_follow_the_cursor_to_the_end(run: Run, leads: dict[str, int]) -> None:
    seen: list[str] = []
    cursor: list[str] = []
    for _ in range(3):
        page = ok_json(run("lead", "list", "--limit", "2", "--json", *cursor))
        seen += [r["last_name"] for r in page["items"]]
        cursor = ["--cursor", page["next_cursor"]] if page["next_cursor"] else []
    assert seen == ["New", "Closed", "Rep", "Mid", "Old"]
    assert cursor == []


def test_the_table_shows_the_columns_and_a_hint_for_the_next_page(
    run: Run, leads: dict[str, int]
) -> None:
    result = run("lead", "list", "--limit", "2", "--total")
    assert result.exit_code == 0, result.output
    for heading in ("ID", "Name", "Company", "Status", "Source", "Rating", "Owner", "Created"):
        assert heading in result.stdout
    assert "Hooli" in result.stdout and "Rae Rep" in result.stdout
    assert "2 leads of 5" in result.stdout
    assert "--cursor " in result.stdout


def test_bad_filters_are_named_in_one_line(run: Run, leads: dict[str, int]) -> None:
    result = run("lead", "list", "--status", "Lost", "--rating", "Tepid", "--sort", "colour")
    line = one_error_line(result, 2)
    assert "status: Unknown status 'Lost'" in line
    assert "rating:" in line and "sort:" in line
    assert "cursor:" in one_error_line(run("lead", "list", "--cursor", "garbage"), 2)
    assert "limit:" in one_error_line(run("lead", "list", "--limit", "0"), 2)


def test_a_malformed_date_is_a_usage_error_without_a_traceback(
    run: Run, leads: dict[str, int]
) -> None:
    result = run("lead", "list", "--created-from", "15/03/2026")
    assert result.exit_code == 2
    assert "--created-from" in result.output
    assert "Traceback" not in result.output
