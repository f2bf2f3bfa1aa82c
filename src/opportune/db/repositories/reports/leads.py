"""Lead funnel, conversion, aging and source-to-revenue queries.

Each is one GROUP BY returning a handful of grouped counts. The lead queries read only a
covering index: ``ix_leads_report_created`` for a range of creation dates,
``ix_leads_report_owner`` / ``ix_leads_report_source`` for some owners / sources, or for
every lead in owner / source order (grouped without sorting). All three start with
``merged_into_id``: every report leaves merged leads out with ``merged_into_id IS NULL``, an
equality SQLite's planner seeks on, so it takes them with or without statistics. Day
boundaries are computed in Python and compared as parameters, the same on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from opportune.db import tables as t
from opportune.db.visibility import visibility_filters
from opportune.domain.reports.lead_rows import AgingCount, DealCount, LeadCount, created_bounds
from opportune.domain.reports.model import ReportFilters


class LeadReportQueries:
    """Lead funnel, conversion, aging and source-to-revenue queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def by_status(self, filters: ReportFilters) -> list[LeadCount]:
        """Leads of the report per current status."""
        c = t.leads.c
        stmt = select(c.status_id, func.count()).where(*_lead_scope(filters)).group_by(c.status_id)
        return [LeadCount(row[0], int(row[1])) for row in self.conn.execute(stmt)]

    def conversion(self, filters: ReportFilters, by: str) -> list[LeadCount]:
        """Leads of the report and how many of them are converted (a conversion undone
        leaves the lead unconverted), per lead source (``None``: no source) or ``owner``."""
        c = t.leads.c
        key = c.owner_id if by == "owner" else c.source_id
        stmt = (
            select(key, func.count(), _count_if(c.is_converted))
            .where(*_lead_scope(filters))
            .group_by(key)
        )
        return [LeadCount(row[0], int(row[1]), int(row[2])) for row in self.conn.execute(stmt)]

    def aging(
        self,
        filters: ReportFilters,
        open_status_ids: Sequence[int],
        cutoffs: Sequence[datetime],
        untouched_before: datetime,
    ) -> list[AgingCount]:
        """Open leads of the report per owner: how many fall in each age bucket (bounded
        by ``cutoffs``, youngest first, see ``age_cutoffs``), and how many were last
        touched (updated, or given an activity) before ``untouched_before``."""
        c = t.leads.c
        stmt = (
            select(
                c.owner_id,
                *(_count_if(cond) for cond in _buckets(c.created_at, cutoffs)),
                _count_if(_untouched(untouched_before)),
            )
            .where(
                *_lead_scope(filters),
                # "IS NOT true", not "= false": an equality would draw SQLite to the list
                # indexes that start with is_converted and lack the columns counted here.
                c.is_converted.is_not(True),
                c.status_id.in_(open_status_ids),
            )
            .group_by(c.owner_id)
        )
        return [
            AgingCount(row[0], tuple(int(n) for n in row[1:-1]), int(row[-1]))
            for row in self.conn.execute(stmt)
        ]

    def deals_by_source(self, filters: ReportFilters) -> list[DealCount]:
        """Opportunities created in the report's range per lead source (``None``: no
        source), and the sum of the amounts of those won (now). Read from the covering
        ``ix_opportunities_report_source``, in lead source order."""
        o = t.opportunities.c
        won_amount = func.sum(case((o.is_won, o.amount), else_=None))
        stmt = (
            select(o.lead_source_id, func.count(), won_amount)
            .where(
                *_scope(filters, o.created_at, o.owner_id, o.lead_source_id),
                *visibility_filters("opportunity", filters.viewer),
            )
            .group_by(o.lead_source_id)
        )
        return [
            DealCount(row[0], int(row[1]), Decimal(str(row[2] or 0)))
            for row in self.conn.execute(stmt)
        ]


def _lead_scope(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Leads of the report: not merged, created in the range, of its owners and sources."""
    c = t.leads.c
    return [
        c.merged_into_id.is_(None),
        *_scope(filters, c.created_at, c.owner_id, c.source_id),
        *visibility_filters("lead", filters.viewer),
    ]


def _scope(
    filters: ReportFilters,
    created_at: ColumnElement[datetime],
    owner_id: ColumnElement[int],
    source_id: ColumnElement[int],
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    lower, upper = created_bounds(filters.date_from, filters.date_to)
    if lower is not None:
        conditions.append(created_at >= lower)
    if upper is not None:
        conditions.append(created_at < upper)
    if filters.owner_ids:
        conditions.append(owner_id.in_(filters.owner_ids))
    if filters.source_ids:
        conditions.append(source_id.in_(filters.source_ids))
    return conditions


def _buckets(
    created_at: ColumnElement[datetime], cutoffs: Sequence[datetime]
) -> list[ColumnElement[bool]]:
    """One condition per age bucket: created on or after its cutoff and before the
    previous (younger) bucket's; the oldest bucket has no cutoff of its own."""
    conditions: list[ColumnElement[bool]] = []
    for i in range(len(cutoffs) + 1):
        parts = []
        if i < len(cutoffs):
            parts.append(created_at >= cutoffs[i])
        if i > 0:
            parts.append(created_at < cutoffs[i - 1])
        conditions.append(and_(*parts))
    return conditions


def _untouched(moment: datetime) -> ColumnElement[bool]:
    """Last touched (the later of updated_at and last_activity_at) before ``moment``."""
    c = t.leads.c
    return and_(
        c.updated_at < moment,
        or_(c.last_activity_at.is_(None), c.last_activity_at < moment),
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
