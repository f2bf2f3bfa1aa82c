"""Opportunity reports: what the database returns for them, the drills they share, and the
pipeline and lost-reasons builders (the forecast and win rate have modules of their own).

The database aggregates; these builders only label, order and total a few grouped rows,
and attach to each count or amount the opportunity list behind it, filtered the way the
report was (owner, lead source, stage, close date), so the list shows exactly that number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opportune.domain.picklists import PicklistValue
from opportune.domain.reports.model import (
    ChartSpec,
    Drill,
    ReportColumn,
    ReportFilters,
    ReportLookups,
    ReportResult,
    ReportRow,
)
from opportune.domain.reports.numbers import money, percent
from opportune.domain.stages import Stage

DrillFilters = dict[str, str | list[str]]
NONE_LABEL = "(none)"


@dataclass(frozen=True, slots=True)
class StageTotals:
    """Open opportunities on one stage: how many, their amount and expected revenue."""

    stage_id: int
    count: int
    amount: Decimal
    expected_revenue: Decimal


@dataclass(frozen=True, slots=True)
class CategoryMonth:
    """The amount of the opportunities of one forecast category closing in one month."""

    year: int
    month: int
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class WinTally:
    """Closed opportunities of one group (an owner id, a lead source id or ``None`` for no
    source, or a close month as ``(year, month)``): how many closed and won, the amount won
    and how many of the won ones have an amount (the average deal size divides by those)."""

    group: int | tuple[int, int] | None
    closed: int
    won: int
    won_amount: Decimal
    won_with_amount: int


@dataclass(frozen=True, slots=True)
class LostTally:
    """Closed lost opportunities with one lost reason (``None``: no reason recorded)."""

    reason_id: int | None
    count: int
    amount: Decimal


# --- drills shared by the opportunity reports ----------------------------------------------


def scope(filters: ReportFilters, lookups: ReportLookups, *, dates: bool = True) -> DrillFilters:
    """The report's own filters as opportunity-list filters: every drill repeats them.

    Without ``dates`` the close range is left for the caller to set (a period's days).
    """
    found: DrillFilters = {}
    if filters.owner_ids:
        found["owner"] = [str(i) for i in filters.owner_ids]
    if filters.source_ids:
        found["lead_source"] = _labels(lookups.sources, filters.source_ids)
    if filters.stage_ids:
        found["stage"] = _labels(lookups.stages, filters.stage_ids)
    if dates:
        found.update(close_range(filters.date_from, filters.date_to))
    return found


def close_range(first: date | None, last: date | None) -> DrillFilters:
    """``close_from``/``close_to`` for the days given (an open end is left out)."""
    found: DrillFilters = {}
    if first:
        found["close_from"] = first.isoformat()
    if last:
        found["close_to"] = last.isoformat()
    return found


def opportunities(base: Mapping[str, str | list[str]], **more: str | list[str]) -> Drill:
    """A drill to the opportunity list: the base filters narrowed by ``more``."""
    return Drill("opportunities", {**base, **more})


def shown_label(value: Stage | PicklistValue) -> str:
    """A stage's or picklist value's current label, marked when it is no longer active."""
    return value.label if value.is_active else f"{value.label} (inactive)"


def _labels(values: Iterable[Stage | PicklistValue], ids: Sequence[int]) -> list[str]:
    by_id = {v.id: v.label for v in values}
    return [by_id[i] for i in ids if i in by_id]


# --- pipeline ------------------------------------------------------------------------------

PIPELINE_COLUMNS = (
    ReportColumn("stage", "Stage", "text"),
    ReportColumn("count", "Opportunities", "count"),
    ReportColumn("amount", "Amount", "money"),
    ReportColumn("expected_revenue", "Expected revenue", "money"),
)


def pipeline_report(
    totals: Sequence[StageTotals], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Open opportunities per stage, in the configured stage order.

    Every active open stage has a row (zero when empty); any other stage (inactive, or
    made a closed stage after opportunities reached it) has one only while it holds open
    opportunities. A stage filter keeps only the stages asked for.
    """
    by_stage = {t.stage_id: t for t in totals}
    base: DrillFilters = {**scope(filters, lookups), "state": "open"}
    rows = tuple(
        _stage_row(stage, by_stage.get(stage.id), base)
        for stage in lookups.stages
        if stage.id in by_stage or _always_shown(stage, filters.stage_ids)
    )
    total = StageTotals(
        0,
        sum(t.count for t in totals),
        money(sum((t.amount for t in totals), Decimal(0))),
        money(sum((t.expected_revenue for t in totals), Decimal(0))),
    )
    return ReportResult(
        name="pipeline", title="Pipeline by stage", description="", filters={},
        columns=PIPELINE_COLUMNS, rows=rows,
        chart=ChartSpec("bar", "stage", ("amount", "expected_revenue")),
        totals=_pipeline_row("Total", total, base),
    )  # fmt: skip


def _always_shown(stage: Stage, wanted: Sequence[int]) -> bool:
    return stage.is_active and not stage.is_closed and (not wanted or stage.id in wanted)


def _stage_row(stage: Stage, totals: StageTotals | None, base: DrillFilters) -> ReportRow:
    empty = StageTotals(stage.id, 0, money(None), money(None))
    return _pipeline_row(shown_label(stage), totals or empty, {**base, "stage": [stage.label]})


def _pipeline_row(label: str, totals: StageTotals, drill_filters: DrillFilters) -> ReportRow:
    drill = opportunities(drill_filters)
    return ReportRow(
        values={
            "stage": label,
            "count": totals.count,
            "amount": totals.amount,
            "expected_revenue": totals.expected_revenue,
        },
        drills={"count": drill, "amount": drill, "expected_revenue": drill},
    )


# --- lost reasons --------------------------------------------------------------------------

LOST_REASON_COLUMNS = (
    ReportColumn("lost_reason", "Lost reason", "text"),
    ReportColumn("count", "Opportunities", "count"),
    ReportColumn("share", "Share", "percent"),
    ReportColumn("amount", "Amount", "money"),
)


def lost_reasons_report(
    tallies: Sequence[LostTally], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Closed lost opportunities by lost reason, in the configured order of the reasons.

    Active reasons always have a row; inactive ones while they hold lost opportunities;
    opportunities lost without a reason are counted under "(none)", last. Share is the
    reason's count ÷ all lost opportunities in the report.
    """
    by_reason = {t.reason_id: t for t in tallies}
    count = sum(t.count for t in tallies)
    base: DrillFilters = {**scope(filters, lookups), "state": "lost"}
    rows = [
        _reason_row(shown_label(r), by_reason.get(r.id), count, {**base, "lost_reason": [r.label]})
        for r in lookups.lost_reasons
        if r.is_active or r.id in by_reason
    ]
    if None in by_reason:
        # The list has no "no reason" filter: the row has no drill rather than a wrong one.
        rows.append(_reason_row(NONE_LABEL, by_reason[None], count, None))
    total = LostTally(None, count, money(sum((t.amount for t in tallies), Decimal(0))))
    return ReportResult(
        name="lost-reasons", title="Lost reasons", description="", filters={},
        columns=LOST_REASON_COLUMNS, rows=tuple(rows),
        chart=ChartSpec("bar", "lost_reason", ("count",)),
        totals=_reason_row("Total", total, count, base),
    )  # fmt: skip


def _reason_row(
    label: str, tally: LostTally | None, lost: int, drill_filters: DrillFilters | None
) -> ReportRow:
    count, amount = (tally.count, tally.amount) if tally else (0, money(None))
    drills = {}
    if drill_filters is not None:
        drill = opportunities(drill_filters)
        drills = {"count": drill, "amount": drill}
    return ReportRow(
        values={"lost_reason": label, "count": count, "share": percent(count, lost),
                "amount": amount},
        drills=drills,
    )  # fmt: skip
