"""``opportune demo``: three users and several hundred realistic leads, loaded once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opportune import LeadFilters, Opportune, User
from opportune.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from tests.conftest import make_settings
from tests.e2e.cli.conftest import Run, invoke, one_error_line


def all_leads(core: Opportune, actor: User) -> list[dict[str, Any]]:
    """Every lead as a record (the demo loads fewer than one maximal page)."""
    result = core.leads.list(actor, LeadFilters(limit=500, include_converted=True))
    assert result.page.next_cursor is None
    return [result.lookups.record(lead) for lead in result.page.items]


@pytest.fixture
def loaded(run: Run, core: Opportune) -> list[dict[str, Any]]:
    """The demo data loaded through the CLI, as lead records."""
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "Loaded 400 demo leads and 3 users" in result.stdout
    assert "admin@example.com" in result.stdout and DEMO_PASSWORD in result.stdout
    return all_leads(core, core.users.get_by_email("admin@example.com"))


def test_demo_creates_an_admin_a_manager_and_a_rep_who_can_sign_in(
    loaded: list[dict[str, Any]], core: Opportune
) -> None:
    users = core.users.list()
    assert sorted(u.role.value for u in users) == ["admin", "manager", "rep"]
    for _, email, role in DEMO_USERS:
        assert core.auth.authenticate(email, DEMO_PASSWORD).role is role


def test_demo_leads_cover_every_source_and_non_converted_status(
    loaded: list[dict[str, Any]], core: Opportune
) -> None:
    picklists = core.picklists.lead_picklists()
    assert len(loaded) == 400
    assert {r["lead_source"] for r in loaded} == {s.label for s in picklists.sources}
    statuses = {s.label for s in picklists.statuses if not s.is_converted}
    assert {r["status"] for r in loaded} == statuses
    closed = [r for r in loaded if r["status"] == "Closed - Not Converted"]
    assert closed and all(r["close_reason"] for r in closed)
    assert not any(r["is_converted"] for r in loaded)


def test_demo_leads_are_spread_over_owners_ratings_places_and_half_a_year(
    loaded: list[dict[str, Any]],
) -> None:
    owners = Counter(r["owner_name"] for r in loaded)
    assert len(owners) == 3 and min(owners.values()) > 40
    assert {r["rating"] for r in loaded} == {"Hot", "Warm", "Cold", None}
    assert len({r["industry"] for r in loaded}) > 20
    assert len({r["country"] for r in loaded}) > 10 and len({r["city"] for r in loaded}) > 20
    assert len({r["company"] for r in loaded}) > 300
    created = [r["created_at"] for r in loaded]
    now = datetime.now(UTC)
    assert min(created) < now - timedelta(days=150)
    assert max(created) > now - timedelta(days=7)
    assert max(created) <= now
    assert len({c.date() for c in created}) > 100


def test_demo_leads_look_like_people_at_companies(loaded: list[dict[str, Any]]) -> None:
    with_email = [r for r in loaded if r["email"]]
    assert len(with_email) > 300
    for record in with_email:
        local, domain = record["email"].split("@")
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+", local), record["email"]
        assert record["website"] in (None, f"https://www.{domain}")
    assert all(r["first_name"] and r["title"] for r in loaded)
    assert sum(1 for r in loaded if r["phone"]) > 300


def test_some_demo_leads_were_assigned_by_the_admin_and_are_unread(
    loaded: list[dict[str, Any]], core: Opportune
) -> None:
    admin = core.users.get_by_email("admin@example.com")
    unread = [r for r in loaded if r["is_unread_by_owner"]]
    assert 5 <= len(unread) < 100
    assert all(r["created_by_id"] == admin.id != r["owner_id"] for r in unread)
    assert all(r["status"] == "Open - Not Contacted" for r in unread)


def test_demo_if_empty_does_nothing_the_second_time(
    loaded: list[dict[str, Any]], run: Run, core: Opportune
) -> None:
    result = run("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.stdout
    assert "Demo login: admin@example.com / demo-password" in result.stdout
    assert core.users.count() == 3
    assert len(all_leads(core, core.users.get_by_email("admin@example.com"))) == 400


def test_demo_refuses_a_database_that_already_has_users(
    run: Run, core: Opportune, admin: User
) -> None:
    assert "already has users" in one_error_line(run("demo"), 5)
    assert core.users.count() == 1
    assert all_leads(core, admin) == []


def test_demo_migrates_an_empty_database_and_takes_a_lead_count(
    empty_database_url: str, tmp_path: Path
) -> None:
    result = invoke(empty_database_url, ["demo", "--if-empty", "--leads", "25"])
    assert result.exit_code == 0, result.output
    core = Opportune(make_settings(empty_database_url, tmp_path))
    try:
        assert len(all_leads(core, core.users.get_by_email("admin@example.com"))) == 25
    finally:
        core.close()


def test_the_demo_data_is_the_same_for_the_same_seed_and_day(
    sqlite_template: Path, tmp_path: Path
) -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    runs = []
    for name in ("one", "two"):
        core = Opportune(make_settings(f"sqlite:///{tmp_path / name}.db", tmp_path))
        core.migrate()
        result = load_demo(core, leads=60, now=now)
        runs.append(all_leads(core, result.users[0]))
        core.close()
    assert runs[0] == runs[1]
