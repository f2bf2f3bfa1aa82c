"""Report results shaped for pages: formatted cells, drill links and the charts' data.

Every number of a report can be followed to the list of the records behind it: a
:class:`Drill` becomes a link to the lead or opportunity list with the drill's filters in
the query string. Charts get their data as JSON (read by ``static/reports.js``), with the
drill link of each bar or point, so clicking one opens the same list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from opportune.domain.reports.model import (
    ColumnKind,
    Drill,
    ReportColumn,
    ReportResult,
    ReportRow,
    Value,
)
from opportune.domain.reports.table import TOTAL_LABEL, display_cell, is_numeric

# The list pages as the web routes define them (routes/leads.py, routes/records.py).
LIST_PATHS = {"leads": "/leads", "opportunities": "/opportunities"}
NO_VALUE = "—"
DATE_MEANINGS = {
    "lead created": "Dates: the day each lead was created.",
    "close date": "Dates: the opportunities' close date.",
    "stay ended": "Dates: the day each stay in a stage ended.",
    "created": "Dates: the day each lead and opportunity was created.",
}
CHART_NAMES = {
    "funnel": "Funnel chart",
    "bar": "Bar chart",
    "stacked_bar": "Stacked bar chart",
    "line": "Line chart",
}


def drill_url(drill: Drill) -> str:
    """The list of the records behind a number, filtered as the drill says."""
    params: list[tuple[str, str]] = []
    for name, value in drill.filters.items():
        params += [(name, value)] if isinstance(value, str) else [(name, v) for v in value]
    path = LIST_PATHS[drill.records]
    return f"{path}?{urlencode(params)}" if params else path


def format_value(value: Value, kind: ColumnKind, currency: str) -> str:
    """A report value as people read it (as the CLI's table shows it), money with its
    currency and days with the word."""
    shown = display_cell(kind, value)
    if value is None or value == "":
        return shown
    if kind == "money":
        return f"{currency} {shown}".strip()
    if kind == "days":
        return f"{shown} days"
    return shown


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, its drill link (if any) and whether it is a number."""

    text: str
    url: str | None
    numeric: bool


def table_row(row: ReportRow, columns: Sequence[ReportColumn], currency: str) -> list[Cell]:
    """A row's cells in column order, each number linked to its records."""
    cells = []
    for column in columns:
        drill = row.drills.get(column.key)
        cells.append(
            Cell(
                text=format_value(row.values.get(column.key), column.kind, currency),
                url=drill_url(drill) if drill else None,
                numeric=is_numeric(column),
            )
        )
    return cells


def totals_row(row: ReportRow, columns: Sequence[ReportColumn], currency: str) -> list[Cell]:
    """The totals row, its first cell saying "Total" as the CSV's does."""
    cells = table_row(row, columns, currency)
    first = columns[0] if columns else None
    if first is not None and (first.kind == "text" or row.values.get(first.key) is None):
        cells[0] = Cell(TOTAL_LABEL, cells[0].url, numeric=False)
    return cells


def chart_data(result: ReportResult, currency: str) -> dict[str, Any]:
    """What ``reports.js`` draws: labels, one dataset per series column with each value's
    kind (for the axis and tooltips) and each bar's drill link."""
    kinds = {c.key: c for c in result.columns}
    category = kinds.get(result.chart.category)
    labels = [
        format_value(r.values.get(result.chart.category), category.kind if category else "text", "")
        for r in result.rows
    ]
    datasets = [_dataset(kinds[key], result.rows) for key in result.chart.series if key in kinds]
    return {
        "kind": result.chart.kind,
        "currency": currency,
        "labels": labels,
        "datasets": datasets,
    }


def _dataset(column: ReportColumn, rows: Sequence[ReportRow]) -> dict[str, Any]:
    drills = [r.drills.get(column.key) for r in rows]
    return {
        "key": column.key,
        "label": column.label,
        "kind": column.kind,
        "data": [_number(r.values.get(column.key)) for r in rows],
        "drills": [drill_url(d) if d else None for d in drills],
    }


def _number(value: Value) -> float | int | None:
    """A value as a JSON number for the chart (text values have no bar)."""
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, int) else None


def chart_label(result: ReportResult, currency: str) -> str:
    """The chart in words, for screen readers: kind, title and each category's values."""
    columns = {c.key: c for c in result.columns}
    series = [columns[k] for k in result.chart.series if k in columns]
    parts = []
    for row in result.rows:
        category = row.values.get(result.chart.category)
        values = ", ".join(
            f"{c.label} {format_value(row.values.get(c.key), c.kind, currency)}" for c in series
        )
        parts.append(f"{category if category is not None else NO_VALUE}: {values}")
    summary = "; ".join(parts) if parts else "no data"
    return f"{CHART_NAMES[result.chart.kind]} of {result.title.lower()}: {summary}."


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report ready for a template: its result, table, chart and links."""

    result: ReportResult
    header: list[ReportColumn]
    rows: list[list[Cell]]
    totals: list[Cell] | None
    chart: dict[str, Any]
    chart_label: str
    page_url: str
    csv_url: str

    @property
    def date_meaning(self) -> str:
        """What the date range filters in this report, in words."""
        field = str(self.result.filters.get("date_field", "date"))
        return DATE_MEANINGS.get(field, f"Dates: {field}.")


def report_view(result: ReportResult, currency: str, page_url: str, csv_url: str) -> ReportView:
    """Shape one report result for a page (the dashboard panel or the report's own page)."""
    columns = list(result.columns)
    return ReportView(
        result=result,
        header=columns,
        rows=[table_row(r, columns, currency) for r in result.rows],
        totals=totals_row(result.totals, columns, currency) if result.totals else None,
        chart=chart_data(result, currency),
        chart_label=chart_label(result, currency),
        page_url=page_url,
        csv_url=csv_url,
    )
