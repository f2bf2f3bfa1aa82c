"""The "Filtered: ..." line of the lead and opportunity lists reads as plain English."""

from __future__ import annotations

from opportune.web.drill_filters import LEAD_DRILL_FILTERS, OPPORTUNITY_DRILL_FILTERS, drill_phrases


def test_one_untouched_day_is_singular_and_more_are_plural() -> None:
    assert drill_phrases([("untouched_days", "1")], LEAD_DRILL_FILTERS) == ["untouched for 1 day"]
    assert drill_phrases([("untouched_days", "14")], LEAD_DRILL_FILTERS) == [
        "untouched for 14 days"
    ]


def test_only_filters_given_a_value_are_described_in_their_order() -> None:
    params = [("stage_entered_to", "2026-01-31"), ("lead_source", "Web"), ("lost_reason", " ")]
    assert drill_phrases(params, OPPORTUNITY_DRILL_FILTERS) == [
        "lead source Web",
        "in its current stage since 2026-01-31 or earlier",
    ]
