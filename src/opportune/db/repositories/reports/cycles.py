"""Sales cycle and time-in-stage queries: counts, sums and medians per group, in the database.

The sales cycle numbers won opportunities with window functions (:func:`median_stats`),
per group and overall in one statement. Time in stage reads each stay's stored length
(``days``): unfiltered, it counts per stage from the ``ix_opportunity_stage_periods_ended``
index and reads each stage's median by skipping half of that stage's index entries
(``ORDER BY days LIMIT 1 or 2 OFFSET (n - 1) / 2``), without sorting anything; filtered by
owner or lead source it starts from those opportunities and numbers their stays instead.
(The window form over all 600,000 stays of the benchmark takes most of a second on SQLite;
the index form a tenth of that.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    case,
    false,
    func,
    literal,
    select,
    true,
    union_all,
)

from opportune.db import tables as t
from opportune.db.repositories.reports.days import Stats, days_between, median_stats, utc_date
from opportune.db.repositories.reports.deals import year_and_month
from opportune.db.visibility import visibility_filters
from opportune.domain.reports.cycles import CycleTally, DayStats, StageTime, stuck_before
from opportune.domain.reports.model import ReportFilters

_o = t.opportunities.c
_p = t.opportunity_stage_periods.c
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_VALUES = ("created", "lead")


class CycleReportQueries:
    """Sales cycle and time-in-stage queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def sales_cycle(self, filters: ReportFilters) -> tuple[list[CycleTally], CycleTally]:
        """Won opportunities per ``filters.by`` group (owner, lead source, or the first
        month of a close period), and all of them: days from creation and from the lead."""
        months = filters.by not in ("owner", "source")
        rows = self.conn.execute(_cycle(filters)).all()
        groups = [
            CycleTally(_group(row[0], months), _stats(*row[1:4]), _stats(*row[6:9])) for row in rows
        ]
        total = CycleTally(None, _overall(rows, 1), _overall(rows, 6))
        return groups, total

    def time_in_stage(self, filters: ReportFilters) -> list[StageTime]:
        """Per stage: ended stays in the date range (count, days summed, median days), and
        open opportunities in it now and stuck in it (see :func:`stuck_before`)."""
        ended = self._ended_stays(filters)
        current = {row[0]: row[1:] for row in self.conn.execute(_current_stays(filters))}
        return [
            StageTime(
                stage_id,
                ended.get(stage_id, DayStats()),
                int(current.get(stage_id, (0, 0))[0]),
                int(current.get(stage_id, (0, 0))[1] or 0),
            )
            for stage_id in sorted(ended.keys() | current.keys())
        ]

    def _ended_stays(self, filters: ReportFilters) -> dict[int, DayStats]:
        if _owner_scope(filters):
            stmt = _numbered_stays(filters)
            return {row[0]: _stats(*row[1:]) for row in self.conn.execute(stmt)}
        counts = self.conn.execute(_stay_counts(filters)).all()
        if not counts:
            return {}
        medians = dict(self.conn.execute(_stay_medians(filters, counts)).all())
        return {stage: DayStats(n, total, medians[stage]) for stage, n, total in counts}


# --- sales cycle ---------------------------------------------------------------------------


def _cycle(filters: ReportFilters) -> Select[Any]:
    """Per group of won opportunities, for both durations: count, sum, median, and the
    group's part of the overall median (see :class:`Stats`)."""
    created = days_between(_o.close_date, utc_date(_o.created_at))
    from_lead = days_between(_o.close_date, utc_date(_lead_created()))
    rows = select(
        _cycle_group(filters).label("g"), created.label("created"), from_lead.label("lead")
    ).where(_o.is_closed == true(), _o.is_won == true(), *_close_scope(filters))
    stmt, stats = median_stats(rows, "g", _VALUES, overall=True)
    columns = [c for name in _VALUES for c in _columns(stats[name])]
    return stmt.add_columns(*columns).group_by(stmt.selected_columns[0])


def _columns(stats: Stats) -> tuple[ColumnElement[Any], ...]:
    assert stats.overall_sum is not None and stats.overall_count is not None
    return stats.count, stats.total, stats.median, stats.overall_sum, stats.overall_count


def _lead_created() -> Any:
    """When the earliest lead converted into the opportunity (conversion in force, lead
    not merged away) was created; NULL for an opportunity that came from no lead."""
    lc, ld = t.lead_conversions.c, t.leads.c
    return (
        select(func.min(ld.created_at))
        .select_from(t.lead_conversions.join(t.leads, ld.id == lc.lead_id))
        .where(lc.opportunity_id == _o.id, lc.undone_at.is_(None), ld.merged_into_id.is_(None))
        .scalar_subquery()
    )


def _cycle_group(filters: ReportFilters) -> ColumnElement[Any]:
    """The owner, the lead source, or the first month of the close period as a month
    number (``year * 12 + month - 1``): fiscal periods start in the fiscal start month."""
    if filters.by == "owner":
        return _o.owner_id
    if filters.by == "source":
        return _o.lead_source_id
    length = PERIOD_MONTHS[filters.period]
    offset = filters.fiscal_year_start_month - 1 if length > 1 else 0
    year, month = year_and_month(_o.close_date)
    index = year * 12 + month - 1 - offset
    return (index // length) * length + offset


def _group(value: Any, months: bool) -> int | tuple[int, int] | None:
    """A group as the builders take it: a month number becomes ``(year, month)``."""
    if not months:
        return None if value is None else int(value)
    year, month_index = divmod(int(value), 12)
    return year, month_index + 1


def _overall(rows: Any, first: int) -> DayStats:
    """One duration over every group: counts and sums add up; the overall median's middle
    values are spread over the groups that hold them."""
    count = sum(int(row[first] or 0) for row in rows)
    total = sum((Decimal(str(row[first + 1] or 0)) for row in rows), Decimal(0))
    middle_sum = sum((Decimal(str(row[first + 3] or 0)) for row in rows), Decimal(0))
    middle_count = sum(int(row[first + 4] or 0) for row in rows)
    median = middle_sum / middle_count if middle_count else None
    return DayStats(count, total, median)


def _close_scope(filters: ReportFilters) -> list[ColumnElement[bool]]:
    found = _owner_scope(filters)
    if filters.date_from is not None:
        found.append(_o.close_date >= filters.date_from)
    if filters.date_to is not None:
        found.append(_o.close_date <= filters.date_to)
    return found


def _owner_scope(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """The report's owners and sources, and only the opportunities the viewer may read."""
    found = visibility_filters("opportunity", filters.viewer)
    if filters.owner_ids:
        found.append(_o.owner_id.in_(filters.owner_ids))
    if filters.source_ids:
        found.append(_o.lead_source_id.in_(filters.source_ids))
    return found


def _stats(count: Any, total: Any, median: Any) -> DayStats:
    return DayStats(int(count or 0), total or 0, median)


# --- time in stage -------------------------------------------------------------------------


def _ended(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Stays that ended (in the date range, by the day they ended) in a then open stage."""
    found = [_p.left_at.is_not(None), _p.is_closed_stage == false(), *_stage_scope(filters)]
    if filters.date_from is not None:
        found.append(_p.left_at >= _start_of(filters.date_from))
    if filters.date_to is not None:
        found.append(_p.left_at < _start_of(filters.date_to + timedelta(days=1)))
    return found


def _stay_counts(filters: ReportFilters) -> Select[Any]:
    """Ended stays per stage: how many, and their days summed."""
    stmt = select(_p.stage_id, func.count(), func.sum(_p.days, type_=Float))
    return stmt.where(*_ended(filters)).group_by(_p.stage_id).order_by(_p.stage_id)


def _stay_medians(filters: ReportFilters, counts: Any) -> Any:
    """Each stage's median: the middle one or two of its stays in ``days`` order, read
    from the index by skipping the first half (one statement for every stage)."""
    parts = []
    for stage_id, count, _ in counts:
        middle = (
            select(_p.days)
            .where(*_ended(filters), _p.stage_id == stage_id)
            .order_by(_p.days)
            .limit(2 - count % 2)
            .offset((count - 1) // 2)
            .subquery()
        )
        parts.append(select(literal(stage_id), func.avg(middle.c.days, type_=Float)))
    return union_all(*parts)


def _numbered_stays(filters: ReportFilters) -> Select[Any]:
    """Ended stays of the owners' or sources' opportunities, numbered per stage."""
    rows = (
        select(_p.stage_id, _p.days)
        .select_from(t.opportunities)
        .join(t.opportunity_stage_periods, _p.opportunity_id == _o.id)
        .where(*_owner_scope(filters), *_ended(filters))
    )
    stmt, stats = median_stats(rows, "stage_id", ("days",))
    days = stats["days"]
    return stmt.add_columns(days.count, days.total, days.median).group_by(stmt.selected_columns[0])


def _current_stays(filters: ReportFilters) -> Select[Any]:
    """Open opportunities per current stage, and those that entered it before the cutoff."""
    cutoff = _start_of(stuck_before(filters))
    stuck = func.sum(case((_p.entered_at < cutoff, 1), else_=0))
    stmt = select(_p.stage_id, func.count(), stuck).where(
        _p.left_at.is_(None), _p.is_closed_stage == false(), *_stage_scope(filters)
    )
    scope = _owner_scope(filters)
    if scope:
        stmt = stmt.join(t.opportunities, _o.id == _p.opportunity_id).where(*scope)
    return stmt.group_by(_p.stage_id)


def _stage_scope(filters: ReportFilters) -> list[ColumnElement[bool]]:
    return [_p.stage_id.in_(filters.stage_ids)] if filters.stage_ids else []


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)
