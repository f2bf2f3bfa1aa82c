"""A report as rows of text: machine-readable for CSV, readable for people in a table."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

from opportune.domain.reports.model import ChartSpec, ReportColumn, ReportResult, ReportRow
from opportune.domain.reports.table import csv_rows, csv_text, display_rows

COLUMNS = (
    ReportColumn("source", "Lead source", "text"),
    ReportColumn("leads", "Leads", "count"),
    ReportColumn("amount", "Won amount", "money"),
    ReportColumn("rate", "Conversion rate", "percent"),
    ReportColumn("cycle", "Average days", "days"),
)


def a_report(rows: tuple[ReportRow, ...], totals: ReportRow | None = None) -> ReportResult:
    return ReportResult(
        name="source-to-revenue", title="Source to revenue", description="", filters={},
        columns=COLUMNS, rows=rows, chart=ChartSpec("bar", "source", ("amount",)),
        totals=totals,
    )  # fmt: skip


WEB = ReportRow({"source": "Web", "leads": 1234, "amount": Decimal("1234567.50"),
                 "rate": Decimal("12.5"), "cycle": Decimal("1024.0")})  # fmt: skip
NONE = ReportRow({"source": "(none)", "leads": 0, "amount": Decimal("0.00"), "rate": None,
                  "cycle": None})  # fmt: skip
TOTALS = ReportRow({"leads": 1234, "amount": Decimal("1234567.50"), "rate": Decimal("12.5"),
                    "cycle": Decimal("1024.0")})  # fmt: skip


def test_csv_has_the_column_labels_then_plain_numbers_and_a_total_row() -> None:
    rows = csv_rows(a_report((WEB, NONE), TOTALS))
    assert rows == [
        ["Lead source", "Leads", "Won amount", "Conversion rate", "Average days"],
        ["Web", "1234", "1234567.50", "12.5", "1024.0"],
        ["(none)", "0", "0.00", "", ""],  # no rate (0 leads): an empty cell, not 0
        ["Total", "1234", "1234567.50", "12.5", "1024.0"],
    ]


def test_the_table_shows_separators_percent_signs_and_a_dash_for_no_value() -> None:
    assert display_rows(a_report((WEB, NONE), TOTALS)) == [
        ["Web", "1,234", "1,234,567.50", "12.5%", "1,024.0"],
        ["(none)", "0", "0.00", "—", "—"],
        ["Total", "1,234", "1,234,567.50", "12.5%", "1,024.0"],
    ]


def test_a_report_without_rows_is_just_its_header() -> None:
    report = a_report(())
    assert csv_text(report) == "Lead source,Leads,Won amount,Conversion rate,Average days\r\n"
    assert display_rows(report) == []


def test_csv_quotes_labels_with_commas_quotes_and_line_breaks_and_reads_back() -> None:
    odd = ReportRow({"source": 'Fair, "Spring"\nHall 2', "leads": 1})
    text = csv_text(a_report((odd,)))
    assert text.splitlines()[1].startswith('"Fair, ""Spring""')
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[1] == ['Fair, "Spring"\nHall 2', "1", "", "", ""]


def test_a_decimal_in_exponent_form_is_written_as_a_plain_number() -> None:
    # Decimal("1E+3") is 1000 written by Python as "1E+3"; a spreadsheet wants "1000".
    big = ReportRow({"source": "Web", "amount": Decimal("1E+3"), "rate": Decimal("5E-1")})
    assert csv_rows(a_report((big,)))[1] == ["Web", "", "1000", "0.5", ""]


def test_a_missing_value_in_a_row_is_empty_like_none() -> None:
    assert csv_rows(a_report((ReportRow({"source": "Web"}),)))[1] == ["Web", "", "", "", ""]
    assert display_rows(a_report((ReportRow({"source": "Web"}),)))[0] == ["Web"] + ["—"] * 4


def test_the_total_row_keeps_a_number_in_a_numeric_first_column() -> None:
    columns = (ReportColumn("leads", "Leads", "count"), ReportColumn("won", "Won", "count"))
    report = ReportResult(
        name="x", title="X", description="", filters={}, columns=columns, rows=(),
        chart=ChartSpec("bar", "leads", ("won",)), totals=ReportRow({"won": 1}),
    )  # fmt: skip
    assert csv_rows(report)[-1] == ["Total", "1"]  # no leads total: the label takes its place
    with_leads = replace(report, totals=ReportRow({"leads": 2, "won": 1}))
    assert csv_rows(with_leads)[-1] == ["2", "1"]
