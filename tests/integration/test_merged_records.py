"""Records merged into another are read-only until the merge is undone, on every engine."""

from __future__ import annotations

from typing import Any

import pytest

from opportune import MergedRecordError, Opportune, User, ValidationError
from tests.snapshots import every_row

CONVERTED = {"converted_status": "Closed - Converted"}


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def merged_pair(core: Opportune, actor: User, kind: str) -> tuple[int, int, int]:
    """Two records of ``kind``, the second merged into the first; and the merge's id."""
    create: dict[str, Any] = {
        "lead": lambda: lead(core, actor, "Smith"),
        "contact": lambda: core.contacts.create(actor, {"last_name": "Smith"}).id,
        "account": lambda: core.accounts.create(actor, {"name": "Acme"}).id,
    }
    master, other = create[kind](), create[kind]()
    merge = core.merges.merge(actor, kind, master, [master, other]).merge
    assert merge.id is not None
    return master, other, merge.id


def refused(call: Any, message: str) -> None:
    with pytest.raises(MergedRecordError) as caught:
        call()
    assert caught.value.code == "RECORD_MERGED"
    assert caught.value.message == message


def test_a_merged_lead_refuses_edits_status_owner_conversion_and_delete(
    core: Opportune, rep: User, manager: User
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    master, merged, _ = merged_pair(core, rep, "lead")
    says = f"Lead {merged} was merged into lead {master}; edit lead {master} or undo the merge"
    before = every_row(core)

    refused(lambda: core.leads.update(rep, merged, {"title": "CEO"}), says)
    refused(lambda: core.leads.update(rep, merged, {"status": "Working - Contacted"}), says)
    refused(lambda: core.leads.update(manager, merged, {"owner_id": manager.id}), says)
    refused(lambda: core.conversions.convert(rep, merged, CONVERTED), says)
    refused(lambda: core.leads.delete(manager, merged), says)

    assert every_row(core) == before
    assert core.leads.get(rep, merged, mark_read=False).merged_into_id == master


def test_a_stale_version_of_a_merged_lead_is_told_about_the_merge(
    core: Opportune, rep: User
) -> None:
    master, merged, _ = merged_pair(core, rep, "lead")
    with pytest.raises(MergedRecordError, match=f"merged into lead {master}"):
        core.leads.update(rep, merged, {"title": "CEO"}, expected_version=1)


def test_a_merged_lead_cannot_be_taken_from_its_queue(
    core: Opportune, admin: User, rep: User
) -> None:
    queue = core.assignment.create_queue(admin, "Web leads", "web@example.com")
    assert rep.id is not None
    core.assignment.add_queue_member(admin, queue.id, rep.id)
    rule = core.assignment.create_rule(admin, {"name": "To queue", "default_queue_id": queue.id})
    core.assignment.activate(admin, rule.id or 0)
    master, merged = lead(core, admin, "Queue"), lead(core, admin, "Queue")
    core.merges.merge(admin, "lead", master, [master, merged])

    with pytest.raises(MergedRecordError, match=f"Lead {merged} was merged into lead {master}"):
        core.assignment.take(rep, merged)
    assert core.leads.get(admin, merged, mark_read=False).queue_id == queue.id


@pytest.mark.parametrize("kind", ["contact", "account"])
def test_a_merged_contact_or_account_refuses_edits_and_delete(
    core: Opportune, rep: User, manager: User, kind: str
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    service = core.contacts if kind == "contact" else core.accounts
    master, merged, _ = merged_pair(core, rep, kind)
    noun, into = kind.capitalize(), f"{kind} {master}"
    says = f"{noun} {merged} was merged into {into}; edit {into} or undo the merge"
    before = every_row(core)

    refused(lambda: service.update(rep, merged, {"phone": "555 0100"}), says)
    refused(lambda: service.update(manager, merged, {"owner_id": manager.id}), says)
    refused(lambda: service.delete(manager, merged), says)

    assert every_row(core) == before


def test_a_lead_cannot_be_converted_into_a_merged_account_or_contact(
    core: Opportune, rep: User
) -> None:
    master, merged, _ = merged_pair(core, rep, "account")
    lead_id = lead(core, rep, "Ng", company="Acme")
    before = every_row(core)
    with pytest.raises(MergedRecordError) as caught:
        core.conversions.convert(rep, lead_id, {**CONVERTED, "account_id": merged})
    assert [(f.field, f.code) for f in caught.value.fields] == [("account_id", "RECORD_MERGED")]
    assert f"Account {merged} was merged into account {master}" in caught.value.message
    assert every_row(core) == before


def test_conversion_never_suggests_a_merged_account(core: Opportune, rep: User) -> None:
    master, _, _ = merged_pair(core, rep, "account")
    lead_id = lead(core, rep, "Ng", company="Acme")
    suggested = core.conversions.suggestions(rep, lead_id)
    assert [s.account.id for s in suggested.accounts] == [master]


@pytest.mark.parametrize("kind", ["lead", "contact", "account"])
def test_after_undo_the_record_can_be_edited_again(core: Opportune, rep: User, kind: str) -> None:
    service: Any = {"lead": core.leads, "contact": core.contacts, "account": core.accounts}[kind]
    _, merged, merge_id = merged_pair(core, rep, kind)

    core.merges.undo(rep, merge_id)

    changed = service.update(rep, merged, {"phone": "555 0199"})
    assert (changed.phone, changed.merged_into_id) == ("555 0199", None)
    service.delete(rep, merged)


@pytest.mark.parametrize("kind", ["lead", "contact", "account"])
def test_activities_cannot_be_added_to_a_merged_record(
    core: Opportune, rep: User, kind: str
) -> None:
    master, merged, _ = merged_pair(core, rep, kind)
    field = f"{kind}_id"
    before = every_row(core)
    with pytest.raises(ValidationError) as caught:
        core.activities.create(rep, {"kind": "note", "title": "Met", field: merged})
    [error] = caught.value.fields
    noun = kind.capitalize()
    assert (error.field, error.code) == (field, "RECORD_MERGED")
    assert error.message == f"{noun} {merged} was merged into {kind} {master}; use {kind} {master}"
    assert every_row(core) == before
    note = core.activities.create(rep, {"kind": "note", "title": "Met", field: master})
    assert getattr(note, field) == master


def test_a_merged_contact_cannot_get_a_contact_role(core: Opportune, rep: User) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    contacts = [
        core.contacts.create(rep, {"last_name": "Smith", "account_id": account.id}).id
        for _ in range(2)
    ]
    core.merges.merge(rep, "contact", contacts[0], contacts)
    opp = core.opportunities.create(rep, {"name": "Deal", "account_id": account.id,
                                          "close_date": "2027-01-31"})  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        core.opportunities.add_contact_role(
            rep, opp.id or 0, {"contact_id": contacts[1], "role": "Decision Maker"}
        )
    assert [(e.field, e.code) for e in caught.value.fields] == [("contact_id", "RECORD_MERGED")]
    role = core.opportunities.add_contact_role(
        rep, opp.id or 0, {"contact_id": contacts[0], "role": "Decision Maker"}
    )
    assert role.contact_id == contacts[0]
