"""The reads the record pages need beyond the basic services: account names by id in one
read, and a contact's roles in opportunities of any account."""

from __future__ import annotations

import pytest

from opportune import NotFoundError, Opportune, User
from tests.conftest import add_user


def test_account_names_come_in_one_read_and_unknown_ids_are_left_out(
    core: Opportune, rep: User
) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    globex = core.accounts.create(rep, {"name": "Globex"})
    assert acme.id and globex.id
    names = core.accounts.names(rep, [acme.id, globex.id, 999, acme.id])
    assert names == {acme.id: "Acme", globex.id: "Globex"}
    assert core.accounts.names(rep, []) == {}


def test_a_contacts_opportunity_roles_span_accounts_latest_close_date_first(
    core: Opportune, rep: User
) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    globex = core.accounts.create(rep, {"name": "Globex"})
    ann = core.contacts.create(rep, {"last_name": "Ng", "account_id": acme.id})
    assert ann.id and globex.id
    early = core.opportunities.create(
        rep, {"name": "Early", "account_id": acme.id, "close_date": "2030-01-31"}
    )
    late = core.opportunities.create(
        rep, {"name": "Late", "account_id": globex.id, "close_date": "2030-12-31"}
    )
    assert early.id and late.id
    core.opportunities.add_contact_role(
        rep, early.id, {"contact_id": ann.id, "role": "Evaluator", "is_primary": True}
    )
    core.opportunities.add_contact_role(
        rep, late.id, {"contact_id": ann.id, "role": "Influencer"}, allow_other_accounts=True
    )
    found = core.contacts.opportunity_roles(rep, ann.id)
    assert [(o.name, r.role, r.is_primary) for r, o in found] == [
        ("Late", "Influencer", False),
        ("Early", "Evaluator", True),
    ]
    assert all(r.contact_id == ann.id and r.opportunity_id == o.id for r, o in found)
    assert found[1][1].amount is None and found[1][1].account_id == acme.id


def test_the_roles_of_a_missing_contact_are_not_found(core: Opportune, rep: User) -> None:
    with pytest.raises(NotFoundError, match="Contact 404 does not exist"):
        core.contacts.opportunity_roles(rep, 404)


def test_a_shown_lead_comes_with_its_labels_and_is_marked_read_for_its_owner(
    core: Opportune, admin: User, rep: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "A", "owner_id": rep.id})
    assert lead.id
    shown = core.leads.shown(admin, lead.id)
    assert shown.lead.is_unread_by_owner  # an administrator opening it changes nothing
    record = shown.lookups.record(shown.lead)
    assert record["owner_name"] == rep.name and record["status"] == "Open - Not Contacted"
    assert not core.leads.shown(rep, lead.id).lead.is_unread_by_owner
    assert not core.leads.get(admin, lead.id, mark_read=False).is_unread_by_owner


def test_a_shown_opportunity_comes_with_its_stage_and_owner(core: Opportune, rep: User) -> None:
    acme = core.accounts.create(rep, {"name": "Acme"})
    opp = core.opportunities.create(
        rep, {"name": "Deal", "account_id": acme.id, "close_date": "2030-01-31"}
    )
    assert opp.id
    shown = core.opportunities.shown(rep, opp.id)
    assert shown.opportunity == core.opportunities.get(rep, opp.id)
    record = shown.lookups.record(shown.opportunity)
    assert record["owner_name"] == rep.name and record["stage"] == "Prospecting"


def test_a_record_others_may_not_see_is_not_shown(core: Opportune, admin: User, rep: User) -> None:
    other_rep = add_user(core, "Otto Other", "rep")
    core.sharing.set_org_default(admin, "lead", "private")
    core.sharing.set_org_default(admin, "opportunity", "private")
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "A"})
    acme = core.accounts.create(rep, {"name": "Acme"})
    opp = core.opportunities.create(
        rep, {"name": "Deal", "account_id": acme.id, "close_date": "2030-01-31"}
    )
    assert lead.id and opp.id
    with pytest.raises(NotFoundError):
        core.leads.shown(other_rep, lead.id)
    with pytest.raises(NotFoundError):
        core.opportunities.shown(other_rep, opp.id)
