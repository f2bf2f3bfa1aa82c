"""Checking a parsed SOQL query against the served objects: names, types, positions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.soql_plan import (
    AggregateOutput,
    AnyOf,
    FieldOutput,
    Filter,
    Plan,
    RecordKey,
    Span,
    plan_query,
)
from opportune.domain.soql import SoqlError, parse_soql

TODAY = date(2026, 5, 14)  # a Thursday in the second quarter


def plan(text: str, fiscal_year_start_month: int = 1) -> Plan:
    return plan_query(
        parse_soql(text), text=text, today=TODAY, fiscal_year_start_month=fiscal_year_start_month
    )


def failure(text: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        plan(text)
    return caught.value


def where_test(text: str) -> Filter:
    found = plan(text).where
    assert isinstance(found, Filter)
    return found


def test_names_match_in_any_case_and_resolve_to_the_canonical_fields() -> None:
    resolved = plan("select name, ACCOUNT.name, accountid from contact")
    names = [
        (o.target.relationship.name if o.target.relationship else None, o.target.field.name)
        for o in resolved.outputs
        if isinstance(o, FieldOutput)
    ]
    assert resolved.sobject.name == "Contact"
    assert names == [(None, "Name"), ("AccountId", "Name"), (None, "AccountId")]
    assert [p.name for p in resolved.parents] == ["AccountId"]


def test_a_field_prefixed_with_the_queried_object_name_is_its_own_field() -> None:
    output = plan("SELECT Lead.Company FROM Lead").outputs[0]
    assert isinstance(output, FieldOutput)
    assert output.target.relationship is None
    assert output.target.field.name == "Company"


def test_an_unknown_field_is_invalid_field_with_its_line_and_column() -> None:
    error = failure("SELECT Id,\n  Name, Fooo\nFROM Lead")
    assert error.code == "INVALID_FIELD"
    assert (error.line, error.column, error.offset) == (2, 9, 19)
    assert "No such column 'Fooo' on entity 'Lead'" in error.message
    assert "line 2, column 9" in error.message


def test_the_position_of_a_bad_field_skips_the_same_word_inside_a_string() -> None:
    error = failure("SELECT Id FROM Lead WHERE Company = 'Fooo' AND Fooo = 'x'")
    assert error.code == "INVALID_FIELD"
    assert error.column == 48


def test_an_unknown_parent_field_names_the_parent_object() -> None:
    error = failure("SELECT Account.Nope FROM Contact")
    assert "No such column 'Nope' on entity 'Account'" in error.message
    assert error.column == 8


def test_an_unknown_relationship_is_invalid_field() -> None:
    error = failure("SELECT Boss.Name FROM Contact")
    assert error.code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Boss'" in error.message


def test_name_fields_through_a_polymorphic_relationship_resolve_for_every_target() -> None:
    query = plan("SELECT who.name, Who.Type, What.Name, WHAT.id FROM Task WHERE Who.Email = 'a@b'")
    fields = [o.target.field for o in query.outputs if isinstance(o, FieldOutput)]
    assert [f.name for f in fields] == ["Name", "Type", "Name", "Id"]
    assert [o.target.relationship.name for o in query.outputs] == [  # type: ignore[union-attr]
        "WhoId", "WhoId", "WhatId", "WhatId"
    ]  # fmt: skip
    assert fields[1].picklist == ("Lead", "Contact")
    assert fields[3].type == "id"
    assert [r.name for r in query.parents] == ["WhoId", "WhatId"]
    test = query.where
    assert isinstance(test, Filter) and test.target.field.type == "email"


def test_a_polymorphic_id_filter_takes_an_id_and_only_equality() -> None:
    opportunity = sf_id("Opportunity", 4)
    test = where_test(f"SELECT Id FROM Task WHERE What.Id = '{opportunity}'")  # noqa: S608
    assert test.value == RecordKey("Opportunity", 4)
    error = failure("SELECT Id FROM Task WHERE Who.Id > '00Q000000000001'")
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"


@pytest.mark.parametrize(
    ("text", "supported"),
    [
        (
            "SELECT Subject, Who.Title FROM Task",
            "Id, Name, Type, FirstName, LastName, Email, Phone",
        ),
        ("SELECT Subject, What.Phone FROM Task", "Id, Name, Type"),
    ],
)
def test_other_fields_of_a_polymorphic_parent_are_refused_listing_the_supported_ones(
    text: str, supported: str
) -> None:
    error = failure(text)
    assert error.code == "INVALID_FIELD"
    assert f"the fields supported are {supported}" in error.message
    assert "polymorphic relationship" in error.message
    assert error.column == 17


def test_an_unknown_object_is_invalid_type_at_its_name() -> None:
    error = failure("SELECT Id FROM Widget__c")
    assert error.code == "INVALID_TYPE"
    assert "sObject type 'Widget__c' is not supported" in error.message
    assert error.column == 16


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("SELECT Id FROM Lead WHERE AnnualRevenue = '100'", "AnnualRevenue"),
        ("SELECT Id FROM Lead WHERE Company = 100", "Company"),
        ("SELECT Id FROM Lead WHERE IsConverted = 'true'", "IsConverted"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", "CreatedDate"),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", "CloseDate"),
    ],
)
def test_a_value_of_the_wrong_type_for_its_field_is_invalid_field(text: str, field: str) -> None:
    error = failure(text)
    assert error.code == "INVALID_FIELD"
    assert f"value of filter criterion for field '{field}' must be of type" in error.message
    assert error.column == text.index(field) + 1


def test_like_on_a_number_and_ordering_a_boolean_are_invalid_operators() -> None:
    assert failure("SELECT Id FROM Lead WHERE AnnualRevenue LIKE '1%'").code == (
        "INVALID_QUERY_FILTER_OPERATOR"
    )
    assert failure("SELECT Id FROM Lead WHERE IsConverted > false").code == (
        "INVALID_QUERY_FILTER_OPERATOR"
    )


def test_a_string_that_is_no_id_compared_with_an_id_is_an_invalid_id_field() -> None:
    error = failure("SELECT Id FROM Lead WHERE Id = 'garbage'")
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"
    assert "invalid ID field: garbage" in error.message


def test_ids_of_either_length_become_record_keys_and_other_objects_keep_their_object() -> None:
    soql = "SELECT Id FROM Lead WHERE Id = '{}'"
    lead_id = sf_id("Lead", 42)
    assert where_test(soql.format(lead_id[:15])).value == RecordKey("Lead", 42)
    account_id = sf_id("Account", 7).lower()  # 18-character ids are case-insensitive
    assert where_test(soql.format(account_id)).value == RecordKey("Account", 7)


def test_a_date_literal_on_a_datetime_field_covers_whole_utc_days() -> None:
    test = where_test("SELECT Id FROM Lead WHERE CreatedDate = THIS_MONTH")
    assert test.value == Span(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def test_a_date_literal_on_a_date_field_is_a_range_of_days() -> None:
    test = where_test("SELECT Id FROM Opportunity WHERE CloseDate < LAST_N_DAYS:3")
    assert test.value == Span(date(2026, 5, 11), date(2026, 5, 15))
    assert test.operator == "<"


def test_fiscal_literals_follow_the_configured_fiscal_year() -> None:
    text = "SELECT Id FROM Opportunity WHERE CloseDate = THIS_FISCAL_QUARTER"
    test = plan_query(parse_soql(text), text=text, today=TODAY, fiscal_year_start_month=2)
    assert isinstance(test.where, Filter)
    assert test.where.value == Span(date(2026, 5, 1), date(2026, 8, 1))


def test_date_literals_in_an_in_list_are_each_a_range() -> None:
    where = plan("SELECT Id FROM Lead WHERE CreatedDate IN (TODAY, YESTERDAY)").where
    assert isinstance(where, AnyOf)
    assert [c.value for c in where.conditions if isinstance(c, Filter)] == [
        Span(datetime(2026, 5, 14, tzinfo=UTC), datetime(2026, 5, 15, tzinfo=UTC)),
        Span(datetime(2026, 5, 13, tzinfo=UTC), datetime(2026, 5, 14, tzinfo=UTC)),
    ]


def test_numbers_keep_their_exact_value() -> None:
    test = where_test("SELECT Id FROM Opportunity WHERE Amount >= 1234.50")
    assert test.value == Decimal("1234.50")


def test_unaliased_aggregates_are_numbered_expr0_expr1_as_salesforce_names_them() -> None:
    resolved = plan(
        "SELECT StageName, COUNT(Id), SUM(Amount) total, MAX(Amount) FROM Opportunity "
        "GROUP BY StageName"
    )
    names = [o.name for o in resolved.outputs if isinstance(o, AggregateOutput)]
    assert names == ["expr0", "total", "expr1"]
    assert resolved.aggregated


def test_sum_of_a_text_field_is_refused() -> None:
    error = failure("SELECT SUM(Name) FROM Opportunity")
    assert "does not support aggregate operator SUM" in error.message


def test_records_are_always_ordered_ending_with_the_id_and_nulls_first_by_default() -> None:
    resolved = plan("SELECT Id FROM Lead ORDER BY AnnualRevenue DESC, Company NULLS LAST")
    keys = [(k.target.field.name, k.descending, k.nulls_first) for k in resolved.order_by]
    assert keys == [
        ("AnnualRevenue", True, True),
        ("Company", False, False),
        ("Id", False, True),
    ]


def test_groups_are_ordered_by_every_grouped_field() -> None:
    resolved = plan("SELECT Status, LeadSource, COUNT(Id) FROM Lead GROUP BY Status, LeadSource")
    assert [k.target.field.name for k in resolved.order_by] == ["Status", "LeadSource"]


def test_count_alone_is_a_count_only_query() -> None:
    assert plan("SELECT COUNT() FROM Lead").count_only
    assert not plan("SELECT COUNT(Id) FROM Lead").count_only


def test_a_field_selected_twice_is_returned_once() -> None:
    assert len(plan("SELECT Name, name FROM Lead").outputs) == 1


def test_a_built_query_without_text_still_reports_the_problem() -> None:
    with pytest.raises(SoqlError, match="No such column 'Nope'"):
        plan_query(parse_soql("SELECT Nope FROM Lead"), text=None, today=TODAY)
