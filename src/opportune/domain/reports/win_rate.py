"""Win rate: won ÷ closed opportunities by owner, lead source or close period, and the
average won deal size.

State is the current one: an opportunity reopened after closing is open again and left
out. The average deal size divides the amount won by the won opportunities that have an
amount (one without an amount is not a deal of size zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from opportune.domain.reports.deals import (
    NONE_LABEL,
    DrillFilters,
    WinTally,
    close_range,
    opportunities,
    scope,
    shown_label,
)
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
from opportune.domain.reports.periods import clip, period_of, report_periods

# by -> the key and heading of the first column
GROUP_COLUMNS = {
    "owner": ReportColumn("owner", "Owner", "text"),
    "source": ReportColumn("lead_source", "Lead source", "text"),
    "period": ReportColumn("period", "Period", "text"),
}
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


@dataclass(frozen=True, slots=True)
class _Group:
    """A row to show: its label, its numbers, and the list filters of its records."""

    label: str
    tally: WinTally
    drill: DrillFilters | None


def win_rate_report(
    tallies: Sequence[WinTally], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Closed, won and lost opportunities, win rate, won amount and average deal size per
    owner (by name), lead source (configured order, "(none)" last) or close period."""
    by = filters.by if filters.by in GROUP_COLUMNS else "owner"
    if by == "owner":
        groups = _by_owner(tallies, filters, lookups)
    elif by == "source":
        groups = _by_source(tallies, filters, lookups)
    else:
        groups = _by_period(tallies, filters, lookups)
    column = GROUP_COLUMNS[by]
    total = _Group("Total", _combine(None, tallies), scope(filters, lookups))
    return ReportResult(
        name="win-rate", title="Win rate", description="", filters={},
        columns=(column, *NUMBER_COLUMNS), rows=tuple(_row(column.key, g) for g in groups),
        chart=ChartSpec("line" if by == "period" else "bar", column.key, ("win_rate",)),
        totals=_row(column.key, total),
    )  # fmt: skip


def _by_owner(
    tallies: Sequence[WinTally], filters: ReportFilters, lookups: ReportLookups
) -> list[_Group]:
    base = scope(filters, lookups)
    groups = [
        _Group(lookups.user_name(t.group), t, {**base, "owner": [str(t.group)]})
        for t in tallies
        if isinstance(t.group, int)
    ]
    return sorted(groups, key=lambda g: (g.label.casefold(), str(g.tally.group)))


def _by_source(
    tallies: Sequence[WinTally], filters: ReportFilters, lookups: ReportLookups
) -> list[_Group]:
    base = scope(filters, lookups)
    by_source = {t.group: t for t in tallies}
    groups = [
        _Group(shown_label(s), by_source[s.id], {**base, "lead_source": [s.label]})
        for s in lookups.sources
        if s.id in by_source
    ]
    if None in by_source:
        # The list has no "no lead source" filter: no drill rather than a wrong one.
        groups.append(_Group(NONE_LABEL, by_source[None], None))
    return groups


def _by_period(
    tallies: Sequence[WinTally], filters: ReportFilters, lookups: ReportLookups
) -> list[_Group]:
    period, start_month = filters.period, filters.fiscal_year_start_month
    months = [t.group for t in tallies if isinstance(t.group, tuple)]
    spans = report_periods(months, period, start_month, filters.date_from, filters.date_to)
    in_span: dict[str, list[WinTally]] = {}
    for tally in tallies:
        if isinstance(tally.group, tuple):
            key = period_of(*tally.group, period, start_month).key
            in_span.setdefault(key, []).append(tally)
    base = scope(filters, lookups, dates=False)
    return [
        _Group(span.label, _combine(None, in_span.get(span.key, ())),
               {**base, **close_range(*clip(span, filters.date_from, filters.date_to))})
        for span in spans
    ]  # fmt: skip


def _combine(group: int | None, tallies: Iterable[WinTally]) -> WinTally:
    tallies = tuple(tallies)
    return WinTally(
        group,
        closed=sum(t.closed for t in tallies),
        won=sum(t.won for t in tallies),
        won_amount=money(sum((t.won_amount for t in tallies), Decimal(0))),
        won_with_amount=sum(t.won_with_amount for t in tallies),
    )


def _row(key: str, group: _Group) -> ReportRow:
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
