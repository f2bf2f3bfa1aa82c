"""Rows of opportunity numbers grouped by owner, lead source or close period.

Win rate and sales cycle both take ``by`` = owner | source | period; the database returns
one tally per owner id, lead source id (``None`` for none) or calendar month ``(year,
month)``, and this module turns them into labelled rows in the order people expect, each
with the opportunity-list filters of its records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from opportune.domain.reports.deals import (
    NONE_LABEL,
    DrillFilters,
    close_range,
    scope,
    shown_label,
)
from opportune.domain.reports.model import ReportColumn, ReportFilters, ReportLookups
from opportune.domain.reports.periods import clip, period_of, report_periods

GROUP_COLUMNS = {
    "owner": ReportColumn("owner", "Owner", "text"),
    "source": ReportColumn("lead_source", "Lead source", "text"),
    "period": ReportColumn("period", "Period", "text"),
}


class Tally(Protocol):
    """Numbers of one group: an owner id, a lead source id or ``None``, or a month."""

    @property
    def group(self) -> int | tuple[int, int] | None: ...


T = TypeVar("T", bound=Tally)


@dataclass(frozen=True, slots=True)
class Grouped(Generic[T]):
    """A row to show: its label, its numbers, and the list filters of its records (``None``
    when the list cannot single them out)."""

    label: str
    tally: T
    drill: DrillFilters | None


def grouped(
    tallies: Sequence[T],
    filters: ReportFilters,
    lookups: ReportLookups,
    combine: Callable[[Sequence[T]], T],
    narrow: Mapping[str, str] | None = None,
) -> list[Grouped[T]]:
    """The rows for ``filters.by``: owners by name, lead sources in configured order with
    "(none)" last, or every period of the range (or those with numbers when the range is
    open) with ``combine`` adding up a period's months. ``narrow`` adds list filters (such
    as ``state=won``) to every row's drill."""
    extra = dict(narrow or {})
    if filters.by == "owner":
        return _by_owner(tallies, {**scope(filters, lookups), **extra}, lookups)
    if filters.by == "source":
        return _by_source(tallies, {**scope(filters, lookups), **extra}, lookups)
    base = {**scope(filters, lookups, dates=False), **extra}
    return _by_period(tallies, filters, base, combine)


def _by_owner(tallies: Sequence[T], base: DrillFilters, lookups: ReportLookups) -> list[Grouped[T]]:
    rows = [
        Grouped(lookups.user_name(t.group), t, {**base, "owner": [str(t.group)]})
        for t in tallies
        if isinstance(t.group, int)
    ]
    return sorted(rows, key=lambda r: (r.label.casefold(), str(r.tally.group)))


def _by_source(
    tallies: Sequence[T], base: DrillFilters, lookups: ReportLookups
) -> list[Grouped[T]]:
    by_source = {t.group: t for t in tallies}
    rows = [
        Grouped(shown_label(s), by_source[s.id], {**base, "lead_source": [s.label]})
        for s in lookups.sources
        if s.id in by_source
    ]
    if None in by_source:
        # The list has no "no lead source" filter: no drill rather than a wrong one.
        rows.append(Grouped(NONE_LABEL, by_source[None], None))
    return rows


def _by_period(
    tallies: Sequence[T],
    filters: ReportFilters,
    base: DrillFilters,
    combine: Callable[[Sequence[T]], T],
) -> list[Grouped[T]]:
    period, start_month = filters.period, filters.fiscal_year_start_month
    months = [t.group for t in tallies if isinstance(t.group, tuple)]
    spans = report_periods(months, period, start_month, filters.date_from, filters.date_to)
    in_span: dict[str, list[T]] = {}
    for tally in tallies:
        if isinstance(tally.group, tuple):
            in_span.setdefault(period_of(*tally.group, period, start_month).key, []).append(tally)
    return [
        Grouped(span.label, combine(in_span.get(span.key, [])),
                {**base, **close_range(*clip(span, filters.date_from, filters.date_to))})
        for span in spans
    ]  # fmt: skip
