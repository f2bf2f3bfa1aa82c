"""``opportune webform``: web-to-lead forms, their snippets, submissions and overflow queue."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.domain.web_form_snippet import DEFAULT_SNIPPET_FIELDS
from opportune.domain.web_forms import WebFormSubmission
from opportune.services.web_forms import FormOverview

app = typer.Typer(
    help="Web-to-lead forms: create them, get the HTML to paste into a website, see what "
    "was posted, and process the overflow queue (for cron).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FormId = Annotated[int, typer.Argument(metavar="ID", help="The form's id (see `webform list`).")]


def _form_record(o: FormOverview) -> dict[str, Any]:
    f = o.form
    return {
        "id": f.id, "name": f.name, "key": f.key, "is_active": f.is_active,
        "owner_id": f.owner_id, "owner_name": o.owner_name,
        "use_assignment_rule": f.use_assignment_rule, "defaults": f.defaults,
        "allowed_redirect_hosts": f.allowed_redirect_hosts,
        "duplicate_action": f.duplicate_action.value, "daily_cap": f.daily_cap,
        "per_ip_per_hour": f.per_ip_per_hour, "per_form_per_minute": f.per_form_per_minute,
        "leads_today": o.leads_today, "queued": o.queued, "created_at": f.created_at,
    }  # fmt: skip


def _submission_record(s: WebFormSubmission) -> dict[str, Any]:
    return {"id": s.id, "received_at": s.received_at, "ip": s.ip, "status": s.status.value,
            "lead_id": s.lead_id, "error": s.error, "processed_at": s.processed_at,
            "payload": s.payload}  # fmt: skip


@app.command("list")
def list_forms(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List web-to-lead forms with today's leads and queued posts."""
    state = get_state(ctx)
    forms = state.open().web_forms.list(state.actor())
    if as_json:
        print_json([_form_record(o) for o in forms])
        return
    rows = [(o.form.id, o.form.name, o.form.is_active, o.form.key,
             f"{o.leads_today}/{o.form.daily_cap}", o.queued,
             ", ".join(o.form.allowed_redirect_hosts)) for o in forms]  # fmt: skip
    print_table(("ID", "Name", "Active", "Key (oid)", "Today", "Queued", "Redirect hosts"), rows)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="The form's name, for you.")],
    owner: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="Owns the leads when no rule decides.")
    ] = None,
    assignment: Annotated[
        bool, typer.Option(help="Run the active assignment rule on the form's leads.")
    ] = True,
    lead_source: Annotated[str | None, typer.Option(help="Default lead source.")] = "Web",
    campaign: Annotated[str | None, typer.Option(help="Default campaign.")] = None,
    status: Annotated[str | None, typer.Option(help="Default lead status.")] = None,
    rating: Annotated[str | None, typer.Option(help="Default rating.")] = None,
    redirect_host: Annotated[
        list[str] | None,
        typer.Option(metavar="HOST", help="A host retURL may point at (repeat for more)."),
    ] = None,
    duplicates: Annotated[
        str, typer.Option(metavar="attach|flag", help="What a duplicate post does.")
    ] = "attach",
    daily_cap: Annotated[int, typer.Option(help="Leads a UTC day; more are queued.")] = 500,
    per_ip_per_hour: Annotated[int, typer.Option(help="Posts per address an hour.")] = 20,
    per_form_per_minute: Annotated[int, typer.Option(help="Posts to the form a minute.")] = 60,
    inactive: Annotated[bool, typer.Option("--inactive", help="Create it switched off.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a web-to-lead form; it gets a random key (the posted `oid`).

    Example: opportune webform create --name "Contact us" --redirect-host www.example.com
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    defaults = {"lead_source": lead_source, "campaign": campaign, "status": status,
                "rating": rating}  # fmt: skip
    data: dict[str, object] = {
        "name": name, "is_active": not inactive, "use_assignment_rule": assignment,
        "defaults": {k: v for k, v in defaults.items() if v},
        "allowed_redirect_hosts": redirect_host or [], "duplicate_action": duplicates,
        "daily_cap": daily_cap, "per_ip_per_hour": per_ip_per_hour,
        "per_form_per_minute": per_form_per_minute,
    }  # fmt: skip
    if owner:
        data["owner_id"] = core.users.get_by_email(owner).id
    form = core.web_forms.create(actor, data)
    _show(ctx, form.id or 0, as_json=as_json, heading="Created web form")


@app.command("show")
def show(ctx: typer.Context, form_id: FormId, as_json: JsonOption = False) -> None:
    """Show a form's settings, today's leads and its queue."""
    _show(ctx, form_id, as_json=as_json, heading="Web form")


def _show(ctx: typer.Context, form_id: int, *, as_json: bool, heading: str) -> None:
    state = get_state(ctx)
    record = _form_record(state.open().web_forms.overview(state.actor(), form_id))
    if as_json:
        print_json(record)
        return
    shown = {**record, "defaults": ", ".join(f"{k}: {v}" for k, v in record["defaults"].items()),
             "allowed_redirect_hosts": ", ".join(record["allowed_redirect_hosts"])}  # fmt: skip
    print_record(f"{heading} {record['id']} · {record['name']}", shown)


@app.command("snippet")
def snippet(
    ctx: typer.Context,
    form_id: FormId,
    field: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="A posted field to include, e.g. email (repeat)."),
    ] = None,
    return_url: Annotated[
        str | None, typer.Option(help="Where visitors go after posting (retURL).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="This server's address as browsers reach it "
                     "(default: OPPORTUNE_PUBLIC_URL, else http://HOST:PORT)."),
    ] = None,
) -> None:  # fmt: skip
    """Print the HTML form to paste into a website."""
    state = get_state(ctx)
    settings = state.settings
    base = base_url or settings.public_url or f"http://{settings.host}:{settings.port}"
    html = state.open().web_forms.snippet(
        state.actor(), form_id, base_url=base, fields=field or list(DEFAULT_SNIPPET_FIELDS),
        return_url=return_url,
    )  # fmt: skip
    typer.echo(html, nl=False)


@app.command("submissions")
def submissions(
    ctx: typer.Context,
    form_id: FormId,
    status: Annotated[
        list[str] | None,
        typer.Option(metavar="STATUS", help="created, queued, attached, flagged, rejected, spam."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List a form's submissions, newest first."""
    state = get_state(ctx)
    page = state.open().web_forms.submissions(
        state.actor(), form_id, statuses=status or (), limit=limit
    )
    if as_json:
        print_json({"items": [_submission_record(s) for s in page.items], "total": page.total})
        return
    rows = [(s.id, s.received_at, s.status.value, s.payload.get("last_name"),
             s.payload.get("company"), s.ip, s.lead_id, s.error) for s in page.items]  # fmt: skip
    print_table(("ID", "Received", "Status", "Last name", "Company", "IP", "Lead", "Note"), rows,
                title=f"{len(page.items)} of {page.total} submission(s)")  # fmt: skip


@app.command("process-queue")
def process_queue(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Process queued posts (oldest first) as far as each form's daily cap allows.

    The server does this by itself every OPPORTUNE_WEB_TO_LEAD_QUEUE_INTERVAL_SECONDS;
    run this from cron when the background thread is off.
    """
    state = get_state(ctx)
    run = state.open().web_forms.process_queue()
    if as_json:
        print_json({"processed": run.processed, "by_status": run.by_status,
                    "remaining": run.remaining})  # fmt: skip
        return
    detail = ", ".join(f"{n} {s}" for s, n in sorted(run.by_status.items()))
    note(f"Processed {run.processed} queued post(s){f' ({detail})' if detail else ''}; "
         f"{run.remaining} still queued.")  # fmt: skip
