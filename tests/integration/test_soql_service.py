"""SOQL queries run against hand-built records on every database engine: each filter
operator, date literals on a fixed clock, parent fields, aggregates, ordering, windows
and paging. The expected rows are worked out from the records made here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opportune import Opportune, User
from opportune.domain.salesforce.ids import sf_id
from opportune.domain.soql import Comparison, FieldRef, Query, SoqlError
from opportune.errors import ValidationError
from tests.conftest import add_user, make_settings

NOW = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)  # a Thursday in the second quarter


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def core(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Opportune]:
    """An installation whose every service reads the test's clock."""
    app = Opportune(make_settings(database_url, tmp_path), clock=clock)
    yield app
    app.close()


@pytest.fixture
def admin(core: Opportune) -> User:
    return add_user(core, "Ada Admin", "admin")


def at(clock: Clock, moment: datetime) -> Clock:
    clock.now = moment
    return clock


@pytest.fixture
def leads(core: Opportune, admin: User, clock: Clock) -> dict[str, int]:
    """Four leads made at known moments, with known revenues and sources."""
    made = {}
    rows = [
        ("Archer", "Ann", "Archer Co", 1000, "Web", datetime(2026, 5, 14, 8, 0, tzinfo=UTC)),
        ("O'Brien", "Ben", "Brien Ltd", 2500, None, datetime(2026, 5, 13, 23, 30, tzinfo=UTC)),
        ("Cole", None, "Cole Inc", None, "Web", datetime(2026, 4, 1, 12, 0, tzinfo=UTC)),
        ("Dunn", "Dee", "Dunn & Sons", 500, None, datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
    ]
    for last, first, company, revenue, source, moment in rows:
        at(clock, moment)
        data = {"last_name": last, "first_name": first, "company": company,
                "annual_revenue": revenue, "lead_source": source}  # fmt: skip
        lead = core.leads.create(admin, {k: v for k, v in data.items() if v is not None})
        assert lead.id is not None
        made[last] = lead.id
    at(clock, NOW)
    return made


def names(core: Opportune, user: User, where: str, order: str = "ORDER BY LastName") -> list[str]:
    result = core.soql.query(user, f"SELECT LastName FROM Lead {where} {order}")  # noqa: S608 (SOQL)
    assert result["totalSize"] == len(result["records"])
    return [r["LastName"] for r in result["records"]]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("WHERE AnnualRevenue = 1000", ["Archer"]),
        ("WHERE AnnualRevenue != 1000", ["Cole", "Dunn", "O'Brien"]),  # null is not 1000
        ("WHERE AnnualRevenue < 1000", ["Dunn"]),
        ("WHERE AnnualRevenue <= 1000", ["Archer", "Dunn"]),
        ("WHERE AnnualRevenue > 1000", ["O'Brien"]),
        ("WHERE AnnualRevenue >= 1000.00", ["Archer", "O'Brien"]),
        ("WHERE AnnualRevenue = null", ["Cole"]),
        ("WHERE AnnualRevenue != null", ["Archer", "Dunn", "O'Brien"]),
        ("WHERE AnnualRevenue IN (500, 2500)", ["Dunn", "O'Brien"]),
        ("WHERE AnnualRevenue NOT IN (500, 2500)", ["Archer", "Cole"]),
        ("WHERE Company = 'archer co'", ["Archer"]),  # text compares in any case
        ("WHERE Company LIKE 'd%'", ["Dunn"]),
        ("WHERE Company LIKE '%\\_%'", []),  # an escaped wildcard is a plain underscore
        ("WHERE Name LIKE '%o%'", ["Cole", "O'Brien"]),
        ("WHERE LastName = 'O\\'Brien'", ["O'Brien"]),
        ("WHERE LeadSource = 'WEB'", ["Archer", "Cole"]),  # picklists compare on the label
        ("WHERE LeadSource IN ('web', null)", ["Archer", "Cole", "Dunn", "O'Brien"]),
        ("WHERE LeadSource NOT IN ('Web')", ["Dunn", "O'Brien"]),
        ("WHERE NOT LeadSource = 'Web'", ["Dunn", "O'Brien"]),
        ("WHERE AnnualRevenue > 600 AND (FirstName = 'Ann' OR FirstName = 'Dee')", ["Archer"]),
        ("WHERE (AnnualRevenue < 600 OR AnnualRevenue > 2000) AND NOT Company LIKE 'O%'",
         ["Dunn", "O'Brien"]),
        ("WHERE IsConverted = false AND IsDeleted = false", ["Archer", "Cole", "Dunn", "O'Brien"]),
        ("WHERE Name = 'ann archer'", ["Archer"]),
        ("WHERE Name = 'Cole'", ["Cole"]),  # no first name, no stray space
    ],
)  # fmt: skip
def test_each_filter_operator_keeps_the_leads_it_should(
    core: Opportune, admin: User, leads: dict[str, int], where: str, expected: list[str]
) -> None:
    assert names(core, admin, where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("WHERE CreatedDate = TODAY", ["Archer"]),
        ("WHERE CreatedDate = YESTERDAY", ["O'Brien"]),  # 23:30 UTC is still yesterday
        ("WHERE CreatedDate = LAST_N_DAYS:1", ["Archer", "O'Brien"]),
        ("WHERE CreatedDate = THIS_WEEK", ["Archer", "O'Brien"]),
        ("WHERE CreatedDate = THIS_MONTH", ["Archer", "O'Brien"]),
        ("WHERE CreatedDate = THIS_QUARTER", ["Archer", "Cole", "O'Brien"]),
        ("WHERE CreatedDate = THIS_YEAR", ["Archer", "Cole", "Dunn", "O'Brien"]),
        ("WHERE CreatedDate < THIS_MONTH", ["Cole", "Dunn"]),
        ("WHERE CreatedDate > YESTERDAY", ["Archer"]),
        ("WHERE CreatedDate >= YESTERDAY", ["Archer", "O'Brien"]),
        ("WHERE CreatedDate <= YESTERDAY", ["Cole", "Dunn", "O'Brien"]),
        ("WHERE CreatedDate != THIS_QUARTER", ["Dunn"]),
        ("WHERE CreatedDate IN (TODAY, THIS_YEAR) AND CreatedDate < 2026-04-01T12:00:01Z",
         ["Cole", "Dunn"]),
        ("WHERE CreatedDate >= 2026-05-13T23:30:00+00:00", ["Archer", "O'Brien"]),
    ],
)  # fmt: skip
def test_date_literals_cover_whole_utc_days_of_the_clock(
    core: Opportune, admin: User, leads: dict[str, int], where: str, expected: list[str]
) -> None:
    assert names(core, admin, where) == expected


@pytest.fixture
def deals(core: Opportune, admin: User) -> dict[str, Any]:
    """Two accounts; Acme has two opportunities, Globex one; contacts with and without one."""
    acme = core.accounts.create(admin, {"name": "Acme"})
    globex = core.accounts.create(admin, {"name": "Globex"})
    made: dict[str, Any] = {"acme": acme.id, "globex": globex.id}
    for name, account, amount, close in (
        ("Big deal", acme.id, 1000, "2026-05-20"),
        ("Small deal", acme.id, 200, "2026-06-30"),
        ("Other deal", globex.id, 50, "2026-05-01"),
    ):
        opp = core.opportunities.create(
            admin, {"name": name, "account_id": account, "amount": amount, "close_date": close}
        )
        made[name] = opp.id
    core.contacts.create(admin, {"first_name": "Bob", "last_name": "Smith", "account_id": acme.id})
    core.contacts.create(admin, {"last_name": "Loner"})
    return made


def test_parent_fields_nest_under_the_relationship_and_are_null_without_a_parent(
    core: Opportune, admin: User, deals: dict[str, Any]
) -> None:
    result = core.soql.query(admin, "SELECT Name, Account.Name FROM Contact ORDER BY LastName")
    loner, smith = result["records"]
    assert loner["Account"] is None
    assert smith["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v59.0/sobjects/Account/{sf_id('Account', deals['acme'])}",
        },
        "Name": "Acme",
    }
    assert smith["attributes"]["type"] == "Contact"


def test_a_filter_on_a_parent_field_and_owner_names_come_through_joins(
    core: Opportune, admin: User, deals: dict[str, Any]
) -> None:
    soql = (
        "SELECT Name, Amount, CloseDate, Owner.Name, Account.Name FROM Opportunity "
        "WHERE Account.Name = 'acme' AND CloseDate < 2026-06-01 ORDER BY Amount DESC"
    )
    (record,) = core.soql.query(admin, soql)["records"]
    assert record["Name"] == "Big deal"
    assert record["Amount"] == 1000.0
    assert record["CloseDate"] == "2026-05-20"
    assert record["Owner"]["Name"] == "Ada Admin"
    assert record["Account"]["Name"] == "Acme"


def test_a_date_literal_on_a_date_field(
    core: Opportune, admin: User, deals: dict[str, Any]
) -> None:
    result = core.soql.query(
        admin, "SELECT Name FROM Opportunity WHERE CloseDate = THIS_MONTH ORDER BY Name"
    )
    assert [r["Name"] for r in result["records"]] == ["Big deal", "Other deal"]


def test_group_by_with_each_aggregate_computes_in_the_database(
    core: Opportune, admin: User, deals: dict[str, Any]
) -> None:
    soql = (
        "SELECT AccountId, COUNT(Id), SUM(Amount) total, AVG(Amount), MIN(Amount), "
        "MAX(CloseDate) latest FROM Opportunity GROUP BY AccountId"
    )
    result = core.soql.query(admin, soql)
    assert result["totalSize"] == 2
    acme, globex = sorted(result["records"], key=lambda r: r["total"], reverse=True)
    assert acme == {
        "attributes": {"type": "AggregateResult"},
        "AccountId": sf_id("Account", deals["acme"]),
        "expr0": 2,
        "total": 1200.0,
        "expr1": 600.0,
        "expr2": 200.0,
        "latest": "2026-06-30",
    }
    assert (globex["expr0"], globex["total"], globex["latest"]) == (1, 50.0, "2026-05-01")


def test_aggregates_without_grouping_give_one_row(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    result = core.soql.query(admin, "SELECT COUNT(AnnualRevenue) n, MAX(LastName) FROM Lead")
    assert result["totalSize"] == 1
    assert result["records"] == [
        {"attributes": {"type": "AggregateResult"}, "n": 3, "expr0": "O'Brien"}
    ]


def test_grouping_on_a_picklist_label_counts_each_label(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    soql = (
        "SELECT LeadSource, COUNT(Id) FROM Lead GROUP BY LeadSource ORDER BY LeadSource NULLS LAST"
    )
    records = core.soql.query(admin, soql)["records"]
    assert [(r["LeadSource"], r["expr0"]) for r in records] == [("Web", 2), (None, 2)]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("ORDER BY AnnualRevenue DESC NULLS LAST", ["O'Brien", "Archer", "Dunn", "Cole"]),
        ("ORDER BY AnnualRevenue ASC NULLS FIRST", ["Cole", "Dunn", "Archer", "O'Brien"]),
        ("ORDER BY AnnualRevenue", ["Cole", "Dunn", "Archer", "O'Brien"]),
        ("ORDER BY AnnualRevenue DESC", ["Cole", "O'Brien", "Archer", "Dunn"]),
        ("ORDER BY AnnualRevenue NULLS LAST", ["Dunn", "Archer", "O'Brien", "Cole"]),
        ("ORDER BY CreatedDate DESC", ["Archer", "O'Brien", "Cole", "Dunn"]),
    ],
)
def test_order_by_puts_nulls_where_asked_and_first_by_default(
    core: Opportune, admin: User, leads: dict[str, int], order: str, expected: list[str]
) -> None:
    assert names(core, admin, "", order) == expected


def test_without_order_by_records_come_in_id_order(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    assert names(core, admin, "", "") == ["Archer", "O'Brien", "Cole", "Dunn"]


def test_limit_and_offset_window_the_rows_and_the_total_size(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    result = core.soql.query(admin, "SELECT LastName FROM Lead ORDER BY LastName LIMIT 2 OFFSET 1")
    assert result["totalSize"] == 2
    assert [r["LastName"] for r in result["records"]] == ["Cole", "Dunn"]
    past_the_end = core.soql.query(admin, "SELECT Id FROM Lead LIMIT 5 OFFSET 3")
    assert past_the_end["totalSize"] == 1


def test_count_gives_the_total_size_and_no_records(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    result = core.soql.query(admin, "SELECT COUNT() FROM Lead WHERE AnnualRevenue > 600")
    assert result == {"totalSize": 2, "done": True, "records": []}
    limited = core.soql.query(admin, "SELECT COUNT() FROM Lead LIMIT 3")
    assert limited["totalSize"] == 3


def test_paging_through_two_batches_gives_every_row_once(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    soql = "SELECT LastName FROM Lead WHERE LastName != 'Dunn' ORDER BY LastName"
    first = core.soql.query(admin, soql, batch_size=2)
    assert (first["totalSize"], first["done"]) == (3, False)
    url = first["nextRecordsUrl"]
    assert url.startswith("/services/data/v59.0/query/")
    second = core.soql.more(admin, url.rsplit("/", 1)[1])
    assert (second["totalSize"], second["done"]) == (3, True)
    assert "nextRecordsUrl" not in second
    pages = first["records"] + second["records"]
    assert [r["LastName"] for r in pages] == ["Archer", "Cole", "O'Brien"]


def test_query_all_pages_on_its_own_endpoint_and_returns_the_same_rows(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    result = core.soql.query(admin, "SELECT Id FROM Lead", all_rows=True, batch_size=3)
    assert result["nextRecordsUrl"].startswith("/services/data/v59.0/queryAll/")
    rest = core.soql.more(admin, result["nextRecordsUrl"].rsplit("/", 1)[1])
    assert len(result["records"] + rest["records"]) == 4


def test_a_locator_of_another_user_or_with_a_bad_signature_is_refused(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    locator = core.soql.query(admin, "SELECT Id FROM Lead", batch_size=1)["nextRecordsUrl"]
    locator = locator.rsplit("/", 1)[1]
    other = add_user(core, "Rae Rep", "rep")
    for user, value in ((other, locator), (admin, locator[:-2] + "xx"), (admin, "01gABC-2000")):
        with pytest.raises(ValidationError) as caught:
            core.soql.more(user, value)
        assert caught.value.code == "INVALID_QUERY_LOCATOR"


def test_an_invalid_field_reports_its_position(core: Opportune, admin: User) -> None:
    with pytest.raises(SoqlError) as caught:
        core.soql.query(admin, "SELECT Id, Nme FROM Lead")
    assert caught.value.code == "INVALID_FIELD"
    assert (caught.value.line, caught.value.column) == (1, 12)


def test_run_finds_a_record_by_either_id_form_and_nothing_for_another_objects_id(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    full = sf_id("Lead", leads["Cole"])

    def by_id(value: str) -> list[dict[str, Any]]:
        where = Comparison(FieldRef(("Id",)), "=", value)
        query = Query((FieldRef(("Id",)), FieldRef(("Company",))), "Lead", where)
        return core.soql.run(admin, query, version="60.0")

    assert by_id(full) == [
        {
            "attributes": {"type": "Lead", "url": f"/services/data/v60.0/sobjects/Lead/{full}"},
            "Id": full,
            "Company": "Cole Inc",
        }
    ]
    assert by_id(full[:15]) == by_id(full)
    assert by_id(sf_id("Account", leads["Cole"])) == []


def test_tasks_are_tasks_and_calls_with_their_derived_fields(
    core: Opportune, admin: User, leads: dict[str, int]
) -> None:
    lead_id = leads["Archer"]
    core.activities.create(admin, {"kind": "task", "subject": "Send deck", "lead_id": lead_id})
    core.activities.create(admin, {"kind": "call", "subject": "Intro call", "lead_id": lead_id})
    core.activities.create(admin, {"kind": "note", "title": "Not a task", "lead_id": lead_id})
    soql = "SELECT Subject, TaskSubtype, IsClosed, WhoId FROM Task ORDER BY Subject"
    records = core.soql.query(admin, soql)["records"]
    who = sf_id("Lead", lead_id)
    assert [(r["Subject"], r["TaskSubtype"], r["IsClosed"], r["WhoId"]) for r in records] == [
        ("Intro call", "Call", False, who),
        ("Send deck", "Task", False, who),
    ]
    soql = f"SELECT Id FROM Task WHERE TaskSubtype = 'call' AND WhoId = '{who}'"  # noqa: S608
    calls = core.soql.query(admin, soql)
    assert calls["totalSize"] == 1


@pytest.fixture
def linked_tasks(core: Opportune, admin: User) -> dict[str, int]:
    """One task on each of a lead, a contact, an account and an opportunity."""
    lead = core.leads.create(admin, {"first_name": "Lena", "last_name": "Lead", "company": "L"})
    account = core.accounts.create(admin, {"name": "Acme Corp"})
    contact = core.contacts.create(admin, {"first_name": "Carl", "last_name": "Contact"})
    opp = core.opportunities.create(
        admin, {"name": "Zeta deal", "account_id": account.id, "close_date": "2026-06-30"}
    )
    made = {"lead": lead.id, "contact": contact.id, "account": account.id, "opp": opp.id}
    for subject, link in (
        ("On lead", {"lead_id": lead.id}),
        ("On contact", {"contact_id": contact.id}),
        ("On account", {"account_id": account.id}),
        ("On opportunity", {"opportunity_id": opp.id}),
    ):
        core.activities.create(admin, {"kind": "task", "subject": subject, **link})
    return {k: v for k, v in made.items() if v is not None}


def test_who_and_what_name_fields_come_from_whichever_record_the_task_points_at(
    core: Opportune, admin: User, linked_tasks: dict[str, int]
) -> None:
    soql = "SELECT Subject, Who.Name, Who.Type, Who.FirstName, What.Name, What.Type FROM Task"
    records = {
        r["Subject"]: r for r in core.soql.query(admin, soql + " ORDER BY Subject")["records"]
    }
    lead_url = f"/services/data/v59.0/sobjects/Lead/{sf_id('Lead', linked_tasks['lead'])}"
    assert records["On lead"]["Who"] == {
        "attributes": {"type": "Name", "url": lead_url},
        "Name": "Lena Lead",
        "Type": "Lead",
        "FirstName": "Lena",
    }
    assert records["On lead"]["What"] is None
    contact = records["On contact"]["Who"]
    assert (contact["Name"], contact["Type"]) == ("Carl Contact", "Contact")
    assert contact["attributes"]["url"].endswith(sf_id("Contact", linked_tasks["contact"]))
    assert records["On account"]["Who"] is None
    assert records["On account"]["What"]["Name"] == "Acme Corp"
    assert records["On account"]["What"]["Type"] == "Account"
    opportunity = records["On opportunity"]["What"]
    assert (opportunity["Name"], opportunity["Type"]) == ("Zeta deal", "Opportunity")


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Who.Type = 'Lead'", ["On lead"]),
        ("Who.Type IN ('lead', 'Contact')", ["On contact", "On lead"]),
        ("Who.Type != 'Lead'", ["On account", "On contact", "On opportunity"]),
        ("What.Name LIKE 'Acme%'", ["On account"]),
        ("What.Type = 'Opportunity' OR Who.LastName = 'contact'", ["On contact", "On opportunity"]),
        ("What.Name = null", ["On contact", "On lead"]),
    ],
)
def test_filters_on_who_and_what_fields(
    core: Opportune, admin: User, linked_tasks: dict[str, int], where: str, expected: list[str]
) -> None:
    soql = f"SELECT Subject FROM Task WHERE {where} ORDER BY Subject"  # noqa: S608
    assert [r["Subject"] for r in core.soql.query(admin, soql)["records"]] == expected


def test_a_filter_on_who_id_matches_the_task_of_that_record(
    core: Opportune, admin: User, linked_tasks: dict[str, int]
) -> None:
    who = sf_id("Contact", linked_tasks["contact"])
    soql = f"SELECT Subject, Who.Id FROM Task WHERE Who.Id = '{who}'"  # noqa: S608
    (record,) = core.soql.query(admin, soql)["records"]
    assert (record["Subject"], record["Who"]["Id"]) == ("On contact", who)


def test_order_by_what_name_sorts_on_the_name_of_each_tasks_own_target(
    core: Opportune, admin: User, linked_tasks: dict[str, int]
) -> None:
    soql = "SELECT Subject FROM Task ORDER BY What.Name DESC NULLS LAST, Subject"
    subjects = [r["Subject"] for r in core.soql.query(admin, soql)["records"]]
    assert subjects == ["On opportunity", "On account", "On contact", "On lead"]
