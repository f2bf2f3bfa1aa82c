"""The SOQL parser: the subset of the language it accepts, the tree it builds, the days a
date literal covers, and where it says a malformed query goes wrong."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from opportune.domain.soql import (
    Aggregate,
    And,
    Comparison,
    DateLiteral,
    FieldRef,
    InList,
    Not,
    Or,
    OrderItem,
    Query,
    SoqlError,
    parse_soql,
    resolve_date_literal,
)
from opportune.errors import ValidationError


def f(*path: str) -> FieldRef:
    return FieldRef(path)


def where(condition: str) -> object:
    """The parsed WHERE clause of a query on Lead with this condition."""
    return parse_soql(f"SELECT Id FROM Lead WHERE {condition}").where  # noqa: S608 (SOQL text)


def value(literal: str) -> object:
    """The parsed value of ``X = literal``."""
    condition = where(f"X = {literal}")
    assert isinstance(condition, Comparison)
    return condition.value


# --- whole queries ----------------------------------------------------------------------------


def test_a_simple_select_builds_the_exact_tree() -> None:
    assert parse_soql("SELECT Id, Name FROM Lead") == Query(
        select=(f("Id"), f("Name")), object="Lead"
    )


def test_a_query_with_every_clause_builds_the_exact_tree() -> None:
    query = parse_soql(
        "SELECT Id, Account.Name FROM Contact "
        "WHERE LastName LIKE 'Sm%' AND Account.Industry IN ('Tech', 'Retail') "
        "ORDER BY LastName DESC NULLS LAST, FirstName LIMIT 10 OFFSET 20"
    )
    assert query == Query(
        select=(f("Id"), f("Account", "Name")),
        object="Contact",
        where=And(
            (
                Comparison(f("LastName"), "LIKE", "Sm%"),
                InList(f("Account", "Industry"), ("Tech", "Retail")),
            )
        ),
        order_by=(OrderItem(f("LastName"), "DESC", "LAST"), OrderItem(f("FirstName"))),
        limit=10,
        offset=20,
    )


def test_an_aggregate_query_with_group_by_builds_the_exact_tree() -> None:
    query = parse_soql(
        "SELECT StageName, COUNT(Id) n, SUM(Amount) total, AVG(Amount), MIN(CloseDate), "
        "MAX(CloseDate) latest FROM Opportunity GROUP BY StageName ORDER BY StageName"
    )
    assert query == Query(
        select=(
            f("StageName"),
            Aggregate("COUNT", f("Id"), "n"),
            Aggregate("SUM", f("Amount"), "total"),
            Aggregate("AVG", f("Amount")),
            Aggregate("MIN", f("CloseDate")),
            Aggregate("MAX", f("CloseDate"), "latest"),
        ),
        object="Opportunity",
        group_by=(f("StageName"),),
        order_by=(OrderItem(f("StageName")),),
    )


def test_count_without_a_field_counts_the_rows() -> None:
    query = parse_soql("SELECT COUNT() FROM Lead WHERE IsConverted = false")
    assert query.select == (Aggregate("COUNT", None),)
    assert query.where == Comparison(f("IsConverted"), "=", False)


def test_aggregates_alone_need_no_group_by() -> None:
    query = parse_soql("SELECT COUNT(Id), SUM(Amount) FROM Opportunity")
    assert query.group_by == ()
    assert [item.function for item in query.select if isinstance(item, Aggregate)] == [
        "COUNT",
        "SUM",
    ]


def test_an_aggregate_can_sum_a_parent_field() -> None:
    query = parse_soql("SELECT SUM(Account.AnnualRevenue) FROM Opportunity")
    assert query.select == (Aggregate("SUM", f("Account", "AnnualRevenue")),)


def test_group_by_takes_several_fields_including_a_parent_field() -> None:
    query = parse_soql(
        "SELECT LeadSource, Owner.Name, COUNT(Id) FROM Lead GROUP BY LeadSource, Owner.Name"
    )
    assert query.group_by == (f("LeadSource"), f("Owner", "Name"))


def test_group_by_matches_select_fields_whatever_their_case() -> None:
    query = parse_soql("SELECT leadsource, COUNT(Id) FROM Lead GROUP BY LEADSOURCE")
    assert query.select[0] == f("leadsource")


@pytest.mark.parametrize(
    "text",
    [
        "select id from lead",
        "SELECT Id FROM Lead",
        "SeLeCt Id FrOm Lead WhErE Name != null aNd IsConverted = TRUE oR Name = NULL",
        "select count() from lead",
        "select id from lead where not name like 'a%' order by name asc nulls first "
        "limit 5 offset 1",
        "select id from lead where x not in (1) and y in (2) group by id",
    ],
)
def test_keywords_are_case_insensitive(text: str) -> None:
    assert parse_soql(text).object.lower() == "lead"


def test_names_keep_the_case_they_were_written_in() -> None:
    query = parse_soql("select account.NAME from CONTACT")
    assert (query.select, query.object) == ((f("account", "NAME"),), "CONTACT")


def test_names_that_begin_with_a_keyword_are_names() -> None:
    query = parse_soql(
        "SELECT Selection, Fromage, Notes, Order_Count, Descr FROM Lead "
        "WHERE Notes = 'x' AND Orderly = 1 ORDER BY Descr, Limits"
    )
    assert query.select == (f("Selection"), f("Fromage"), f("Notes"), f("Order_Count"), f("Descr"))
    assert query.order_by == (OrderItem(f("Descr")), OrderItem(f("Limits")))


def test_order_is_not_reserved_so_the_order_object_can_be_queried() -> None:
    query = parse_soql("SELECT Id, Offset FROM Order ORDER BY Id")
    assert (query.select, query.object) == ((f("Id"), f("Offset")), "Order")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELECT Last FROM Lead",
            "unexpected 'Last' at line 1, column 8 (offset 7); expected a name",
        ),
        (
            "SELECT Id FROM Select",
            "unexpected 'Select' at line 1, column 16 (offset 15); expected a name",
        ),
        (
            "SELECT Id FROM Lead WHERE Nulls = 1",
            "unexpected 'Nulls' at line 1, column 27 (offset 26); expected '(', NOT or a name",
        ),
    ],
)
def test_reserved_words_are_never_names(text: str, message: str) -> None:
    assert str(error(text)) == message


def test_whitespace_and_line_breaks_between_tokens_do_not_matter() -> None:
    assert parse_soql("SELECT\n  Id ,Name\nFROM\tLead\n") == parse_soql("SELECT Id, Name FROM Lead")


def test_limit_and_offset_accept_zero_and_the_offset_cap() -> None:
    query = parse_soql("SELECT Id FROM Lead LIMIT 0 OFFSET 2000")
    assert (query.limit, query.offset) == (0, 2000)


def test_a_large_limit_is_accepted() -> None:
    assert parse_soql("SELECT Id FROM Lead LIMIT 50000").limit == 50000


def test_order_by_directions_and_null_placement() -> None:
    query = parse_soql(
        "SELECT Id FROM Lead ORDER BY A, B ASC, C DESC, D NULLS FIRST, E desc nulls last"
    )
    assert query.order_by == (
        OrderItem(f("A")),
        OrderItem(f("B"), "ASC"),
        OrderItem(f("C"), "DESC"),
        OrderItem(f("D"), "ASC", "FIRST"),
        OrderItem(f("E"), "DESC", "LAST"),
    )


# --- conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "operator"),
    [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">=")],
)
def test_every_comparison_operator_is_read(written: str, operator: str) -> None:
    assert where(f"Amount {written} 5") == Comparison(f("Amount"), operator, 5)  # type: ignore[arg-type]


def test_operators_need_no_spaces_around_them() -> None:
    assert where("Amount>=5") == Comparison(f("Amount"), ">=", 5)


def test_in_and_not_in_take_a_list_of_values() -> None:
    assert where("Status IN ('Open', 'Working')") == InList(f("Status"), ("Open", "Working"))
    assert where("Amount NOT IN (1, 2.5, null)") == InList(
        f("Amount"), (1, Decimal("2.5"), None), negated=True
    )


def test_a_parent_field_can_be_compared() -> None:
    assert where("Account.Name = 'Acme'") == Comparison(f("Account", "Name"), "=", "Acme")


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    a, b, c, d = (Comparison(f(name), "=", 1) for name in "ABCD")
    assert where("NOT A = 1 AND B = 1 OR C = 1 AND NOT D = 1") == Or(
        (And((Not(a), b)), And((c, Not(d))))
    )


def test_parentheses_override_precedence() -> None:
    a, b, c = (Comparison(f(name), "=", 1) for name in "ABC")
    assert where("A = 1 AND (B = 1 OR C = 1)") == And((a, Or((b, c))))
    assert where("NOT (A = 1 OR B = 1)") == Not(Or((a, b)))


def test_nested_parentheses_and_repeated_not() -> None:
    a, b, c = (Comparison(f(name), "=", 1) for name in "ABC")
    assert where("((A = 1)) AND NOT NOT (B = 1 OR (C = 1))") == And((a, Not(Not(Or((b, c))))))


def test_a_chain_of_the_same_operator_is_one_flat_node() -> None:
    a, b, c = (Comparison(f(name), "=", 1) for name in "ABC")
    assert where("A = 1 OR B = 1 OR C = 1") == Or((a, b, c))
    assert where("A = 1 AND B = 1 AND C = 1") == And((a, b, c))


# --- literal values ---------------------------------------------------------------------------


def test_null_and_booleans_are_python_values_in_any_case() -> None:
    assert [value(text) for text in ("null", "NULL", "true", "True", "false", "FALSE")] == [
        None,
        None,
        True,
        True,
        False,
        False,
    ]


def test_integers_are_ints_and_decimals_are_exact_decimals() -> None:
    assert value("42") == 42
    assert isinstance(value("42"), int)
    assert value("-7") == -7
    assert value("+3") == 3
    assert value("1234.50") == Decimal("1234.50")
    assert value("-0.001") == Decimal("-0.001")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (r"'it\'s'", "it's"),
        (r"'say \"hi\"'", 'say "hi"'),
        (r"'back\\slash'", "back\\slash"),
        (r"'a\nb\rc\td'", "a\nb\rc\td"),
        (r"'\b\f'", "\b\f"),
        (r"'caf\u00e9 \u00E9'", "café é"),
        ("'plain % and _'", "plain % and _"),
        ("''", ""),
    ],
)
def test_string_escapes_are_undone(written: str, expected: str) -> None:
    assert value(written) == expected


def test_a_like_pattern_keeps_its_wildcard_escapes_for_the_translator() -> None:
    assert where(r"Name LIKE '50\% off\_%'") == Comparison(f("Name"), "LIKE", r"50\% off\_%")
    assert where(r"Name LIKE 'a\\b\'c'") == Comparison(f("Name"), "LIKE", "a\\\\b'c")


def test_a_date_is_a_date() -> None:
    assert value("2026-01-31") == date(2026, 1, 31)
    assert type(value("2026-01-31")) is date


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-01-31T10:00:00Z", datetime(2026, 1, 31, 10, tzinfo=UTC)),
        ("2026-01-31T10:00:00.000Z", datetime(2026, 1, 31, 10, tzinfo=UTC)),
        ("2026-01-31T10:00:00.250Z", datetime(2026, 1, 31, 10, 0, 0, 250000, tzinfo=UTC)),
        (
            "2026-01-31T10:00:00+01:00",
            datetime(2026, 1, 31, 10, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2026-01-31T10:00:00-08:00",
            datetime(2026, 1, 31, 10, tzinfo=timezone(timedelta(hours=-8))),
        ),
    ],
)
def test_a_datetime_is_an_aware_datetime(written: str, expected: datetime) -> None:
    parsed = value(written)
    assert isinstance(parsed, datetime)
    assert parsed.tzinfo is not None
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("TODAY", DateLiteral("TODAY")),
        ("yesterday", DateLiteral("YESTERDAY")),
        ("Tomorrow", DateLiteral("TOMORROW")),
        ("THIS_WEEK", DateLiteral("THIS_WEEK")),
        ("LAST_WEEK", DateLiteral("LAST_WEEK")),
        ("THIS_MONTH", DateLiteral("THIS_MONTH")),
        ("LAST_MONTH", DateLiteral("LAST_MONTH")),
        ("this_quarter", DateLiteral("THIS_QUARTER")),
        ("THIS_YEAR", DateLiteral("THIS_YEAR")),
        ("This_Fiscal_Quarter", DateLiteral("THIS_FISCAL_QUARTER")),
        ("THIS_FISCAL_YEAR", DateLiteral("THIS_FISCAL_YEAR")),
        ("LAST_N_DAYS:30", DateLiteral("LAST_N_DAYS", 30)),
        ("next_n_days:7", DateLiteral("NEXT_N_DAYS", 7)),
    ],
)
def test_date_literals_are_read_in_any_case(written: str, expected: DateLiteral) -> None:
    assert value(written) == expected


def test_date_literals_work_in_ranges_and_lists() -> None:
    assert where("CloseDate >= LAST_N_DAYS:90 AND CloseDate IN (TODAY, TOMORROW)") == And(
        (
            Comparison(f("CloseDate"), ">=", DateLiteral("LAST_N_DAYS", 90)),
            InList(f("CloseDate"), (DateLiteral("TODAY"), DateLiteral("TOMORROW"))),
        )
    )


# --- what date literals cover ----------------------------------------------------------------

SATURDAY = date(2026, 1, 31)  # the last day of a month and of a Sunday-first week
SUNDAY = date(2026, 2, 1)


def days(name: str, today: date, n: int | None = None, **options: int) -> tuple[date, date]:
    return resolve_date_literal(DateLiteral(name, n), today, **options)


def test_today_yesterday_and_tomorrow_are_single_days_across_a_month_end() -> None:
    assert days("TODAY", SATURDAY) == (SATURDAY, SATURDAY)
    assert days("YESTERDAY", SUNDAY) == (SATURDAY, SATURDAY)
    assert days("TOMORROW", SATURDAY) == (SUNDAY, SUNDAY)


def test_a_week_runs_sunday_to_saturday_by_default() -> None:
    assert days("THIS_WEEK", SATURDAY) == (date(2026, 1, 25), SATURDAY)
    assert days("THIS_WEEK", SUNDAY) == (SUNDAY, date(2026, 2, 7))
    assert days("LAST_WEEK", SUNDAY) == (date(2026, 1, 25), SATURDAY)


def test_a_week_can_start_on_monday() -> None:
    assert days("THIS_WEEK", SUNDAY, week_start=calendar.MONDAY) == (date(2026, 1, 26), SUNDAY)
    assert days("LAST_WEEK", date(2026, 2, 2), week_start=calendar.MONDAY) == (
        date(2026, 1, 26),
        SUNDAY,
    )


def test_months_are_whole_calendar_months() -> None:
    assert days("THIS_MONTH", SATURDAY) == (date(2026, 1, 1), SATURDAY)
    assert days("LAST_MONTH", SATURDAY) == (date(2025, 12, 1), date(2025, 12, 31))
    assert days("THIS_MONTH", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert days("LAST_MONTH", date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_quarter_with_a_january_start_is_a_calendar_quarter() -> None:
    assert days("THIS_QUARTER", date(2026, 5, 20)) == (date(2026, 4, 1), date(2026, 6, 30))
    assert days("THIS_QUARTER", date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_fiscal_quarter_counts_from_the_fiscal_start_month() -> None:
    # With an April start the quarters still fall on calendar quarters ...
    assert days("THIS_FISCAL_QUARTER", date(2026, 5, 20), fiscal_year_start_month=4) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    assert days("THIS_FISCAL_QUARTER", date(2027, 3, 31), fiscal_year_start_month=4) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    # ... with a February start they do not, and one crosses the new year.
    assert days("THIS_FISCAL_QUARTER", date(2026, 1, 15), fiscal_year_start_month=2) == (
        date(2025, 11, 1),
        date(2026, 1, 31),
    )
    assert days("THIS_FISCAL_QUARTER", date(2026, 2, 1), fiscal_year_start_month=2) == (
        date(2026, 2, 1),
        date(2026, 4, 30),
    )


def test_this_quarter_is_the_calendar_quarter_whatever_the_fiscal_year() -> None:
    assert days("THIS_QUARTER", date(2026, 1, 15), fiscal_year_start_month=2) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )


def test_a_fiscal_year_runs_twelve_months_from_its_start_month() -> None:
    # April start: 20 May 2026 is in April 2026 - March 2027; 31 March 2027 still is.
    assert days("THIS_FISCAL_YEAR", date(2026, 5, 20), fiscal_year_start_month=4) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
    )
    assert days("THIS_FISCAL_YEAR", date(2027, 3, 31), fiscal_year_start_month=4) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
    )


def test_this_year_is_the_calendar_year() -> None:
    assert days("THIS_YEAR", SATURDAY, fiscal_year_start_month=4) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )


def test_last_n_days_reaches_back_n_days_and_includes_today() -> None:
    assert days("LAST_N_DAYS", SATURDAY, 30) == (date(2026, 1, 1), SATURDAY)
    assert days("LAST_N_DAYS", SATURDAY, 0) == (SATURDAY, SATURDAY)


def test_next_n_days_starts_tomorrow() -> None:
    assert days("NEXT_N_DAYS", SATURDAY, 7) == (SUNDAY, date(2026, 2, 7))


def test_resolving_rejects_impossible_settings_and_unknown_literals() -> None:
    with pytest.raises(ValueError, match="fiscal_year_start_month"):
        days("TODAY", SATURDAY, fiscal_year_start_month=13)
    with pytest.raises(ValueError, match="week_start"):
        days("TODAY", SATURDAY, week_start=7)
    with pytest.raises(ValueError, match="day count"):
        days("LAST_N_DAYS", SATURDAY)
    with pytest.raises(ValueError, match="unknown date literal"):
        days("NEXT_FISCAL_YEAR", SATURDAY)


# --- errors -----------------------------------------------------------------------------------


def error(text: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        parse_soql(text)
    return caught.value


def test_a_misspelt_keyword_is_reported_with_its_position_and_what_was_expected() -> None:
    e = error("SELECT Id, Name FORM Lead")
    assert str(e) == (
        "unexpected 'FORM' at line 1, column 17 (offset 16); expected '(', ',', '.' or FROM"
    )
    assert (e.line, e.column, e.offset, e.code) == (1, 17, 16, "MALFORMED_QUERY")


def test_a_soql_error_is_a_validation_error_about_the_query_parameter() -> None:
    e = error("SELECT FROM Lead")
    assert isinstance(e, ValidationError)
    assert e.as_dict() == {
        "code": "MALFORMED_QUERY",
        "message": "unexpected 'FROM' at line 1, column 8 (offset 7); expected a name",
        "fields": [
            {
                "field": "q",
                "code": "MALFORMED_QUERY",
                "message": "unexpected 'FROM' at line 1, column 8 (offset 7); expected a name",
            }
        ],
    }


def test_positions_count_lines_and_columns_from_one_and_offsets_from_zero() -> None:
    e = error("SELECT Id\nFROM Lead\nWHERE Name = 'x' AND")
    assert (e.line, e.column, e.offset) == (3, 21, 40)
    assert str(e).startswith("unexpected end of query at line 3, column 21 (offset 40)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "unexpected end of query at line 1, column 1 (offset 0); expected SELECT"),
        (
            "SELECT Id FROM Lead WHERE",
            "unexpected end of query at line 1, column 26 (offset 25); expected '(', NOT or a name",
        ),
        (
            "SELECT Id FROM Lead WHERE Name = ",
            "unexpected end of query at line 1, column 34 (offset 33); expected a value",
        ),
        (
            'SELECT Id FROM Lead WHERE Name = "x"',
            "unexpected character '\"' at line 1, column 34 (offset 33); expected a value",
        ),
        (
            "SELECT Id FROM Lead WHERE Name = 'unterminated",
            'unexpected character "\'" at line 1, column 34 (offset 33); expected a value',
        ),
        (
            "SELECT Id FROM Lead WHERE Name LIKE 5",
            "unexpected '5' at line 1, column 37 (offset 36); expected a string",
        ),
        (
            "SELECT Id FROM Lead WHERE Status IN ()",
            "unexpected ')' at line 1, column 38 (offset 37); expected a value",
        ),
        (
            "SELECT Id FROM Lead WHERE (A = 1",
            "unexpected end of query at line 1, column 33 (offset 32); expected ')'",
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS",
            "unexpected 'LAST_N_DAYS' at line 1, column 41 (offset 40); expected a value",
        ),
        (
            "SELECT Id FROM Lead ORDER BY Name NULLS",
            "unexpected end of query at line 1, column 40 (offset 39); expected FIRST or LAST",
        ),
        (
            "SELECT Id FROM Lead LIMIT 'ten'",
            "unexpected \"'ten'\" at line 1, column 27 (offset 26); expected an integer",
        ),
    ],
)
def test_syntax_errors_say_where_and_what_was_expected(text: str, message: str) -> None:
    assert str(error(text)) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELECT Id FROM Lead LIMIT -1",
            "LIMIT must not be negative at line 1, column 27 (offset 26)",
        ),
        (
            "SELECT Id FROM Lead OFFSET -5",
            "OFFSET must not be negative at line 1, column 28 (offset 27)",
        ),
        (
            "SELECT Id FROM Lead OFFSET 2001",
            "OFFSET must be at most 2,000 at line 1, column 28 (offset 27)",
        ),
        (
            "SELECT Name, COUNT(Id) FROM Lead",
            "'Name' must be grouped or aggregated at line 1, column 8 (offset 7)",
        ),
        (
            "SELECT LeadSource, Status, COUNT(Id) FROM Lead GROUP BY LeadSource",
            "'Status' must be grouped or aggregated at line 1, column 20 (offset 19)",
        ),
        (
            "SELECT Name FROM Lead GROUP BY Status",
            "'Name' must be grouped or aggregated at line 1, column 8 (offset 7)",
        ),
        (
            "SELECT Status, COUNT(Id) FROM Lead GROUP BY Status ORDER BY Name",
            "'Name' must be grouped or aggregated at line 1, column 61 (offset 60)",
        ),
        (
            "SELECT Id, COUNT() FROM Lead",
            "COUNT() must be the only item in the SELECT list at line 1, column 12 (offset 11)",
        ),
        (
            "SELECT MEDIAN(Amount) FROM Lead",
            "unknown function 'MEDIAN' at line 1, column 8 (offset 7)",
        ),
        ("SELECT SUM() FROM Lead", "SUM() needs a field at line 1, column 8 (offset 7)"),
        (
            r"SELECT Id FROM Lead WHERE Name = 'a\qb'",
            r"invalid escape sequence '\q' at line 1, column 36 (offset 35)",
        ),
        (
            r"SELECT Id FROM Lead WHERE Name = '\u12'",
            r"invalid escape sequence '\u' at line 1, column 35 (offset 34)",
        ),
        (
            "SELECT Id FROM Lead WHERE CloseDate = 2026-02-30",
            "invalid date '2026-02-30' at line 1, column 39 (offset 38)",
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > 2026-01-31T25:00:00Z",
            "invalid datetime '2026-01-31T25:00:00Z' at line 1, column 41 (offset 40)",
        ),
    ],
)
def test_malformed_queries_the_grammar_admits_are_rejected_with_the_position(
    text: str, message: str
) -> None:
    e = error(text)
    assert (str(e), e.code) == (message, "MALFORMED_QUERY")


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("SELECT Account.Owner.Name FROM Contact", 7),
        ("SELECT Id FROM Contact WHERE Account.Owner.Name = 'x'", 29),
        ("SELECT Id FROM Contact ORDER BY Account.Owner.Name", 32),
        ("SELECT COUNT(Account.Owner.Id) FROM Contact", 13),
    ],
)
def test_a_grandparent_field_is_an_invalid_field_at_its_position(text: str, offset: int) -> None:
    e = error(text)
    assert e.code == "INVALID_FIELD"
    assert e.fields[0].code == "INVALID_FIELD"
    assert (e.line, e.column, e.offset) == (1, offset + 1, offset)
    assert str(e).endswith(
        f"goes more than one parent level deep at line 1, column {offset + 1} (offset {offset})"
    )
