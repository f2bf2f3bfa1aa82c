"""Lead use cases through the service layer, on every database engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from opportune import (
    LeadFilters,
    NotFoundError,
    Opportune,
    PermissionDeniedError,
    StaleRecordError,
    User,
    ValidationError,
)
from opportune.services.leads import LeadService


def lead_count(core: Opportune) -> int:
    from opportune.services.uow import UnitOfWork

    with UnitOfWork(core.engine) as uow:
        return uow.leads.count()


def names(core: Opportune, actor: User, **filters: object) -> list[str]:
    page = core.leads.list(actor, LeadFilters(**filters)).page  # type: ignore[arg-type]
    return [lead.last_name for lead in page.items]


def test_a_new_lead_gets_the_default_status_and_its_creator_as_owner(
    core: Opportune, rep: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    stored = core.leads.get(rep, lead.id or 0)
    assert core.picklists.lead_picklists().status(stored.status_id).label == "Open - Not Contacted"
    assert stored.owner_id == rep.id
    assert stored.is_unread_by_owner is False


def test_every_field_is_stored_and_read_back(core: Opportune, admin: User, rep: User) -> None:
    data: dict[str, object] = {
        "salutation": "Dr.", "first_name": "Mei", "last_name": "Ng", "title": "CTO",
        "company": "Acme Ltd", "email": "mei@acme-ltd.com", "phone": "+44 20 7946 0000",
        "mobile_phone": "+44 7700 900000", "fax": "+44 20 7946 0001",
        "website": "https://acme-ltd.com", "street": "1 High St", "city": "London",
        "state": "Greater London", "postal_code": "EC1A 1AA", "country": "United Kingdom",
        "lead_source": "Partner Referral", "status": "Working - Contacted", "rating": "Warm",
        "industry": "Technology", "annual_revenue": "2500000", "number_of_employees": 120,
        "description": "Met at the expo.\nWants a demo.", "owner_id": rep.id,
        "do_not_call": True, "has_opted_out_of_email": True,
    }  # fmt: skip
    lead = core.leads.create(admin, data)
    record = core.leads.lookups().record(core.leads.get(admin, lead.id or 0))
    expected = {**data, "annual_revenue": "2500000.00"}
    assert {k: record[k] for k in expected} == expected
    assert record["owner_name"] == rep.name and record["is_unread_by_owner"] is True


def test_an_invalid_lead_is_refused_and_nothing_is_saved(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.leads.create(rep, {"last_name": "Ng", "company": "", "email": "nope"})
    assert {f.field for f in exc.value.fields} == {"company", "email"}
    assert lead_count(core) == 0


def test_an_unknown_or_inactive_owner_is_refused(core: Opportune, admin: User, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.leads.create(admin, {"last_name": "Ng", "company": "A", "owner_id": 9999})
    assert exc.value.fields[0].code == "INVALID_CROSS_REFERENCE_KEY"
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(ValidationError):
        core.leads.create(admin, {"last_name": "Ng", "company": "A", "owner_id": rep.id})
    assert lead_count(core) == 0


def test_opening_an_assigned_lead_marks_it_read_only_for_its_owner(
    core: Opportune, admin: User, rep: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "A", "owner_id": rep.id})
    assert core.leads.get(admin, lead.id or 0).is_unread_by_owner
    assert not core.leads.get(rep, lead.id or 0).is_unread_by_owner
    assert not core.leads.get(admin, lead.id or 0, mark_read=False).is_unread_by_owner


def test_an_update_with_a_stale_version_is_refused(core: Opportune, rep: User) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "A"})
    core.leads.update(rep, lead.id or 0, {"title": "CEO"}, expected_version=1)
    with pytest.raises(StaleRecordError):
        core.leads.update(rep, lead.id or 0, {"title": "CFO"}, expected_version=1)
    assert core.leads.get(rep, lead.id or 0).title == "CEO"


def test_a_failed_update_leaves_the_lead_as_it_was(core: Opportune, rep: User) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "A", "title": "CEO"})
    with pytest.raises(ValidationError):
        core.leads.update(rep, lead.id or 0, {"title": "CTO", "email": "broken"})
    after = core.leads.get(rep, lead.id or 0)
    assert (after.title, after.version) == ("CEO", 1)


def test_a_rep_deletes_own_leads_but_not_someone_elses(
    core: Opportune, manager: User, rep: User
) -> None:
    # Leads open to all for read and write: the rep may edit the manager's lead, and the
    # delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "lead", "read_write")
    mine = core.leads.create(rep, {"last_name": "Mine", "company": "A"})
    theirs = core.leads.create(manager, {"last_name": "Theirs", "company": "A"})
    with pytest.raises(PermissionDeniedError):
        core.leads.delete(rep, theirs.id or 0)
    core.leads.delete(rep, mine.id or 0)
    core.leads.delete(manager, theirs.id or 0)
    assert lead_count(core) == 0
    with pytest.raises(NotFoundError):
        core.leads.get(rep, mine.id or 0)


def test_create_many_is_all_or_nothing_and_names_the_bad_row(core: Opportune, rep: User) -> None:
    rows: list[dict[str, object]] = [{"last_name": f"L{i}", "company": "A"} for i in range(5)]
    rows[3] = {"last_name": "Bad"}
    with pytest.raises(ValidationError) as exc:
        core.leads.create_many(rep, rows)
    assert exc.value.fields[0].field == "rows[3].company"
    assert lead_count(core) == 0
    assert core.leads.create_many(rep, rows[:3]) == 3


def seed(core: Opportune, admin: User, rep: User) -> None:
    rows: list[dict[str, object]] = [
        {"last_name": "Adams", "company": "Acme", "lead_source": "Web", "rating": "Hot"},
        {"last_name": "Baker", "company": "Bolt 100%", "status": "Working - Contacted",
         "owner_id": rep.id},
        {"last_name": "Chen", "company": "Acme", "email": "chen@acme-ltd.com", "owner_id": rep.id,
         "lead_source": "Phone Inquiry", "rating": "Cold"},
        {"last_name": "Diaz", "company": "Dyno_Co", "status": "Closed - Not Converted",
         "close_reason": "No need"},
    ]  # fmt: skip
    for row in rows:
        core.leads.create(admin, row)


def test_the_list_filters_by_status_source_owner_rating_and_unread(
    core: Opportune, admin: User, rep: User
) -> None:
    seed(core, admin, rep)
    assert names(core, admin, status=["Working - Contacted"]) == ["Baker"]
    assert sorted(names(core, admin, lead_source=["web", "Phone Inquiry"])) == ["Adams", "Chen"]
    assert sorted(names(core, rep, owner=["me"])) == ["Baker", "Chen"]
    assert sorted(names(core, admin, owner=[rep.email])) == ["Baker", "Chen"]
    assert names(core, admin, rating=["cold"]) == ["Chen"]
    assert sorted(names(core, admin, unread=True)) == ["Baker", "Chen"]


def test_search_matches_every_word_in_name_company_or_email_literally(
    core: Opportune, admin: User, rep: User
) -> None:
    seed(core, admin, rep)
    assert sorted(names(core, admin, q="acme")) == ["Adams", "Chen"]
    assert names(core, admin, q="acme chen") == ["Chen"]
    assert names(core, admin, q="chen@acme") == ["Chen"]
    assert names(core, admin, q="100%") == ["Baker"]
    assert names(core, admin, q="o_c") == ["Diaz"]
    assert names(core, admin, q="zzz") == []


def test_the_created_range_includes_both_end_days(core: Opportune, rep: User) -> None:
    for day in (1, 2, 3):
        when = datetime(2026, 3, day, 23, 59, tzinfo=UTC)
        LeadService(core.engine, lambda when=when: when).create(  # type: ignore[misc]
            rep, {"last_name": f"Day{day}", "company": "A"}
        )
    got = names(core, rep, created_from=date(2026, 3, 2), created_to=date(2026, 3, 3))
    assert got == ["Day3", "Day2"]
    with pytest.raises(ValidationError) as exc:
        names(core, rep, created_from=date(2026, 3, 3), created_to=date(2026, 3, 2))
    assert exc.value.fields[0].field == "created_to"


def test_bad_filters_are_named(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        names(core, rep, status=["Nope"], owner=["ghost@example.com"], sort="shoe_size", limit=0)
    assert {f.field for f in exc.value.fields} == {"status", "owner", "sort", "limit"}


def test_converted_leads_are_hidden_unless_asked_for(core: Opportune, rep: User) -> None:
    from sqlalchemy import update

    from opportune.db.tables import leads

    core.leads.create(rep, {"last_name": "Open", "company": "A"})
    done = core.leads.create(rep, {"last_name": "Done", "company": "A"})
    with core.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == done.id).values(is_converted=True))
    assert names(core, rep) == ["Open"]
    assert sorted(names(core, rep, include_converted=True)) == ["Done", "Open"]


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "last_name", "-first_name"])
def test_keyset_pages_cover_every_lead_once_forwards_and_backwards(
    core: Opportune, rep: User, sort: str
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, object]] = [
        {"last_name": f"N{i % 7}", "first_name": None if i % 3 else f"F{i % 4}", "company": "A"}
        for i in range(23)
    ]
    for i, row in enumerate(rows):
        # Equal timestamps in pairs exercise the id tiebreaker.
        when = start + timedelta(minutes=i // 2)
        LeadService(core.engine, lambda when=when: when).create(rep, row)  # type: ignore[misc]
    pages, cursor = [], None
    while True:
        page = core.leads.list(rep, LeadFilters(sort=sort, limit=5, cursor=cursor)).page
        pages.append([lead.id for lead in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    flat = [i for p in pages for i in p]
    everything = core.leads.list(rep, LeadFilters(sort=sort, limit=100)).page.items
    assert flat == [lead.id for lead in everything] and len(flat) == 23
    back, prev = [], page.prev_cursor
    while prev is not None:
        earlier = core.leads.list(rep, LeadFilters(sort=sort, limit=5, cursor=prev)).page
        back.insert(0, [lead.id for lead in earlier.items])
        prev = earlier.prev_cursor
    assert back == pages[:-1]


def test_the_total_counts_all_matches_not_just_the_page(core: Opportune, rep: User) -> None:
    core.leads.create_many(rep, [{"last_name": f"L{i}", "company": "A"} for i in range(12)])
    page = core.leads.list(rep, LeadFilters(limit=5, with_total=True)).page
    assert (len(page.items), page.total) == (5, 12)
    assert core.leads.list(rep, LeadFilters(limit=5)).page.total is None


def test_search_follows_edits_and_deletions(core: Opportune, rep: User) -> None:
    lead = core.leads.create(rep, {"last_name": "Okafor", "company": "Zenith Labs"})
    core.leads.create(rep, {"last_name": "Other", "company": "Nadir"})
    assert names(core, rep, q="zenith") == ["Okafor"]
    core.leads.update(rep, lead.id or 0, {"company": "Quasar Works", "email": "o@quasar.io"})
    assert names(core, rep, q="zenith") == []
    assert names(core, rep, q="QUASAR o@q") == ["Okafor"]
    core.leads.delete(rep, lead.id or 0)
    assert names(core, rep, q="quasar") == []


def test_search_takes_quotes_and_operators_literally(core: Opportune, rep: User) -> None:
    core.leads.create(rep, {"last_name": 'Said "Hi"', "company": "AND OR NOT*"})
    assert names(core, rep, q='"hi"') == ['Said "Hi"']
    assert names(core, rep, q="not*") == ['Said "Hi"']
    assert names(core, rep, q="OR") == ['Said "Hi"']
    assert names(core, rep, q="NEAR(") == []


def test_every_saved_change_is_kept_in_the_field_history(
    core: Opportune, admin: User, rep: User
) -> None:
    core.sharing.set_org_default(None, "lead", "read_write")  # the rep may edit the admin's lead
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    core.leads.update(admin, lead.id or 0, {"title": "CTO", "rating": "Hot"})
    core.leads.update(rep, lead.id or 0, {"title": "CEO", "owner_id": rep.id})
    with pytest.raises(ValidationError):
        core.leads.update(rep, lead.id or 0, {"title": "COO", "email": "bad"})
    history = core.leads.history(admin, lead.id or 0)
    saves: dict[object, set[tuple[object, ...]]] = {}
    for h in history:  # newest save first; the order of fields within a save is not promised
        saves.setdefault(h.changed_at, set()).add(
            (h.field, h.old_value, h.new_value, h.changed_by_id)
        )
    assert list(saves.values()) == [
        {("title", "CTO", "CEO", rep.id), ("owner_id", str(admin.id), str(rep.id), rep.id)},
        {("title", None, "CTO", admin.id), ("rating", None, "Hot", admin.id)},
    ]
