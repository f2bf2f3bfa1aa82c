"""Account use cases through the service layer, on every database engine."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

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
from opportune.services.accounts import AccountFilters, AccountService
from opportune.services.uow import UnitOfWork

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def account_count(core: Opportune) -> int:
    with UnitOfWork(core.engine) as uow:
        return uow.accounts.count()


def stored(core: Opportune, account_id: int | None) -> Account:
    with UnitOfWork(core.engine) as uow:
        account = uow.accounts.get(account_id or 0)
    assert account is not None
    return account


def make(core: Opportune, actor: User, name: str, **data: object) -> Account:
    return core.accounts.create(actor, {"name": name, **data})


def names(core: Opportune, actor: User, **filters: object) -> list[str]:
    page = core.accounts.list(actor, AccountFilters(**filters))  # type: ignore[arg-type]
    return [account.name for account in page.items]


def source_id(core: Opportune, label: str) -> int:
    return next(s.id for s in core.picklists.lead_picklists().sources if s.label == label)


def add_opportunity(core: Opportune, account: Account, owner: User) -> None:
    with core.engine.begin() as conn:
        stage_id = conn.execute(select(t.opportunity_stages.c.id).limit(1)).scalar_one()
        conn.execute(
            insert(t.opportunities).values(
                name="Deal", account_id=account.id, stage_id=stage_id, close_date=date(2026, 6, 1),
                currency_code="EUR", probability=10, forecast_category="Pipeline",
                owner_id=owner.id, created_at=NOW, created_by_id=owner.id, updated_at=NOW,
                updated_by_id=owner.id,
            )
        )  # fmt: skip


def add_task(core: Opportune, owner: User, **about: object) -> None:
    with core.engine.begin() as conn:
        conn.execute(
            insert(t.activities).values(
                kind="task", subject="Call back", status="Open", owner_id=owner.id,
                created_at=NOW, created_by_id=owner.id, updated_at=NOW, updated_by_id=owner.id,
                **about,
            )
        )  # fmt: skip


def test_every_field_is_stored_and_read_back(core: Opportune, admin: User, rep: User) -> None:
    parent = make(core, admin, "Acme Group")
    data: dict[str, object] = {
        "name": "Acme Ltd", "website": "https://acme-ltd.com", "phone": "+44 20 7946 0000",
        "fax": "+44 20 7946 0001", "industry": "technology", "annual_revenue": "2,500,000.5",
        "number_of_employees": 120, "rating": "warm",
        "billing_street": "1 High St", "billing_city": "London", "billing_state": "Greater London",
        "billing_postal_code": "EC1A 1AA", "billing_country": "United Kingdom",
        "shipping_street": "2 Dock Rd", "shipping_city": "Leeds", "shipping_state": "Yorkshire",
        "shipping_postal_code": "LS1 1AA", "shipping_country": "United Kingdom",
        "account_source": "partner referral", "parent_account_id": parent.id, "owner_id": rep.id,
        "description": "Key account.\nRenewal in spring.",
    }  # fmt: skip
    created = AccountService(core.engine, lambda: NOW).create(admin, data)
    account = core.accounts.get(rep, created.id or 0)
    assert account == created
    expected = {
        **{k: v for k, v in data.items() if k != "account_source"},
        "industry": "Technology", "annual_revenue": Decimal("2500000.50"), "rating": "Warm",
        "source_id": source_id(core, "Partner Referral"), "id": created.id, "version": 1,
        "merged_into_id": None,
        "created_at": NOW, "created_by_id": admin.id, "updated_at": NOW, "updated_by_id": admin.id,
    }  # fmt: skip
    assert dataclasses.asdict(account) == expected


def test_a_new_account_belongs_to_its_creator(core: Opportune, rep: User) -> None:
    account = make(core, rep, "Acme")
    assert (stored(core, account.id).owner_id, account.version) == (rep.id, 1)


def test_every_bad_field_is_named_and_nothing_is_saved(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.accounts.create(
            rep,
            {"name": " ", "industry": "Alchemy", "annual_revenue": "-1", "rating": "Tepid",
             "number_of_employees": "many", "account_source": "Carrier pigeon",
             "parent_account_id": "top", "website": "w" * 256, "version": 3, "colour": "red"},
        )  # fmt: skip
    assert {f.field: f.code for f in exc.value.fields} == {
        "name": "REQUIRED_FIELD_MISSING",
        "industry": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "annual_revenue": "NUMBER_OUTSIDE_VALID_RANGE",
        "rating": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "number_of_employees": "INVALID_TYPE",
        "account_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "parent_account_id": "INVALID_CROSS_REFERENCE_KEY",
        "website": "STRING_TOO_LONG",
        "version": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "colour": "INVALID_FIELD",
    }
    assert account_count(core) == 0


def test_an_unknown_owner_and_an_unknown_parent_are_both_named(
    core: Opportune, admin: User, rep: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        make(core, admin, "Acme", owner_id=9999, parent_account_id=4242)
    assert {f.field: f.code for f in exc.value.fields} == {
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
        "parent_account_id": "INVALID_CROSS_REFERENCE_KEY",
    }
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(ValidationError) as inactive:
        make(core, admin, "Acme", owner_id=rep.id)
    assert inactive.value.fields[0].field == "owner_id"
    assert account_count(core) == 0


def test_an_update_to_an_unknown_owner_or_parent_changes_nothing(
    core: Opportune, rep: User
) -> None:
    account = make(core, rep, "Acme")
    for bad in ({"owner_id": 9999}, {"parent_account_id": 4242}):
        with pytest.raises(ValidationError) as exc:
            core.accounts.update(rep, account.id or 0, {"phone": "123", **bad})
        assert [f.field for f in exc.value.fields] == list(bad)
    after = stored(core, account.id)
    assert (after.phone, after.owner_id, after.parent_account_id, after.version) == (
        None, rep.id, None, 1,
    )  # fmt: skip
    assert core.accounts.history(rep, account.id or 0) == []


def test_a_parent_below_the_account_would_close_a_loop_and_is_refused(
    core: Opportune, rep: User
) -> None:
    top = make(core, rep, "Top")
    middle = make(core, rep, "Middle", parent_account_id=top.id)
    bottom = make(core, rep, "Bottom", parent_account_id=middle.id)
    for parent in (bottom, middle, top):
        with pytest.raises(ValidationError) as exc:
            core.accounts.update(rep, top.id or 0, {"parent_account_id": parent.id})
        assert exc.value.fields[0].field == "parent_account_id"
        assert exc.value.fields[0].code == "CIRCULAR_DEPENDENCY"
    assert stored(core, top.id).parent_account_id is None
    # Moving a branch elsewhere in the hierarchy is fine.
    other = make(core, rep, "Other")
    moved = core.accounts.update(rep, middle.id or 0, {"parent_account_id": other.id})
    assert moved.parent_account_id == other.id
    assert core.accounts.update(rep, top.id or 0, {"parent_account_id": bottom.id}).version == 2


def test_an_update_with_a_stale_version_is_refused(core: Opportune, rep: User) -> None:
    account = make(core, rep, "Acme")
    core.accounts.update(rep, account.id or 0, {"phone": "1"}, expected_version=1)
    with pytest.raises(StaleRecordError):
        core.accounts.update(rep, account.id or 0, {"phone": "2"}, expected_version=1)
    after = stored(core, account.id)
    assert (after.phone, after.version) == ("1", 2)


def test_a_failed_update_leaves_the_account_as_it_was(core: Opportune, rep: User) -> None:
    account = make(core, rep, "Acme", phone="1")
    with pytest.raises(ValidationError):
        core.accounts.update(rep, account.id or 0, {"phone": "2", "rating": "Tepid"})
    with pytest.raises(ValidationError):
        core.accounts.update(rep, account.id or 0, {"name": None})
    after = stored(core, account.id)
    assert (after.name, after.phone, after.version) == ("Acme", "1", 1)


def test_an_update_that_changes_nothing_keeps_the_version(core: Opportune, rep: User) -> None:
    account = make(core, rep, "Acme", phone="1")
    assert core.accounts.update(rep, account.id or 0, {"phone": " 1 "}).version == 1
    assert core.accounts.history(rep, account.id or 0) == []


def test_unknown_accounts_are_not_found(core: Opportune, rep: User) -> None:
    for call in (
        lambda: core.accounts.get(rep, 404),
        lambda: core.accounts.update(rep, 404, {"phone": "1"}),
        lambda: core.accounts.delete(rep, 404),
        lambda: core.accounts.history(rep, 404),
        lambda: core.accounts.contacts_of(rep, 404),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_every_saved_change_is_kept_in_the_field_history(
    core: Opportune, admin: User, rep: User
) -> None:
    # Accounts open to all for read and write, so the rep may change the admin's account.
    core.sharing.set_org_default(None, "account", "read_write")
    account = make(core, admin, "Acme")
    core.accounts.update(admin, account.id or 0, {"phone": "1", "rating": "Hot"})
    core.accounts.update(rep, account.id or 0, {"phone": "2", "owner_id": rep.id})
    history = core.accounts.history(rep, account.id or 0)
    saves: dict[object, set[tuple[object, ...]]] = {}
    for h in history:  # newest save first; the order within a save is not promised
        assert (h.object_type, h.record_id) == ("account", account.id)
        saves.setdefault(h.changed_at, set()).add(
            (h.field, h.old_value, h.new_value, h.changed_by_id)
        )
    assert list(saves.values()) == [
        {("phone", "1", "2", rep.id), ("owner_id", str(admin.id), str(rep.id), rep.id)},
        {("phone", None, "1", admin.id), ("rating", None, "Hot", admin.id)},
    ]


def test_an_account_lists_its_contacts_by_name(core: Opportune, rep: User) -> None:
    acme, other = make(core, rep, "Acme"), make(core, rep, "Other")
    for last, first in (("Ng", "Mei"), ("Adams", None), ("Ng", "Al")):
        core.contacts.create(rep, {"last_name": last, "first_name": first, "account_id": acme.id})
    core.contacts.create(rep, {"last_name": "Elsewhere", "account_id": other.id})
    got = [c.name for c in core.accounts.contacts_of(rep, acme.id or 0)]
    assert got == ["Adams", "Al Ng", "Mei Ng"]


def test_an_account_goes_to_the_bin_with_its_records_and_child_accounts_lose_their_parent(
    core: Opportune, rep: User
) -> None:
    account = make(core, rep, "Acme")
    core.contacts.create(rep, {"last_name": "Ng", "account_id": account.id})
    child = make(core, rep, "Acme Child", parent_account_id=account.id)
    add_opportunity(core, account, rep)
    add_task(core, rep, account_id=account.id)
    core.accounts.delete(rep, account.id or 0)
    assert account_count(core) == 1
    assert core.accounts.get(rep, child.id or 0).parent_account_id is None
    entry = core.recycle_bin.find(rep, "account", account.id or 0)
    assert entry.related_count == 3
    core.recycle_bin.restore(rep, entry.id)
    assert core.accounts.get(rep, child.id or 0).parent_account_id == account.id


def test_an_account_with_nothing_left_is_deleted(core: Opportune, rep: User) -> None:
    account = make(core, rep, "Acme")
    core.accounts.delete(rep, account.id or 0)
    assert account_count(core) == 0
    with pytest.raises(NotFoundError):
        core.accounts.get(rep, account.id or 0)


def test_a_rep_deletes_own_accounts_but_not_someone_elses(
    core: Opportune, manager: User, rep: User
) -> None:
    # Accounts open to all for read and write: the rep may edit the manager's account, and
    # the delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "account", "read_write")
    mine = make(core, rep, "Mine")
    theirs = make(core, manager, "Theirs")
    with pytest.raises(PermissionDeniedError) as exc:
        core.accounts.delete(rep, theirs.id or 0)
    assert exc.value.message == "Only the account's owner, a manager or an admin can delete it"
    assert account_count(core) == 2
    core.accounts.delete(rep, mine.id or 0)
    core.accounts.delete(manager, theirs.id or 0)
    assert account_count(core) == 0


def seed(core: Opportune, admin: User, rep: User) -> None:
    rows: list[dict[str, object]] = [
        {"name": "Acme Ltd", "industry": "Technology", "rating": "Hot",
         "website": "https://acme.example"},
        {"name": "Bolt 100%", "industry": "Energy", "owner_id": rep.id},
        {"name": "Crane", "industry": "technology", "rating": "Cold", "owner_id": rep.id,
         "website": "https://crane_works.example"},
        {"name": "Dyno", "rating": "Warm"},
    ]  # fmt: skip
    for row in rows:
        core.accounts.create(admin, row)


def test_the_list_filters_by_owner_industry_and_rating(
    core: Opportune, admin: User, rep: User
) -> None:
    seed(core, admin, rep)
    assert sorted(names(core, rep, owner=["me"])) == ["Bolt 100%", "Crane"]
    assert sorted(names(core, admin, owner=[rep.email, str(admin.id)])) == [
        "Acme Ltd", "Bolt 100%", "Crane", "Dyno",
    ]  # fmt: skip
    assert sorted(names(core, admin, industry=["TECHNOLOGY"])) == ["Acme Ltd", "Crane"]
    assert sorted(names(core, admin, rating=["hot,cold"])) == ["Acme Ltd", "Crane"]
    assert names(core, admin, industry=["Technology"], rating=["Cold"], owner=["me"]) == []


def test_search_matches_every_word_in_name_or_website_literally(
    core: Opportune, admin: User, rep: User
) -> None:
    seed(core, admin, rep)
    assert names(core, admin, q="ACME") == ["Acme Ltd"]
    assert sorted(names(core, admin, q="example")) == ["Acme Ltd", "Crane"]
    assert names(core, admin, q="crane works") == ["Crane"]  # one word in each column
    assert names(core, admin, q="acme works") == []
    assert names(core, admin, q="e_w") == ["Crane"]
    assert names(core, admin, q="100%") == ["Bolt 100%"]
    assert names(core, admin, q="e%w") == []
    assert names(core, admin, q="  ") == names(core, admin)


def test_the_created_range_includes_both_end_days(core: Opportune, rep: User) -> None:
    for day in (1, 2, 3):
        when = datetime(2026, 3, day, 23, 59, tzinfo=UTC)
        AccountService(core.engine, lambda when=when: when).create(rep, {"name": f"Day{day}"})  # type: ignore[misc]
    got = names(core, rep, created_from=date(2026, 3, 2), created_to=date(2026, 3, 3))
    assert got == ["Day3", "Day2"]
    assert names(core, rep, created_to=date(2026, 3, 1)) == ["Day1"]


def test_bad_filters_are_named(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        names(
            core, rep, owner=["ghost@example.com"], industry=["Alchemy"], rating=["Tepid"],
            created_from=date(2026, 3, 3), created_to=date(2026, 3, 2), q="a\x00",
            sort="shoe_size", cursor="garbage!", limit=0,
        )  # fmt: skip
    assert {f.field for f in exc.value.fields} == {
        "owner", "industry", "rating", "created_to", "q", "sort", "cursor", "limit",
    }  # fmt: skip


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "name", "-industry", "rating"])
def test_keyset_pages_cover_every_account_once_forwards_and_backwards(
    core: Opportune, rep: User, sort: str
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(23):
        # Equal timestamps and names in pairs exercise the id tiebreaker.
        when = start + timedelta(minutes=i // 2)
        row = {"name": f"N{i % 7}", "industry": None if i % 3 else "Energy",
               "rating": ("Hot", "Cold", None)[i % 3]}  # fmt: skip
        AccountService(core.engine, lambda when=when: when).create(rep, row)  # type: ignore[misc]
    pages, cursor = [], None
    while True:
        page = core.accounts.list(rep, AccountFilters(sort=sort, limit=5, cursor=cursor))
        pages.append([a.id for a in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    flat = [i for p in pages for i in p]
    everything = core.accounts.list(rep, AccountFilters(sort=sort, limit=100)).items
    assert flat == [a.id for a in everything] and len(set(flat)) == 23
    back, prev = [], page.prev_cursor
    while prev is not None:
        earlier = core.accounts.list(rep, AccountFilters(sort=sort, limit=5, cursor=prev))
        back.insert(0, [a.id for a in earlier.items])
        prev = earlier.prev_cursor
    assert back == pages[:-1]


def test_the_total_counts_all_matches_not_just_the_page(core: Opportune, rep: User) -> None:
    for i in range(7):
        make(core, rep, f"A{i}", rating="Hot" if i % 2 else None)
    page = core.accounts.list(rep, AccountFilters(limit=2, rating=["Hot"], with_total=True))
    assert (len(page.items), page.total) == (2, 3)
    assert core.accounts.list(rep, AccountFilters(limit=2)).total is None
