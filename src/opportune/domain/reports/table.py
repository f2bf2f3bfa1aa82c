"""A report as a grid of text: a header row of column labels, then one row per report row,
then the totals labelled "Total".

Two forms of the same grid: :func:`csv_rows` for machines (plain decimal strings such as
``12.5``, empty cells for no value) and :func:`display_rows` for people (thousand
separators, ``%``, a dash for no value). The API and the CLI write the very same CSV text
through :func:`csv_text`, so a download and ``opportune report --format csv`` are equal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from opportune.domain.reports.model import ColumnKind, ReportColumn, ReportResult, ReportRow, Value
from opportune.domain.spreadsheet import guard_formula

TOTAL_LABEL = "Total"
NONE_SHOWN = "—"
NUMERIC_KINDS: frozenset[ColumnKind] = frozenset({"count", "money", "percent", "days"})

Formatter = Callable[[ColumnKind, Value], str]


def header(result: ReportResult) -> list[str]:
    """The column labels, in column order."""
    return [column.label for column in result.columns]


def csv_rows(result: ReportResult) -> list[list[str]]:
    """Header, rows and totals with machine-readable cells (``1234.50``, ``12.5``, ``""``)."""
    return [header(result), *_body(result, machine_cell)]


def display_rows(result: ReportResult) -> list[list[str]]:
    """Rows and totals (no header) as people read them (``1,234.50``, ``12.5%``, ``—``)."""
    return _body(result, display_cell)


def csv_text(result: ReportResult) -> str:
    """The report as CSV text (RFC 4180: CRLF line ends, quoted where needed)."""
    return to_csv(csv_rows(result))


def to_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows of cells as CSV text, written as every report's CSV is."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def is_numeric(column: ReportColumn) -> bool:
    """Whether the column holds numbers (right-aligned in a table)."""
    return column.kind in NUMERIC_KINDS


def machine_cell(kind: ColumnKind, value: Value) -> str:
    """A value for CSV: numbers as plain decimals, without separators or units."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent such as 1E+3
    # Text a spreadsheet would run as a formula (a lead named "=HYPERLINK(...)") is guarded.
    return guard_formula(value) if isinstance(value, str) else str(value)


def display_cell(kind: ColumnKind, value: Value) -> str:
    """A value for a person: separators, two decimals for money, ``%`` for percentages."""
    if value is None or value == "":
        return NONE_SHOWN
    if isinstance(value, str) or kind == "text":
        return str(value)
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    text = f"{value:,}" if isinstance(value, int) else _grouped(value)
    return f"{text}%" if kind == "percent" else text


def _grouped(value: Decimal) -> str:
    """A decimal with thousand separators, keeping its own number of places."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or infinity: nothing to group
        return str(value)
    return f"{value:,.{max(0, -exponent)}f}"


def _body(result: ReportResult, cell: Formatter) -> list[list[str]]:
    rows = [_cells(result.columns, row, cell) for row in result.rows]
    if result.totals is not None:
        rows.append(_total_cells(result.columns, result.totals, cell))
    return rows


def _cells(columns: tuple[ReportColumn, ...], row: ReportRow, cell: Formatter) -> list[str]:
    return [cell(c.kind, row.values.get(c.key)) for c in columns]


def _total_cells(
    columns: tuple[ReportColumn, ...], totals: ReportRow, cell: Formatter
) -> list[str]:
    """The totals row; its first cell says "Total" unless it holds a number of its own."""
    cells = _cells(columns, totals, cell)
    first = columns[0] if columns else None
    if first is not None and (first.kind == "text" or totals.values.get(first.key) is None):
        cells[0] = TOTAL_LABEL
    return cells
