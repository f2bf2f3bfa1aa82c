"""Opportunity history: the snapshots written on every pipeline change, and what they tell.

A :class:`StageSnapshot` records the values a forecast depends on (stage, amount,
probability, expected revenue, close date, forecast category) with who changed them and
when. One is written when an opportunity is created and whenever one of those values
changes (:func:`snapshot_needed`). From an opportunity's snapshots, oldest first, the
functions below derive time in each stage, the age of the current stage, days to close
and how often the close date was pushed out. All are pure: ``now`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from opportune.domain.opportunities import Opportunity, expected_revenue

__all__ = [
    "TRACKED_FIELDS",
    "StageSnapshot",
    "close_date_pushes",
    "days_to_close",
    "make_snapshot",
    "snapshot_needed",
    "stage_age",
    "time_in_stages",
]

# The opportunity fields whose change writes a snapshot.
TRACKED_FIELDS = ("stage_id", "amount", "probability", "close_date", "forecast_category")


@dataclass(frozen=True, slots=True)
class StageSnapshot:
    """The pipeline values of one opportunity after a change, with who and when.

    ``is_closed`` keeps whether the stage was closed at that moment, so that days to
    close stay right even if the stage list is later reconfigured.
    """

    opportunity_id: int | None
    stage_id: int
    amount: Decimal | None
    probability: int
    expected_revenue: Decimal | None
    close_date: date
    forecast_category: str
    changed_by_id: int
    changed_at: datetime
    is_closed: bool = False
    id: int | None = None


def snapshot_needed(before: Opportunity | None, after: Opportunity) -> bool:
    """True on creation (``before`` is ``None``) or when a tracked field changed."""
    if before is None:
        return True
    return any(getattr(before, name) != getattr(after, name) for name in TRACKED_FIELDS)


def make_snapshot(opp: Opportunity, actor_id: int, now: datetime) -> StageSnapshot:
    """The snapshot of ``opp`` as it is now, changed by ``actor_id`` at ``now``."""
    return StageSnapshot(
        opportunity_id=opp.id,
        stage_id=opp.stage_id,
        amount=opp.amount,
        probability=opp.probability,
        expected_revenue=expected_revenue(opp),
        close_date=opp.close_date,
        forecast_category=opp.forecast_category,
        changed_by_id=actor_id,
        changed_at=now,
        is_closed=opp.is_closed,
    )


def _ordered(snapshots: Sequence[StageSnapshot]) -> list[StageSnapshot]:
    """The snapshots oldest first; snapshots at the same moment keep their given order."""
    return sorted(snapshots, key=lambda s: s.changed_at)


def time_in_stages(snapshots: Sequence[StageSnapshot], now: datetime) -> dict[int, timedelta]:
    """How long the opportunity spent in each stage, summed over every visit.

    Each snapshot's stage lasts until the next snapshot (a snapshot that only changed the
    amount simply continues the stage); the last one lasts until ``now``, closed stages
    included. Stages never visited are absent.
    """
    ordered = _ordered(snapshots)
    ends = [s.changed_at for s in ordered[1:]] + ([now] if ordered else [])
    spent: dict[int, timedelta] = {}
    for snapshot, end in zip(ordered, ends, strict=True):
        duration = max(end - snapshot.changed_at, timedelta(0))
        spent[snapshot.stage_id] = spent.get(snapshot.stage_id, timedelta(0)) + duration
    return spent


def _current_stage_run(ordered: list[StageSnapshot]) -> list[StageSnapshot]:
    """The trailing snapshots that share the current stage (its latest visit)."""
    run: list[StageSnapshot] = []
    for snapshot in reversed(ordered):
        if snapshot.stage_id != ordered[-1].stage_id:
            break
        run.append(snapshot)
    return run[::-1]


def stage_age(snapshots: Sequence[StageSnapshot], now: datetime) -> timedelta | None:
    """Time since the opportunity entered its current stage; ``None`` without history.

    Only the latest visit counts: a stage left and re-entered starts aging again.
    """
    ordered = _ordered(snapshots)
    if not ordered:
        return None
    entered = _current_stage_run(ordered)[0].changed_at
    return max(now - entered, timedelta(0))


def days_to_close(snapshots: Sequence[StageSnapshot]) -> int | None:
    """Whole days from creation (the first snapshot) to closing; ``None`` while open.

    Closing is the first snapshot of the final closed stretch: an opportunity closed,
    reopened and closed again counts to its last close. Moves between closed stages (from
    lost to won, say) do not restart the count.
    """
    ordered = _ordered(snapshots)
    if not ordered or not ordered[-1].is_closed:
        return None
    closed_at = ordered[-1].changed_at
    for snapshot in reversed(ordered):
        if not snapshot.is_closed:
            break
        closed_at = snapshot.changed_at
    return (closed_at - ordered[0].changed_at).days


def close_date_pushes(snapshots: Sequence[StageSnapshot]) -> int:
    """How many times the close date moved later; pulling it earlier does not count."""
    ordered = _ordered(snapshots)
    return sum(1 for older, newer in pairwise(ordered) if newer.close_date > older.close_date)
