"""Builders of the lead reports: lead funnel, lead conversion, lead aging, source to revenue.

Each takes the few grouped counts its query returned, the resolved filters and the
lookups, and returns the whole :class:`ReportResult`: rows in a stable order (configured
order for statuses and sources, names for owners), totals, the chart and, for every count
or amount, the list of the records behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.reports import lead_drills as drill
from opportune.domain.reports.lead_drills import Filters
from opportune.domain.reports.lead_rows import (
    AGE_BUCKETS,
    AgingCount,
    DealCount,
    LeadCount,
    open_statuses,
)
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
from opportune.domain.reports.numbers import money, percent

NO_SOURCE = "(none)"
TOTAL = "Total"
EXIT = "Exit"


@dataclass(frozen=True, slots=True)
class Group:
    """A row's group: its id, its label, and the list filter that picks its records
    (``None`` when no list filter can: leads without a source)."""

    key: int | None
    label: str
    narrower: Filters | None


# --- lead funnel -----------------------------------------------------------------------------


def lead_funnel(
    counts: Sequence[LeadCount], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Leads per status: the steps (open statuses, then converted ones) with how many
    leads reached each, then the exits (closed, not converted)."""
    by_status = {c.key: c.leads for c in counts}
    shown = [s for s in lookups.statuses if s.is_active or by_status.get(s.id)]
    steps = [s for s in shown if not s.is_closed and not s.is_converted]
    steps += [s for s in shown if s.is_converted]
    exits = [s for s in shown if s.is_closed and not s.is_converted]
    total = sum(by_status.values())
    scope = drill.report_scope(filters, lookups)
    rows = [_step_row(i, steps, by_status, total, scope) for i in range(len(steps))]
    rows += [_exit_row(s, by_status, scope) for s in exits]
    totals = ReportRow(
        {"status": TOTAL, "step": None, "leads": total, "reached": None, "share": None},
        {"leads": drill.leads(scope)},
    )
    return _result(
        "lead-funnel",
        _FUNNEL_COLUMNS,
        rows,
        ChartSpec("funnel", "status", ("reached", "leads")),
        totals,
    )


_FUNNEL_COLUMNS = (
    ReportColumn("status", "Status", "text"),
    ReportColumn("step", "Step", "text"),
    ReportColumn("leads", "At this status", "count"),
    ReportColumn("reached", "Reached this step", "count"),
    ReportColumn("share", "Share reaching (%)", "percent"),
)


def _step_row(
    index: int,
    steps: Sequence[LeadStatus],
    by_status: Mapping[int | None, int],
    total: int,
    scope: Filters,
) -> ReportRow:
    """A step; a lead reached it when it is at this step or a later one. Every lead reached
    the first step, and converted leads reached every step."""
    status = steps[index]
    converted = [s for s in steps if s.is_converted]
    if index == 0:
        reaching, reached_drill = total, drill.leads(scope)
    else:
        later = converted if status.is_converted else steps[index:]
        reaching = sum(by_status.get(s.id, 0) for s in later)
        reached_drill = drill.leads(scope, status=[s.label for s in later])
    values: dict[str, Value] = {
        "status": _label(status), "step": f"Step {index + 1}",
        "leads": by_status.get(status.id, 0), "reached": reaching,
        "share": percent(reaching, total),
    }  # fmt: skip
    drills = {"leads": drill.leads(scope, status=[status.label]), "reached": reached_drill}
    return ReportRow(values, drills)


def _exit_row(status: LeadStatus, by_status: Mapping[int | None, int], scope: Filters) -> ReportRow:
    """A closed-not-converted status: its leads left the funnel after the first step."""
    values: dict[str, Value] = {
        "status": _label(status), "step": EXIT, "leads": by_status.get(status.id, 0),
        "reached": None, "share": None,
    }  # fmt: skip
    return ReportRow(values, {"leads": drill.leads(scope, status=[status.label])})


# --- lead conversion -------------------------------------------------------------------------


def lead_conversion(
    counts: Sequence[LeadCount], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Leads created, converted, and converted ÷ created, per lead source or per owner."""
    by_key = {c.key: c for c in counts}
    if filters.by == "owner":
        groups = owner_groups(by_key, filters, lookups)
        column = ReportColumn("owner", "Owner", "text")
    else:
        groups = source_groups(by_key, filters, lookups)
        column = ReportColumn("source", "Lead source", "text")
    scope = drill.report_scope(filters, lookups)
    rows = [_conversion_row(column.key, g, by_key.get(g.key), scope) for g in groups]
    leads = sum(c.leads for c in counts)
    converted = sum(c.converted for c in counts)
    totals = ReportRow(
        {column.key: TOTAL, "leads": leads, "converted": converted,
         "rate": percent(converted, leads)},
        {"leads": drill.leads(scope), "converted": drill.converted_leads(scope)},
    )  # fmt: skip
    columns = (
        column,
        ReportColumn("leads", "Leads", "count"),
        ReportColumn("converted", "Converted", "count"),
        ReportColumn("rate", "Conversion rate (%)", "percent"),
    )
    chart = ChartSpec("bar", column.key, ("leads", "converted"))
    return _result("lead-conversion", columns, rows, chart, totals)


def _conversion_row(key: str, group: Group, count: LeadCount | None, scope: Filters) -> ReportRow:
    leads = count.leads if count else 0
    converted = count.converted if count else 0
    values: dict[str, Value] = {
        key: group.label, "leads": leads, "converted": converted,
        "rate": percent(converted, leads),
    }  # fmt: skip
    drills: dict[str, Drill] = {}
    if group.narrower is not None:
        drills["leads"] = drill.leads(scope, **group.narrower)
        drills["converted"] = drill.converted_leads(scope, **group.narrower)
    return ReportRow(values, drills)


# --- lead aging ------------------------------------------------------------------------------


def lead_aging(
    counts: Sequence[AgingCount], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Open leads per owner and age bucket, and per owner those untouched for ``days``."""
    by_owner: dict[int | None, AgingCount] = {c.owner_id: c for c in counts}
    open_labels = [s.label for s in open_statuses(lookups.statuses)]
    scope = drill.report_scope(filters, lookups)
    rows = [
        _aging_row(
            g.label, by_owner.get(g.key), filters, open_labels, {**scope, **(g.narrower or {})}
        )
        for g in owner_groups(by_owner, filters, lookups)
    ]
    totals = _aging_row(TOTAL, _sum_aging(counts), filters, open_labels, scope)
    columns = (
        ReportColumn("owner", "Owner", "text"),
        *(ReportColumn(b.key, b.label, "count") for b in AGE_BUCKETS),
        ReportColumn("open", "Open leads", "count"),
        ReportColumn("untouched", f"Untouched for {filters.days} days", "count"),
    )
    chart = ChartSpec("stacked_bar", "owner", tuple(b.key for b in AGE_BUCKETS))
    return _result("lead-aging", columns, rows, chart, totals)


def _aging_row(
    label: str,
    count: AgingCount | None,
    filters: ReportFilters,
    open_labels: Sequence[str],
    scope: Filters,
) -> ReportRow:
    buckets = count.buckets if count else (0,) * len(AGE_BUCKETS)
    values: dict[str, Value] = {"owner": label}
    drills: dict[str, Drill] = {}
    for bucket, leads in zip(AGE_BUCKETS, buckets, strict=True):
        values[bucket.key] = leads
        narrowed = drill.in_age_bucket(scope, bucket, filters)
        if narrowed is not None:  # a bucket outside the date range holds no lead
            drills[bucket.key] = drill.open_leads(narrowed, open_labels)
    values["open"] = sum(buckets)
    values["untouched"] = count.untouched if count else 0
    drills["open"] = drill.open_leads(scope, open_labels)
    drills["untouched"] = drill.open_leads(scope, open_labels, untouched_days=str(filters.days))
    return ReportRow(values, drills)


def _sum_aging(counts: Sequence[AgingCount]) -> AgingCount:
    buckets = tuple(sum(c.buckets[i] for c in counts) for i in range(len(AGE_BUCKETS)))
    return AgingCount(0, buckets, sum(c.untouched for c in counts))


# --- source to revenue -----------------------------------------------------------------------


def source_to_revenue(
    leads: Sequence[LeadCount],
    deals: Sequence[DealCount],
    filters: ReportFilters,
    lookups: ReportLookups,
) -> ReportResult:
    """Per lead source: leads created, converted, opportunities created, and won amount."""
    lead_by = {c.key: c for c in leads}
    deal_by = {d.source_id: d for d in deals}
    scope = drill.report_scope(filters, lookups)
    groups = source_groups([*lead_by, *deal_by], filters, lookups)
    rows = [_revenue_row(g, lead_by.get(g.key), deal_by.get(g.key), scope) for g in groups]
    total_leads = LeadCount(None, sum(c.leads for c in leads), sum(c.converted for c in leads))
    total_deals = DealCount(
        None, sum(d.opportunities for d in deals), sum((d.won_amount for d in deals), money(0))
    )
    totals = _revenue_row(Group(None, TOTAL, {}), total_leads, total_deals, scope)
    columns = (
        ReportColumn("source", "Lead source", "text"),
        ReportColumn("leads", "Leads", "count"),
        ReportColumn("converted", "Converted", "count"),
        ReportColumn("opportunities", "Opportunities", "count"),
        ReportColumn("won_amount", "Won amount", "money"),
    )
    chart = ChartSpec("bar", "source", ("leads", "converted", "opportunities"))
    return _result("source-to-revenue", columns, rows, chart, totals)


def _revenue_row(
    group: Group, leads: LeadCount | None, deals: DealCount | None, scope: Filters
) -> ReportRow:
    values: dict[str, Value] = {
        "source": group.label,
        "leads": leads.leads if leads else 0,
        "converted": leads.converted if leads else 0,
        "opportunities": deals.opportunities if deals else 0,
        "won_amount": money(deals.won_amount if deals else None),
    }
    drills: dict[str, Drill] = {}
    if group.narrower is not None:
        drills = {
            "leads": drill.leads(scope, **group.narrower),
            "converted": drill.converted_leads(scope, **group.narrower),
            "opportunities": drill.opportunities(scope, group.narrower),
            "won_amount": drill.opportunities(scope, group.narrower, won=True),
        }
    return ReportRow(values, drills)


# --- groups ----------------------------------------------------------------------------------


def source_groups(
    with_data: Iterable[int | None], filters: ReportFilters, lookups: ReportLookups
) -> list[Group]:
    """The sources asked for, or else every active source and any other holding data (in
    configured order), then "(none)" when leads without a source are counted."""
    present = set(with_data)
    if filters.source_ids:
        chosen = [s for s in lookups.sources if s.id in filters.source_ids]
    else:
        chosen = [s for s in lookups.sources if s.is_active or s.id in present]
    groups = [Group(s.id, _label(s), {"lead_source": [s.label]}) for s in chosen]
    if None in present and not filters.source_ids:
        groups.append(Group(None, NO_SOURCE, None))
    return groups


def owner_groups(
    with_data: Iterable[int | None], filters: ReportFilters, lookups: ReportLookups
) -> list[Group]:
    """The owners holding data and those asked for, by name."""
    ids = {i for i in with_data if i is not None} | set(filters.owner_ids)
    groups = [Group(i, lookups.user_name(i), {"owner": [str(i)]}) for i in ids]
    return sorted(groups, key=lambda g: (g.label.casefold(), g.key or 0))


def _label(value: LeadStatus | PicklistValue) -> str:
    """A status or source label, marked when the value is no longer offered."""
    return value.label if value.is_active else f"{value.label} (inactive)"


def _result(
    name: str,
    columns: tuple[ReportColumn, ...],
    rows: Sequence[ReportRow],
    chart: ChartSpec,
    totals: ReportRow,
) -> ReportResult:
    # The service fills in the title, the description and the echo of the filters.
    return ReportResult(name, "", "", {}, columns, tuple(rows), chart, totals)
