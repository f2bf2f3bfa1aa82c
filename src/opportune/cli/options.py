"""Options every record command group shares: output, paging, versions, confirmation."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

import typer

from opportune.domain.fields import clean_value, day, integer
from opportune.domain.stages import FORECAST_CATEGORIES
from opportune.services.opportunities import (
    OPPORTUNITY_SORT_FIELDS,
    STATES,
    OpportunityFilters,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm.")]
ExpectVersion = Annotated[
    int | None, typer.Option(help="Refuse if the record is no longer at this version.")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="FIELD=VALUE", help="Set any field; FIELD= clears it."),
]
SearchOption = Annotated[str | None, typer.Option("--search", "-q", help="Search text.")]
LimitOption = Annotated[int | None, typer.Option(help="Records per page (default 50).")]
CursorOption = Annotated[str | None, typer.Option(help="Page cursor from a previous list.")]
TotalOption = Annotated[bool, typer.Option("--total", help="Also count all matches.")]


def record_id(noun: str) -> Any:
    """The positional ``ID`` argument of a command about one record."""
    return typer.Argument(metavar="ID", help=f"The {noun}'s id.")


def many(text: str) -> Any:
    """A repeatable filter option (comma-separated values are accepted too)."""
    return typer.Option(metavar="TEXT", help=text)


def day_option(text: str) -> Any:
    """A filter option taking a day; read by :func:`parse_day`."""
    return typer.Option(metavar="YYYY-MM-DD", help=text)


def parse_day(name: str, value: str | None) -> date | None:
    """A filter's day from ``YYYY-MM-DD``; a bad one is refused naming the filter.

    Read here rather than by Typer, so a bad date is one ``Error:`` line like any other
    bad input, not a usage screen.
    """
    found = clean_value(day(name), value)
    assert found is None or isinstance(found, date)
    return found


def parse_count(name: str, value: str | None) -> int | None:
    """A filter's whole number (read here, like :func:`parse_day`, for one ``Error:`` line
    naming the filter); whether it is in range is the service's check."""
    found = clean_value(integer(name), value)
    assert found is None or isinstance(found, int)
    return found


# The filters of `opportunity list`, which `export opportunities` takes too.
Owners = Annotated[list[str] | None, many("Owner id, email or 'me' (repeatable).")]
Stages = Annotated[list[str] | None, many("Stage label (repeatable).")]
AccountIds = Annotated[list[str] | None, many("Account id (repeatable).")]
OpportunityState = Annotated[str | None, typer.Option(help=f"One of: {', '.join(STATES)}.")]
CloseFrom = Annotated[str | None, day_option("Closing on or after this day.")]
CloseTo = Annotated[str | None, day_option("Closing on or before this day.")]
OpportunitySort = Annotated[
    str,
    typer.Option(help=f"One of {', '.join(OPPORTUNITY_SORT_FIELDS)}; '-' first for descending."),
]
CreatedFrom = Annotated[str | None, day_option("Created on or after this day (UTC).")]
CreatedTo = Annotated[str | None, day_option("Created on or before this day (UTC).")]

# The filters reports drill through with, on `lead list` and `export leads`...
ConvertedOnly = Annotated[
    bool, typer.Option("--converted-only", help="Only converted leads (implies including them).")
]
UntouchedDays = Annotated[
    str | None,
    typer.Option(
        metavar="N",
        help="Only leads, open or not, not touched (updated, or an activity logged) for N days.",
    ),
]
# ...and on `opportunity list` and `export opportunities`.
LeadSources = Annotated[list[str] | None, many("Lead source label (repeatable).")]
ForecastCategories = Annotated[
    list[str] | None, many(f"Forecast category: {', '.join(FORECAST_CATEGORIES)} (repeatable).")
]
LostReasons = Annotated[list[str] | None, many("Lost reason label (repeatable).")]
StageEnteredTo = Annotated[
    str | None, day_option("Only those that entered their current stage on or before this day.")
]


def with_report_filters(
    filters: OpportunityFilters,
    *,
    lead_source: list[str] | None,
    forecast_category: list[str] | None,
    lost_reason: list[str] | None,
    created_from: str | None,
    created_to: str | None,
    stage_entered_to: str | None,
) -> OpportunityFilters:
    """``filters`` narrowed by the report drill-through options as the CLI reads them."""
    return dataclasses.replace(
        filters,
        lead_source=lead_source or (),
        forecast_category=forecast_category or (),
        lost_reason=lost_reason or (),
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to),
        stage_entered_to=parse_day("stage_entered_to", stage_entered_to),
    )
