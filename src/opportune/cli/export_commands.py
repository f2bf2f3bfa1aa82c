"""``opportune export``: filtered lists to CSV that ``opportune import`` reads back as is."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from opportune.cli.options import (
    AccountIds,
    CloseFrom,
    CloseTo,
    ConvertedOnly,
    CreatedFrom,
    CreatedTo,
    ForecastCategories,
    LeadSources,
    LostReasons,
    OpportunitySort,
    OpportunityState,
    Owners,
    SearchOption,
    StageEnteredTo,
    Stages,
    UntouchedDays,
    many,
    parse_count,
    parse_day,
    with_report_filters,
)
from opportune.cli.output import note
from opportune.cli.state import get_state
from opportune.services.accounts import ACCOUNT_SORTS, AccountFilters
from opportune.services.contacts import CONTACT_SORTS, ContactFilters
from opportune.services.exports import Filters
from opportune.services.filters import DEFAULT_SORT as LEAD_DEFAULT_SORT
from opportune.services.filters import LeadFilters
from opportune.services.list_filters import DEFAULT_SORT
from opportune.services.opportunities import OpportunityFilters

app = typer.Typer(
    help="Export a filtered list of leads, accounts, contacts or opportunities to CSV.",
    no_args_is_help=True,
)

PLURALS = {"lead": "leads", "account": "accounts", "contact": "contacts",
           "opportunity": "opportunities"}  # fmt: skip
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of standard output."),
]


@app.command("leads")
def export_leads(
    ctx: typer.Context,
    status: Annotated[list[str] | None, many("Status label (repeatable).")] = None,
    source: Annotated[list[str] | None, many("Lead source label (repeatable).")] = None,
    owner: Owners = None,
    rating: Annotated[list[str] | None, many("Hot, Warm or Cold (repeatable).")] = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    search: SearchOption = None,
    include_converted: Annotated[
        bool, typer.Option("--include-converted", help="Include converted leads.")
    ] = False,
    converted_only: ConvertedOnly = False,
    untouched_days: UntouchedDays = None,
    unread: Annotated[
        bool, typer.Option("--unread", help="Only leads unread by their owner.")
    ] = False,
    sort: Annotated[
        str, typer.Option(help="Sort field, '-' first for descending.")
    ] = LEAD_DEFAULT_SORT,
    output: OutputOption = None,
) -> None:
    """Export the leads matching the filters (those of `opportune lead list`).

    Example: opportune export leads --status "Open - Not Contacted" --owner me -o open.csv
    """
    filters = LeadFilters(
        status=status or (), lead_source=source or (), owner=owner or (), rating=rating or (),
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to), q=search,
        include_converted=include_converted, converted_only=converted_only,
        untouched_days=parse_count("untouched_days", untouched_days), unread=unread, sort=sort,
    )  # fmt: skip
    _export(ctx, "lead", filters, output)


@app.command("accounts")
def export_accounts(
    ctx: typer.Context,
    owner: Owners = None,
    industry: Annotated[list[str] | None, many("Industry (repeatable).")] = None,
    rating: Annotated[list[str] | None, many("Hot, Warm or Cold (repeatable).")] = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    search: SearchOption = None,
    sort: Annotated[
        str, typer.Option(help=f"One of {', '.join(ACCOUNT_SORTS)}; '-' first for descending.")
    ] = DEFAULT_SORT,
    output: OutputOption = None,
) -> None:
    """Export the accounts matching the filters (those of `opportune account list`).

    Example: opportune export accounts --industry Banking -o banks.csv
    """
    filters = AccountFilters(
        owner=owner or (), industry=industry or (), rating=rating or (), q=search,
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to), sort=sort,
    )  # fmt: skip
    _export(ctx, "account", filters, output)


@app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    account: Annotated[list[str] | None, many("Account id (repeatable).")] = None,
    owner: Owners = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    search: SearchOption = None,
    sort: Annotated[
        str, typer.Option(help=f"One of {', '.join(CONTACT_SORTS)}; '-' first for descending.")
    ] = DEFAULT_SORT,
    output: OutputOption = None,
) -> None:
    """Export the contacts matching the filters (those of `opportune contact list`).

    Example: opportune export contacts --account 12 -o acme-people.csv
    """
    filters = ContactFilters(
        account=account or (), owner=owner or (), q=search,
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to), sort=sort,
    )  # fmt: skip
    _export(ctx, "contact", filters, output)


@app.command("opportunities")
def export_opportunities(
    ctx: typer.Context,
    stage: Stages = None,
    owner: Owners = None,
    account: AccountIds = None,
    state: OpportunityState = None,
    close_from: CloseFrom = None,
    close_to: CloseTo = None,
    lead_source: LeadSources = None,
    forecast_category: ForecastCategories = None,
    lost_reason: LostReasons = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    stage_entered_to: StageEnteredTo = None,
    search: SearchOption = None,
    sort: OpportunitySort = "close_date",
    output: OutputOption = None,
) -> None:
    """Export the opportunities matching the filters (those of `opportune opportunity list`).

    Example: opportune export opportunities --state open --close-to 2026-06-30 -o q2.csv
    """
    filters = OpportunityFilters(
        stage=stage or (), owner=owner or (), account=account or (), state=state,
        close_from=parse_day("close_from", close_from), close_to=parse_day("close_to", close_to),
        q=search, sort=sort,
    )  # fmt: skip
    filters = with_report_filters(
        filters, lead_source=lead_source, forecast_category=forecast_category,
        lost_reason=lost_reason, created_from=created_from, created_to=created_to,
        stage_entered_to=stage_entered_to,
    )  # fmt: skip
    _export(ctx, "opportunity", filters, output)


def _export(ctx: typer.Context, object_type: str, filters: Filters, output: Path | None) -> None:
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    if output is None:
        core.exports.export(actor, object_type, filters, sys.stdout)
        return
    core.exports.stream(actor, object_type, filters)  # bad filters: no file is left behind
    with _target(output) as out:
        count = core.exports.export(actor, object_type, filters, out)
    noun = object_type if count == 1 else PLURALS[object_type]
    note(f"Exported {count} {noun} to {output}.", style="dim")


@contextmanager
def _target(output: Path) -> Iterator[TextIO]:
    """The output file, removed again when the export fails half-way."""
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            yield handle
    except BaseException:
        output.unlink(missing_ok=True)
        raise
