"""CSV exports through the service layer, on every database engine."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from opportune import Opportune, User, ValidationError
from opportune.db import tables as t
from opportune.services import exports
from opportune.services.accounts import AccountFilters
from opportune.services.contacts import ContactFilters
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityFilters


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def export_text(core: Opportune, actor: User, kind: str, filters: Any = None) -> str:
    return "".join(core.exports.stream(actor, kind, filters))


def add_leads(core: Opportune, actor: User, count: int, **data: object) -> list[int]:
    return [
        core.leads.create(actor, {"last_name": f"Lead{i}", "company": f"Co {i}", **data}).id or 0
        for i in range(count)
    ]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of three rows, so a handful of records spans several pages."""
    monkeypatch.setattr(exports, "PAGE_ROWS", 3)


@pytest.mark.usefixtures("small_pages")
def test_a_filtered_export_holds_exactly_the_filtered_leads(
    core: Opportune, admin: User, rep: User
) -> None:
    mine = add_leads(core, rep, 7, lead_source="Web")
    add_leads(core, admin, 4, lead_source="Web")
    add_leads(core, rep, 2, lead_source="Partner Referral")
    rows = read_csv(
        export_text(core, admin, "lead", LeadFilters(owner=[rep.email], lead_source=["web"]))
    )
    assert sorted(int(r["id"]) for r in rows) == sorted(mine)
    assert {r["owner_id"] for r in rows} == {rep.email}
    assert {r["lead_source"] for r in rows} == {"Web"}


@pytest.mark.usefixtures("small_pages")
def test_merged_leads_never_and_converted_leads_only_when_asked(
    core: Opportune, admin: User
) -> None:
    kept, merged, converted = add_leads(core, admin, 3)
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == merged).values(merged_into_id=kept))
        conn.execute(update(t.leads).where(t.leads.c.id == converted).values(is_converted=True))
    plain = {int(r["id"]) for r in read_csv(export_text(core, admin, "lead"))}
    assert plain == {kept}
    everything = read_csv(export_text(core, admin, "lead", LeadFilters(include_converted=True)))
    assert {int(r["id"]) for r in everything} == {kept, converted}


def test_values_are_written_the_way_the_import_reads_them(core: Opportune, admin: User) -> None:
    core.leads.create(admin, {
        "first_name": "Zoë", "last_name": "O'Neil, Jr.", "company": "Acme \"Best\" Ltd",
        "annual_revenue": "1234567.5", "number_of_employees": 12, "rating": "hot",
        "lead_source": "web", "do_not_call": True, "description": "line one\nline two",
    })  # fmt: skip
    text = export_text(core, admin, "lead")
    header = text.split("\r\n", 1)[0].split(",")
    assert header[:4] == ["id", "salutation", "first_name", "last_name"]
    assert "owner_id" in header and "status" in header
    (row,) = read_csv(text)
    assert row["first_name"] == "Zoë"
    assert row["last_name"] == "O'Neil, Jr."
    assert row["company"] == 'Acme "Best" Ltd'
    assert row["description"] == "line one\nline two"
    assert row["annual_revenue"] == "1234567.50"
    assert row["number_of_employees"] == "12"
    assert row["rating"] == "Hot"
    assert row["lead_source"] == "Web"
    assert row["status"] == core.picklists.lead_picklists().default_status.label
    assert row["owner_id"] == admin.email
    assert (row["do_not_call"], row["has_opted_out_of_email"]) == ("true", "false")
    assert row["close_reason"] == ""


@pytest.mark.usefixtures("small_pages")
def test_the_export_reads_one_page_at_a_time(
    core: Opportune, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_leads(core, admin, 10)
    calls: list[int] = []
    real = core.exports._leads.list

    def counting(actor: User, filters: LeadFilters) -> Any:
        calls.append(filters.limit)
        return real(actor, filters)

    monkeypatch.setattr(core.exports._leads, "list", counting)
    chunks = core.exports.stream(admin, "lead")
    assert len(calls) == 1  # the first page, read up front to check the filters
    next(chunks), next(chunks)  # the header and the first page
    assert len(calls) == 1
    rest = list(chunks)
    assert len(calls) == 4 and calls == [3, 3, 3, 3]
    assert sum(len(read_csv("id\r\n" + c)) for c in rest) == 7


def test_bad_filters_are_refused_before_any_text(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError) as caught:
        core.exports.stream(admin, "lead", LeadFilters(status=["Nope"], sort="shoe_size"))
    assert {e.field for e in caught.value.fields} == {"status", "sort"}
    with pytest.raises(ValidationError):
        core.exports.stream(admin, "widget")


def test_accounts_contacts_and_opportunities_export_with_their_filters(
    core: Opportune, admin: User, rep: User
) -> None:
    bank = core.accounts.create(rep, {"name": "Bank One", "industry": "Banking",
                                      "account_source": "Web", "annual_revenue": "10"})  # fmt: skip
    core.accounts.create(admin, {"name": "Shop Two", "industry": "Retail"})
    (acc,) = read_csv(export_text(core, admin, "account", AccountFilters(industry=["banking"])))
    assert (acc["name"], acc["account_source"], acc["owner_id"]) == ("Bank One", "Web", rep.email)
    assert acc["annual_revenue"] == "10.00"
    core.contacts.create(admin, {"last_name": "Ng", "account_id": bank.id, "lead_source": "Web"})
    core.contacts.create(admin, {"last_name": "Other"})
    (person,) = read_csv(
        export_text(core, admin, "contact", ContactFilters(account=[str(bank.id)]))
    )
    assert (person["last_name"], person["account_id"], person["lead_source"]) == (
        "Ng", str(bank.id), "Web",
    )  # fmt: skip
    core.opportunities.create(rep, {"name": "Big deal", "account_id": bank.id,
                                    "close_date": "2026-06-30", "amount": "1500.5"})  # fmt: skip
    filters = OpportunityFilters(owner=[rep.email])
    (deal,) = read_csv(export_text(core, admin, "opportunity", filters))
    assert deal["close_date"] == date(2026, 6, 30).isoformat()
    assert deal["amount"] == str(Decimal("1500.50"))
    assert deal["stage"] and deal["owner_id"] == rep.email


def test_export_to_a_file_counts_the_records(core: Opportune, admin: User) -> None:
    add_leads(core, admin, 4)
    out = io.StringIO(newline="")
    assert core.exports.export(admin, "lead", None, out) == 4
    assert len(read_csv(out.getvalue())) == 4
