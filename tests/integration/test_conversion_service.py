"""Lead conversion through the library, on every database engine: one lead, many, undo."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from opportune import ConflictError, Opportune, PermissionDeniedError, User, ValidationError
from opportune.db import tables as t
from opportune.domain.conversion import FieldMapping, fiscal_quarter_end
from opportune.domain.duplicates import DuplicateAction
from opportune.errors import ConvertedLeadError, NotFoundError
from opportune.services.conversions import ConvertRequest
from tests.conftest import add_user
from tests.snapshots import all_but_conversion_records

CONVERTED = {"converted_status": "Closed - Converted"}
LEAD = {
    "first_name": "Ada", "last_name": "Ng", "company": "Acme Hardware", "email": "ada@acme.example",
    "phone": "+1 555 0100", "title": "CTO", "city": "Boston", "country": "USA",
    "website": "acme.example", "industry": "Technology", "annual_revenue": "5000000",
    "number_of_employees": "120", "rating": "Hot", "lead_source": "Web",
    "description": "Met at the fair", "do_not_call": "true",
}  # fmt: skip


def a_lead(core: Opportune, actor: User, **changes: object) -> int:
    """A lead of Acme Hardware; other companies get their own email and website."""
    company = str(changes.get("company", LEAD["company"]))
    if company != LEAD["company"]:
        slug = company.lower().replace(" ", "-")
        changes = {"email": f"ada@{slug}.example", "website": f"{slug}.example", **changes}
    lead = core.leads.create(actor, {**LEAD, **changes})
    assert lead.id is not None
    return lead.id


def test_conversion_creates_mapped_records_and_locks_the_lead(core: Opportune, rep: User) -> None:
    lead_id = a_lead(core, rep)
    result = core.conversions.convert(rep, lead_id, CONVERTED)
    assert result.success and result.opportunity_id is not None
    assert result.account_id is not None and result.contact_id is not None
    account = core.accounts.get(rep, result.account_id)
    assert (account.name, account.website, account.billing_city) == (
        "Acme Hardware",
        "acme.example",
        "Boston",
    )
    assert (account.annual_revenue, account.owner_id) == (Decimal("5000000.00"), rep.id)
    contact = core.contacts.get(rep, result.contact_id)
    assert (contact.first_name, contact.email, contact.account_id) == (
        "Ada",
        "ada@acme.example",
        account.id,
    )
    assert contact.do_not_call is True
    opp = core.opportunities.get(rep, result.opportunity_id)
    assert (opp.name, opp.account_id, opp.probability) == ("Acme Hardware", account.id, 10)
    assert opp.close_date == fiscal_quarter_end(date.today())
    roles = core.opportunities.contact_roles(rep, opp.id)  # type: ignore[arg-type]
    assert [(r.contact_id, r.is_primary) for r in roles] == [(contact.id, True)]
    assert len(core.opportunities.stage_history(rep, opp.id)) == 1  # type: ignore[arg-type]
    lead = core.leads.get(rep, lead_id, mark_read=False)
    assert lead.is_converted and lead.converted_opportunity_id == opp.id
    assert lead.converted_date == date.today()
    with pytest.raises(ConvertedLeadError):
        core.leads.update(rep, lead_id, {"title": "CEO"})


def test_converting_twice_is_refused(core: Opportune, rep: User) -> None:
    lead_id = a_lead(core, rep)
    core.conversions.convert(rep, lead_id, CONVERTED)
    with pytest.raises(ConvertedLeadError):
        core.conversions.convert(rep, lead_id, CONVERTED)


def test_merging_fills_only_empty_fields_and_records_what_it_filled(
    core: Opportune, rep: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme Corp", "phone": "+1 555 0199"})
    lead_id = a_lead(core, rep)
    preview = core.conversions.preview(rep, lead_id, {**CONVERTED, "account_id": account.id})
    assert preview.account.action == "merge" and "phone" not in preview.account.values
    result = core.conversions.convert(rep, lead_id, {**CONVERTED, "account_id": account.id})
    merged = core.accounts.get(rep, account.id)  # type: ignore[arg-type]
    assert (merged.name, merged.phone, merged.website) == (
        "Acme Corp",
        "+1 555 0199",
        "acme.example",
    )
    record = core.conversions.conversion(rep, lead_id)
    assert record.merged["account"].fields["website"] == (None, "acme.example")
    assert record.unmapped == {"company": "Acme Hardware"}
    assert "account" not in record.created and result.account_id == account.id


def test_bad_options_change_nothing(core: Opportune, rep: User) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    other = core.accounts.create(rep, {"name": "Globex"})
    contact = core.contacts.create(rep, {"last_name": "Ng", "account_id": other.id})
    lead_id = a_lead(core, rep)
    before = all_but_conversion_records(core)
    bad = {**CONVERTED, "account_id": acme.id, "contact_id": contact.id}
    with pytest.raises(ValidationError) as caught:
        core.conversions.convert(rep, lead_id, bad)
    assert caught.value.fields[0].code == "INVALID_CROSS_REFERENCE_KEY"
    with pytest.raises(ValidationError) as caught:
        core.conversions.convert(rep, lead_id, {"converted_status": "Working - Contacted"})
    assert caught.value.fields[0].code == "INVALID_STATUS"
    with pytest.raises(NotFoundError):
        core.conversions.convert(rep, 999_999, CONVERTED)
    assert all_but_conversion_records(core) == before


def test_activities_follow_the_lead_and_open_tasks_change_hands(
    core: Opportune, rep: User, manager: User
) -> None:
    lead_id = a_lead(core, rep)
    task = core.activities.create(rep, {"kind": "task", "subject": "Call back", "lead_id": lead_id})
    done = core.activities.create(rep, {"kind": "task", "subject": "Intro", "lead_id": lead_id})
    core.activities.complete(rep, done.id)  # type: ignore[arg-type]
    result = core.conversions.convert(rep, lead_id, {**CONVERTED, "owner_id": manager.id})
    moved = core.activities.get(rep, task.id)  # type: ignore[arg-type]
    assert (moved.lead_id, moved.contact_id, moved.opportunity_id) == (
        None, result.contact_id, result.opportunity_id)  # fmt: skip
    assert moved.owner_id == manager.id
    assert core.activities.get(rep, done.id).owner_id == rep.id  # type: ignore[arg-type]


def test_bulk_conversion_reports_each_lead_in_order(core: Opportune, rep: User) -> None:
    ids = [a_lead(core, rep, company=f"Company {i}") for i in range(5)]
    requests = [ConvertRequest(i, CONVERTED) for i in ids]
    requests[2] = ConvertRequest(ids[2], {"converted_status": "Nope"})
    requests.append(ConvertRequest(999_999, CONVERTED))
    seen: list[int] = []
    core.conversions.batch_size = 2
    results = core.conversions.convert_many(rep, requests, progress=seen.append)
    assert [r.lead_id for r in results] == [*ids, 999_999]
    assert [r.success for r in results] == [True, True, False, True, True, False]
    assert results[2].errors[0].code == "INVALID_STATUS"
    assert results[5].errors[0].code == "INVALID_CROSS_REFERENCE_KEY"
    assert seen == [2, 4, 6]
    assert core.leads.get(rep, ids[3], mark_read=False).is_converted


def test_all_or_none_converts_nothing_when_one_lead_fails(core: Opportune, rep: User) -> None:
    ids = [a_lead(core, rep, company=f"Company {i}") for i in range(3)]
    before = all_but_conversion_records(core)
    requests = [ConvertRequest(i, CONVERTED) for i in ids]
    requests[1] = ConvertRequest(ids[1], {"converted_status": "Converted?"})
    results = core.conversions.convert_many(rep, requests, all_or_none=True)
    assert not any(r.success for r in results)
    assert results[0].errors[0].code == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1].errors[0].code == "INVALID_STATUS"
    assert all_but_conversion_records(core) == before


def test_leads_merging_into_one_opportunity_get_one_primary_role(
    core: Opportune, rep: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    opp = core.opportunities.create(rep, {"name": "Deal", "account_id": account.id,
                                          "close_date": "2027-01-31"})  # fmt: skip
    ids = [a_lead(core, rep, last_name=f"Ng{i}", email=f"ng{i}@acme.example") for i in range(3)]
    options = {**CONVERTED, "account_id": account.id, "opportunity_id": opp.id}
    results = core.conversions.convert_many(rep, [ConvertRequest(i, options) for i in ids])
    assert all(r.success for r in results)
    roles = core.opportunities.contact_roles(rep, opp.id)  # type: ignore[arg-type]
    assert sorted(r.is_primary for r in roles) == [False, False, True]
    website = core.accounts.get(rep, account.id).website  # type: ignore[arg-type]
    assert website == "acme.example"


def test_convert_then_undo_leaves_the_database_as_it_was(
    core: Opportune, admin: User, rep: User, manager: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    lead_id = a_lead(core, rep)
    core.activities.create(rep, {"kind": "task", "subject": "Call back", "lead_id": lead_id})
    before = all_but_conversion_records(core)
    options = {**CONVERTED, "account_id": account.id, "owner_id": manager.id}
    core.conversions.convert(rep, lead_id, options)
    assert all_but_conversion_records(core) != before
    # The new records are the manager's: the rep may not delete them, an admin may.
    undone = core.conversions.unconvert(admin, lead_id)
    assert sorted(kind for kind, _ in undone.deleted) == ["contact", "opportunity"]
    assert all_but_conversion_records(core) == before
    history = core.conversions.history(rep, lead_id)
    assert len(history) == 1 and history[0].undone_at is not None
    core.conversions.convert(rep, lead_id, CONVERTED)  # it can be converted again


def test_undo_refuses_when_records_changed_and_force_keeps_them(core: Opportune, rep: User) -> None:
    lead_id = a_lead(core, rep)
    result = core.conversions.convert(rep, lead_id, CONVERTED)
    core.contacts.update(rep, result.contact_id, {"title": "CEO"})  # type: ignore[arg-type]
    with pytest.raises(ConflictError) as caught:
        core.conversions.unconvert(rep, lead_id)
    assert caught.value.code == "UNDO_BLOCKED"
    assert "contact" in caught.value.message
    undone = core.conversions.unconvert(rep, lead_id, force=True)
    assert undone.kept == (("contact", result.contact_id), ("account", result.account_id))
    assert undone.deleted == (("opportunity", result.opportunity_id),)
    lead = core.leads.get(rep, lead_id, mark_read=False)
    assert not lead.is_converted and lead.converted_contact_id is None
    assert core.contacts.get(rep, result.contact_id).title == "CEO"  # type: ignore[arg-type]


def test_undo_of_a_lead_never_converted_is_refused(core: Opportune, rep: User) -> None:
    lead_id = a_lead(core, rep)
    with pytest.raises(ConflictError) as caught:
        core.conversions.unconvert(rep, lead_id)
    assert caught.value.code == "NOT_CONVERTED"


def test_extra_field_mappings_are_admin_only_and_applied(
    core: Opportune, admin: User, rep: User
) -> None:
    mapping = [FieldMapping("title", "opportunity", "next_step")]
    with pytest.raises(PermissionDeniedError):
        core.conversions.save_mappings(rep, mapping)
    with pytest.raises(ValidationError):
        core.conversions.save_mappings(admin, [FieldMapping("phone", "account", "name")])
    core.conversions.save_mappings(admin, mapping)
    assert core.conversions.mappings() == mapping
    result = core.conversions.convert(rep, a_lead(core, rep), CONVERTED)
    assert core.opportunities.get(rep, result.opportunity_id).next_step == "CTO"  # type: ignore[arg-type]


def test_concurrent_conversions_of_one_lead_exactly_one_wins(core: Opportune, rep: User) -> None:
    lead_id = a_lead(core, rep)
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def convert() -> None:
        barrier.wait()
        try:
            outcomes.append(core.conversions.convert(rep, lead_id, CONVERTED))
        except ConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1
    with core.engine.connect() as conn:
        assert len(conn.execute(select(t.accounts)).all()) == 1
        assert len(conn.execute(select(t.lead_conversions)).all()) == 1


def test_an_inactive_owner_for_the_new_records_is_refused(
    core: Opportune, admin: User, rep: User
) -> None:
    gone = add_user(core, "Gone User", "rep")
    core.users.update(admin, gone.id, {"is_active": False})  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        core.conversions.convert(rep, a_lead(core, rep), {**CONVERTED, "owner_id": gone.id})
    assert caught.value.fields[0].code == "INACTIVE_OWNER_OR_USER"


# --- duplicates ---------------------------------------------------------------------------


def test_suggestions_find_the_same_company_and_person(core: Opportune, rep: User) -> None:
    acme = core.accounts.create(rep, {"name": "ACME Hardware, Inc.", "website": "www.acme.example"})
    core.accounts.create(rep, {"name": "Globex"})
    ada = core.contacts.create(rep, {"last_name": "Ng", "email": "ADA@acme.example",
                                     "account_id": acme.id})  # fmt: skip
    found = core.conversions.suggestions(rep, a_lead(core, rep))
    assert [(s.account.id, s.exact) for s in found.accounts] == [(acme.id, True)]
    assert found.accounts[0].reasons == ("same company name", "same website")
    assert [(s.contact.id, s.exact, s.account_name) for s in found.contacts] == [
        (ada.id, True, "ACME Hardware, Inc.")
    ]


def test_an_exact_duplicate_blocks_unless_allowed(core: Opportune, rep: User) -> None:
    acme = core.accounts.create(rep, {"name": "Acme Hardware"})
    lead_id = a_lead(core, rep)
    with pytest.raises(ValidationError) as caught:
        core.conversions.convert(rep, lead_id, CONVERTED)
    error = caught.value.fields[0]
    assert (error.field, error.code) == ("account_id", "DUPLICATES_DETECTED")
    assert f"account_id={acme.id}" in error.message
    result = core.conversions.convert(rep, lead_id, {**CONVERTED, "allow_duplicates": True})
    assert result.account_id != acme.id


def test_merge_setting_merges_into_the_duplicate(core: Opportune, rep: User) -> None:
    acme = core.accounts.create(rep, {"name": "Acme Hardware"})
    ada = core.contacts.create(rep, {"last_name": "Ng", "email": "ada@acme.example",
                                     "account_id": acme.id})  # fmt: skip
    core.conversions.duplicate_action = DuplicateAction.MERGE
    result = core.conversions.convert(rep, a_lead(core, rep), CONVERTED)
    assert (result.account_id, result.contact_id) == (acme.id, ada.id)
    assert any("merged into it" in w for w in result.warnings)


def test_warn_setting_converts_and_reports(core: Opportune, rep: User) -> None:
    core.accounts.create(rep, {"name": "Acme Hardware"})
    core.conversions.duplicate_action = DuplicateAction.WARN
    result = core.conversions.convert(rep, a_lead(core, rep), CONVERTED)
    assert result.success and "already exists" in result.warnings[0]


def test_leads_of_one_new_company_in_one_request_make_one_account(
    core: Opportune, rep: User
) -> None:
    ids = [a_lead(core, rep, company="Initech", email=f"p{i}@initech.example") for i in range(3)]
    core.conversions.duplicate_action = DuplicateAction.MERGE
    results = core.conversions.convert_many(rep, [ConvertRequest(i, CONVERTED) for i in ids])
    assert all(r.success for r in results), results
    assert len({r.account_id for r in results}) == 1
    core.conversions.duplicate_action = DuplicateAction.BLOCK
    more = [a_lead(core, rep, company="Hooli", email=f"p{i}@hooli.example") for i in range(2)]
    blocked = core.conversions.convert_many(rep, [ConvertRequest(i, CONVERTED) for i in more])
    assert [r.success for r in blocked] == [True, False]
    assert blocked[1].errors[0].code == "DUPLICATES_DETECTED"
