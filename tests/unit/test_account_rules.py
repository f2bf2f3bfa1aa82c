"""The account's rules in the pure domain: validation, source labels, owner, hierarchy."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from opportune.domain.accounts import Account, check_parent, new_account, update_account
from opportune.domain.picklists import PicklistValue
from opportune.errors import ValidationError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
SOURCES = (PicklistValue(1, "Web", 10), PicklistValue(2, "Old Fair", 20, is_active=False))
ADA, REX = 1, 2


def make(raw: dict[str, object], actor: int = ADA) -> Account:
    return new_account(raw, sources=SOURCES, actor_id=actor, now=NOW)


def change(acc: Account, raw: dict[str, object], actor: int = ADA) -> tuple[Account, list[str]]:
    return update_account(acc, raw, sources=SOURCES, actor_id=actor, now=LATER)


def field_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


def test_a_new_account_belongs_to_its_creator_and_is_stamped() -> None:
    acc = make({"name": " Acme "})
    assert (acc.name, acc.owner_id, acc.created_by_id, acc.created_at) == ("Acme", ADA, ADA, NOW)
    assert acc.version == 1


def test_every_bad_account_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        make(
            {"website": "x" * 256, "industry": "Alchemy", "rating": "Lukewarm",
             "annual_revenue": -5, "number_of_employees": 1.5, "billing_city": "a\x00b",
             "account_source": "Carrier pigeon", "parent_account_id": "top", "version": 9,
             "colour": "teal"}
        )  # fmt: skip
    assert field_codes(exc) == {
        "name": "REQUIRED_FIELD_MISSING",
        "website": "STRING_TOO_LONG",
        "industry": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "rating": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "annual_revenue": "NUMBER_OUTSIDE_VALID_RANGE",
        "number_of_employees": "INVALID_TYPE",
        "billing_city": "INVALID_CHARACTER",
        "account_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "parent_account_id": "INVALID_CROSS_REFERENCE_KEY",
        "version": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "colour": "INVALID_FIELD",
    }


def test_fields_are_normalised_and_the_source_label_becomes_its_id() -> None:
    acc = make(
        {"name": "Acme", "industry": "banking", "rating": "HOT", "annual_revenue": "1,000",
         "number_of_employees": "12", "account_source": " web ", "shipping_country": " FR "}
    )  # fmt: skip
    assert (acc.industry, acc.rating, acc.source_id) == ("Banking", "Hot", 1)
    assert (acc.annual_revenue, acc.number_of_employees) == (Decimal("1000.00"), 12)
    assert acc.shipping_country == "FR"


def test_an_inactive_source_cannot_be_chosen() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"name": "Acme", "account_source": "Old Fair"})
    assert exc.value.fields[0].message == "Must be one of: Web"


def test_an_update_reports_changed_fields_and_bumps_the_version() -> None:
    acc = make({"name": "Acme"})
    acc.id = 10
    updated, changed = change(acc, {"phone": "555", "name": "Acme"}, actor=REX)
    assert set(changed) == {"phone", "version", "updated_at", "updated_by_id"}
    assert (updated.version, updated.updated_by_id) == (2, REX)
    same, nothing = change(updated, {"phone": " 555 "})
    assert nothing == [] and same.version == 2


def test_an_account_name_and_owner_cannot_be_cleared() -> None:
    acc = make({"name": "Acme"})
    with pytest.raises(ValidationError) as exc:
        change(acc, {"name": "", "owner_id": None})
    assert field_codes(exc) == {
        "name": "REQUIRED_FIELD_MISSING",
        "owner_id": "REQUIRED_FIELD_MISSING",
    }


def test_an_account_cannot_be_its_own_parent() -> None:
    acc = make({"name": "Acme"})
    acc.id = 10
    with pytest.raises(ValidationError) as exc:
        change(acc, {"parent_account_id": 10})
    assert field_codes(exc) == {"parent_account_id": "CIRCULAR_DEPENDENCY"}
    with pytest.raises(ValidationError):
        check_parent(10, 10, [])


def test_an_account_cannot_be_its_own_ancestor() -> None:
    # 10 is the top; 20 is under 10; 30 is under 20. Making 30 the parent of 10 loops.
    with pytest.raises(ValidationError) as exc:
        check_parent(10, 30, [20, 10])
    assert field_codes(exc) == {"parent_account_id": "CIRCULAR_DEPENDENCY"}


def test_a_parent_elsewhere_in_the_tree_or_none_is_fine() -> None:
    check_parent(30, 10, [])
    check_parent(20, 40, [50, 60])
    check_parent(10, None, [])
    check_parent(None, 10, [5])
