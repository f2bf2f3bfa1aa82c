"""``opportune report``: the reports of the library as a table, CSV or JSON.

``--format json`` prints ``ReportResult.as_dict()`` and ``--format csv`` the same CSV text
as ``GET /api/v1/reports/NAME``, so scripts get the numbers the API and the web show.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from opportune.cli.options import Owners, Stages, parse_day
from opportune.cli.output import console, note, print_json
from opportune.cli.state import get_state
from opportune.domain.reports.catalog import PERIODS, ReportDefinition
from opportune.domain.reports.model import ReportRequest, ReportResult
from opportune.domain.reports.table import csv_text, display_rows, header, is_numeric, to_csv
from opportune.errors import FieldError, ValidationError
from opportune.services.reports.request import MAX_DAYS

FORMATS = ("table", "csv", "json")
CATALOG_HEADER = ("Name", "Title", "Dates filtered", "Options")


def report(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="The report; without it, list the reports."),
    ] = None,
    date_from: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="On or after this day (the "
                     "report's date: lead created, close date...; see the list)."),
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="On or before this day.")
    ] = None,
    owner: Owners = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "--lead-source", metavar="TEXT",
                     help="Lead source label (repeatable)."),
    ] = None,
    stage: Stages = None,
    by: Annotated[str | None, typer.Option(help="Group by one of the report's groupings.")] = None,
    period: Annotated[str | None, typer.Option(help=f"One of: {', '.join(PERIODS)}.")] = None,
    days: Annotated[
        str | None, typer.Option(metavar="N", help="The report's day threshold.")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, csv or json.")
    ] = "table",
) -> None:  # fmt: skip
    """Run a report with filters, or list the reports.

    Example: opportune report win-rate --by source --from 2026-01-01 --format csv
    """
    fmt = _format(output_format)
    state = get_state(ctx)
    if name is None:
        _print_catalog(state.open().reports.catalog(), fmt)
        return
    core, actor = state.open(), state.actor()
    request = ReportRequest(
        date_from=parse_day("date_from", date_from), date_to=parse_day("date_to", date_to),
        owner=owner or (), lead_source=source or (), stage=stage or (), by=by, period=period,
        days=_days(days),
    )  # fmt: skip
    _print_report(core.reports.run(actor, name, request), fmt)


def _format(value: str) -> str:
    found = value.strip().lower()
    if found not in FORMATS:
        raise ValidationError.single(
            "format", "INVALID_FILTER", f"Must be one of: {', '.join(FORMATS)}"
        )
    return found


def _days(value: str | None) -> int | None:
    """``--days`` read here, so a bad number is one error line naming ``days``."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        message = f"Must be a whole number between 1 and {MAX_DAYS}"
        raise ValidationError([FieldError("days", "INVALID_TYPE", message)]) from None


def _print_report(result: ReportResult, fmt: str) -> None:
    if fmt == "json":
        print_json(result.as_dict())
    elif fmt == "csv":
        sys.stdout.write(csv_text(result))
    else:
        _print_table(result)


def _print_table(result: ReportResult) -> None:
    table = Table(title=result.title, box=box.SIMPLE_HEAD, title_justify="left")
    for column, label in zip(result.columns, header(result), strict=True):
        table.add_column(label, justify="right" if is_numeric(column) else "left")
    for cells in display_rows(result):
        # Text, not str: labels such as "[b]Web" must print as is, never as Rich markup.
        table.add_row(*(Text(c) for c in cells))
    console().print(table)
    if not result.rows:
        note("No records match these filters.", style="dim")
    note(filters_line(result), style="dim")


def filters_line(result: ReportResult) -> str:
    """The filters a report applied, in one line under its table."""
    echo = result.filters
    start, end = echo.get("date_from") or "…", echo.get("date_to") or "…"
    parts = [f"{str(echo.get('date_field', 'date')).capitalize()}: {start} to {end}"]
    for key in ("owner", "lead_source", "stage", "by", "period", "days"):
        value = echo.get(key)
        if value not in (None, "", []):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key.replace('_', ' ')}: {shown}")
    return " · ".join(parts)


def _print_catalog(definitions: Sequence[ReportDefinition], fmt: str) -> None:
    if fmt == "json":
        print_json([dataclasses.asdict(d) for d in definitions])
        return
    if fmt == "csv":
        rows = [[d.name, d.title, d.date_field, options_text(d, "; ")] for d in definitions]
        sys.stdout.write(to_csv([CATALOG_HEADER, *rows]))
        return
    # One option a line in the table: they wrap badly otherwise.
    rows = [[d.name, d.title, d.date_field, options_text(d, "\n") or "—"] for d in definitions]
    table = Table(*CATALOG_HEADER, box=box.SIMPLE_HEAD, title="Reports", title_justify="left")
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    console().print(table)


def options_text(definition: ReportDefinition, separator: str = ", ") -> str:
    """The options a report takes beyond the shared filters, as command-line flags."""
    options = []
    if definition.groupings:
        options.append(f"--by {'|'.join(definition.groupings)}")
    if definition.uses_period:
        options.append(f"--period {'|'.join(PERIODS)}")
    if definition.uses_stage:
        options.append("--stage")
    if definition.days_label:
        options.append(f"--days ({definition.days_label}, default {definition.default_days})")
    return separator.join(options)
