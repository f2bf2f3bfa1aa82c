"""Duplicate rule definitions: validation naming the part at fault, and how records match."""

from __future__ import annotations

from typing import Any

import pytest

from opportune.domain.duplicate_rules import (
    STANDARD_DUPLICATE_RULES,
    anchor_of,
    comparable,
    key_values,
    parse_rule_definition,
    rule_from_row,
)
from opportune.domain.matching import Comparison, Method, match
from opportune.errors import ValidationError

LEAD_RULE = rule_from_row({**STANDARD_DUPLICATE_RULES[0], "id": 1})
ACCOUNT_RULE = rule_from_row({**STANDARD_DUPLICATE_RULES[2], "id": 3})


def errors(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_rule_definition(data, current)
    return {e.field: e.code for e in caught.value.fields}


def test_jon_smyth_at_acme_inc_matches_john_smith_at_acme_with_the_same_phone() -> None:
    jon = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.",
           "phone": "+1 (555) 010-0200"}  # fmt: skip
    john = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "555.010.0200"}
    found = match(LEAD_RULE.rule, jon, john)
    assert found is not None and found.alternative == 1 and found.score == 100.0


def test_different_people_at_the_same_company_and_phone_do_not_match() -> None:
    mary = {"first_name": "Mary", "last_name": "Jones", "company": "Acme", "phone": "5550100200"}
    john = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "5550100200"}
    assert match(LEAD_RULE.rule, mary, john) is None


def test_same_name_but_different_email_and_no_phone_or_title_does_not_match() -> None:
    a = {"first_name": "John", "last_name": "Smith", "email": "john@acme.example"}
    b = {"first_name": "John", "last_name": "Smith", "email": "john@other.example"}
    assert match(LEAD_RULE.rule, a, b) is None
    assert match(LEAD_RULE.rule, a, {**b, "email": "JOHN@Acme.example "}) is not None


def test_a_contact_is_compared_through_its_account_name_and_mailing_address() -> None:
    contact = {"first_name": "John", "last_name": "Smith", "mailing_city": "Leeds",
               "phone": "555 010 0200"}  # fmt: skip
    view = comparable("contact", contact, account_name="Acme Ltd")
    assert (view["company"], view["city"], view["website"]) == ("Acme Ltd", "Leeds", None)
    lead = {"first_name": "Jon", "last_name": "Smyth", "company": "ACME", "phone": "5550100200"}
    assert match(LEAD_RULE.rule, comparable("lead", lead), view) is not None


def test_accounts_compare_websites_by_domain_and_names_without_legal_forms() -> None:
    a = {"name": "Globex GmbH", "website": "https://www.globex.de/kontakt"}
    b = {"name": "GLOBEX", "website": "globex.de"}
    assert match(ACCOUNT_RULE.rule, a, b) is not None
    assert match(ACCOUNT_RULE.rule, a, {**b, "website": "globex.com"}) is None


def test_lookup_keys_find_every_alternative_of_the_standard_rules() -> None:
    assert LEAD_RULE.anchors() == {"email", "phone", "sound"}
    assert ACCOUNT_RULE.anchors() == {"website", "phone", "name"}
    keys = key_values({"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc."})
    assert keys["sound"] == key_values({"first_name": "John", "last_name": "Smith"})["sound"]
    assert keys["company"] == "acme"


def test_an_alternative_without_a_keyed_field_has_no_anchor() -> None:
    assert anchor_of("person", (Comparison("title", Method.FUZZY, 80),)) is None
    assert anchor_of("person", (Comparison("company", Method.FUZZY, 80),)) == "company"


def test_a_valid_definition_gets_defaults_and_exact_thresholds_of_100() -> None:
    values = parse_rule_definition({
        "object_type": "lead", "name": "  Same email ",
        "alternatives": [[{"field": "email", "method": "exact", "threshold": 40}]]})  # fmt: skip
    assert values == {
        "object_type": "lead", "name": "Same email", "is_active": True, "sort_order": 1,
        "action_on_create": "alert", "action_on_edit": "alert",
        "compare_with": ["lead", "contact"],
        "alternatives": [[{"field": "email", "method": "exact", "threshold": 100}]],
    }  # fmt: skip


def test_every_part_at_fault_is_named() -> None:
    found = errors({
        "object_type": "lead", "name": "", "action_on_create": "warn", "sort_order": -1,
        "compare_with": ["lead", "account"], "colour": "red",
        "alternatives": [
            [{"field": "shoe_size", "method": "exact"}, {"field": "email", "method": "close"}],
            [{"field": "last_name", "method": "fuzzy", "threshold": 101}],
            [{"field": "title", "method": "fuzzy", "threshold": 80}],
            [],
        ],
    })  # fmt: skip
    assert found == {
        "colour": "INVALID_FIELD", "name": "REQUIRED_FIELD_MISSING",
        "sort_order": "NUMBER_OUTSIDE_VALID_RANGE",
        "action_on_create": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "compare_with[1]": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "alternatives[0][0].field": "INVALID_FIELD",
        "alternatives[0][1].method": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "alternatives[1][0].threshold": "NUMBER_OUTSIDE_VALID_RANGE",
        "alternatives[2]": "INVALID_RULE", "alternatives[3]": "REQUIRED_FIELD_MISSING",
    }  # fmt: skip


def test_unknown_object_and_repeated_fields_are_refused() -> None:
    assert errors({"object_type": "opportunity", "name": "x", "alternatives": [[]]}) == {
        "object_type": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    }
    twice = [[{"field": "email"}, {"field": "email"}]]
    assert errors({"object_type": "lead", "name": "x", "alternatives": twice}) == {
        "alternatives[0]": "DUPLICATE_VALUE"
    }


def test_a_change_keeps_the_rest_and_cannot_move_the_rule_to_another_object() -> None:
    current = dict(STANDARD_DUPLICATE_RULES[0])
    changed = parse_rule_definition({"action_on_create": "block"}, current)
    assert changed["action_on_create"] == "block"
    assert changed["alternatives"] == current["alternatives"]
    assert errors({"object_type": "account"}, current)["object_type"] == "INVALID_FIELD"
