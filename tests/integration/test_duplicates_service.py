"""Duplicate rules through the service layer: screening on save, bulk checks, the report."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from opportune import Opportune, User
from opportune.db import tables as t
from opportune.db.match_keys import with_keys
from opportune.errors import DuplicateRecordError, PermissionDeniedError, ValidationError
from opportune.services.duplicates import ReportFilters, load_checker
from opportune.services.saved_alerts import collecting_alerts
from opportune.services.uow import UnitOfWork
from tests.snapshots import every_row

JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME",
        "phone": "555-010-0200", "email": "john@acme.example"}  # fmt: skip
JON = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.",
       "phone": "+1 (555) 010 0200"}  # fmt: skip


def set_action(core: Opportune, admin: User, object_type: str, action: str) -> None:
    rule = next(r for r in core.duplicates.rules(admin, object_type))
    core.duplicates.update_rule(admin, rule.id, {"action_on_create": action,
                                                 "action_on_edit": action})  # fmt: skip


def test_an_alert_rule_lets_the_lead_save_and_names_the_match(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    second = core.leads.create(rep, JON)
    alerts = core.duplicates.alerts(rep, "lead", second.id or 0, event="create")
    assert [(c.object_type, c.record_id, c.name) for c in alerts] == [
        ("lead", first.id, "John Smith")
    ]
    assert set(alerts[0].fields) == {"first_name", "last_name", "phone", "company"}


def test_a_save_hands_its_alerts_to_the_caller_as_they_would_be_found_after_it(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    with collecting_alerts() as created:
        second = core.leads.create(rep, JON)
    after = core.duplicates.alerts(rep, "lead", second.id or 0, event="create")
    assert created == after and [c.record_id for c in created] == [first.id]
    with collecting_alerts() as edited:
        core.leads.update(rep, second.id or 0, {"title": "CTO"})
    assert edited == core.duplicates.alerts(rep, "lead", second.id or 0, event="edit")
    set_action(core, admin, "lead", "report")  # reported, not told
    with collecting_alerts() as reported:
        core.leads.create(rep, {**JON, "email": "jon@acme.example"})
    assert reported == []
    with collecting_alerts() as outer, collecting_alerts() as inner:
        core.accounts.create(rep, {"name": "Globex GmbH", "website": "globex.de"})
        core.accounts.create(rep, {"name": "GLOBEX", "website": "https://globex.de/"})
    assert [c.object_type for c in inner] == ["account"] and outer == []


def test_a_block_rule_refuses_the_lead_and_changes_nothing(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    set_action(core, admin, "lead", "block")
    before = every_row(core)
    with pytest.raises(DuplicateRecordError) as caught:
        core.leads.create(rep, JON)
    assert caught.value.matches[0]["record_id"] == first.id
    assert caught.value.as_dict()["code"] == "DUPLICATES_DETECTED"
    assert every_row(core) == before


def test_different_people_at_the_same_company_are_not_duplicates(
    core: Opportune, admin: User, rep: User
) -> None:
    set_action(core, admin, "lead", "block")
    core.leads.create(rep, JOHN)
    other = core.leads.create(rep, {**JON, "first_name": "Mary", "last_name": "Jones"})
    assert other.id is not None


def test_editing_a_lead_into_a_duplicate_is_blocked_but_saving_itself_is_not(
    core: Opportune, admin: User, rep: User
) -> None:
    set_action(core, admin, "lead", "block")
    core.leads.create(rep, JOHN)
    other = core.leads.create(rep, {"first_name": "Mary", "last_name": "Jones", "company": "X"})
    core.leads.update(rep, other.id or 0, {"title": "CEO"})
    with pytest.raises(DuplicateRecordError):
        core.leads.update(rep, other.id or 0, {"first_name": "John", "last_name": "Smith",
                                               "email": "JOHN@acme.example"})  # fmt: skip


def test_a_report_rule_records_the_pair_once_and_it_can_be_dismissed(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    set_action(core, admin, "lead", "report")
    second = core.leads.create(rep, JON)
    core.leads.update(rep, second.id or 0, {"title": "CTO"})  # same pair: not reported again
    page = core.duplicates.report(rep, ReportFilters())
    assert page.total == 1
    item = page.items[0]
    assert (item.record_id, item.other_id, item.record_name, item.other_name) == (
        second.id, first.id, "Jon Smyth", "John Smith")  # fmt: skip
    core.duplicates.dismiss(rep, item.id)
    assert core.duplicates.report(rep, ReportFilters()).total == 0
    assert core.duplicates.report(rep, ReportFilters(status="dismissed")).total == 1


def test_a_lead_is_compared_with_contacts_through_their_account_name(
    core: Opportune, admin: User, rep: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme, Inc."})
    john = {"first_name": "John", "last_name": "Smith", "phone": "555 010 0200"}
    contact = core.contacts.create(rep, {**john, "account_id": account.id})
    lead = core.leads.create(rep, JON)
    found = core.duplicates.possible_duplicates(rep, "lead", lead.id or 0)
    assert [(c.object_type, c.record_id) for c in found] == [("contact", contact.id)]
    back = core.duplicates.possible_duplicates(rep, "contact", contact.id or 0)
    assert [(c.object_type, c.record_id) for c in back] == [("lead", lead.id)]


def test_contacts_and_accounts_are_screened_on_save(
    core: Opportune, admin: User, rep: User
) -> None:
    set_action(core, admin, "account", "block")
    set_action(core, admin, "contact", "block")
    account = core.accounts.create(
        rep, {"name": "Globex GmbH", "website": "https://www.globex.de/"}
    )
    with pytest.raises(DuplicateRecordError):
        core.accounts.create(rep, {"name": "GLOBEX", "website": "globex.de"})
    core.contacts.create(rep, {"first_name": "Ann", "last_name": "Lee", "email": "ann@globex.de",
                               "account_id": account.id})  # fmt: skip
    with pytest.raises(DuplicateRecordError):
        core.contacts.create(rep, {"first_name": "Anne", "last_name": "Lee",
                                   "email": "ANN@globex.de"})  # fmt: skip


def test_rules_are_validated_and_only_admins_change_them(
    core: Opportune, admin: User, rep: User
) -> None:
    rule = core.duplicates.rules(admin, "lead")[0]
    with pytest.raises(PermissionDeniedError):
        core.duplicates.update_rule(rep, rule.id, {"action_on_create": "block"})
    with pytest.raises(ValidationError) as caught:
        core.duplicates.update_rule(admin, rule.id, {"alternatives": [[
            {"field": "last_name", "method": "fuzzy", "threshold": 120}]]})  # fmt: skip
    assert [e.field for e in caught.value.fields] == ["alternatives[0][0].threshold"]
    created = core.duplicates.create_rule(admin, {
        "object_type": "lead", "name": "Same email", "action_on_create": "block",
        "alternatives": [[{"field": "email", "method": "exact"}]]})  # fmt: skip
    assert core.duplicates.rule(admin, created.id).action_on_create == "block"
    with pytest.raises(ValidationError):
        core.duplicates.create_rule(admin, {"object_type": "lead", "name": "Same email",
            "alternatives": [[{"field": "email"}]]})  # fmt: skip
    core.duplicates.delete_rule(admin, created.id)
    assert [r.name for r in core.duplicates.rules(admin, "lead")] == [rule.name]


def test_checker_finds_matches_for_a_batch_and_within_it(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    batch = [JON, {"first_name": "Ann", "last_name": "Lee", "company": "Initech",
                   "email": "ann@initech.example"}, {"first_name": "Anne", "last_name": "Lee",
                   "company": "Initech", "email": "ANN@initech.example"}]  # fmt: skip
    with UnitOfWork(core.engine) as uow:
        checker = load_checker(uow, "lead")
        found = checker.find(batch)
        within = checker.find_within(batch)
    assert [[c.record_id for c in cands] for cands in found] == [[first.id], [], []]
    assert within == [None, None, 1]


def test_merged_and_converted_leads_are_not_candidates(
    core: Opportune, admin: User, rep: User
) -> None:
    first = core.leads.create(rep, JOHN)
    keep = core.leads.create(rep, {**JOHN, "company": "Elsewhere"})
    with core.engine.begin() as conn:
        conn.execute(
            t.leads.update().where(t.leads.c.id == first.id).values(merged_into_id=keep.id)
        )
        conn.execute(t.leads.update().where(t.leads.c.id == keep.id).values(is_converted=True))
    with UnitOfWork(core.engine) as uow:
        assert load_checker(uow, "lead").find([JON]) == [[]]


def test_candidates_come_only_from_shared_keys_among_many_leads(
    core: Opportune, admin: User, rep: User
) -> None:
    rows = [with_keys("lead", _lead_row(i, rep)) for i in range(20_000)]
    with core.engine.begin() as conn:
        conn.execute(insert(t.leads), rows)
    probe = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme",
             "phone": "+1 555 010 0200", "email": "x@y.example"}  # fmt: skip
    keys = _keys(probe)
    with UnitOfWork(core.engine) as uow:
        fetched = {
            (row["first_name"], row["last_name"])
            for kind in ("email", "phone", "sound", "company")
            for row in uow.duplicates.candidates("lead", kind, [keys[kind] or ""], 200)
        }
        found = load_checker(uow, "lead").find([probe])[0]
    # Only two of the 20,000 leads share a key with the probe: the same phone and name
    # sound (John Smith) and the same name sound (Joe Smith, a different person).
    assert fetched == {("John", "Smith"), ("Joe", "Smith")}
    assert [(c.name, c.fields) for c in found] == [
        ("John Smith", ("first_name", "last_name", "phone", "company"))]  # fmt: skip


def _keys(values: dict[str, object]) -> dict[str, str | None]:
    from opportune.domain.duplicate_rules import comparable, key_values

    return key_values(comparable("lead", values))


def _lead_row(i: int, owner: User) -> dict[str, object]:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, tzinfo=UTC)
    first, last, phone = f"Person{i}", f"Zz{i:05d}x", f"+44 20 {i:08d}"
    company = f"Company {i}"
    if i == 0:
        first, last, phone, company = "John", "Smith", "555 010 0200", "ACME Ltd"
    if i == 1:
        first, last = "Joe", "Smith"  # same sound key (S530j), a different person
    return {"first_name": first, "last_name": last, "company": company, "phone": phone,
            "email": f"p{i}@example.com", "status_id": 1, "owner_id": owner.id,
            "created_at": now, "created_by_id": owner.id, "updated_at": now,
            "updated_by_id": owner.id}  # fmt: skip
