"""The recycle bin: a delete takes related records with it, a restore puts everything back
as it was, purges are for good, and only the deleter or an admin may act on an entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from opportune import (
    ConflictError,
    NotFoundError,
    Opportune,
    PermissionDeniedError,
    User,
    ValidationError,
)
from opportune.db import tables as t
from opportune.domain.audit import AuditAction
from opportune.domain.reports.model import ReportRequest
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityFilters
from tests.conftest import add_user, make_settings
from tests.snapshots import every_row

# What a delete and a restore add: the deletion log (kept on restore, as Salesforce's
# getDeleted does), the audit log, and the bin itself.
LOGS = ("deleted_records", "audit_log", "recycle_bin")


def live(core: Opportune) -> dict[str, list[dict[str, object]]]:
    """Every row of every table but the logs and the bin."""
    return every_row(core, but_tables=LOGS)


def count(core: Opportune, table: str) -> int:
    with core.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(t.metadata.tables[table])).scalar_one()
        )


def seed_account(core: Opportune, rep: User) -> dict[str, int]:
    """An account with a child account, two contacts, an opportunity with a contact role,
    history and activities on each, and a field change."""
    acme = core.accounts.create(rep, {"name": "Acme", "website": "acme.example"})
    child = core.accounts.create(rep, {"name": "Acme East", "parent_account_id": acme.id})
    ann = core.contacts.create(rep, {"last_name": "Adams", "email": "ann@acme.example",
                                     "account_id": acme.id})  # fmt: skip
    bob = core.contacts.create(rep, {"last_name": "Baker", "account_id": acme.id})
    deal = core.opportunities.create(
        rep, {"name": "Big deal", "account_id": acme.id, "close_date": "2027-01-31",
              "amount": "1234.50"},
    )  # fmt: skip
    assert acme.id and ann.id and deal.id and bob.id and child.id
    core.opportunities.add_contact_role(rep, deal.id, {"contact_id": ann.id, "is_primary": True})
    core.opportunities.update(rep, deal.id, {"amount": "2000"})
    core.accounts.update(rep, acme.id, {"phone": "555 0100"})
    for about in ({"account_id": acme.id}, {"contact_id": bob.id},
                  {"opportunity_id": deal.id}):  # fmt: skip
        core.activities.create(rep, {"kind": "task", "subject": "Follow up", **about})
    core.activities.create(rep, {"kind": "note", "title": "Met", "body": "ok",
                                 "account_id": acme.id})  # fmt: skip
    return {"account": acme.id, "child": child.id, "ann": ann.id, "deal": deal.id}


def test_an_account_goes_to_the_bin_with_everything_and_comes_back_identical(
    core: Opportune, rep: User
) -> None:
    ids = seed_account(core, rep)
    before = live(core)

    core.accounts.delete(rep, ids["account"])

    entry = core.recycle_bin.find(rep, "account", ids["account"])
    payload = core.recycle_bin.payload(rep, entry.id)
    assert {name: len(rows) for name, rows in payload.rows.items()} == {
        "accounts": 1, "contacts": 2, "opportunities": 1, "opportunity_history": 2,
        "opportunity_stage_periods": 1, "opportunity_contact_roles": 1, "activities": 4,
        "field_history": len(payload.rows["field_history"]),
    }  # fmt: skip
    assert len(payload.rows["field_history"]) >= 2
    assert (entry.name, entry.deleted_by_id, entry.related_count) == (
        "Acme", rep.id, sum(len(r) for r in payload.rows.values()) - 1,
    )  # fmt: skip
    assert payload.unlinked == [
        {"table": "accounts", "column": "parent_account_id", "id": ids["child"],
         "value": ids["account"]},
    ]  # fmt: skip
    assert (count(core, "contacts"), count(core, "opportunities"), count(core, "activities")) == (
        0, 0, 0,
    )  # fmt: skip
    assert core.accounts.get(rep, ids["child"]).parent_account_id is None

    core.recycle_bin.restore(rep, entry.id)

    assert live(core) == before
    assert count(core, "recycle_bin") == 0


def test_lists_reports_and_duplicate_checks_ignore_deleted_records(
    core: Opportune, rep: User
) -> None:
    ids = seed_account(core, rep)
    data = {"first_name": "Ann", "last_name": "Adams", "company": "Acme",
            "email": "ann@acme.example"}  # fmt: skip
    lead = core.leads.create(rep, data)
    twin = core.leads.create(rep, {**data, "company": "Acme Corp"})
    assert core.duplicates.possible_duplicates(rep, "lead", twin.id or 0)
    pipeline_before = core.reports.run(rep, "pipeline", ReportRequest()).as_dict()

    core.accounts.delete(rep, ids["account"])
    core.leads.delete(rep, lead.id or 0)

    assert core.duplicates.possible_duplicates(rep, "lead", twin.id or 0) == []
    assert core.opportunities.list(rep, OpportunityFilters()).page.items == []
    assert core.reports.run(rep, "pipeline", ReportRequest()).as_dict() != pipeline_before
    for kind, record_id in (("account", ids["account"]), ("lead", lead.id or 0)):
        core.recycle_bin.restore(rep, core.recycle_bin.find(rep, kind, record_id).id)
    assert core.reports.run(rep, "pipeline", ReportRequest()).as_dict() == pipeline_before
    assert core.duplicates.possible_duplicates(rep, "lead", twin.id or 0)


def test_a_lead_is_restored_with_its_activities_history_and_search_entry(
    core: Opportune, rep: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Quigley", "company": "Zebra Works",
                                   "annual_revenue": "1500000.25"})  # fmt: skip
    lead_id = lead.id or 0
    core.leads.update(rep, lead_id, {"title": "CTO"})
    core.activities.create(rep, {"kind": "call", "subject": "Intro", "lead_id": lead_id,
                                 "occurred_at": "2026-11-01T10:00:00Z"})  # fmt: skip
    before = live(core)

    core.leads.delete(rep, lead_id)
    assert core.leads.list(rep, LeadFilters(q="Zebra")).page.items == []
    with pytest.raises(NotFoundError):
        core.leads.get(rep, lead_id)

    core.recycle_bin.restore(rep, core.recycle_bin.find(rep, "lead", lead_id).id)

    assert live(core) == before
    assert core.leads.get(rep, lead_id).annual_revenue == Decimal("1500000.25")
    assert [x.id for x in core.leads.list(rep, LeadFilters(q="Zebra")).page.items] == [lead_id]


def test_every_deleted_record_is_logged_and_audited_and_the_log_stays_after_restore(
    core: Opportune, rep: User
) -> None:
    ids = seed_account(core, rep)
    core.accounts.delete(rep, ids["account"])
    entry = core.recycle_bin.find(rep, "account", ids["account"])
    core.recycle_bin.restore(rep, entry.id)
    with core.engine.connect() as conn:
        logged = conn.execute(select(t.deleted_records.c.object_type)).scalars().all()
        actions = conn.execute(select(t.audit_log.c.action, t.audit_log.c.object_id)).all()
    assert sorted(logged) == sorted(["account", "contact", "contact", "opportunity",
                                     "task", "task", "task", "note"])  # fmt: skip
    assert (str(AuditAction.DELETED), ids["account"]) in actions
    assert (str(AuditAction.RESTORED), ids["account"]) in actions


def test_a_new_record_never_takes_the_id_of_a_deleted_one(core: Opportune, rep: User) -> None:
    first = core.leads.create(rep, {"last_name": "One", "company": "A"})
    core.leads.delete(rep, first.id or 0)
    second = core.leads.create(rep, {"last_name": "Two", "company": "B"})
    assert (second.id or 0) > (first.id or 0)
    core.recycle_bin.restore(rep, core.recycle_bin.find(rep, "lead", first.id or 0).id)
    assert core.leads.get(rep, first.id or 0).last_name == "One"


def test_a_restore_whose_unique_value_was_taken_is_refused_and_changes_nothing(
    core: Opportune, rep: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == lead.id).values(external_id="X-1"))
    core.leads.delete(rep, lead.id or 0)
    other = core.leads.create(rep, {"last_name": "Other", "company": "B"})
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == other.id).values(external_id="X-1"))
    entry = core.recycle_bin.find(rep, "lead", lead.id or 0)
    before = every_row(core)

    with pytest.raises(ConflictError) as caught:
        core.recycle_bin.restore(rep, entry.id)

    assert caught.value.code == "RESTORE_CONFLICT"
    assert [f.field for f in caught.value.fields] == ["external_id"]
    assert "external_id 'X-1'" in caught.value.message
    assert every_row(core) == before


def test_a_contact_whose_account_was_deleted_meanwhile_is_not_restored(
    core: Opportune, rep: User
) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    ann = core.contacts.create(rep, {"last_name": "Adams", "account_id": acme.id})
    core.contacts.delete(rep, ann.id or 0)
    core.accounts.delete(rep, acme.id or 0)
    entry = core.recycle_bin.find(rep, "contact", ann.id or 0)
    with pytest.raises(ConflictError) as caught:
        core.recycle_bin.restore(rep, entry.id)
    assert [f.field for f in caught.value.fields] == ["account_id"]
    assert f"account {acme.id}" in caught.value.message
    core.recycle_bin.restore(rep, core.recycle_bin.find(rep, "account", acme.id or 0).id)
    core.recycle_bin.restore(rep, entry.id)
    assert core.contacts.get(rep, ann.id or 0).account_id == acme.id


def test_reps_see_and_restore_only_their_own_deletes_and_only_admins_purge(
    core: Opportune, admin: User, manager: User, rep: User
) -> None:
    other = add_user(core, "Otto Rep", "rep")
    mine = core.leads.create(rep, {"last_name": "Mine", "company": "A"})
    theirs = core.leads.create(other, {"last_name": "Theirs", "company": "B"})
    core.leads.delete(rep, mine.id or 0)
    core.leads.delete(other, theirs.id or 0)
    their_entry = core.recycle_bin.find(other, "lead", theirs.id or 0)

    assert [e.name for e in core.recycle_bin.list(rep).entries] == ["Mine"]
    assert [e.name for e in core.recycle_bin.list(admin).entries] == ["Theirs", "Mine"]
    with pytest.raises(NotFoundError):
        core.recycle_bin.restore(rep, their_entry.id)
    with pytest.raises(PermissionDeniedError):
        core.recycle_bin.purge(rep, their_entry.id)
    with pytest.raises(PermissionDeniedError):
        core.recycle_bin.purge_all(manager)

    core.recycle_bin.purge(admin, their_entry.id)
    assert [e.name for e in core.recycle_bin.list(admin).entries] == ["Mine"]
    core.recycle_bin.restore(admin, core.recycle_bin.find(rep, "lead", mine.id or 0).id)
    assert core.leads.get(rep, mine.id or 0).last_name == "Mine"
    with core.engine.connect() as conn:
        purged = conn.execute(select(t.audit_log.c.object_id).where(
            t.audit_log.c.action == str(AuditAction.PURGED))).scalars().all()  # fmt: skip
    assert purged == [theirs.id]


def test_emptying_the_bin_purges_every_entry(core: Opportune, admin: User, rep: User) -> None:
    for name in ("A", "B", "C"):
        lead = core.leads.create(rep, {"last_name": name, "company": name})
        core.leads.delete(rep, lead.id or 0)
    assert core.recycle_bin.purge_all(admin) == 3
    assert core.recycle_bin.list(admin).entries == []


def test_the_list_pages_newest_first_and_refuses_bad_input(core: Opportune, admin: User) -> None:
    for name in ("A", "B", "C"):
        lead = core.leads.create(admin, {"last_name": name, "company": name})
        core.leads.delete(admin, lead.id or 0)
    first = core.recycle_bin.list(admin, limit=2)
    second = core.recycle_bin.list(admin, cursor=first.next_cursor, limit=2)
    assert [e.name for e in first.entries + second.entries] == ["C", "B", "A"]
    assert second.next_cursor is None
    for bad, field in (({"object_type": "user"}, "object_type"), ({"limit": 0}, "limit"),
                       ({"cursor": "x"}, "cursor")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            core.recycle_bin.list(admin, **bad)  # type: ignore[arg-type]
        assert [f.field for f in caught.value.fields] == [field]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(database_url: str, tmp_path: Path) -> Iterator[tuple[Opportune, FakeClock]]:
    clock = FakeClock()
    settings = make_settings(database_url, tmp_path).model_copy(
        update={"recycle_bin_retention_days": 10}
    )
    app = Opportune(settings, clock=clock)
    yield app, clock
    app.close()


def test_entries_older_than_the_retention_period_are_purged(
    clocked: tuple[Opportune, FakeClock],
) -> None:
    core, clock = clocked
    rep = add_user(core, "Rita Rep", "rep")
    old = core.leads.create(rep, {"last_name": "Old", "company": "A"})
    core.leads.delete(rep, old.id or 0)
    clock.now += timedelta(days=5)
    new = core.leads.create(rep, {"last_name": "New", "company": "B"})
    core.leads.delete(rep, new.id or 0)
    clock.now += timedelta(days=5, minutes=1)

    assert core.recycle_bin.purge_expired() == 1
    assert [e.name for e in core.recycle_bin.list(rep).entries] == ["New"]
    clock.now += timedelta(days=5)
    assert core.recycle_bin.purge_expired() == 1
    assert count(core, "recycle_bin") == 0


def test_a_merged_lead_goes_with_its_master_and_comes_back_merged(
    core: Opportune, rep: User
) -> None:
    master = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    merged = core.leads.create(rep, {"last_name": "Ng", "company": "Acme Inc"})
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == merged.id)
                     .values(merged_into_id=master.id))  # fmt: skip
        conn.execute(insert(t.web_forms).values(
            key="k1", name="Form", defaults={}, allowed_redirect_hosts=[],
            duplicate_action="allow", daily_cap=10, per_ip_per_hour=10,
            per_form_per_minute=10, created_by_id=rep.id, created_at=master.created_at,
            updated_at=master.created_at,
        ))  # fmt: skip
        form_id = conn.execute(select(t.web_forms.c.id)).scalar_one()
        conn.execute(insert(t.web_form_submissions).values(
            form_id=form_id, received_at=master.created_at, ip="127.0.0.1", payload={},
            status="created", lead_id=master.id,
        ))  # fmt: skip
    before = live(core)
    core.leads.delete(rep, master.id or 0)
    assert count(core, "leads") == 0
    with core.engine.connect() as conn:
        assert conn.execute(select(t.web_form_submissions.c.lead_id)).scalar_one() is None
    core.recycle_bin.restore(rep, core.recycle_bin.find(rep, "lead", master.id or 0).id)
    assert live(core) == before
