"""Rules that keep the configurable stage list (the pipeline) usable."""

from __future__ import annotations

import dataclasses

import pytest

from opportune.domain.stages import (
    DEFAULT_LOST_REASONS,
    DEFAULT_STAGES,
    FORECAST_CATEGORIES,
    Stage,
    check_stage_list,
    default_stages,
    first_open_stage,
    stage_by_id,
)
from opportune.errors import ValidationError

OPEN = Stage(1, "Discovery", 10, 20, "Pipeline")
WON = Stage(2, "Won", 20, 100, "Closed", is_closed=True, is_won=True)
LOST = Stage(3, "Lost", 30, 0, "Omitted", is_closed=True)


def field_codes(stages: list[Stage]) -> set[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        check_stage_list(stages)
    return {(f.field, f.code) for f in exc.value.fields}


def test_the_default_stages_follow_the_reference_table_in_order() -> None:
    stages = default_stages()
    assert [s.label for s in stages] == [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
        "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
        "Negotiation/Review", "Closed Won", "Closed Lost",
    ]  # fmt: skip
    assert [s.probability for s in stages] == [10, 10, 20, 50, 60, 70, 75, 90, 100, 0]
    assert {s.forecast_category for s in stages[:8]} == {"Pipeline"}
    assert not any(s.is_closed or s.is_won for s in stages[:8])
    won, lost = stages[8], stages[9]
    assert (won.forecast_category, won.is_closed, won.is_won) == ("Closed", True, True)
    assert (lost.forecast_category, lost.is_closed, lost.is_won) == ("Omitted", True, False)
    assert [s.sort_order for s in stages] == sorted(s.sort_order for s in stages)
    assert len(DEFAULT_STAGES) == len(stages) and all(s.is_active for s in stages)


def test_the_default_stage_list_is_accepted() -> None:
    check_stage_list(default_stages())


def test_the_forecast_categories_are_the_five_of_the_reference() -> None:
    assert FORECAST_CATEGORIES == ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")


def test_the_default_lost_reasons_are_usable_labels() -> None:
    assert {"Price", "Competitor", "No budget", "Other"} <= set(DEFAULT_LOST_REASONS)
    assert len({r.casefold() for r in DEFAULT_LOST_REASONS}) == len(DEFAULT_LOST_REASONS)


def test_a_minimal_list_of_one_open_one_won_and_one_lost_stage_is_accepted() -> None:
    check_stage_list([OPEN, WON, LOST])


def test_stage_labels_must_be_unique_ignoring_case() -> None:
    twin = Stage(4, " discovery ", 40, 30, "Pipeline")
    assert field_codes([OPEN, twin, WON, LOST]) == {("label", "DUPLICATE_VALUE")}


@pytest.mark.parametrize(("label", "code"), [("  ", "REQUIRED_FIELD_MISSING"),
                                             ("A, B", "INVALID_CHARACTER"),
                                             ("x" * 81, "STRING_TOO_LONG")])  # fmt: skip
def test_a_stage_label_must_be_a_valid_label(label: str, code: str) -> None:
    bad = dataclasses.replace(OPEN, label=label)
    assert field_codes([bad, WON, LOST]) >= {("label", code)}


def test_a_won_stage_must_also_be_closed() -> None:
    open_won = Stage(4, "Verbal yes", 40, 95, "Commit", is_won=True)
    assert field_codes([OPEN, open_won, WON, LOST]) == {("is_won", "INVALID_STAGE")}


@pytest.mark.parametrize("probability", [-1, 101, 1000])
def test_a_probability_outside_0_to_100_is_refused(probability: int) -> None:
    bad = dataclasses.replace(OPEN, probability=probability)
    assert field_codes([bad, WON, LOST]) == {("probability", "NUMBER_OUTSIDE_VALID_RANGE")}


def test_an_unknown_forecast_category_is_refused() -> None:
    bad = dataclasses.replace(OPEN, forecast_category="Maybe")
    assert field_codes([bad, WON, LOST]) == {
        ("forecast_category", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    }


def test_closed_stages_need_not_be_100_or_0_percent_only_consistent() -> None:
    won = dataclasses.replace(WON, probability=95, forecast_category="Commit")
    lost = dataclasses.replace(LOST, probability=5, forecast_category="Pipeline")
    check_stage_list([OPEN, won, lost])


@pytest.mark.parametrize(
    ("stages", "kind"),
    [([WON, LOST], "open"), ([OPEN, LOST], "closed-won"), ([OPEN, WON], "closed-lost")],
)
def test_an_open_a_won_and_a_lost_stage_are_each_required(stages: list[Stage], kind: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_stage_list(stages)
    assert [f.code for f in exc.value.fields] == ["INVALID_STAGE"]
    assert f"active {kind} stage" in exc.value.message


def test_an_inactive_stage_does_not_count_as_the_required_one() -> None:
    retired_lost = dataclasses.replace(LOST, is_active=False)
    with pytest.raises(ValidationError) as exc:
        check_stage_list([OPEN, WON, retired_lost])
    assert "closed-lost" in exc.value.message
    check_stage_list([OPEN, WON, retired_lost, Stage(9, "Dropped", 90, 0, "Omitted", True)])


def test_every_problem_of_the_list_is_reported_together() -> None:
    bad = Stage(1, "Discovery", 10, 150, "Someday", is_won=True)
    with pytest.raises(ValidationError) as exc:
        check_stage_list([bad, LOST])
    assert [(f.field, f.code) for f in exc.value.fields] == [
        ("probability", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("forecast_category", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ("is_won", "INVALID_STAGE"),  # won but not closed
        ("is_won", "INVALID_STAGE"),  # so no closed-won stage is left
    ]
    assert "won stage must also be closed" in exc.value.message
    assert "active closed-won stage is required" in exc.value.message


def test_the_first_open_stage_follows_sort_order_and_skips_closed_and_inactive() -> None:
    retired = Stage(5, "Cold call", 1, 5, "Pipeline", is_active=False)
    early_won = dataclasses.replace(WON, sort_order=0)
    later = Stage(6, "Intro", 5, 10, "Pipeline")
    assert first_open_stage([OPEN, early_won, retired, later, LOST]) == later


def test_a_list_without_an_active_open_stage_has_no_first_stage() -> None:
    with pytest.raises(ValidationError) as exc:
        first_open_stage([WON, LOST])
    assert exc.value.fields[0].code == "INVALID_STAGE"


def test_a_stage_is_found_by_id_and_an_unknown_id_is_a_programming_error() -> None:
    assert stage_by_id([OPEN, WON, LOST], 2) == WON
    with pytest.raises(LookupError):
        stage_by_id([OPEN, WON, LOST], 99)


def test_a_lost_stage_is_a_closed_stage_that_is_not_won() -> None:
    assert LOST.is_lost and not WON.is_lost and not OPEN.is_lost
