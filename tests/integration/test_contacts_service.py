"""Contact use cases through the service layer, on every database engine."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from opportune import (
    NotFoundError,
    Opportune,
    PermissionDeniedError,
    StaleRecordError,
    User,
    ValidationError,
)
from opportune.db import tables as t
from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.services.contacts import ContactFilters, ContactService
from opportune.services.uow import UnitOfWork

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def contact_count(core: Opportune) -> int:
    with UnitOfWork(core.engine) as uow:
        return uow.contacts.count()


def stored(core: Opportune, contact_id: int | None) -> Contact:
    with UnitOfWork(core.engine) as uow:
        contact = uow.contacts.get(contact_id or 0)
    assert contact is not None
    return contact


def account(core: Opportune, actor: User, name: str) -> Account:
    return core.accounts.create(actor, {"name": name})


def make(core: Opportune, actor: User, last_name: str, **data: object) -> Contact:
    return core.contacts.create(actor, {"last_name": last_name, **data})


def names(core: Opportune, actor: User, **filters: object) -> list[str]:
    page = core.contacts.list(actor, ContactFilters(**filters))  # type: ignore[arg-type]
    return [contact.name for contact in page.items]


def add_contact_role(core: Opportune, contact: Contact, acc: Account, owner: User) -> None:
    with core.engine.begin() as conn:
        stage_id = conn.execute(select(t.opportunity_stages.c.id).limit(1)).scalar_one()
        opportunity_id = conn.execute(
            insert(t.opportunities)
            .values(
                name="Deal", account_id=acc.id, stage_id=stage_id, close_date=date(2026, 6, 1),
                currency_code="EUR", probability=10, forecast_category="Pipeline",
                owner_id=owner.id, created_at=NOW, created_by_id=owner.id, updated_at=NOW,
                updated_by_id=owner.id,
            )
            .returning(t.opportunities.c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(
            insert(t.opportunity_contact_roles).values(
                opportunity_id=opportunity_id, contact_id=contact.id, role="Evaluator"
            )
        )


def add_call(core: Opportune, owner: User, **about: object) -> None:
    with core.engine.begin() as conn:
        conn.execute(
            insert(t.activities).values(
                kind="call", subject="Intro call", owner_id=owner.id, occurred_at=NOW,
                created_at=NOW, created_by_id=owner.id, updated_at=NOW, updated_by_id=owner.id,
                **about,
            )
        )  # fmt: skip


def test_every_field_is_stored_and_read_back(core: Opportune, admin: User, rep: User) -> None:
    acme = account(core, admin, "Acme")
    data: dict[str, object] = {
        "salutation": "dr.", "first_name": "Mei", "last_name": "Ng", "title": "CTO",
        "email": "Mei@ACME-LTD.com", "phone": "+44 20 7946 0000", "mobile_phone": "+44 7700 900000",
        "fax": "+44 20 7946 0001", "mailing_street": "1 High St", "mailing_city": "London",
        "mailing_state": "Greater London", "mailing_postal_code": "EC1A 1AA",
        "mailing_country": "United Kingdom", "lead_source": "web", "do_not_call": "yes",
        "has_opted_out_of_email": True, "description": "Met at the expo.\nWants a demo.",
        "account_id": str(acme.id), "owner_id": rep.id,
    }  # fmt: skip
    created = ContactService(core.engine, lambda: NOW).create(admin, data)
    contact = core.contacts.get(rep, created.id or 0)
    assert contact == created
    web = next(s.id for s in core.picklists.lead_picklists().sources if s.label == "Web")
    expected = {
        **{k: v for k, v in data.items() if k != "lead_source"},
        "salutation": "Dr.", "email": "Mei@acme-ltd.com", "do_not_call": True,
        "account_id": acme.id, "source_id": web, "id": created.id, "version": 1,
        "merged_into_id": None,
        "created_at": NOW, "created_by_id": admin.id, "updated_at": NOW, "updated_by_id": admin.id,
    }  # fmt: skip
    assert dataclasses.asdict(contact) == expected
    assert contact.name == "Mei Ng"


def test_a_new_contact_needs_only_a_last_name_and_belongs_to_its_creator(
    core: Opportune, rep: User
) -> None:
    contact = make(core, rep, "Ng")
    after = stored(core, contact.id)
    assert (after.owner_id, after.account_id, after.do_not_call) == (rep.id, None, False)


def test_every_bad_field_is_named_and_nothing_is_saved(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.contacts.create(
            rep,
            {"first_name": "x" * 41, "email": "not-an-email", "salutation": "Sir",
             "do_not_call": "perhaps", "lead_source": "Carrier pigeon", "account_id": "acme",
             "mailing_city": "a\x00b", "created_at": "2026-01-01", "shoe_size": 9},
        )  # fmt: skip
    assert {f.field: f.code for f in exc.value.fields} == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "first_name": "STRING_TOO_LONG",
        "email": "INVALID_EMAIL_ADDRESS",
        "salutation": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "do_not_call": "INVALID_TYPE",
        "lead_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "account_id": "INVALID_CROSS_REFERENCE_KEY",
        "mailing_city": "INVALID_CHARACTER",
        "created_at": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "shoe_size": "INVALID_FIELD",
    }
    assert contact_count(core) == 0


def test_an_unknown_owner_and_an_unknown_account_are_both_named(
    core: Opportune, admin: User, rep: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        make(core, admin, "Ng", owner_id=9999, account_id=4242)
    assert {f.field: f.code for f in exc.value.fields} == {
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
        "account_id": "INVALID_CROSS_REFERENCE_KEY",
    }
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(ValidationError) as inactive:
        make(core, admin, "Ng", owner_id=rep.id)
    assert inactive.value.fields[0].field == "owner_id"
    assert contact_count(core) == 0


def test_a_contact_moves_between_accounts_and_can_be_detached(core: Opportune, rep: User) -> None:
    first, second = account(core, rep, "First"), account(core, rep, "Second")
    contact = make(core, rep, "Ng", account_id=first.id)
    moved = core.contacts.update(rep, contact.id or 0, {"account_id": second.id})
    assert (moved.account_id, moved.version) == (second.id, 2)
    assert core.accounts.contacts_of(rep, first.id or 0) == []
    assert [c.id for c in core.accounts.contacts_of(rep, second.id or 0)] == [contact.id]
    assert core.contacts.update(rep, contact.id or 0, {"account_id": None}).account_id is None
    history = core.contacts.history(rep, contact.id or 0)
    assert [(h.field, h.old_value, h.new_value) for h in history] == [
        ("account_id", str(second.id), None),
        ("account_id", str(first.id), str(second.id)),
    ]


def test_an_update_to_an_unknown_account_or_owner_changes_nothing(
    core: Opportune, rep: User
) -> None:
    acme = account(core, rep, "Acme")
    contact = make(core, rep, "Ng", account_id=acme.id)
    for bad in ({"account_id": 4242}, {"owner_id": 9999}):
        with pytest.raises(ValidationError) as exc:
            core.contacts.update(rep, contact.id or 0, {"title": "CTO", **bad})
        assert [(f.field, f.code) for f in exc.value.fields] == [
            (next(iter(bad)), "INVALID_CROSS_REFERENCE_KEY")
        ]
    after = stored(core, contact.id)
    assert (after.title, after.account_id, after.owner_id, after.version) == (
        None, acme.id, rep.id, 1,
    )  # fmt: skip
    assert core.contacts.history(rep, contact.id or 0) == []


def test_an_update_with_a_stale_version_is_refused(core: Opportune, rep: User) -> None:
    contact = make(core, rep, "Ng")
    core.contacts.update(rep, contact.id or 0, {"title": "CEO"}, expected_version=1)
    with pytest.raises(StaleRecordError):
        core.contacts.update(rep, contact.id or 0, {"title": "CFO"}, expected_version=1)
    after = stored(core, contact.id)
    assert (after.title, after.version) == ("CEO", 2)


def test_a_failed_update_leaves_the_contact_as_it_was(core: Opportune, rep: User) -> None:
    contact = make(core, rep, "Ng", title="CEO")
    with pytest.raises(ValidationError):
        core.contacts.update(rep, contact.id or 0, {"title": "CTO", "email": "broken"})
    with pytest.raises(ValidationError):
        core.contacts.update(rep, contact.id or 0, {"last_name": ""})
    after = stored(core, contact.id)
    assert (after.last_name, after.title, after.version) == ("Ng", "CEO", 1)


def test_unknown_contacts_are_not_found(core: Opportune, rep: User) -> None:
    for call in (
        lambda: core.contacts.get(rep, 404),
        lambda: core.contacts.update(rep, 404, {"title": "CEO"}),
        lambda: core.contacts.delete(rep, 404),
        lambda: core.contacts.history(rep, 404),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_every_saved_change_is_kept_in_the_field_history(
    core: Opportune, admin: User, rep: User
) -> None:
    # Contacts open to all for read and write, so the rep may change the admin's contact.
    core.sharing.set_org_default(None, "contact", "read_write")
    contact = make(core, admin, "Ng")
    core.contacts.update(admin, contact.id or 0, {"title": "CTO", "do_not_call": True})
    core.contacts.update(rep, contact.id or 0, {"title": "CEO", "lead_source": "Web"})
    history = core.contacts.history(admin, contact.id or 0)
    saves: dict[object, set[tuple[object, ...]]] = {}
    for h in history:  # newest save first; the order within a save is not promised
        assert (h.object_type, h.record_id) == ("contact", contact.id)
        saves.setdefault(h.changed_at, set()).add(
            (h.field, h.old_value, h.new_value, h.changed_by_id)
        )
    web = next(s.id for s in core.picklists.lead_picklists().sources if s.label == "Web")
    assert list(saves.values()) == [
        {("title", "CTO", "CEO", rep.id), ("source_id", None, str(web), rep.id)},
        {("title", None, "CTO", admin.id), ("do_not_call", "false", "true", admin.id)},
    ]


def test_a_contact_goes_to_the_recycle_bin_with_its_contact_roles_and_activities(
    core: Opportune, manager: User, rep: User
) -> None:
    acme = account(core, rep, "Acme")
    in_a_deal = make(core, rep, "Deal", account_id=acme.id)
    called = make(core, rep, "Called")
    add_contact_role(core, in_a_deal, acme, rep)
    add_call(core, rep, contact_id=called.id)
    core.contacts.delete(rep, in_a_deal.id or 0)
    core.contacts.delete(rep, called.id or 0)
    assert contact_count(core) == 0
    deal = core.recycle_bin.find(rep, "contact", in_a_deal.id or 0)
    call = core.recycle_bin.find(rep, "contact", called.id or 0)
    assert (deal.related_count, call.related_count) == (1, 1)


def test_a_rep_deletes_own_contacts_but_not_someone_elses(
    core: Opportune, manager: User, rep: User
) -> None:
    # Contacts open to all for read and write: the rep may edit the manager's contact, and
    # the delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "contact", "read_write")
    mine = make(core, rep, "Mine")
    theirs = make(core, manager, "Theirs")
    with pytest.raises(PermissionDeniedError) as exc:
        core.contacts.delete(rep, theirs.id or 0)
    assert exc.value.message == "Only the contact's owner, a manager or an admin can delete it"
    core.contacts.delete(rep, mine.id or 0)
    core.contacts.delete(manager, theirs.id or 0)
    assert contact_count(core) == 0
    with pytest.raises(NotFoundError):
        core.contacts.get(rep, mine.id or 0)


def test_the_lead_delete_rule_keeps_its_message(core: Opportune, manager: User, rep: User) -> None:
    # Leads open to all for read and write: the rep may edit the manager's lead, and the
    # delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "lead", "read_write")
    lead = core.leads.create(manager, {"last_name": "Ng", "company": "Acme"})
    with pytest.raises(PermissionDeniedError) as exc:
        core.leads.delete(rep, lead.id or 0)
    assert exc.value.message == "Only the lead's owner, a manager or an admin can delete it"


def seed(core: Opportune, admin: User, rep: User) -> tuple[Account, Account]:
    acme, bolt = account(core, admin, "Acme"), account(core, admin, "Bolt")
    rows: list[dict[str, object]] = [
        {"first_name": "Ann", "last_name": "Adams", "account_id": acme.id,
         "email": "ann@acme.example"},
        {"last_name": "Baker", "account_id": bolt.id, "owner_id": rep.id,
         "email": "b_100%@bolt.example"},
        {"first_name": "Chen", "last_name": "Li", "account_id": acme.id, "owner_id": rep.id},
        {"last_name": "Diaz"},
    ]  # fmt: skip
    for row in rows:
        core.contacts.create(admin, row)
    return acme, bolt


def test_the_list_filters_by_account_and_owner(core: Opportune, admin: User, rep: User) -> None:
    acme, bolt = seed(core, admin, rep)
    assert sorted(names(core, admin, account=[str(acme.id)])) == ["Ann Adams", "Chen Li"]
    assert sorted(names(core, admin, account=[f"{acme.id},{bolt.id}"])) == [
        "Ann Adams", "Baker", "Chen Li",
    ]  # fmt: skip
    assert sorted(names(core, rep, owner=["me"])) == ["Baker", "Chen Li"]
    assert names(core, admin, owner=[rep.email], account=[str(acme.id)]) == ["Chen Li"]


def test_search_matches_every_word_in_name_or_email_literally(
    core: Opportune, admin: User, rep: User
) -> None:
    seed(core, admin, rep)
    assert names(core, admin, q="ADAMS") == ["Ann Adams"]
    assert names(core, admin, q="chen li") == ["Chen Li"]
    assert names(core, admin, q="ann@acme") == ["Ann Adams"]
    assert sorted(names(core, admin, q="example")) == ["Ann Adams", "Baker"]
    assert names(core, admin, q="b_100%") == ["Baker"]
    assert names(core, admin, q="n%a") == []
    assert names(core, admin, q="zzz") == []


def test_the_created_range_includes_both_end_days(core: Opportune, rep: User) -> None:
    for day in (1, 2, 3):
        when = datetime(2026, 3, day, 23, 59, tzinfo=UTC)
        ContactService(core.engine, lambda when=when: when).create(rep, {"last_name": f"D{day}"})  # type: ignore[misc]
    got = names(core, rep, created_from=date(2026, 3, 2), created_to=date(2026, 3, 3))
    assert got == ["D3", "D2"]


def test_bad_filters_are_named(core: Opportune, rep: User) -> None:
    acme = account(core, rep, "Acme")
    with pytest.raises(ValidationError) as exc:
        names(
            core, rep, account=[str(acme.id), "4242", "acme"], owner=["ghost@example.com"],
            created_from=date(2026, 3, 3), created_to=date(2026, 3, 2), q="\x07",
            sort="-shoe_size", cursor="garbage!", limit=100_000,
        )  # fmt: skip
    fields = [f.field for f in exc.value.fields]
    assert sorted(fields) == sorted(
        ["account", "account", "owner", "created_to", "q", "sort", "cursor", "limit"]
    )
    messages = [f.message for f in exc.value.fields if f.field == "account"]
    assert sorted(messages) == ["Unknown account '4242'", "Unknown account 'acme'"]


@pytest.mark.parametrize("sort", ["-created_at", "updated_at", "last_name", "-first_name"])
def test_keyset_pages_cover_every_contact_once_forwards_and_backwards(
    core: Opportune, rep: User, sort: str
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(23):
        # Equal timestamps and names in pairs exercise the id tiebreaker.
        when = start + timedelta(minutes=i // 2)
        row = {"last_name": f"N{i % 7}", "first_name": None if i % 3 else f"F{i % 4}"}
        ContactService(core.engine, lambda when=when: when).create(rep, row)  # type: ignore[misc]
    pages, cursor = [], None
    while True:
        page = core.contacts.list(rep, ContactFilters(sort=sort, limit=5, cursor=cursor))
        pages.append([c.id for c in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    flat = [i for p in pages for i in p]
    everything = core.contacts.list(rep, ContactFilters(sort=sort, limit=100)).items
    assert flat == [c.id for c in everything] and len(set(flat)) == 23
    back, prev = [], page.prev_cursor
    while prev is not None:
        earlier = core.contacts.list(rep, ContactFilters(sort=sort, limit=5, cursor=prev))
        back.insert(0, [c.id for c in earlier.items])
        prev = earlier.prev_cursor
    assert back == pages[:-1]


def test_the_total_counts_all_matches_not_just_the_page(core: Opportune, rep: User) -> None:
    acme = account(core, rep, "Acme")
    for i in range(7):
        make(core, rep, f"L{i}", account_id=acme.id if i % 2 else None)
    page = core.contacts.list(rep, ContactFilters(account=[str(acme.id)], limit=2, with_total=True))
    assert (len(page.items), page.total) == (2, 3)
