"""Options every record command group shares: output, paging, versions, confirmation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from opportune.domain.fields import clean_value, day
from opportune.services.opportunities import OPPORTUNITY_SORT_FIELDS, STATES

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
