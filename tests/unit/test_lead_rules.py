"""The lead's rules in the pure domain: validation, status moves, ownership, read state."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from opportune.domain.leads import Lead, LeadPicklists, mark_read_by, new_lead, update_lead
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.errors import ConvertedLeadError, ValidationError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PICKLISTS = LeadPicklists(
    statuses=(
        LeadStatus(1, "Open - Not Contacted", 10, is_default=True),
        LeadStatus(2, "Working - Contacted", 20),
        LeadStatus(3, "Closed - Converted", 30, is_converted=True, is_closed=True),
        LeadStatus(4, "Closed - Not Converted", 40, is_closed=True),
        LeadStatus(5, "Nurturing (retired)", 50, is_active=False),
    ),
    sources=(PicklistValue(1, "Web", 10), PicklistValue(2, "Old Fair", 20, is_active=False)),
    close_reasons=(PicklistValue(1, "No budget", 10), PicklistValue(2, "Other", 20)),
)
LATER = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ADA, REX = 1, 2


def make(raw: dict[str, object], actor: int = ADA) -> Lead:
    return new_lead(raw, picklists=PICKLISTS, actor_id=actor, now=NOW)


def change(lead: Lead, raw: dict[str, object], actor: int = ADA) -> tuple[Lead, list[str]]:
    return update_lead(lead, raw, picklists=PICKLISTS, actor_id=actor, now=LATER)


def field_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


def test_a_new_lead_gets_the_default_status_and_the_creator_as_owner() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    assert (lead.status_id, lead.owner_id, lead.created_by_id) == (1, ADA, ADA)
    assert lead.created_at == NOW and lead.version == 1


def test_last_name_and_company_are_required_and_both_are_reported() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"first_name": "Li"})
    assert field_codes(exc) == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "company": "REQUIRED_FIELD_MISSING",
    }


def test_missing_fields_and_other_bad_fields_are_reported_together() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "email": "nope", "rating": "Boiling", "status": "Nope"})
    assert field_codes(exc) == {
        "company": "REQUIRED_FIELD_MISSING",
        "status": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "email": "INVALID_EMAIL_ADDRESS",
        "rating": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }


def test_blank_required_fields_count_as_missing() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "   ", "company": "Acme"})
    assert field_codes(exc) == {"last_name": "REQUIRED_FIELD_MISSING"}


@pytest.mark.parametrize(
    ("field", "limit"), [("last_name", 80), ("first_name", 40), ("company", 255), ("title", 128)]
)
def test_text_longer_than_its_limit_is_refused(field: str, limit: int) -> None:
    raw: dict[str, object] = {"last_name": "Ng", "company": "Acme"}
    make({**raw, field: "x" * limit})
    with pytest.raises(ValidationError) as exc:
        make({**raw, field: "x" * (limit + 1)})
    assert field_codes(exc) == {field: "STRING_TOO_LONG"}


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "x" * 75 + "@a.com"])
def test_an_invalid_email_is_refused(email: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "company": "Acme", "email": email})
    assert "email" in field_codes(exc)


def test_text_is_trimmed_and_picklist_values_match_case_insensitively() -> None:
    lead = make(
        {"last_name": "  Ng ", "company": "Acme", "rating": "hot", "industry": "banking",
         "status": "working - contacted", "lead_source": "WEB"}
    )  # fmt: skip
    assert (lead.last_name, lead.rating, lead.industry) == ("Ng", "Hot", "Banking")
    assert (lead.status_id, lead.source_id) == (2, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "Qualified"), ("lead_source", "Carrier pigeon"), ("rating", "Lukewarm"),
     ("status", "Nurturing (retired)"), ("lead_source", "Old Fair")],
)  # fmt: skip
def test_unknown_or_inactive_picklist_values_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "company": "Acme", field: value})
    assert field_codes(exc) == {field: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}


def test_numbers_are_parsed_and_negative_or_fractional_counts_refused() -> None:
    lead = make({"last_name": "Ng", "company": "A", "annual_revenue": "1,250,000.5",
                 "number_of_employees": "42"})  # fmt: skip
    assert lead.annual_revenue == Decimal("1250000.50") and lead.number_of_employees == 42
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "company": "A", "annual_revenue": -1,
              "number_of_employees": 2.5})  # fmt: skip
    assert field_codes(exc) == {
        "annual_revenue": "NUMBER_OUTSIDE_VALID_RANGE",
        "number_of_employees": "INVALID_TYPE",
    }


def test_setting_a_converted_status_by_editing_is_refused() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    with pytest.raises(ValidationError) as exc:
        change(lead, {"status": "Closed - Converted"})
    assert field_codes(exc) == {"status": "INVALID_STATUS"}
    assert "convert" in exc.value.message


@pytest.mark.parametrize(
    "field", ["is_converted", "converted_date", "converted_account_id", "converted_contact_id"]
)
def test_conversion_fields_cannot_be_set_by_create_or_update(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "company": "Acme", field: 1})
    assert field_codes(exc) == {field: "INVALID_FIELD_FOR_INSERT_UPDATE"}


def test_unknown_fields_are_named_in_the_error() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"last_name": "Ng", "company": "Acme", "favourite_colour": "teal"})
    assert field_codes(exc) == {"favourite_colour": "INVALID_FIELD"}


def test_closing_as_not_converted_needs_a_reason_and_reopening_clears_it() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    with pytest.raises(ValidationError) as exc:
        change(lead, {"status": "Closed - Not Converted"})
    assert field_codes(exc) == {"close_reason": "REQUIRED_FIELD_MISSING"}
    closed, _ = change(lead, {"status": "Closed - Not Converted", "close_reason": "no budget"})
    assert (closed.status_id, closed.close_reason_id) == (4, 1)
    reopened, changed = change(closed, {"status": "Working - Contacted"})
    assert reopened.close_reason_id is None and "close_reason_id" in changed


def test_a_converted_lead_is_read_only() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    lead.is_converted = True
    with pytest.raises(ConvertedLeadError) as exc:
        change(lead, {"title": "CEO"})
    assert exc.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_an_update_reports_changed_fields_and_bumps_the_version() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    updated, changed = change(lead, {"title": "CTO", "company": "Acme"}, actor=REX)
    assert "company" not in changed
    # The stamps are reported too, so the repository saves them with the change.
    assert {"title", "version", "updated_at", "updated_by_id"} <= set(changed)
    assert (updated.version, updated.updated_by_id) == (2, REX)
    same, nothing = change(updated, {"title": "CTO"})
    assert nothing == [] and same.version == 2


def test_a_lead_assigned_to_someone_else_is_unread_until_its_owner_opens_it() -> None:
    lead = make({"last_name": "Ng", "company": "Acme", "owner_id": REX}, actor=ADA)
    assert lead.is_unread_by_owner
    assert not mark_read_by(lead, ADA) and lead.is_unread_by_owner
    assert mark_read_by(lead, REX) and not lead.is_unread_by_owner


def test_reassigning_marks_unread_and_an_edit_by_the_owner_marks_read() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"}, actor=ADA)
    moved, _ = change(lead, {"owner_id": REX}, actor=ADA)
    assert moved.is_unread_by_owner
    edited, _ = change(moved, {"title": "CFO"}, actor=REX)
    assert not edited.is_unread_by_owner
    taken, _ = change(lead, {"owner_id": REX}, actor=REX)
    assert not taken.is_unread_by_owner


def test_an_owner_cannot_be_removed() -> None:
    lead = make({"last_name": "Ng", "company": "Acme"})
    with pytest.raises(ValidationError) as exc:
        change(lead, {"owner_id": None})
    assert field_codes(exc) == {"owner_id": "REQUIRED_FIELD_MISSING"}
