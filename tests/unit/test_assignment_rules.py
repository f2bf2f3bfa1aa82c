"""Assignment rule logic: criteria, first match, defaults, validation, round-robin turns."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from opportune.domain.assignment import (
    Assignee,
    AssignmentRule,
    Criterion,
    RuleEntry,
    compile_criterion,
    first_match,
    place_key,
)
from opportune.domain.assignment_groups import GroupMember, next_member, starting_count
from opportune.domain.assignment_validation import parse_rule
from opportune.errors import ValidationError


def holds(field: str, operator: str, value: Any, lead: dict[str, object]) -> bool:
    return compile_criterion(Criterion(field, operator, value))(lead)


@pytest.mark.parametrize(
    ("operator", "value", "lead", "expected"),
    [
        ("equals", "Acme", {"company": "ACME "}, True),
        ("equals", "Acme", {"company": "Acme Ltd"}, False),
        ("not_equals", "Acme", {"company": "Globex"}, True),
        ("not_equals", "Acme", {}, True),
        ("in", ["Acme", "Globex"], {"company": "globex"}, True),
        ("in", ["Acme", "Globex"], {"company": None}, False),
        ("not_in", ["Acme"], {"company": "Initech"}, True),
        ("contains", "corp", {"company": "MegaCorp Inc"}, True),
        ("contains", "corp", {"company": None}, False),
        ("starts_with", "mega", {"company": "MegaCorp"}, True),
        ("starts_with", "corp", {"company": "MegaCorp"}, False),
        ("blank", None, {"company": "  "}, True),
        ("not_blank", None, {"company": "X"}, True),
        ("not_blank", None, {}, False),
    ],
)
def test_text_operators(operator: str, value: Any, lead: dict[str, object], expected: bool) -> None:
    assert holds("company", operator, value, lead) is expected


@pytest.mark.parametrize(
    ("operator", "value", "revenue", "expected"),
    [
        ("greater_than", 1000, Decimal("1000.01"), True),
        ("greater_than", 1000, Decimal("1000"), False),
        ("less_than", 1000, Decimal("999"), True),
        ("less_than", 1000, None, False),
        ("between", [100, 200], Decimal("100"), True),
        ("between", [100, 200], Decimal("200"), True),
        ("between", [100, 200], Decimal("200.5"), False),
        ("equals", 5, Decimal("5.00"), True),
        ("not_equals", 5, None, True),
    ],
)
def test_number_operators(operator: str, value: Any, revenue: object, expected: bool) -> None:
    assert holds("annual_revenue", operator, value, {"annual_revenue": revenue}) is expected


def test_employees_are_compared_as_numbers() -> None:
    assert holds("number_of_employees", "between", [50, 500], {"number_of_employees": 120})
    assert not holds("number_of_employees", "greater_than", 50, {"number_of_employees": 9})


@pytest.mark.parametrize(
    ("rule_value", "lead_value"),
    [("US", "USA"), ("United States", "u.s.a."), ("usa", "United States of America"),
     ("UK", "United Kingdom"), ("Germany", "DE")],
)  # fmt: skip
def test_countries_match_by_name_or_code(rule_value: str, lead_value: str) -> None:
    assert holds("country", "equals", rule_value, {"country": lead_value})


def test_states_match_by_name_or_code_and_other_countries_differ() -> None:
    assert holds("state", "in", ["CA", "NY"], {"state": "California"})
    assert holds("state", "equals", "new york", {"state": "NY"})
    assert not holds("country", "equals", "US", {"country": "France"})
    assert place_key("country", "Narnia") == "narnia"


def _entry(field: str, value: object, user_id: int, position: int) -> RuleEntry:
    return RuleEntry(
        (Criterion(field, "equals", value),), Assignee("user", user_id=user_id), position
    )


def test_first_matching_entry_wins_in_position_order() -> None:
    rule = AssignmentRule(
        "R",
        entries=(
            _entry("country", "US", 3, 2),
            _entry("lead_source", "Web", 2, 1),
        ),
    )
    match = first_match(rule, {"country": "USA", "lead_source": "Web"})
    assert match is not None and match.assignee.user_id == 2
    other = first_match(rule, {"country": "USA", "lead_source": "Phone Inquiry"})
    assert other is not None and other.assignee.user_id == 3
    assert first_match(rule, {"country": "FR"}) is None


def test_an_entry_without_criteria_matches_everything() -> None:
    rule = AssignmentRule("R", entries=(RuleEntry((), Assignee("queue", queue_id=4)),))
    match = first_match(rule, {})
    assert match is not None and match.assignee.queue_id == 4


def _errors(raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_rule(raw, picklist_labels={"lead_source": ["Web"], "status": ["Open"]})
    return {e.field: e.code for e in caught.value.fields}


def test_validation_names_each_bad_entry_and_criterion() -> None:
    errors = _errors({
        "name": "",
        "entries": [
            {"criteria": [{"field": "country", "operator": "equals", "value": "US"}],
             "assignee_type": "user", "user_id": 1},
            {"criteria": [{"field": "nope", "operator": "equals", "value": 1}],
             "assignee_type": "team"},
            {"criteria": [{"field": "company", "operator": "between", "value": [1, 2]},
                          {"field": "annual_revenue", "operator": "between", "value": [5, 1]},
                          {"field": "lead_source", "operator": "equals", "value": "Fax"}],
             "assignee_type": "round_robin"},
        ],
    })  # fmt: skip
    assert errors == {
        "name": "REQUIRED_FIELD_MISSING",
        "entries[1].criteria[0].field": "INVALID_FIELD",
        "entries[1].assignee_type": "INVALID_CHOICE",
        "entries[2].criteria[0].operator": "INVALID_OPERATOR",
        "entries[2].criteria[1].value": "INVALID_VALUE",
        "entries[2].criteria[2].value": "INVALID_VALUE",
        "entries[2].group_id": "REQUIRED_FIELD_MISSING",
    }


def test_default_owner_and_queue_are_exclusive() -> None:
    errors = _errors({"name": "R", "default_owner_id": 1, "default_queue_id": 2})
    assert errors == {"default_queue_id": "INVALID_COMBINATION"}


def test_valid_definition_is_normalised() -> None:
    rule = parse_rule(
        {"name": " Regions ", "default_owner_id": "7", "entries": [
            {"criteria": [{"field": "rating", "operator": "in", "value": "hot, warm"},
                          {"field": "lead_source", "operator": "equals", "value": "web"},
                          {"field": "annual_revenue", "operator": "between",
                           "value": ["1,000", "2500.5"]}],
             "assignee_type": "queue", "queue_id": 3}]},
        picklist_labels={"lead_source": ["Web"]},
    )  # fmt: skip
    assert rule.name == "Regions" and rule.default_owner_id == 7
    values = [c.value for c in rule.entries[0].criteria]
    assert values == [["Hot", "Warm"], "Web", [1000, 2500.5]]
    assert rule.entries[0].assignee == Assignee("queue", queue_id=3)


def _member(user_id: int, weight: int = 1, count: int = 0, when: int | None = None) -> GroupMember:
    at = datetime(2024, 1, 1, 0, 0, when, tzinfo=UTC) if when is not None else None
    return GroupMember(1, user_id, weight, count, at)


def test_next_member_is_lowest_count_per_weight() -> None:
    members = [_member(1, 2, 3), _member(2, 1, 2), _member(3, 1, 1)]
    found = next_member(members, {1, 2, 3})
    assert found is not None and found.user_id == 3
    members = [_member(1, 2, 2), _member(2, 1, 2)]
    found = next_member(members, {1, 2})
    assert found is not None and found.user_id == 1


def test_ties_go_to_least_recent_then_lowest_id() -> None:
    members = [_member(1, when=5), _member(2, when=3), _member(3, when=4)]
    found = next_member(members, {1, 2, 3})
    assert found is not None and found.user_id == 2
    never = [_member(5, when=1), _member(4), _member(3)]
    found = next_member(never, {3, 4, 5})
    assert found is not None and found.user_id == 3


def test_inactive_members_are_skipped_and_none_left_gives_none() -> None:
    members = [_member(1), _member(2, count=5)]
    found = next_member(members, {2})
    assert found is not None and found.user_id == 2
    assert next_member(members, set()) is None


def test_weighted_turns_follow_the_weights() -> None:
    members = [_member(1, 2), _member(2, 1), _member(3, 1)]
    turns = []
    for _ in range(8):
        member = next_member(members, {1, 2, 3})
        assert member is not None
        member.assigned_count += 1
        turns.append(member.user_id)
    assert sorted(turns) == [1, 1, 1, 1, 2, 2, 3, 3]


def test_a_new_member_starts_level_with_the_furthest_behind() -> None:
    members = [_member(1, 1, 40), _member(2, 2, 60)]
    assert starting_count(members, 1) == 30
    assert starting_count(members, 3) == 90
    assert starting_count([], 2) == 0
