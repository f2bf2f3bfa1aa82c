"""``opportune demo``: three users, several hundred realistic leads and a sales pipeline
(accounts, contacts, opportunities with history, contact roles, activities), loaded once."""

from __future__ import annotations

import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opportune import (
    AccountFilters,
    ContactFilters,
    LeadFilters,
    Opportune,
    OpportunityFilters,
    User,
)
from opportune.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from tests.conftest import ENGINES, _pg_execute, make_settings, pg_url_for
from tests.e2e.cli.conftest import Run, invoke, one_error_line


def all_leads(core: Opportune, actor: User) -> list[dict[str, Any]]:
    """Every lead as a record (the demo loads fewer than one maximal page)."""
    result = core.leads.list(actor, LeadFilters(limit=500, include_converted=True))
    assert result.page.next_cursor is None
    return [result.lookups.record(lead) for lead in result.page.items]


def all_opportunities(core: Opportune, actor: User) -> list[dict[str, Any]]:
    """Every opportunity as a record (the demo loads fewer than one maximal page)."""
    result = core.opportunities.list(actor, OpportunityFilters(limit=500))
    assert result.page.next_cursor is None
    return [result.lookups.record(opp) for opp in result.page.items]


# Loading the demo takes seconds, so it is loaded once per engine for the tests that only
# read it; the tests that need another database make their own.


@pytest.fixture(scope="module", params=ENGINES)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of each engine, shared by this module's reading tests."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"opp_demo_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield pg_url_for(name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def demo_output(demo_url: str) -> str:
    """What ``opportune demo`` printed when it loaded the shared database."""
    result = invoke(demo_url, ["demo"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo_core(
    demo_url: str, demo_output: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Opportune]:
    """The installation the demo was loaded into."""
    core = Opportune(make_settings(demo_url, tmp_path_factory.mktemp("demo-data")))
    yield core
    core.close()


@pytest.fixture(scope="module")
def loaded(demo_core: Opportune) -> list[dict[str, Any]]:
    """The demo leads, as records."""
    return all_leads(demo_core, demo_core.users.get_by_email("admin@example.com"))


def test_demo_says_what_it_loaded_and_prints_the_logins(demo_output: str) -> None:
    assert "Loaded 400 demo leads, 60 accounts, " in demo_output
    assert re.search(r"\d+ contacts, \d+ opportunities, \d+ tasks, calls and notes", demo_output)
    assert "and 3 users." in demo_output
    assert "admin@example.com" in demo_output and DEMO_PASSWORD in demo_output


def test_demo_creates_an_admin_a_manager_and_a_rep_who_can_sign_in(demo_core: Opportune) -> None:
    core = demo_core
    users = core.users.list()
    assert sorted(u.role.value for u in users) == ["admin", "manager", "rep"]
    for _, email, role in DEMO_USERS:
        assert core.auth.authenticate(email, DEMO_PASSWORD).role is role


def test_demo_leads_cover_every_source_and_non_converted_status(
    loaded: list[dict[str, Any]], demo_core: Opportune
) -> None:
    picklists = demo_core.picklists.lead_picklists()
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
    loaded: list[dict[str, Any]], demo_core: Opportune
) -> None:
    admin = demo_core.users.get_by_email("admin@example.com")
    unread = [r for r in loaded if r["is_unread_by_owner"]]
    assert 5 <= len(unread) < 100
    assert all(r["created_by_id"] == admin.id != r["owner_id"] for r in unread)
    assert all(r["status"] == "Open - Not Contacted" for r in unread)


def test_demo_if_empty_does_nothing_the_second_time(
    demo_url: str, demo_output: str, demo_core: Opportune
) -> None:
    result = invoke(demo_url, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.stdout
    assert "Demo login: admin@example.com / demo-password" in result.stdout
    assert demo_core.users.count() == 3
    admin = demo_core.users.get_by_email("admin@example.com")
    assert len(all_leads(demo_core, admin)) == 400
    loaded_opportunities = re.search(r"(\d+) opportunities", demo_output)
    assert loaded_opportunities
    assert len(all_opportunities(demo_core, admin)) == int(loaded_opportunities[1])


def test_demo_refuses_a_database_that_already_has_users(
    run: Run, core: Opportune, admin: User
) -> None:
    assert "already has users" in one_error_line(run("demo"), 5)
    assert core.users.count() == 1
    assert all_leads(core, admin) == []


def test_demo_migrates_an_empty_database_and_takes_lead_and_account_counts(
    empty_database_url: str, tmp_path: Path
) -> None:
    args = ["demo", "--if-empty", "--leads", "25", "--accounts", "4"]
    result = invoke(empty_database_url, args)
    assert result.exit_code == 0, result.output
    assert "Loaded 25 demo leads, 4 accounts, " in result.stdout
    core = Opportune(make_settings(empty_database_url, tmp_path))
    try:
        admin = core.users.get_by_email("admin@example.com")
        assert len(all_leads(core, admin)) == 25
        assert core.accounts.list(admin, AccountFilters(with_total=True)).total == 4
        accounts = {o["account_id"] for o in all_opportunities(core, admin)}
        assert len(accounts) == 4
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
        admin = load_demo(core, leads=60, accounts=12, now=now).users[0]
        opportunities = all_opportunities(core, admin)
        history = [core.opportunities.stage_history(admin, o["id"]) for o in opportunities]
        tasks = core.activities.my_tasks(admin, now.date())
        runs.append((all_leads(core, admin), opportunities, history, tasks))
        core.close()
    assert runs[0] == runs[1]


@pytest.mark.parametrize("hour", [0, 7, 8, 19])
def test_demo_loaded_at_any_hour_stamps_records_in_past_working_hours(
    sqlite_template: Path, tmp_path: Path, hour: int
) -> None:
    now = datetime(2026, 6, 1, hour, 0, 30, tzinfo=UTC)
    path = tmp_path / "night.db"
    shutil.copy(sqlite_template, path)
    core = Opportune(make_settings(f"sqlite:///{path}", tmp_path))
    admin = load_demo(core, leads=60, accounts=12, now=now).users[0]
    stamps = [lead["created_at"] for lead in all_leads(core, admin)]
    for opportunity in all_opportunities(core, admin):
        stamps += [s.changed_at for s in core.opportunities.stage_history(admin, opportunity["id"])]
    core.close()
    assert len(stamps) > 60
    assert all(8 <= s.hour < 18 for s in stamps)
    assert max(stamps) < now


# --- the sales pipeline ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(demo_core: Opportune) -> list[dict[str, Any]]:
    """The demo's opportunities, as records."""
    return all_opportunities(demo_core, demo_core.users.get_by_email("admin@example.com"))


def test_demo_has_accounts_with_contacts_and_opportunities_in_every_stage(
    pipeline: list[dict[str, Any]], demo_core: Opportune
) -> None:
    core = demo_core
    admin = core.users.get_by_email("admin@example.com")
    assert core.accounts.list(admin, AccountFilters(with_total=True)).total == 60
    contacts = core.contacts.list(admin, ContactFilters(limit=500)).items
    assert 100 <= len(contacts) <= 140
    assert all(c.account_id and c.email and c.title for c in contacts)
    assert 130 <= len(pipeline) <= 170
    stages = Counter(o["stage"] for o in pipeline)
    assert set(stages) == {s.label for s in core.pipeline.stages()}
    assert stages["Closed Won"] >= 10 and stages["Closed Lost"] >= 10
    lost = [o for o in pipeline if o["stage"] == "Closed Lost"]
    assert all(o["lost_reason"] and o["is_closed"] and not o["is_won"] for o in lost)
    assert len({o["lost_reason"] for o in lost}) > 3
    today = datetime.now(UTC).date()
    open_ones = [o for o in pipeline if not o["is_closed"]]
    assert all(o["close_date"] >= today for o in open_ones)
    assert all(o["close_date"] <= today for o in pipeline if o["is_closed"])
    assert len({o["owner_name"] for o in pipeline}) == 3


def test_demo_opportunities_moved_through_stages_over_months(
    pipeline: list[dict[str, Any]], demo_core: Opportune
) -> None:
    core = demo_core
    admin = core.users.get_by_email("admin@example.com")
    metrics = {o["id"]: core.opportunities.metrics(admin, o["id"]) for o in pipeline}
    histories = {o["id"]: core.opportunities.stage_history(admin, o["id"]) for o in pipeline}
    moved = [h for h in histories.values() if len({s.stage_id for s in h}) >= 3]
    assert len(moved) > 40
    assert all(
        [s.changed_at for s in h] == sorted(s.changed_at for s in h) for h in histories.values()
    )
    spans = [h[-1].changed_at - h[0].changed_at for h in moved]
    assert max(spans) > timedelta(days=60)
    assert sum(1 for m in metrics.values() if m.close_date_pushes) > 10
    closed = [o["id"] for o in pipeline if o["is_closed"]]
    assert all(metrics[i].days_to_close is not None for i in closed)
    assert max(metrics[i].days_to_close or 0 for i in closed) > 20
    assert all(8 <= s.changed_at.hour < 18 for h in histories.values() for s in h)


def test_demo_opportunities_have_contact_roles_and_activities(
    pipeline: list[dict[str, Any]], demo_core: Opportune
) -> None:
    core = demo_core
    admin = core.users.get_by_email("admin@example.com")
    with_roles = 0
    kinds: Counter[str] = Counter()
    for opp in pipeline:
        roles = core.opportunities.contact_roles(admin, opp["id"])
        with_roles += bool(roles)
        assert sum(r.is_primary for r in roles) == (1 if roles else 0)
        accounts = {core.contacts.get(admin, r.contact_id).account_id for r in roles}
        assert accounts <= {opp["account_id"]}
        page = core.activities.for_record(admin, opportunity_id=opp["id"], limit=100)
        kinds.update(f"{a.kind.value}:{a.status or ''}" for a in page.items)
    assert with_roles > len(pipeline) // 2
    assert kinds["call:"] > 50 and kinds["note:"] > 10
    assert kinds["task:Open"] > 30 and kinds["task:Completed"] > 10


def test_every_demo_user_has_open_tasks_some_of_them_overdue(demo_core: Opportune) -> None:
    for _, email, _ in DEMO_USERS:
        tasks = demo_core.activities.my_tasks(demo_core.users.get_by_email(email))
        assert len(tasks.open) >= 5, email
        assert 1 <= len(tasks.overdue) < len(tasks.open), email
        assert any(t.lead_id for t in tasks.open), email
