"""Opportunity history: when snapshots are written, and what is derived from them."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from opportune.domain.history import (
    StageSnapshot,
    close_date_pushes,
    days_to_close,
    make_snapshot,
    snapshot_needed,
    stage_age,
    time_in_stages,
)
from opportune.domain.opportunities import Opportunity, new_opportunity, update_opportunity
from opportune.domain.picklists import PicklistValue
from opportune.domain.stages import default_stages

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ADA, REX = 1, 2
PROSPECTING, QUALIFICATION, NEEDS_ANALYSIS, WON, LOST = 1, 2, 3, 9, 10
STAGES = default_stages()
REASONS = (PicklistValue(1, "Price", 10),)
CLOSED = {WON, LOST}


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def snap(
    days: float, stage: int, *, close: date = date(2026, 3, 31), amount: str | None = "1000"
) -> StageSnapshot:
    """A snapshot taken ``days`` after T0 (the stage's closedness follows the defaults)."""
    return StageSnapshot(
        opportunity_id=1,
        stage_id=stage,
        amount=None if amount is None else Decimal(amount),
        probability=10,
        expected_revenue=None,
        close_date=close,
        forecast_category="Pipeline",
        changed_by_id=ADA,
        changed_at=at(days),
        is_closed=stage in CLOSED,
    )


def opportunity() -> Opportunity:
    raw = {"name": "Acme", "account_id": 7, "close_date": "2026-03-31", "amount": "2000"}
    return new_opportunity(
        raw, stages=STAGES, lost_reasons=REASONS, actor_id=ADA, now=T0, currency="EUR"
    )


def change(opp: Opportunity, raw: dict[str, object]) -> Opportunity:
    updated, _ = update_opportunity(
        opp, raw, stages=STAGES, lost_reasons=REASONS, actor_id=REX, now=at(1)
    )
    return updated


# --- when a snapshot is written --------------------------------------------------------------


def test_a_snapshot_is_written_on_creation() -> None:
    assert snapshot_needed(None, opportunity())


def test_a_snapshot_is_written_when_a_tracked_field_changes() -> None:
    opp = opportunity()
    changes: list[dict[str, object]] = [
        {"stage": "Qualification"},
        {"amount": "2500"},
        {"probability": 15},
        {"close_date": "2026-04-30"},
        {"forecast_category": "Best Case"},
    ]
    for raw in changes:
        assert snapshot_needed(opp, change(opp, raw)), raw


def test_no_snapshot_is_written_for_other_changes() -> None:
    opp = opportunity()
    assert not snapshot_needed(opp, change(opp, {"next_step": "Call", "name": "Acme 2"}))
    assert not snapshot_needed(opp, change(opp, {"amount": "2,000.00"}))


def test_a_snapshot_holds_the_pipeline_values_with_who_and_when() -> None:
    opp = change(opportunity(), {"stage": "Needs Analysis"})
    opp.id = 42
    snapshot = make_snapshot(opp, REX, at(1))
    assert snapshot == StageSnapshot(
        opportunity_id=42,
        stage_id=NEEDS_ANALYSIS,
        amount=Decimal("2000.00"),
        probability=20,
        expected_revenue=Decimal("400.00"),
        close_date=date(2026, 3, 31),
        forecast_category="Pipeline",
        changed_by_id=REX,
        changed_at=at(1),
        is_closed=False,
    )


def test_a_snapshot_of_a_closed_opportunity_records_that_it_was_closed() -> None:
    won = change(opportunity(), {"stage": "Closed Won"})
    assert make_snapshot(won, REX, at(1)).is_closed


# --- time in stage ---------------------------------------------------------------------------


def test_time_in_stage_runs_from_creation_until_now_for_a_single_stage() -> None:
    assert time_in_stages([snap(0, PROSPECTING)], at(3)) == {PROSPECTING: timedelta(days=3)}


def test_time_in_stage_sums_revisits_over_several_moves() -> None:
    snapshots = [
        snap(0, PROSPECTING),
        snap(2, QUALIFICATION),
        snap(5, PROSPECTING),  # back again
        snap(6, NEEDS_ANALYSIS),
        snap(10, QUALIFICATION),
    ]
    assert time_in_stages(snapshots, at(12)) == {
        PROSPECTING: timedelta(days=3),
        QUALIFICATION: timedelta(days=5),
        NEEDS_ANALYSIS: timedelta(days=4),
    }


def test_a_snapshot_that_keeps_the_stage_does_not_split_its_time() -> None:
    snapshots = [
        snap(0, PROSPECTING),
        snap(1, PROSPECTING, amount="5000"),
        snap(1.5, PROSPECTING, close=date(2026, 4, 30)),
        snap(4, QUALIFICATION),
    ]
    assert time_in_stages(snapshots, at(4.5)) == {
        PROSPECTING: timedelta(days=4),
        QUALIFICATION: timedelta(hours=12),
    }


def test_time_in_stage_adds_up_to_the_whole_life_of_the_opportunity() -> None:
    rng = random.Random(3)
    moments = sorted(rng.uniform(0, 90) for _ in range(30))
    snapshots = [snap(0, PROSPECTING)] + [snap(d, rng.choice([1, 2, 3, 4])) for d in moments]
    assert sum(time_in_stages(snapshots, at(100)).values(), timedelta(0)) == timedelta(days=100)


def test_time_in_stage_does_not_depend_on_the_order_snapshots_are_given_in() -> None:
    snapshots = [snap(0, PROSPECTING), snap(2, QUALIFICATION), snap(5, PROSPECTING)]
    shuffled = [snapshots[2], snapshots[0], snapshots[1]]
    assert time_in_stages(shuffled, at(6)) == time_in_stages(snapshots, at(6))


def test_without_history_there_is_no_time_in_any_stage() -> None:
    assert time_in_stages([], at(1)) == {}


def test_a_now_before_the_last_snapshot_counts_as_no_time() -> None:
    assert time_in_stages([snap(2, PROSPECTING)], at(1)) == {PROSPECTING: timedelta(0)}


# --- stage age -------------------------------------------------------------------------------


def test_stage_age_counts_from_entering_the_current_stage() -> None:
    snapshots = [snap(0, PROSPECTING), snap(3, QUALIFICATION), snap(5, QUALIFICATION)]
    assert stage_age(snapshots, at(10)) == timedelta(days=7)


def test_stage_age_restarts_when_a_stage_is_entered_again() -> None:
    snapshots = [snap(0, PROSPECTING), snap(3, QUALIFICATION), snap(5, PROSPECTING)]
    assert stage_age(snapshots, at(6)) == timedelta(days=1)


def test_stage_age_without_history_is_unknown() -> None:
    assert stage_age([], at(1)) is None


# --- days to close ---------------------------------------------------------------------------


def test_days_to_close_runs_from_creation_to_closing() -> None:
    snapshots = [snap(0, PROSPECTING), snap(4, QUALIFICATION), snap(21.5, WON)]
    assert days_to_close(snapshots) == 21


def test_an_open_opportunity_has_no_days_to_close() -> None:
    assert days_to_close([snap(0, PROSPECTING), snap(4, QUALIFICATION)]) is None
    assert days_to_close([]) is None


def test_a_reopened_opportunity_counts_to_its_last_close() -> None:
    snapshots = [snap(0, PROSPECTING), snap(10, LOST), snap(20, QUALIFICATION), snap(30, WON)]
    assert days_to_close(snapshots) == 30
    assert days_to_close(snapshots[:3]) is None


def test_changes_after_closing_do_not_move_the_close() -> None:
    snapshots = [snap(0, PROSPECTING), snap(10, LOST), snap(12, WON), snap(15, WON, amount="9")]
    assert days_to_close(snapshots) == 10


def test_an_opportunity_created_closed_closes_on_day_zero() -> None:
    assert days_to_close([snap(0, WON), snap(3, WON, amount="5")]) == 0


# --- close date pushes -----------------------------------------------------------------------


def test_pushing_the_close_date_out_is_counted_but_pulling_it_in_is_not() -> None:
    snapshots = [
        snap(0, PROSPECTING, close=date(2026, 3, 31)),
        snap(1, PROSPECTING, close=date(2026, 4, 30)),  # pushed
        snap(2, QUALIFICATION, close=date(2026, 4, 30)),  # unchanged
        snap(3, QUALIFICATION, close=date(2026, 4, 15)),  # pulled in
        snap(4, QUALIFICATION, close=date(2026, 6, 30)),  # pushed
    ]
    assert close_date_pushes(snapshots) == 2


def test_no_history_or_a_steady_close_date_means_no_pushes() -> None:
    assert close_date_pushes([]) == 0
    assert close_date_pushes([snap(0, PROSPECTING), snap(1, QUALIFICATION)]) == 0


def test_history_written_by_the_rules_feeds_the_derivations() -> None:
    opp = opportunity()
    history = [make_snapshot(opp, ADA, T0)]
    for days, raw in ((2, {"stage": "Qualification"}), (3, {"close_date": "2026-05-31"}),
                      (7, {"stage": "Closed Won"}), (8, {"next_step": "Kick-off"})):  # fmt: skip
        before = dataclasses.replace(opp)
        opp, _ = update_opportunity(
            opp, raw, stages=STAGES, lost_reasons=REASONS, actor_id=REX, now=at(days)
        )
        if snapshot_needed(before, opp):
            history.append(make_snapshot(opp, REX, at(days)))
    assert len(history) == 4
    assert time_in_stages(history, at(10)) == {
        PROSPECTING: timedelta(days=2),
        QUALIFICATION: timedelta(days=5),
        WON: timedelta(days=3),
    }
    assert (days_to_close(history), close_date_pushes(history)) == (7, 1)
    assert stage_age(history, at(10)) == timedelta(days=3)
