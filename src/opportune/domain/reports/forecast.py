"""The forecast: amounts by forecast category per close period, Omitted left out.

Each opportunity counts in its own forecast category (a stage's default, or the one set on
the opportunity), so the list filtered by that category and the period's close dates shows
exactly the opportunities behind an amount. "Closed" is the category of won opportunities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from opportune.domain.reports.deals import (
    CategoryMonth,
    DrillFilters,
    close_range,
    opportunities,
    scope,
)
from opportune.domain.reports.model import (
    ChartSpec,
    ReportColumn,
    ReportFilters,
    ReportLookups,
    ReportResult,
    ReportRow,
)
from opportune.domain.reports.numbers import money
from opportune.domain.reports.periods import clip, period_of, report_periods

# The forecast categories the report shows, in the order of confidence, and their columns.
CATEGORY_KEYS = {
    "Pipeline": "pipeline",
    "Best Case": "best_case",
    "Commit": "commit",
    "Closed": "closed",
}
FORECAST_CATEGORIES = tuple(CATEGORY_KEYS)

FORECAST_COLUMNS = (
    ReportColumn("period", "Period", "text"),
    *(ReportColumn(key, category, "money") for category, key in CATEGORY_KEYS.items()),
    ReportColumn("total", "Total", "money"),
)


def forecast_report(
    cells: Sequence[CategoryMonth], filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Amounts per forecast category for each close period, periods in order.

    Rows are the periods (``filters.period``, fiscal quarters and years starting in
    ``filters.fiscal_year_start_month``) that hold an amount and, when the date range has
    both ends, every period of the range. A cell's drill lists the opportunities of its
    category closing in its period (within the report's date range).
    """
    period, start_month = filters.period, filters.fiscal_year_start_month
    sums: dict[str, dict[str, Decimal]] = {}
    for cell in cells:
        amounts = sums.setdefault(period_of(cell.year, cell.month, period, start_month).key, {})
        amounts[cell.category] = amounts.get(cell.category, Decimal(0)) + cell.amount
    months = ((c.year, c.month) for c in cells)
    spans = report_periods(months, period, start_month, filters.date_from, filters.date_to)
    base = scope(filters, lookups, dates=False)
    rows = tuple(
        _row(span.label, sums.get(span.key, {}),
             {**base, **close_range(*clip(span, filters.date_from, filters.date_to))})
        for span in spans
    )  # fmt: skip
    everything: dict[str, Decimal] = {}
    for amounts in sums.values():
        for category, amount in amounts.items():
            everything[category] = everything.get(category, Decimal(0)) + amount
    return ReportResult(
        name="forecast", title="Forecast", description="", filters={},
        columns=FORECAST_COLUMNS, rows=rows,
        chart=ChartSpec("stacked_bar", "period", tuple(CATEGORY_KEYS.values())),
        totals=_row("Total", everything, scope(filters, lookups)),
    )  # fmt: skip


def _row(label: str, amounts: Mapping[str, Decimal], base: DrillFilters) -> ReportRow:
    values: dict[str, str | Decimal] = {"period": label}
    drills = {}
    for category, key in CATEGORY_KEYS.items():
        values[key] = money(amounts.get(category))
        drills[key] = opportunities(base, forecast_category=[category])
    values["total"] = money(sum(amounts.values(), Decimal(0)))
    drills["total"] = opportunities(base, forecast_category=list(FORECAST_CATEGORIES))
    return ReportRow(values=values, drills=drills)
