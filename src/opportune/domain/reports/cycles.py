"""Sales cycle and time in stage: how long deals take, overall and stage by stage.

The sales cycle counts won opportunities (current state: one reopened after closing is
open again and left out) by close date: days from the opportunity's creation to its close
date, and for those that came from a converted lead (the conversion still in force) days
from the lead's creation. Time in stage counts the stays (``opportunity_stage_periods``)
that have ended in a stage that was open at the time; opportunities "stuck" are open ones
whose current stay began before the start of (today - ``days``) UTC.

The database counts, sums and takes medians per group; these builders label, order and
total the groups, and attach the opportunity list behind each count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from opportune.domain.reports.deals import DrillFilters, opportunities, scope, shown_label
from opportune.domain.reports.grouping import GROUP_COLUMNS, Grouped, grouped
from opportune.domain.reports.model import (
    ChartSpec,
    Drill,
    ReportColumn,
    ReportFilters,
    ReportLookups,
    ReportResult,
    ReportRow,
    Value,
)
from opportune.domain.reports.numbers import days
from opportune.domain.stages import Stage

Group = int | tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class DayStats:
    """Durations in days over some records: how many, their sum, and their median."""

    count: int = 0
    total: float | int | Decimal = 0
    median: float | int | Decimal | None = None

    @property
    def average(self) -> Decimal | None:
        """The mean to one decimal place (``None`` for no records)."""
        if not self.count:
            return None
        return days(Decimal(str(self.total)) / self.count)

    @property
    def middle(self) -> Decimal | None:
        """The median to one decimal place (``None`` for no records)."""
        return days(self.median) if self.count else None


@dataclass(frozen=True, slots=True)
class CycleTally:
    """Won opportunities of one group (an owner id, a lead source id or ``None`` for no
    source, a period's first month as ``(year, month)``, or ``None`` for all): days from
    their creation, and days from their lead's creation for those that came from one."""

    group: Group
    won: DayStats
    from_lead: DayStats


@dataclass(frozen=True, slots=True)
class StageTime:
    """One stage: its ended stays (in a then open stage), how many open opportunities are
    in it now, and how many of those entered it before the stuck cutoff."""

    stage_id: int
    stays: DayStats
    current: int = 0
    stuck: int = 0


# --- sales cycle ---------------------------------------------------------------------------

# Every drill of the report lists won opportunities.
WON = {"state": "won"}
CYCLE_COLUMNS = (
    ReportColumn("won", "Won", "count"),
    ReportColumn("average_days", "Average days", "days"),
    ReportColumn("median_days", "Median days", "days"),
    ReportColumn("from_lead", "Won from a lead", "count"),
    ReportColumn("lead_average_days", "Average days from lead", "days"),
    ReportColumn("lead_median_days", "Median days from lead", "days"),
)
# The cells whose records the won list shows (the lead columns count a part of them that
# the list cannot single out, so they have no drill).
WON_CELLS = ("won", "average_days", "median_days")


def sales_cycle_report(
    tallies: Sequence[CycleTally], total: CycleTally, filters: ReportFilters,
    lookups: ReportLookups,
) -> ReportResult:  # fmt: skip
    """Won count, average and median days to close (from the opportunity, and from the
    lead), per close period (every period of the range), owner (by name) or lead source
    (configured order, "(none)" last), with the whole report as the totals row."""
    by = filters.by if filters.by in GROUP_COLUMNS else "period"
    rows = grouped(tallies, replace(filters, by=by), lookups, _one_tally, WON)
    column = GROUP_COLUMNS[by]
    return ReportResult(
        name="sales-cycle", title="Sales cycle", description="", filters={},
        columns=(column, *CYCLE_COLUMNS),
        rows=tuple(_cycle_row(column.key, r) for r in rows),
        chart=ChartSpec(
            "line" if by == "period" else "bar", column.key,
            ("average_days", "median_days", "lead_average_days", "lead_median_days"),
        ),
        totals=_cycle_row(column.key, Grouped("Total", total, {**scope(filters, lookups), **WON})),
    )  # fmt: skip


def _one_tally(tallies: Sequence[CycleTally]) -> CycleTally:
    """A period's tally: the database groups by a period's first month, so there is one."""
    return tallies[0] if tallies else CycleTally(None, DayStats(), DayStats())


def _cycle_row(key: str, row: Grouped[CycleTally]) -> ReportRow:
    won, lead = row.tally.won, row.tally.from_lead
    values: dict[str, Value] = {
        key: row.label,
        "won": won.count,
        "average_days": won.average,
        "median_days": won.middle,
        "from_lead": lead.count,
        "lead_average_days": lead.average,
        "lead_median_days": lead.middle,
    }
    drills: dict[str, Drill] = {}
    if row.drill is not None:
        drills = dict.fromkeys(WON_CELLS, opportunities(row.drill))
    return ReportRow(values=values, drills=drills)


# --- time in stage -------------------------------------------------------------------------

STAGE_COLUMNS = (
    ReportColumn("stage", "Stage", "text"),
    ReportColumn("stays", "Stays ended", "count"),
    ReportColumn("average_days", "Average days", "days"),
    ReportColumn("median_days", "Median days", "days"),
    ReportColumn("current", "In stage now", "count"),
)


def stuck_before(filters: ReportFilters) -> date:
    """The stuck cutoff: open opportunities whose current stay began before the start of
    this day (UTC) are stuck."""
    return filters.today - timedelta(days=filters.days)


def time_in_stage_report(
    times: Sequence[StageTime], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Per stage, in the configured order: stays ended in the date range with their
    average and median days, open opportunities in the stage now, and those stuck.

    Every active open stage has a row (zeros when empty, unless a stage filter leaves it
    out); any other stage (inactive, or closed since) only while it has numbers. The totals
    row adds the counts up and averages every stay; a median of all stays is not kept.
    """
    by_stage = {t.stage_id: t for t in times}
    base = {**scope(filters, lookups, dates=False), "state": "open"}
    rows = tuple(
        _stage_row(shown_label(s), by_stage.get(s.id, StageTime(s.id, DayStats())),
                   {**base, "stage": [s.label]}, filters)
        for s in lookups.stages
        if s.id in by_stage or _always_shown(s, filters)
    )  # fmt: skip
    all_stays = DayStats(
        sum(t.stays.count for t in times), sum(Decimal(str(t.stays.total)) for t in times)
    )
    total = StageTime(0, all_stays, sum(t.current for t in times), sum(t.stuck for t in times))
    return ReportResult(
        name="time-in-stage", title="Time in stage", description="", filters={},
        columns=(*STAGE_COLUMNS, ReportColumn("stuck", f"Stuck over {filters.days} days",
                                              "count")),
        rows=rows,
        chart=ChartSpec("bar", "stage", ("average_days", "median_days")),
        totals=_stage_row("Total", total, base, filters),
    )  # fmt: skip


def _always_shown(stage: Stage, filters: ReportFilters) -> bool:
    wanted = not filters.stage_ids or stage.id in filters.stage_ids
    return stage.is_active and not stage.is_closed and wanted


def _stage_row(
    label: str, time: StageTime, drill: DrillFilters, filters: ReportFilters
) -> ReportRow:
    stuck_to = (stuck_before(filters) - timedelta(days=1)).isoformat()
    values: dict[str, Value] = {
        "stage": label,
        "stays": time.stays.count,
        "average_days": time.stays.average,
        "median_days": time.stays.middle,
        "current": time.current,
        "stuck": time.stuck,
    }
    drills = {
        "current": opportunities(drill),
        "stuck": opportunities(drill, stage_entered_to=stuck_to),
    }
    return ReportRow(values=values, drills=drills)
