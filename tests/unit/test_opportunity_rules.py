"""The opportunity's rules in the pure domain: validation, stage moves, revenue, roles."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from opportune.domain.opportunities import (
    ContactRole,
    Opportunity,
    check_contact_account,
    check_contact_roles,
    check_currency_code,
    expected_revenue,
    is_reopened,
    new_contact_role,
    new_opportunity,
    update_opportunity,
)
from opportune.domain.picklists import PicklistValue
from opportune.domain.stages import Stage, default_stages
from opportune.errors import ValidationError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ADA, REX = 1, 2
# Default ids: Prospecting 1, Qualification 2, Needs Analysis 3 ... Closed Won 9, Closed Lost 10.
PROSPECTING, NEEDS_ANALYSIS, NEGOTIATION, WON, LOST, DEMO = 1, 3, 8, 9, 10, 11
STAGES = (*default_stages(), Stage(DEMO, "Demo", 35, 40, "Best Case", is_active=False))
LOST_REASONS = (
    PicklistValue(1, "Price", 10),
    PicklistValue(2, "Competitor", 20),
    PicklistValue(3, "Bad timing (old)", 30, is_active=False),
)
SOURCES = (PicklistValue(1, "Web", 10), PicklistValue(2, "Trade fair", 20, is_active=False))
BASE: dict[str, object] = {"name": "Acme renewal", "account_id": 7, "close_date": "2026-12-31"}


def make(raw: dict[str, object], actor: int = ADA) -> Opportunity:
    return new_opportunity(
        {**BASE, **raw},
        stages=STAGES,
        lost_reasons=LOST_REASONS,
        lead_sources=SOURCES,
        actor_id=actor,
        now=NOW,
        currency="EUR",
    )


def change(
    opp: Opportunity, raw: dict[str, object], actor: int = ADA
) -> tuple[Opportunity, list[str]]:
    return update_opportunity(
        opp,
        raw,
        stages=STAGES,
        lost_reasons=LOST_REASONS,
        lead_sources=SOURCES,
        actor_id=actor,
        now=LATER,
    )


def field_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


# --- creating --------------------------------------------------------------------------------


def test_a_new_opportunity_starts_on_the_first_active_open_stage_with_its_defaults() -> None:
    opp = make({})
    assert (opp.stage_id, opp.probability, opp.forecast_category) == (PROSPECTING, 10, "Pipeline")
    assert not opp.is_closed and not opp.is_won
    assert opp.close_date == date(2026, 12, 31) and opp.currency_code == "EUR"


def test_a_new_opportunity_belongs_to_its_creator_unless_an_owner_is_given() -> None:
    mine = make({})
    assert (mine.owner_id, mine.created_by_id, mine.updated_by_id) == (ADA, ADA, ADA)
    assert mine.created_at == mine.updated_at == NOW and mine.version == 1
    assert make({"owner_id": "2"}).owner_id == REX


def test_name_account_and_close_date_are_required_and_reported_together() -> None:
    with pytest.raises(ValidationError) as exc:
        new_opportunity(
            {"amount": "-5"},
            stages=STAGES,
            lost_reasons=LOST_REASONS,
            actor_id=ADA,
            now=NOW,
            currency="EUR",
        )
    assert field_codes(exc) == {
        "name": "REQUIRED_FIELD_MISSING",
        "account_id": "REQUIRED_FIELD_MISSING",
        "close_date": "REQUIRED_FIELD_MISSING",
        "amount": "NUMBER_OUTSIDE_VALID_RANGE",
    }


@pytest.mark.parametrize(("field", "limit"), [("name", 120), ("next_step", 255)])
def test_text_longer_than_its_limit_is_refused(field: str, limit: int) -> None:
    assert getattr(make({field: "x" * limit}), field) == "x" * limit
    with pytest.raises(ValidationError) as exc:
        make({field: "x" * (limit + 1)})
    assert field_codes(exc) == {field: "STRING_TOO_LONG"}


def test_text_is_trimmed_and_control_characters_are_refused() -> None:
    assert make({"name": "  Acme renewal  "}).name == "Acme renewal"
    with pytest.raises(ValidationError) as exc:
        make({"description": "bad\x00byte"})
    assert field_codes(exc) == {"description": "INVALID_CHARACTER"}


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"stage": "Handshake"})
    assert field_codes(exc) == {"stage": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
    assert "Prospecting" in exc.value.message and "Demo" not in exc.value.message


@pytest.mark.parametrize(
    "value", ["tomorrow", "2026-02-30", "31/12/2026", 20261231, datetime(2026, 12, 31, tzinfo=UTC)]
)
def test_a_close_date_that_is_not_a_date_is_refused(value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        make({"close_date": value})
    assert field_codes(exc) == {"close_date": "INVALID_TYPE"}


def test_a_close_date_may_be_given_as_a_date() -> None:
    assert make({"close_date": date(2027, 3, 31)}).close_date == date(2027, 3, 31)


def test_the_amount_is_kept_to_cents_and_a_negative_amount_is_refused() -> None:
    assert make({"amount": "1,250,000.5"}).amount == Decimal("1250000.50")
    assert make({"amount": None}).amount is None
    for bad, code in ((-1, "NUMBER_OUTSIDE_VALID_RANGE"), ("lots", "INVALID_TYPE")):
        with pytest.raises(ValidationError) as exc:
            make({"amount": bad})
        assert field_codes(exc) == {"amount": code}


@pytest.mark.parametrize(
    ("value", "code"),
    [(-1, "NUMBER_OUTSIDE_VALID_RANGE"), (101, "NUMBER_OUTSIDE_VALID_RANGE"),
     ("50.5", "INVALID_TYPE"), ("high", "INVALID_TYPE")],
)  # fmt: skip
def test_a_probability_outside_0_to_100_or_not_whole_is_refused(value: object, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({"probability": value})
    assert field_codes(exc) == {"probability": code}


@pytest.mark.parametrize("field", ["is_closed", "is_won", "expected_revenue"])
def test_closed_and_won_cannot_be_set_directly(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({field: True})
    assert field_codes(exc) == {field: "INVALID_FIELD_FOR_INSERT_UPDATE"}
    with pytest.raises(ValidationError) as exc:
        change(make({}), {field: True})
    assert field_codes(exc) == {field: "INVALID_FIELD_FOR_INSERT_UPDATE"}


@pytest.mark.parametrize("field", ["id", "version", "created_at", "stage_id", "lost_reason_id"])
def test_system_fields_are_read_only(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({field: 3})
    assert field_codes(exc) == {field: "INVALID_FIELD_FOR_INSERT_UPDATE"}


def test_unknown_fields_are_named_in_the_error() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"favourite_colour": "teal"})
    assert field_codes(exc) == {"favourite_colour": "INVALID_FIELD"}


def test_labels_and_choices_match_case_insensitively() -> None:
    opp = make(
        {"stage": "needs analysis", "type": "new business", "lead_source": "WEB",
         "forecast_category": "best case"}
    )  # fmt: skip
    assert (opp.stage_id, opp.type, opp.lead_source_id) == (NEEDS_ANALYSIS, "New Business", 1)
    assert opp.forecast_category == "Best Case"


@pytest.mark.parametrize(("field", "value"), [("type", "Upsell"), ("lead_source", "Trade fair"),
                                              ("forecast_category", "Maybe")])  # fmt: skip
def test_unknown_or_inactive_choices_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make({field: value})
    assert field_codes(exc) == {field: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}


def test_a_bad_account_or_owner_id_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"account_id": "acme", "owner_id": 0})
    assert field_codes(exc) == {
        "account_id": "INVALID_CROSS_REFERENCE_KEY",
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
    }


def test_the_install_currency_is_used_and_no_other_is_accepted() -> None:
    assert make({"currency_code": "eur"}).currency_code == "EUR"
    for bad in ("USD", "euro", 978):
        with pytest.raises(ValidationError) as exc:
            make({"currency_code": bad})
        assert field_codes(exc) == {"currency_code": "INVALID_CURRENCY_ISO"}


def test_a_currency_code_is_three_letters() -> None:
    assert check_currency_code(" usd ") == "USD"
    for bad in ("US", "US1", "", None):
        with pytest.raises(ValidationError):
            check_currency_code(bad)


def test_a_new_opportunity_may_start_on_a_chosen_stage_with_overrides() -> None:
    opp = make({"stage": "Negotiation/Review", "probability": 80, "forecast_category": "Commit"})
    assert (opp.stage_id, opp.probability, opp.forecast_category) == (NEGOTIATION, 80, "Commit")


def test_a_new_opportunity_can_start_lost_only_with_a_reason() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"stage": "Closed Lost"})
    assert field_codes(exc) == {"lost_reason": "REQUIRED_FIELD_MISSING"}
    opp = make({"stage": "Closed Lost", "lost_reason": "price"})
    assert (opp.is_closed, opp.is_won, opp.lost_reason_id) == (True, False, 1)


def test_a_stage_given_as_blank_is_missing_not_defaulted() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"stage": " "})
    assert field_codes(exc) == {"stage": "REQUIRED_FIELD_MISSING"}


# --- stage moves -----------------------------------------------------------------------------


def test_moving_the_stage_resets_probability_forecast_closed_and_won() -> None:
    opp = make({"probability": 33, "forecast_category": "Commit"})
    moved, changed = change(opp, {"stage": "Negotiation/Review"})
    assert (moved.stage_id, moved.probability, moved.forecast_category) == (
        NEGOTIATION, 90, "Pipeline",
    )  # fmt: skip
    assert {"stage_id", "probability", "forecast_category"} <= set(changed)


def test_overrides_given_with_a_stage_move_win_over_the_stage_defaults() -> None:
    moved, _ = change(
        make({}), {"stage": "Negotiation/Review", "probability": 95, "forecast_category": "Commit"}
    )
    assert (moved.stage_id, moved.probability, moved.forecast_category) == (
        NEGOTIATION, 95, "Commit",
    )  # fmt: skip


def test_an_override_lasts_until_the_next_stage_move() -> None:
    opp, _ = change(make({}), {"probability": 25, "forecast_category": "Best Case"})
    kept, _ = change(opp, {"next_step": "Call the CFO", "stage": "prospecting"})
    assert (kept.probability, kept.forecast_category) == (25, "Best Case")
    moved, _ = change(kept, {"stage": "Needs Analysis"})
    assert (moved.probability, moved.forecast_category) == (20, "Pipeline")


def test_a_blank_override_falls_back_to_the_stage_default() -> None:
    opp = make({"stage": "Needs Analysis", "probability": 45, "forecast_category": "Commit"})
    reset, _ = change(opp, {"probability": "", "forecast_category": None})
    assert (reset.probability, reset.forecast_category) == (20, "Pipeline")


def test_closed_and_won_follow_a_move_to_closed_won() -> None:
    won, changed = change(make({"amount": 1000}), {"stage": "closed won"})
    assert (won.is_closed, won.is_won, won.probability, won.forecast_category) == (
        True, True, 100, "Closed",
    )  # fmt: skip
    assert {"is_closed", "is_won"} <= set(changed)


def test_moving_to_closed_lost_requires_a_lost_reason() -> None:
    opp = make({})
    with pytest.raises(ValidationError) as exc:
        change(opp, {"stage": "Closed Lost"})
    assert field_codes(exc) == {"lost_reason": "REQUIRED_FIELD_MISSING"}
    assert "Closed Lost" in exc.value.message
    lost, _ = change(opp, {"stage": "Closed Lost", "lost_reason": "Competitor"})
    assert (lost.is_closed, lost.is_won, lost.probability, lost.lost_reason_id) == (
        True, False, 0, 2,
    )  # fmt: skip
    assert lost.forecast_category == "Omitted"


def test_a_lost_reason_must_come_from_the_active_list() -> None:
    for reason in ("Bad luck", "Bad timing (old)"):
        with pytest.raises(ValidationError) as exc:
            change(make({}), {"stage": "Closed Lost", "lost_reason": reason})
        assert field_codes(exc) == {"lost_reason": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}


def test_a_lost_opportunity_keeps_a_lost_reason_that_was_later_retired() -> None:
    lost = dataclasses.replace(
        make({}), stage_id=LOST, is_closed=True, probability=0, lost_reason_id=3
    )
    edited, _ = change(lost, {"lost_reason": "bad timing (old)", "next_step": "Try in May"})
    assert edited.lost_reason_id == 3


def test_the_lost_reason_cannot_be_removed_while_lost() -> None:
    lost, _ = change(make({}), {"stage": "Closed Lost", "lost_reason": "Price"})
    with pytest.raises(ValidationError) as exc:
        change(lost, {"lost_reason": None})
    assert field_codes(exc) == {"lost_reason": "REQUIRED_FIELD_MISSING"}
    changed_mind, _ = change(lost, {"lost_reason": "Competitor"})
    assert changed_mind.lost_reason_id == 2


def test_leaving_a_lost_stage_clears_the_lost_reason() -> None:
    lost, _ = change(make({}), {"stage": "Closed Lost", "lost_reason": "Price"})
    won, changed = change(lost, {"stage": "Closed Won"})
    assert won.lost_reason_id is None and "lost_reason_id" in changed


def test_a_lost_reason_on_an_opportunity_that_is_not_lost_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        change(make({}), {"lost_reason": "Price"})
    assert field_codes(exc) == {"lost_reason": "FIELD_INTEGRITY_EXCEPTION"}
    with pytest.raises(ValidationError) as exc:
        make({"stage": "Closed Won", "lost_reason": "Price"})
    assert field_codes(exc) == {"lost_reason": "FIELD_INTEGRITY_EXCEPTION"}


def test_an_inactive_stage_cannot_be_chosen_but_keeps_its_opportunities() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"stage": "Demo"})
    assert field_codes(exc) == {"stage": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
    with pytest.raises(ValidationError) as exc:
        change(make({}), {"stage": "Demo"})
    assert field_codes(exc) == {"stage": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
    on_demo = dataclasses.replace(make({}), stage_id=DEMO, probability=40)
    edited, changed = change(on_demo, {"stage": "Demo", "amount": 500})
    assert edited.stage_id == DEMO and edited.probability == 40 and "stage_id" not in changed
    moved, _ = change(on_demo, {"stage": "Qualification"})
    assert moved.stage_id == 2


def test_reopening_a_closed_opportunity_is_allowed_and_reported() -> None:
    won, _ = change(make({}), {"stage": "Closed Won"})
    reopened, changed = change(won, {"stage": "Negotiation/Review"})
    assert not reopened.is_closed and not reopened.is_won and reopened.probability == 90
    assert is_reopened(won, reopened) and "is_closed" in changed
    assert not is_reopened(make({}), won) and not is_reopened(won, won)


def test_moving_from_won_to_lost_is_a_move_between_closed_stages() -> None:
    won, _ = change(make({}), {"stage": "Closed Won"})
    lost, _ = change(won, {"stage": "Closed Lost", "lost_reason": "Price"})
    assert lost.is_closed and not lost.is_won and not is_reopened(won, lost)


# --- updates ---------------------------------------------------------------------------------


def test_an_update_reports_changed_fields_and_bumps_the_version() -> None:
    opp = make({})
    updated, changed = change(opp, {"next_step": "Send quote", "name": "Acme renewal"}, actor=REX)
    assert "name" not in changed
    assert {"next_step", "version", "updated_at", "updated_by_id"} <= set(changed)
    assert (updated.version, updated.updated_by_id, updated.updated_at) == (2, REX, LATER)
    same, nothing = change(updated, {"next_step": "Send quote"})
    assert nothing == [] and same.version == 2


@pytest.mark.parametrize("field", ["name", "account_id", "close_date", "stage", "owner_id"])
def test_an_update_cannot_clear_a_required_field(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        change(make({}), {field: None})
    assert field_codes(exc) == {field: "REQUIRED_FIELD_MISSING"}


def test_a_refused_update_leaves_the_opportunity_as_it_was() -> None:
    opp = make({})
    before = dataclasses.replace(opp)
    with pytest.raises(ValidationError):
        change(opp, {"stage": "Closed Lost", "amount": 10})
    assert opp == before


def test_an_optional_field_can_be_cleared() -> None:
    opp = make({"amount": 100, "lead_source": "Web", "type": "New Business"})
    cleared, changed = change(opp, {"amount": None, "lead_source": None, "type": ""})
    assert (cleared.amount, cleared.lead_source_id, cleared.type) == (None, None, None)
    assert {"amount", "lead_source_id", "type"} <= set(changed)


def test_an_update_keeps_the_currency_of_the_opportunity() -> None:
    opp = make({})
    same, changed = change(opp, {"currency_code": "EUR"})
    assert same.currency_code == "EUR" and changed == []
    with pytest.raises(ValidationError) as exc:
        change(opp, {"currency_code": "GBP"})
    assert field_codes(exc) == {"currency_code": "INVALID_CURRENCY_ISO"}


# --- expected revenue ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "probability", "expected"),
    [("1000", 10, "100.00"), ("1000", 0, "0.00"), ("1000", 100, "1000.00"),
     ("99.99", 75, "74.99"), ("0.10", 25, "0.03"), ("333.33", 33, "110.00")],
)  # fmt: skip
def test_expected_revenue_is_amount_times_probability(
    amount: str, probability: int, expected: str
) -> None:
    opp = make({"amount": amount, "probability": probability})
    assert expected_revenue(opp) == Decimal(expected)


def test_expected_revenue_is_none_without_an_amount() -> None:
    assert expected_revenue(make({})) is None


# --- contact roles ---------------------------------------------------------------------------


def test_a_contact_role_is_built_from_raw_input() -> None:
    role = new_contact_role(
        {"contact_id": "12", "role": "decision maker", "is_primary": "yes"}, opportunity_id=5
    )
    assert role == ContactRole(5, 12, "Decision Maker", is_primary=True)
    assert new_contact_role({"contact_id": 12}, opportunity_id=5) == ContactRole(5, 12)


def test_a_contact_role_needs_a_contact_and_a_known_role() -> None:
    with pytest.raises(ValidationError) as exc:
        new_contact_role({"role": "Cheerleader", "is_primary": "maybe"}, opportunity_id=5)
    assert field_codes(exc) == {
        "contact_id": "REQUIRED_FIELD_MISSING",
        "role": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "is_primary": "INVALID_TYPE",
    }
    with pytest.raises(ValidationError) as exc:
        new_contact_role({"contact_id": 3, "opportunity_id": 9}, opportunity_id=5)
    assert field_codes(exc) == {"opportunity_id": "INVALID_FIELD_FOR_INSERT_UPDATE"}


def test_a_second_primary_contact_role_is_refused() -> None:
    check_contact_roles([ContactRole(5, 1, "Economic Buyer", is_primary=True)])
    with pytest.raises(ValidationError) as exc:
        check_contact_roles(
            [ContactRole(5, 1, "Economic Buyer", is_primary=True),
             ContactRole(5, 2, "Evaluator", is_primary=True)]
        )  # fmt: skip
    assert field_codes(exc) == {"is_primary": "DUPLICATE_VALUE"}


def test_a_contact_may_hold_several_roles_but_not_the_same_one_twice() -> None:
    check_contact_roles([ContactRole(5, 1, "Evaluator"), ContactRole(5, 1, "Influencer")])
    with pytest.raises(ValidationError) as exc:
        check_contact_roles([ContactRole(5, 1, "Evaluator"), ContactRole(5, 1, "Evaluator")])
    assert field_codes(exc) == {"role": "DUPLICATE_VALUE"}


def test_a_contact_of_another_account_is_refused_unless_allowed() -> None:
    check_contact_account(7, 7)
    for other in (8, None):
        with pytest.raises(ValidationError) as exc:
            check_contact_account(other, 7)
        assert field_codes(exc) == {"contact_id": "INVALID_CROSS_REFERENCE_KEY"}
        check_contact_account(other, 7, allow_other_accounts=True)
