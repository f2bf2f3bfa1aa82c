"""Lead conversion rules in the pure domain: every option check, the mapping and the plan."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from opportune.domain.accounts import Account
from opportune.domain.activities import Activity, ActivityKind
from opportune.domain.contacts import Contact
from opportune.domain.conversion import (
    ConversionPlan,
    ConversionSetup,
    ConversionTargets,
    ConvertOptions,
    FieldMapping,
    check_mappings,
    fiscal_quarter_end,
    parse_options,
    plan_conversion,
)
from opportune.domain.leads import Lead
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.picklists import LeadStatus
from opportune.domain.stages import default_stages
from opportune.errors import FieldError, ValidationError

OWNER, OTHER, INACTIVE, QUEUE = 1, 2, 3, 90
STATUSES = (
    LeadStatus(1, "Open - Not Contacted", 10, is_default=True),
    LeadStatus(2, "Working - Contacted", 20),
    LeadStatus(3, "Closed - Converted", 30, is_converted=True, is_closed=True),
    LeadStatus(4, "Closed - Not Converted", 40, is_closed=True),
    LeadStatus(5, "Converted (old)", 50, is_converted=True, is_closed=True, is_active=False),
)
SETUP = ConversionSetup(
    statuses=STATUSES,
    first_stage=default_stages()[0],
    close_date=date(2026, 12, 31),
    today=date(2026, 11, 27),
    currency="EUR",
    users={OWNER: True, OTHER: True, INACTIVE: False},
)
CONVERT = ConvertOptions(converted_status="Closed - Converted")


def a_lead(**changes: object) -> Lead:
    lead = Lead(
        id=42, last_name="Ng", first_name="Ada", company="Acme Hardware", status_id=2,
        owner_id=OWNER, email="ada@acme.example", phone="+1 555 0100", title="CTO",
        street="1 Main St", city="Boston", state="MA", postal_code="02110", country="USA",
        website="acme.example", industry="Technology", annual_revenue=Decimal("5000000.00"),
        number_of_employees=120, rating="Hot", source_id=1, description="Met at the fair",
        do_not_call=True,
    )  # fmt: skip
    return dataclasses.replace(lead, **changes)  # type: ignore[arg-type]


ACCOUNT = Account(id=7, name="Acme Corp", owner_id=OTHER, phone="+1 555 0199")
CONTACT = Contact(id=8, last_name="Ng", owner_id=OTHER, account_id=7, email="ada@acme.example")
OPPORTUNITY = Opportunity(
    id=9, name="Acme expansion", account_id=7, stage_id=3, close_date=date(2027, 3, 1),
    owner_id=OTHER, currency_code="EUR",
)  # fmt: skip


def plan(
    lead: Lead | None = None,
    options: ConvertOptions = CONVERT,
    targets: ConversionTargets | None = None,
    setup: ConversionSetup = SETUP,
) -> ConversionPlan | list[FieldError]:
    return plan_conversion(lead or a_lead(), options, targets or ConversionTargets(), setup)


def ok(result: ConversionPlan | list[FieldError]) -> ConversionPlan:
    assert isinstance(result, ConversionPlan), result
    return result


def codes(result: ConversionPlan | list[FieldError]) -> set[tuple[str, str]]:
    assert isinstance(result, list), result
    return {(e.field, e.code) for e in result}


def options(**values: object) -> ConvertOptions:
    return dataclasses.replace(CONVERT, **values)  # type: ignore[arg-type]


# --- the default conversion ---------------------------------------------------------------


def test_default_conversion_creates_account_contact_and_opportunity() -> None:
    result = ok(plan())
    assert (result.account.action, result.contact.action) == ("create", "create")
    assert result.opportunity is not None and result.opportunity.creates
    assert result.status_id == 3
    assert result.converted_date == date(2026, 11, 27)
    assert result.primary_role is True


def test_standard_mapping_fills_the_new_account() -> None:
    values = ok(plan()).account.values
    assert values["name"] == "Acme Hardware"
    assert (values["billing_street"], values["billing_city"]) == ("1 Main St", "Boston")
    assert (values["billing_postal_code"], values["billing_country"]) == ("02110", "USA")
    assert values["phone"] == "+1 555 0100"
    assert values["website"] == "acme.example"
    assert values["annual_revenue"] == Decimal("5000000.00")
    assert values["number_of_employees"] == 120
    assert (values["rating"], values["industry"], values["source_id"]) == ("Hot", "Technology", 1)
    assert values["owner_id"] == OWNER
    assert "email" not in values and "title" not in values


def test_standard_mapping_fills_the_new_contact() -> None:
    values = ok(plan()).contact.values
    assert (values["first_name"], values["last_name"], values["title"]) == ("Ada", "Ng", "CTO")
    assert values["email"] == "ada@acme.example"
    assert (values["mailing_city"], values["mailing_state"]) == ("Boston", "MA")
    assert values["description"] == "Met at the fair"
    assert values["do_not_call"] is True
    assert values["source_id"] == 1
    assert "website" not in values and "account_id" not in values


def test_new_opportunity_takes_the_company_first_stage_and_fiscal_close_date() -> None:
    opportunity = ok(plan()).opportunity
    assert opportunity is not None
    values = opportunity.values
    assert values["name"] == "Acme Hardware"
    first = default_stages()[0]
    assert values["stage_id"] == first.id
    assert (values["probability"], values["forecast_category"]) == (10, "Pipeline")
    assert values["close_date"] == date(2026, 12, 31)
    assert (values["lead_source_id"], values["currency_code"]) == (1, "EUR")
    assert "amount" not in values


def test_opportunity_name_option_names_the_new_opportunity() -> None:
    opportunity = ok(plan(options=options(opportunity_name="Acme, 200 seats"))).opportunity
    assert opportunity is not None and opportunity.values["name"] == "Acme, 200 seats"


def test_a_long_company_is_cut_to_the_opportunity_name_limit() -> None:
    opportunity = ok(plan(a_lead(company="C" * 200))).opportunity
    assert opportunity is not None and opportunity.values["name"] == "C" * 120


def test_do_not_create_opportunity_plans_no_opportunity_and_no_role() -> None:
    result = ok(plan(options=options(do_not_create_opportunity=True)))
    assert result.opportunity is None and result.primary_role is None


def test_new_records_go_to_the_owner_option() -> None:
    result = ok(plan(options=options(owner_id=OTHER)))
    assert result.owner_id == OTHER
    assert result.account.values["owner_id"] == OTHER
    assert result.contact.values["owner_id"] == OTHER
    assert result.opportunity is not None and result.opportunity.values["owner_id"] == OTHER


# --- option checks, with Salesforce's codes -------------------------------------------------


def test_converted_status_is_required() -> None:
    result = plan(options=ConvertOptions())
    assert codes(result) == {("converted_status", "REQUIRED_FIELD_MISSING")}


@pytest.mark.parametrize("label", ["Working - Contacted", "Closed - Not Converted", "Nope"])
def test_status_must_be_a_converted_one(label: str) -> None:
    result = plan(options=options(converted_status=label))
    assert codes(result) == {("converted_status", "INVALID_STATUS")}
    assert isinstance(result, list) and "Closed - Converted" in result[0].message


def test_an_inactive_converted_status_cannot_be_chosen() -> None:
    assert codes(plan(options=options(converted_status="Converted (old)"))) == {
        ("converted_status", "INVALID_STATUS")
    }


def test_status_label_matches_ignoring_case() -> None:
    assert ok(plan(options=options(converted_status="closed - converted"))).status_id == 3


def test_a_converted_lead_cannot_be_converted_again() -> None:
    result = plan(a_lead(is_converted=True))
    assert codes(result) == {("lead_id", "CANNOT_UPDATE_CONVERTED_LEAD")}


def test_an_unknown_account_is_a_cross_reference_error() -> None:
    assert codes(plan(options=options(account_id=7))) == {
        ("account_id", "INVALID_CROSS_REFERENCE_KEY")
    }


def test_an_existing_contact_needs_the_account() -> None:
    targets = ConversionTargets(contact=CONTACT)
    assert codes(plan(options=options(contact_id=8), targets=targets)) == {
        ("contact_id", "INVALID_FIELD")
    }


def test_the_contact_must_belong_to_the_account() -> None:
    elsewhere = dataclasses.replace(CONTACT, account_id=99)
    targets = ConversionTargets(account=ACCOUNT, contact=elsewhere)
    result = plan(options=options(account_id=7, contact_id=8), targets=targets)
    assert codes(result) == {("contact_id", "INVALID_CROSS_REFERENCE_KEY")}


def test_an_unknown_contact_is_a_cross_reference_error() -> None:
    targets = ConversionTargets(account=ACCOUNT)
    result = plan(options=options(account_id=7, contact_id=8), targets=targets)
    assert codes(result) == {("contact_id", "INVALID_CROSS_REFERENCE_KEY")}


@pytest.mark.parametrize(
    ("values", "field"),
    [({"opportunity_name": "Deal"}, "opportunity_name"), ({"opportunity_id": 9}, "opportunity_id")],
)
def test_no_opportunity_means_no_name_and_no_existing_one(
    values: dict[str, object], field: str
) -> None:
    result = plan(options=options(do_not_create_opportunity=True, account_id=7, **values),
                  targets=ConversionTargets(account=ACCOUNT, opportunity=OPPORTUNITY))  # fmt: skip
    assert codes(result) == {(field, "INVALID_FIELD")}


def test_name_and_existing_opportunity_exclude_each_other() -> None:
    targets = ConversionTargets(account=ACCOUNT, opportunity=OPPORTUNITY)
    chosen = options(account_id=7, opportunity_id=9, opportunity_name="Deal")
    assert codes(plan(options=chosen, targets=targets)) == {("opportunity_name", "INVALID_FIELD")}


def test_an_existing_opportunity_must_be_on_the_account() -> None:
    other = dataclasses.replace(OPPORTUNITY, account_id=70)
    targets = ConversionTargets(account=ACCOUNT, opportunity=other)
    result = plan(options=options(account_id=7, opportunity_id=9), targets=targets)
    assert codes(result) == {("opportunity_id", "INVALID_CROSS_REFERENCE_KEY")}


def test_an_existing_opportunity_needs_an_existing_account() -> None:
    targets = ConversionTargets(opportunity=OPPORTUNITY)
    assert codes(plan(options=options(opportunity_id=9), targets=targets)) == {
        ("opportunity_id", "INVALID_FIELD")
    }


def test_overwrite_lead_source_needs_an_existing_contact() -> None:
    assert codes(plan(options=options(overwrite_lead_source=True))) == {
        ("overwrite_lead_source", "INVALID_FIELD")
    }


def test_a_queue_owned_lead_needs_an_owner() -> None:
    result = plan(a_lead(queue_id=QUEUE))
    assert codes(result) == {("owner_id", "REQUIRED_FIELD_MISSING")}
    assert ok(plan(a_lead(queue_id=QUEUE), options(owner_id=OTHER))).owner_id == OTHER


def test_the_owner_must_be_an_active_user() -> None:
    assert codes(plan(options=options(owner_id=INACTIVE))) == {
        ("owner_id", "INACTIVE_OWNER_OR_USER")
    }
    assert codes(plan(options=options(owner_id=555))) == {
        ("owner_id", "INVALID_CROSS_REFERENCE_KEY")
    }


def test_every_problem_is_reported_at_once() -> None:
    chosen = ConvertOptions(account_id=7, overwrite_lead_source=True, owner_id=555)
    assert codes(plan(options=chosen)) == {
        ("converted_status", "REQUIRED_FIELD_MISSING"),
        ("account_id", "INVALID_CROSS_REFERENCE_KEY"),
        ("overwrite_lead_source", "INVALID_FIELD"),
        ("owner_id", "INVALID_CROSS_REFERENCE_KEY"),
    }


# --- merging into existing records ----------------------------------------------------------


def test_merging_into_an_account_fills_only_its_empty_fields() -> None:
    targets = ConversionTargets(account=ACCOUNT)
    account = ok(plan(options=options(account_id=7), targets=targets)).account
    assert (account.action, account.record_id) == ("merge", 7)
    assert "name" not in account.values and "phone" not in account.values
    assert account.values["website"] == "acme.example"
    assert account.values["billing_city"] == "Boston"
    assert account.previous["website"] is None
    assert "owner_id" not in account.values


def test_merging_into_a_contact_keeps_its_preferences_and_fills_the_rest() -> None:
    targets = ConversionTargets(account=ACCOUNT, contact=CONTACT)
    contact = ok(plan(options=options(account_id=7, contact_id=8), targets=targets)).contact
    assert contact.action == "merge"
    assert "do_not_call" not in contact.values
    assert "email" not in contact.values  # already the same
    assert contact.values["first_name"] == "Ada" and contact.values["title"] == "CTO"


def test_overwrite_lead_source_replaces_the_contact_source() -> None:
    sourced = dataclasses.replace(CONTACT, source_id=4)
    targets = ConversionTargets(account=ACCOUNT, contact=sourced)
    kept = ok(plan(options=options(account_id=7, contact_id=8), targets=targets)).contact
    assert "source_id" not in kept.values
    chosen = options(account_id=7, contact_id=8, overwrite_lead_source=True)
    replaced = ok(plan(options=chosen, targets=targets)).contact
    assert (replaced.values["source_id"], replaced.previous["source_id"]) == (1, 4)


def test_attaching_to_an_existing_opportunity_adds_a_role_primary_only_if_none_is() -> None:
    targets = ConversionTargets(account=ACCOUNT, opportunity=OPPORTUNITY)
    result = ok(plan(options=options(account_id=7, opportunity_id=9), targets=targets))
    assert result.opportunity is not None and result.opportunity.action == "merge"
    assert result.opportunity.values == {"lead_source_id": 1}
    assert result.primary_role is True
    roles = (ContactRole(9, 50, "Economic Buyer", is_primary=True),)
    with_primary = dataclasses.replace(targets, opportunity_roles=roles)
    again = ok(plan(options=options(account_id=7, opportunity_id=9), targets=with_primary))
    assert again.primary_role is False


def test_a_contact_with_a_role_on_the_opportunity_gets_no_second_role() -> None:
    roles = (ContactRole(9, 8, "Evaluator"),)
    targets = ConversionTargets(ACCOUNT, CONTACT, OPPORTUNITY, roles)
    chosen = options(account_id=7, contact_id=8, opportunity_id=9)
    assert ok(plan(options=chosen, targets=targets)).primary_role is None


# --- nothing lost, extra mappings, activities ----------------------------------------------


def test_values_no_record_receives_are_listed_as_unmapped() -> None:
    targets = ConversionTargets(account=ACCOUNT)
    result = ok(plan(options=options(account_id=7), targets=targets))
    # The account keeps its own name and phone; the contact takes the phone anyway.
    assert result.unmapped == {"company": "Acme Hardware"}
    assert ok(plan()).unmapped == {}


def test_extra_mappings_carry_more_fields() -> None:
    setup = dataclasses.replace(
        SETUP, mappings=(FieldMapping("description", "opportunity", "description"),
                         FieldMapping("title", "account", "description"))
    )  # fmt: skip
    result = ok(plan(setup=setup))
    assert result.opportunity is not None
    assert result.opportunity.values["description"] == "Met at the fair"
    assert result.account.values["description"] == "CTO"


def test_open_tasks_follow_the_lead_to_a_new_owner_others_keep_theirs() -> None:
    activities = (
        Activity(ActivityKind.TASK, OWNER, id=1, subject="Call", status="Open", lead_id=42),
        Activity(ActivityKind.TASK, OWNER, id=2, subject="Old", status="Completed", lead_id=42),
        Activity(ActivityKind.NOTE, OWNER, id=3, title="Notes", lead_id=42),
    )
    targets = ConversionTargets(activities=activities)
    moved = ok(plan(options=options(owner_id=OTHER), targets=targets)).activities
    assert [(m.activity_id, m.owner_id) for m in moved] == [(1, OTHER), (2, None), (3, None)]
    same_owner = ok(plan(targets=targets)).activities
    assert all(m.owner_id is None for m in same_owner)


def test_check_mappings_refuses_what_cannot_work() -> None:
    problems = check_mappings([
        FieldMapping("title", "opportunity", "next_step"),
        FieldMapping("nope", "account", "description"),
        FieldMapping("phone", "account", "name"),
        FieldMapping("rating", "opportunity", "type"),
        FieldMapping("description", "opportunity", "next_step"),
        FieldMapping("annual_revenue", "contact", "title"),
        FieldMapping("email", "invoice", "x"),
        FieldMapping("title", "opportunity", "next_step"),
    ])  # fmt: skip
    assert [e.field for e in problems] == [f"mappings[{i}]" for i in range(1, 8)]
    assert all(e.code == "INVALID_FIELD" for e in problems)
    assert "already filled" in problems[-1].message


# --- options from raw input, fiscal quarters -----------------------------------------------


def test_parse_options_cleans_raw_input() -> None:
    parsed = parse_options({"converted_status": " Closed - Converted ", "account_id": "7",
                            "do_not_create_opportunity": "yes"})  # fmt: skip
    assert parsed == ConvertOptions("Closed - Converted", account_id=7,
                                    do_not_create_opportunity=True)  # fmt: skip


def test_parse_options_names_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_options({"account_id": "x", "opportunity_name": "N" * 81, "colour": "red"})
    fields = {e.field for e in caught.value.fields}
    assert fields == {"account_id", "opportunity_name", "colour", "converted_status"}


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 11, 27), 1, date(2026, 12, 31)),
        (date(2026, 1, 1), 1, date(2026, 3, 31)),
        (date(2026, 4, 1), 4, date(2026, 6, 30)),
        (date(2026, 3, 31), 4, date(2026, 3, 31)),
        (date(2026, 1, 5), 2, date(2026, 1, 31)),
        (date(2026, 12, 31), 12, date(2027, 2, 28)),
        (date(2027, 12, 15), 11, date(2028, 1, 31)),
    ],
)
def test_fiscal_quarter_end(today: date, start: int, end: date) -> None:
    assert fiscal_quarter_end(today, start) == end


def test_fiscal_year_start_month_is_checked() -> None:
    with pytest.raises(ValueError, match="month"):
        fiscal_quarter_end(date(2026, 1, 1), 13)
