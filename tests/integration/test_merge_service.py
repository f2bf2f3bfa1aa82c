"""Merging leads, contacts and accounts through the service layer, on every database engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from opportune import (
    ConflictError,
    Opportune,
    PermissionDeniedError,
    StaleRecordError,
    User,
    ValidationError,
)
from opportune.db import tables as t
from opportune.errors import ConvertedLeadError, NotFoundError
from opportune.services.contacts import ContactFilters
from opportune.services.filters import LeadFilters
from opportune.services.uow import UnitOfWork
from tests.snapshots import every_row

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def but_merges(core: Opportune) -> dict[str, list[dict[str, Any]]]:
    """Every row but the merge records and the audit log, which a merge and its undo leave
    behind."""
    return every_row(core, but_tables=("merges", "audit_log"))


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def activity(core: Opportune, actor: User, **about: int | None) -> int:
    made = core.activities.create(actor, {"kind": "note", "title": "Met at the fair", **about})
    assert made.id is not None
    return made.id


def column(core: Opportune, table: str, name: str, row_id: int) -> Any:
    tbl = t.metadata.tables[table]
    with core.engine.connect() as conn:
        return conn.execute(select(tbl.c[name]).where(tbl.c.id == row_id)).scalar_one()


def add_web_submission(core: Opportune, actor: User, lead_id: int) -> int:
    with core.engine.begin() as conn:
        form_id = conn.execute(
            insert(t.web_forms).values(
                key="k1", name="Contact us", defaults={}, allowed_redirect_hosts=[],
                duplicate_action="create", daily_cap=100, per_ip_per_hour=10,
                per_form_per_minute=10, created_by_id=actor.id, created_at=NOW, updated_at=NOW,
            ).returning(t.web_forms.c.id)
        ).scalar_one()  # fmt: skip
        return int(
            conn.execute(
                insert(t.web_form_submissions).values(
                    form_id=form_id, received_at=NOW, ip="10.0.0.1", payload={},
                    status="created", lead_id=lead_id,
                ).returning(t.web_form_submissions.c.id)
            ).scalar_one()
        )  # fmt: skip


def add_report(core: Opportune, actor: User, kind: str, record_id: int, other_id: int) -> int:
    with core.engine.begin() as conn:
        return int(
            conn.execute(
                insert(t.duplicate_reports).values(
                    object_type=kind, record_id=record_id, other_type=kind, other_id=other_id,
                    reported_at=NOW, reported_by_id=actor.id,
                ).returning(t.duplicate_reports.c.id)
            ).scalar_one()
        )  # fmt: skip


# --- leads --------------------------------------------------------------------------------


def test_lead_merge_moves_everything_and_undo_gives_every_row_back(
    core: Opportune, rep: User
) -> None:
    a = lead(core, rep, "Smith", first_name="John", email=None, phone="555 0100")
    b = lead(core, rep, "Smyth", first_name="Jon", email="jon@acme.example.com", city="Leeds")
    c = lead(
        core, rep, "Smith", first_name="J.", email="j@acme.example.com", annual_revenue="1500.50"
    )
    core.leads.update(rep, b, {"title": "CTO"})  # history that must stay readable on b
    notes = [activity(core, rep, lead_id=b), activity(core, rep, lead_id=c)]
    submission = add_web_submission(core, rep, c)
    report = add_report(core, rep, "lead", b, a)
    before = but_merges(core)

    result = core.merges.merge(rep, "lead", a, [a, b, c], {"last_name": b, "email": c})

    master = core.leads.get(rep, a, mark_read=False)
    assert (master.last_name, master.first_name, master.email) == (
        "Smyth",
        "John",
        "j@acme.example.com",
    )
    assert master.city == "Leeds" and str(master.annual_revenue) == "1500.50"  # filled defaults
    assert [column(core, "activities", "lead_id", n) for n in notes] == [a, a]
    assert column(core, "web_form_submissions", "lead_id", submission) == a
    assert column(core, "duplicate_reports", "resolved_at", report) is not None
    merged = core.leads.get(rep, b, mark_read=False)
    assert merged.merged_into_id == a and core.leads.get(rep, c).merged_into_id == a
    assert [x.field for x in core.leads.history(rep, b)][:2] == ["merged_into_id", "title"]
    assert {x.field for x in core.leads.history(rep, a)} >= {"last_name", "email", "city"}
    listed = core.leads.list(rep, LeadFilters(with_total=True))
    assert [x.id for x in listed.page.items] == [a] and listed.page.total == 1
    assert result.moved == {"activities.lead_id": 2, "web_form_submissions.lead_id": 1}

    undone = core.merges.undo(rep, result.merge.id or 0)

    assert undone.merge.undone_at is not None and undone.kept == ()
    assert but_merges(core) == before


def test_a_merged_lead_knows_its_merge_and_history_lists_it(core: Opportune, rep: User) -> None:
    a, b = lead(core, rep, "Ames"), lead(core, rep, "Ames")
    result = core.merges.merge(rep, "lead", a, [a, b])
    found = core.merges.merged_into(rep, "lead", b)
    assert found is not None and found.id == result.merge.id
    assert core.merges.merged_into(rep, "lead", a) is None
    assert [m.id for m in core.merges.history(rep, "lead", b)] == [result.merge.id]
    assert [m.id for m in core.merges.history(rep, "lead", a)] == [result.merge.id]
    assert core.merges.history(rep, "contact", a) == []


def test_preview_shows_values_side_by_side_with_the_default_winner(
    core: Opportune, rep: User
) -> None:
    a = lead(core, rep, "Lane", email=None, lead_source="Web")
    b = lead(core, rep, "Lane", email="lane@acme.example.com", do_not_call=True)
    activity(core, rep, lead_id=b)
    preview = core.merges.preview(rep, "lead", [a, b])
    rows = {row.name: row for row in preview.fields}
    assert preview.master_id == a
    assert (
        rows["email"].shown == {a: None, b: "lane@acme.example.com"}
        and rows["email"].default_id == b
    )
    assert rows["lead_source"].shown[a] == "Web" and rows["lead_source"].default_id == a
    assert rows["owner_id"].shown[a] == rep.name and not rows["owner_id"].differs
    assert rows["do_not_call"].default_id == b  # an opt-out is never lost by default
    assert preview.related[b] == {"activities": 1} and preview.related[a] == {}


@pytest.mark.parametrize(
    ("choices", "code", "field"),
    [
        ({"nickname": 1}, "INVALID_FIELD", "choices.nickname"),
        ({"email": 999}, "INVALID_CHOICE", "choices.email"),
    ],
)
def test_a_bad_choice_leaves_the_database_as_it_was(
    core: Opportune, rep: User, choices: dict[str, int], code: str, field: str
) -> None:
    a, b = lead(core, rep, "Bond"), lead(core, rep, "Bond")
    activity(core, rep, lead_id=b)
    before = every_row(core)
    with pytest.raises(ValidationError) as caught:
        core.merges.merge(rep, "lead", a, [a, b], choices)
    assert [(e.field, e.code) for e in caught.value.fields] == [(field, code)]
    assert every_row(core) == before


def test_a_stale_version_leaves_the_database_as_it_was(core: Opportune, rep: User) -> None:
    a, b = lead(core, rep, "Cole"), lead(core, rep, "Cole", city="Paris")
    activity(core, rep, lead_id=b)
    before = every_row(core)
    with pytest.raises(StaleRecordError):
        core.merges.merge(rep, "lead", a, [a, b], expected_versions={a: 1, b: 7})
    assert every_row(core) == before


def test_refused_merges(core: Opportune, rep: User, manager: User) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})
    a, b = lead(core, rep, "Dunn"), lead(core, rep, "Dunn")
    theirs = lead(core, manager, "Dunn")
    with pytest.raises(ValidationError) as caught:
        core.merges.merge(rep, "lead", a, [a])
    assert caught.value.fields[0].code == "INVALID_MERGE"
    with pytest.raises(ValidationError, match="master"):
        core.merges.merge(rep, "lead", theirs, [a, b])
    with pytest.raises(NotFoundError):
        core.merges.merge(rep, "lead", a, [a, 9999])
    with pytest.raises(NotFoundError):  # the manager's lead is hidden from the rep
        core.merges.merge(rep, "lead", a, [a, theirs])
    core.sharing.set_org_default(None, "lead", "read_write")
    with pytest.raises(PermissionDeniedError):  # seen and editable, but reps merge their own
        core.merges.merge(rep, "lead", a, [a, theirs])
    core.merges.merge(manager, "lead", a, [a, theirs])  # managers merge their team's
    with pytest.raises(ValidationError) as again:
        core.merges.merge(manager, "lead", b, [b, theirs])
    assert again.value.fields[0].code == "ALREADY_MERGED"
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == b).values(is_converted=True))
    with pytest.raises(ConvertedLeadError):
        core.merges.merge(rep, "lead", a, [a, b])


def test_undo_refuses_when_the_master_changed_and_force_restores_the_rest(
    core: Opportune, rep: User
) -> None:
    a, b = lead(core, rep, "Eton"), lead(core, rep, "Eton", email="e@eton.example.com")
    note = activity(core, rep, lead_id=b)
    merge = core.merges.merge(rep, "lead", a, [a, b]).merge
    core.leads.update(rep, a, {"title": "CEO"})
    with pytest.raises(ConflictError) as caught:
        core.merges.undo(rep, merge.id or 0)
    assert caught.value.code == "UNDO_BLOCKED" and f"Lead {a} was changed" in caught.value.message
    assert column(core, "activities", "lead_id", note) == a  # nothing undone
    result = core.merges.undo(rep, merge.id or 0, force=True)
    assert [k.record_id for k in result.kept] == [a]
    restored = core.leads.get(rep, a, mark_read=False)
    assert (restored.email, restored.title) == (None, "CEO")
    assert core.leads.get(rep, b).merged_into_id is None
    assert column(core, "activities", "lead_id", note) == b
    with pytest.raises(ConflictError, match="already undone"):
        core.merges.undo(rep, merge.id or 0)


def test_a_rep_cannot_undo_someone_elses_merge(core: Opportune, rep: User, manager: User) -> None:
    a, b = lead(core, manager, "Ford"), lead(core, manager, "Ford")
    merge = core.merges.merge(manager, "lead", a, [a, b]).merge
    with pytest.raises(NotFoundError):  # the manager's leads are private: the merge is hidden
        core.merges.undo(rep, merge.id or 0)
    core.sharing.set_org_default(None, "lead", "read")
    with pytest.raises(PermissionDeniedError):
        core.merges.undo(rep, merge.id or 0)


# --- contacts -----------------------------------------------------------------------------


def test_contact_merge_moves_roles_without_breaking_the_unique_and_primary_rules(
    core: Opportune, rep: User
) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    a = core.contacts.create(rep, {"last_name": "Grey", "account_id": acme.id})
    b = core.contacts.create(rep, {"last_name": "Gray", "email": "gray@acme.example.com"})
    deal = core.opportunities.create(
        rep, {"name": "Deal", "account_id": acme.id, "close_date": "2026-06-01"}
    )
    other = core.opportunities.create(
        rep, {"name": "Other", "account_id": acme.id, "close_date": "2026-07-01"}
    )
    add_role = core.opportunities.add_contact_role
    add_role(
        rep, deal.id or 0, {"contact_id": a.id, "role": "Evaluator"}, allow_other_accounts=True
    )
    add_role(rep, deal.id or 0, {"contact_id": b.id, "role": "Evaluator", "is_primary": True},
             allow_other_accounts=True)  # fmt: skip
    moved_role = add_role(rep, other.id or 0, {"contact_id": b.id, "role": "Economic Buyer"},
                          allow_other_accounts=True)  # fmt: skip
    note = activity(core, rep, contact_id=b.id)
    converted = lead(core, rep, "Gray")
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == converted)
                     .values(converted_contact_id=b.id))  # fmt: skip
    before = but_merges(core)

    result = core.merges.merge(rep, "contact", a.id or 0, [a.id or 0, b.id or 0])

    roles = core.opportunities.contact_roles(rep, deal.id or 0)
    assert [(r.contact_id, r.role, r.is_primary) for r in roles] == [(a.id, "Evaluator", True)]
    assert column(core, "opportunity_contact_roles", "contact_id", moved_role.id or 0) == a.id
    assert column(core, "activities", "contact_id", note) == a.id
    assert column(core, "leads", "converted_contact_id", converted) == a.id
    assert len(result.merge.details["dropped_roles"]) == 1
    assert result.master.email == "gray@acme.example.com"
    names = [c.name for c in core.contacts.list(rep, ContactFilters()).items]
    assert names == ["Grey"]
    assert [c.id for c in core.accounts.contacts_of(rep, acme.id or 0)] == [a.id]

    core.merges.undo(rep, result.merge.id or 0)

    assert but_merges(core) == before


# --- accounts -----------------------------------------------------------------------------


def test_account_merge_moves_contacts_deals_activities_and_children(
    core: Opportune, rep: User
) -> None:
    top = core.accounts.create(rep, {"name": "Holding"})
    a = core.accounts.create(rep, {"name": "Acme", "phone": "555"})
    b = core.accounts.create(rep, {"name": "ACME Inc", "parent_account_id": top.id,
                                   "website": "acme.test"})  # fmt: skip
    c = core.accounts.create(rep, {"name": "Acme Ltd", "parent_account_id": b.id})
    child = core.accounts.create(rep, {"name": "Acme North", "parent_account_id": b.id})
    person = core.contacts.create(rep, {"last_name": "Hale", "account_id": c.id})
    deal = core.opportunities.create(
        rep, {"name": "Deal", "account_id": b.id, "close_date": "2026-06-01"}
    )
    note = activity(core, rep, account_id=c.id)
    ids = [a.id or 0, b.id or 0, c.id or 0]
    before = but_merges(core)

    result = core.merges.merge(rep, "account", ids[0], ids)

    master = core.accounts.get(rep, ids[0])
    assert (master.parent_account_id, master.website, master.phone) == (top.id, "acme.test", "555")
    assert column(core, "accounts", "parent_account_id", child.id or 0) == a.id
    assert column(core, "accounts", "parent_account_id", c.id or 0) == b.id  # merged: untouched
    assert column(core, "contacts", "account_id", person.id or 0) == a.id
    assert column(core, "opportunities", "account_id", deal.id or 0) == a.id
    assert column(core, "activities", "account_id", note) == a.id
    assert core.accounts.get(rep, ids[1]).merged_into_id == a.id

    core.merges.undo(rep, result.merge.id or 0)

    assert but_merges(core) == before


def test_an_account_cannot_become_its_own_parent(core: Opportune, rep: User) -> None:
    # b > below > a: once below moves under a (b's child), a cannot stay below's child.
    b = core.accounts.create(rep, {"name": "Acme Group"})
    below = core.accounts.create(rep, {"name": "Acme Sub", "parent_account_id": b.id})
    a = core.accounts.create(rep, {"name": "Acme", "parent_account_id": below.id})
    before = every_row(core)
    with pytest.raises(ValidationError) as caught:
        core.merges.merge(rep, "account", a.id or 0, [a.id or 0, b.id or 0])
    assert caught.value.fields[0].code == "CIRCULAR_DEPENDENCY"
    assert every_row(core) == before


def test_merge_records_are_readable(core: Opportune, rep: User) -> None:
    a, b = lead(core, rep, "Ives", city="Rome"), lead(core, rep, "Ives", city="Oslo")
    merge = core.merges.merge(rep, "lead", a, [a, b], {"city": b}).merge
    stored = core.merges.get(rep, merge.id or 0)
    assert stored.merged_ids == (b,) and stored.details["changes"]["city"] == ["Rome", "Oslo"]
    assert stored.details["history_kept"] == {str(b): 0}
    with UnitOfWork(core.engine) as uow:
        assert uow.merges.merged_records("lead", a) == [b]
