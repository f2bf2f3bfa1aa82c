"""Win rate: won ÷ closed opportunities by owner, lead source or close period, and the
average won deal size.

State is the current one: an opportunity reopened after closing is open again and left
out. The average deal size divides the amount won by the won opportunities that have an
amount (one without an amount is not a deal of size zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from opportune.domain.reports.deals import WinTally, opportunities, scope
from opportune.domain.reports.grouping import GROUP_COLUMNS, Grouped, grouped
from opportune.domain.reports.model import (
    ChartSpec,
    ReportColumn,
    ReportFilters,
    ReportLookups,
    ReportResult,
    ReportRow,
    Value,
)
from opportune.domain.reports.numbers import average, money, percent

NUMBER_COLUMNS = (
    ReportColumn("closed", "Closed", "count"),
    ReportColumn("won", "Won", "count"),
    ReportColumn("lost", "Lost", "count"),
    ReportColumn("win_rate", "Win rate", "percent"),
    ReportColumn("won_amount", "Won amount", "money"),
    ReportColumn("average_deal_size", "Average deal size", "money"),
)
# Which opportunities each number counts, as the list's state filter.
CELL_STATES = {"closed": "closed", "won": "won", "lost": "lost", "won_amount": "won"}


def win_rate_report(
    tallies: Sequence[WinTally], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Closed, won and lost opportunities, win rate, won amount and average deal size per
    owner (by name), lead source (configured order, "(none)" last) or close period."""
    by = filters.by if filters.by in GROUP_COLUMNS else "owner"
    groups = grouped(tallies, replace(filters, by=by), lookups, lambda ts: _combine(None, ts))
    column = GROUP_COLUMNS[by]
    total = Grouped("Total", _combine(None, tallies), scope(filters, lookups))
    return ReportResult(
        name="win-rate", title="Win rate", description="", filters={},
        columns=(column, *NUMBER_COLUMNS), rows=tuple(_row(column.key, g) for g in groups),
        chart=ChartSpec("line" if by == "period" else "bar", column.key, ("win_rate",)),
        totals=_row(column.key, total),
    )  # fmt: skip


def _combine(group: int | None, tallies: Iterable[WinTally]) -> WinTally:
    tallies = tuple(tallies)
    return WinTally(
        group,
        closed=sum(t.closed for t in tallies),
        won=sum(t.won for t in tallies),
        won_amount=money(sum((t.won_amount for t in tallies), Decimal(0))),
        won_with_amount=sum(t.won_with_amount for t in tallies),
    )


def _row(key: str, group: Grouped[WinTally]) -> ReportRow:
    t = group.tally
    values: dict[str, Value] = {
        key: group.label,
        "closed": t.closed,
        "won": t.won,
        "lost": t.closed - t.won,
        "win_rate": percent(t.won, t.closed),
        "won_amount": t.won_amount,
        "average_deal_size": average(t.won_amount, t.won_with_amount),
    }
    drills = {}
    if group.drill is not None:
        drills = {cell: opportunities(group.drill, state=s) for cell, s in CELL_STATES.items()}
    return ReportRow(values=values, drills=drills)
