"""``opportune lead``: add, list, show, update, delete and convert leads as the acting user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from opportune.cli import lead_conversion
from opportune.cli.duplicate_alerts import SavedAlerts
from opportune.cli.lead_fields import parse_assignments, to_service_data, with_lead_fields
from opportune.cli.options import ConvertedOnly, UntouchedDays, parse_count
from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.domain.leads import Lead
from opportune.errors import ValidationError
from opportune.services.filters import DEFAULT_SORT, LeadFilters
from opportune.services.leads import LeadPage
from opportune.services.saved_alerts import collecting_alerts

app = typer.Typer(help="Add, list, show, change, delete and convert leads.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _many(text: str) -> Any:
    return typer.Option(metavar="TEXT", help=text)


def _day(text: str) -> Any:
    return typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help=text)


LIST_COLUMNS = ("ID", "Name", "Company", "Status", "Source", "Rating", "Owner", "Created")
RECORD_ORDER = (
    "id", "name", "salutation", "first_name", "last_name", "title", "company", "email",
    "phone", "mobile_phone", "fax", "website", "street", "city", "state", "postal_code",
    "country", "status", "close_reason", "lead_source", "rating", "industry", "annual_revenue",
    "number_of_employees", "description", "do_not_call", "has_opted_out_of_email",
    "owner_name", "queue_name", "is_unread_by_owner", "is_converted", "converted_date",
    "created_at", "updated_at", "version",
)  # fmt: skip


def _record(ctx: typer.Context, lead: Lead) -> dict[str, Any]:
    return get_state(ctx).open().leads.lookups().record(lead)


def _print_lead(
    record: dict[str, Any],
    *,
    as_json: bool,
    heading: str = "Lead",
    alerts: SavedAlerts | None = None,
) -> None:
    """Print a lead; after a save, also the possible duplicates alert rules found."""
    if as_json:
        print_json({**record, **alerts.as_json()} if alerts else record)
    else:
        ordered = {key: record.get(key) for key in RECORD_ORDER}
        print_record(f"{heading} {record['id']} · {record['name']} ({record['company']})", ordered)
    if alerts:
        alerts.warn()


@app.command("add")
@with_lead_fields
def add(
    ctx: typer.Context,
    fields: dict[str, object],
    as_json: JsonOption = False,
    assign: Annotated[
        bool,
        typer.Option(
            "--assign/--no-assign",
            help="Run the active assignment rule when no --owner is given.",
        ),
    ] = True,
) -> None:
    """Create a lead. Last name and company are required.

    Example: opportune lead add --first-name Ada --last-name Ng --company Acme --source Web
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    data = to_service_data(fields, actor, core.users.list())
    with collecting_alerts() as found:
        lead = core.leads.create(actor, data, assign=assign)
    alerts = SavedAlerts("lead", lead.id or 0, tuple(found))
    _print_lead(_record(ctx, lead), as_json=as_json, heading="Created lead", alerts=alerts)


@app.command("update")
@with_lead_fields
def update(
    ctx: typer.Context,
    fields: dict[str, object],
    lead_id: Annotated[int, typer.Argument(metavar="ID", help="The lead's id.")],
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="FIELD=VALUE", help="Set any field; FIELD= clears it."),
    ] = None,
    expect_version: Annotated[
        int | None, typer.Option(help="Refuse if the lead is no longer at this version.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a lead: only the fields given change; an empty value clears a field.

    Example: opportune lead update 12 --status "Working - Contacted" --rating Hot --set fax=
    """
    changes = {**fields, **parse_assignments(assignments or [])}
    if not changes:
        raise ValidationError([], "Nothing to change: give at least one field option or --set")
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    data = to_service_data(changes, actor, core.users.list())
    with collecting_alerts() as found:
        lead = core.leads.update(actor, lead_id, data, expected_version=expect_version)
    alerts = SavedAlerts("lead", lead_id, tuple(found))
    _print_lead(_record(ctx, lead), as_json=as_json, heading="Updated lead", alerts=alerts)


@app.command("show")
def show(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(metavar="ID", help="The lead's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show every field of a lead (its owner opening it marks it read).

    Example: opportune lead show 12 --json
    """
    state = get_state(ctx)
    lead = state.open().leads.get(state.actor(), lead_id)
    _print_lead(_record(ctx, lead), as_json=as_json)


@app.command("delete")
def delete(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(metavar="ID", help="The lead's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Move a lead to the recycle bin with its activities (asks first unless --yes).

    Example: opportune lead delete 12 --yes
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    lead = core.leads.get(actor, lead_id, mark_read=False)
    if not yes:
        question = f"Delete lead {lead_id} ({lead.name}, {lead.company}) (to the recycle bin)?"
        typer.confirm(question, abort=True)
    core.leads.delete(actor, lead_id)
    if as_json:
        print_json({"deleted": lead_id})
    else:
        note(f"Deleted lead {lead_id} ({lead.name}, {lead.company}).")


@app.command("list")
def list_leads(
    ctx: typer.Context,
    status: Annotated[list[str] | None, _many("Status label (repeatable).")] = None,
    source: Annotated[list[str] | None, _many("Lead source label (repeatable).")] = None,
    owner: Annotated[list[str] | None, _many("Owner id, email or 'me' (repeatable).")] = None,
    rating: Annotated[list[str] | None, _many("Hot, Warm or Cold (repeatable).")] = None,
    created_from: Annotated[datetime | None, _day("Created on or after this day.")] = None,
    created_to: Annotated[datetime | None, _day("Created on or before this day.")] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Search name, company and email.")
    ] = None,
    include_converted: Annotated[
        bool, typer.Option("--include-converted", help="Include converted leads.")
    ] = False,
    converted_only: ConvertedOnly = False,
    untouched_days: UntouchedDays = None,
    unread: Annotated[
        bool, typer.Option("--unread", help="Only leads unread by their owner.")
    ] = False,
    queue: Annotated[
        str | None,
        typer.Option(help="Leads in a queue: its id or name, or 'mine' (my queues)."),
    ] = None,
    sort: Annotated[str, typer.Option(help="Sort field, '-' first for descending.")] = DEFAULT_SORT,
    limit: Annotated[int | None, typer.Option(help="Leads per page (default 50).")] = None,
    cursor: Annotated[str | None, typer.Option(help="Page cursor from a previous list.")] = None,
    total: Annotated[bool, typer.Option("--total", help="Also count all matches.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List leads with the same filters as the API and the web UI.

    Example: opportune lead list --status "Open - Not Contacted" --owner me --sort company
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    filters = LeadFilters(
        status=status or (), lead_source=source or (), owner=owner or (), rating=rating or (),
        created_from=created_from.date() if created_from else None,
        created_to=created_to.date() if created_to else None, q=search,
        include_converted=include_converted, unread=unread, queue=queue, sort=sort, cursor=cursor,
        limit=state.settings.page_size_default if limit is None else limit, with_total=total,
        converted_only=converted_only,
        untouched_days=parse_count("untouched_days", untouched_days),
    )  # fmt: skip
    _print_page(core.leads.list(actor, filters), as_json=as_json)


def _print_page(result: LeadPage, *, as_json: bool) -> None:
    page, records = result.page, [result.lookups.record(lead) for lead in result.page.items]
    if as_json:
        print_json({"items": records, "next_cursor": page.next_cursor, "total": page.total})
        return
    rows = [
        (r["id"], r["name"], r["company"], r["status"], r["lead_source"], r["rating"],
         _owner_cell(r), r["created_at"].date() if r["created_at"] else None)
        for r in records
    ]  # fmt: skip
    print_table(LIST_COLUMNS, rows)
    shown = f"{len(records)} lead{'s' if len(records) != 1 else ''}"
    note(shown + (f" of {page.total}" if page.total is not None else ""), style="dim")
    if page.next_cursor:
        note(f"More: add --cursor {page.next_cursor}", style="dim")


def _owner_cell(record: dict[str, Any]) -> str | None:
    """A lead in a queue shows the queue where others show their owner."""
    if record.get("queue_name"):
        return f"Queue: {record['queue_name']}"
    return record["owner_name"]  # type: ignore[no-any-return]


lead_conversion.register(app)
