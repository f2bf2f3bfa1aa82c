"""The contact's rules in the pure domain: validation, account, source, owner, flags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opportune.domain.contacts import Contact, new_contact, update_contact
from opportune.domain.picklists import PicklistValue
from opportune.errors import ValidationError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
SOURCES = (PicklistValue(1, "Web", 10), PicklistValue(2, "Partner Referral", 20))
ADA, REX = 1, 2


def make(raw: dict[str, object], actor: int = ADA) -> Contact:
    return new_contact(raw, sources=SOURCES, actor_id=actor, now=NOW)


def change(c: Contact, raw: dict[str, object], actor: int = ADA) -> tuple[Contact, list[str]]:
    return update_contact(c, raw, sources=SOURCES, actor_id=actor, now=LATER)


def field_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


def test_a_new_contact_needs_only_a_last_name() -> None:
    contact = make({"last_name": " Lovelace "})
    assert (contact.name, contact.owner_id, contact.account_id) == ("Lovelace", ADA, None)
    assert not contact.do_not_call and not contact.has_opted_out_of_email


def test_every_bad_contact_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        make(
            {"first_name": "x" * 41, "email": "not-an-email", "salutation": "Sir",
             "lead_source": "Carrier pigeon", "do_not_call": "perhaps", "account_id": 0,
             "owner_id": 1.5, "mailing_postal_code": "1" * 21, "source_id": 1, "age": 40}
        )  # fmt: skip
    assert field_codes(exc) == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "first_name": "STRING_TOO_LONG",
        "email": "INVALID_EMAIL_ADDRESS",
        "salutation": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "lead_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "do_not_call": "INVALID_TYPE",
        "account_id": "INVALID_CROSS_REFERENCE_KEY",
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
        "mailing_postal_code": "STRING_TOO_LONG",
        "source_id": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "age": "INVALID_FIELD",
    }


def test_contact_fields_are_normalised() -> None:
    contact = make(
        {"first_name": "Ada", "last_name": "Lovelace", "salutation": "ms.",
         "email": "Ada@Example.ORG", "lead_source": "partner referral", "do_not_call": "yes",
         "has_opted_out_of_email": True, "account_id": "7", "owner_id": REX}
    )  # fmt: skip
    assert (contact.name, contact.salutation, contact.email) == (
        "Ada Lovelace",
        "Ms.",
        "Ada@example.org",
    )
    assert (contact.source_id, contact.account_id, contact.owner_id) == (2, 7, REX)
    assert contact.do_not_call and contact.has_opted_out_of_email


def test_a_contact_moves_between_accounts_or_leaves_them() -> None:
    contact = make({"last_name": "Ng", "account_id": 7})
    moved, changed = change(contact, {"account_id": 8}, actor=REX)
    assert moved.account_id == 8 and "account_id" in changed and moved.version == 2
    alone, _ = change(moved, {"account_id": None})
    assert alone.account_id is None


def test_a_contact_last_name_and_owner_cannot_be_cleared() -> None:
    contact = make({"last_name": "Ng"})
    with pytest.raises(ValidationError) as exc:
        change(contact, {"last_name": None, "owner_id": ""})
    assert field_codes(exc) == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "owner_id": "REQUIRED_FIELD_MISSING",
    }


def test_an_unchanged_contact_keeps_its_version() -> None:
    contact = make({"last_name": "Ng", "title": "CTO"})
    same, changed = change(contact, {"title": "CTO", "do_not_call": False})
    assert changed == [] and same.version == 1
