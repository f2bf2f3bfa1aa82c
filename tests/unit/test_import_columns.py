"""CSV import groundwork: columns found by header name, and spreadsheet dates and numbers."""

from __future__ import annotations

from datetime import date

import pytest

from opportune.domain.fields import day, decimal, integer, text
from opportune.domain.imports import (
    ColumnMapping,
    Formats,
    header_key,
    map_columns,
    normalise,
    parse_date,
    parse_number,
)
from opportune.errors import FieldError

SALESFORCE_EXPORT = [
    "FirstName",
    "LastName",
    "Company",
    "Email",
    "LeadSource",
    "Status",
    "AnnualRevenue",
    "NumberOfEmployees",
    "PostalCode",
    "HasOptedOutOfEmail",
]


def mapped(result: ColumnMapping | list[FieldError]) -> ColumnMapping:
    assert isinstance(result, ColumnMapping), result
    return result


def test_header_keys_ignore_case_spaces_and_punctuation() -> None:
    assert header_key("First Name") == header_key("first_name") == header_key("FirstName")
    assert header_key("\ufeffE-mail ") == "email"


def test_salesforce_export_headers_map_to_lead_fields() -> None:
    mapping = mapped(map_columns("lead", SALESFORCE_EXPORT))
    assert list(mapping.fields.values()) == [
        "first_name", "last_name", "company", "email", "lead_source", "status",
        "annual_revenue", "number_of_employees", "postal_code", "has_opted_out_of_email",
    ]  # fmt: skip
    assert mapping.ignored == []


def test_common_variants_and_unknown_headers() -> None:
    mapping = mapped(map_columns("lead", ["Surname", "Organisation", "Zip", "Mobile", "Shoe size"]))
    assert mapping.fields == {0: "last_name", 1: "company", 2: "postal_code", 3: "mobile_phone"}
    assert mapping.ignored == ["Shoe size"]


def test_each_kind_has_its_own_names() -> None:
    assert mapped(map_columns("account", ["Account Name", "Billing City"])).fields == {
        0: "name", 1: "billing_city"}  # fmt: skip
    assert mapped(map_columns("contact", ["Mailing Zip", "AccountId"])).fields == {
        0: "mailing_postal_code", 1: "account_id"}  # fmt: skip
    assert mapped(map_columns("opportunity", ["StageName", "CloseDate", "Amount"])).fields == {
        0: "stage", 1: "close_date", 2: "amount"}  # fmt: skip


def test_overrides_win_and_can_ignore_a_column() -> None:
    mapping = mapped(map_columns("lead", ["Notes", "Company", "Employer"],
                                 {"Notes": "title", "Employer": None}))  # fmt: skip
    assert mapping.fields == {0: "title", 1: "company"}
    assert mapping.ignored == ["Employer"]


def test_two_columns_for_one_field_or_a_bad_override_are_errors() -> None:
    errors = map_columns("lead", ["Email", "E-mail", "X"], {"X": "shoe_size"})
    assert isinstance(errors, list)
    assert [(e.field, e.code) for e in errors] == [
        ("E-mail", "AMBIGUOUS_COLUMN"), ("X", "INVALID_FIELD")]  # fmt: skip


def test_a_short_row_reads_missing_cells_as_empty() -> None:
    mapping = mapped(map_columns("lead", ["Last Name", "Company", "City"]))
    assert mapping.row(["Ng", "Acme"]) == {"last_name": "Ng", "company": "Acme", "city": ""}


@pytest.mark.parametrize(
    ("value", "day_first", "expected"),
    [
        ("2026-04-03", False, date(2026, 4, 3)),
        ("2026-04-03T10:30:00", False, date(2026, 4, 3)),
        ("04/03/2026", False, date(2026, 4, 3)),
        ("03/04/2026", True, date(2026, 4, 3)),
        ("03.04.2026", True, date(2026, 4, 3)),
        ("4/3/26", False, date(2026, 4, 3)),
        ("2026/04/03", True, date(2026, 4, 3)),
        ("3 Apr 2026", False, date(2026, 4, 3)),
        ("April 3, 2026", False, date(2026, 4, 3)),
        ("31/02/2026", True, None),
        ("next week", False, None),
    ],
)
def test_dates_as_spreadsheets_write_them(
    value: str, day_first: bool, expected: date | None
) -> None:
    assert parse_date(value, Formats(day_first=day_first)) == expected


@pytest.mark.parametrize(
    ("value", "decimal_comma", "expected"),
    [
        ("1,234.50", False, "1234.50"),
        ("$1,200", False, "1200"),
        ("1.234,50 €", True, "1234.50"),
        ("1 200", False, "1200"),
        ("-5", False, "-5"),
        ("twelve", False, None),
        ("1.2.3", False, None),
    ],
)
def test_numbers_as_spreadsheets_write_them(
    value: str, decimal_comma: bool, expected: str | None
) -> None:
    assert parse_number(value, Formats(decimal_comma=decimal_comma)) == expected


def test_normalise_rewrites_only_what_it_can_read() -> None:
    assert normalise(day("close_date"), "4/3/2026") == "2026-04-03"
    assert normalise(day("close_date"), "soon") == "soon"  # the field rules reject it
    assert normalise(decimal("amount"), "$1,000.00") == "1000.00"
    assert normalise(integer("employees"), "1,200") == "1200"
    assert normalise(text("city", 40), "1,200") == "1,200"
    assert normalise(decimal("amount"), "  ") == ""
