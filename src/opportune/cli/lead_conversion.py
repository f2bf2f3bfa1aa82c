"""``opportune lead convert|unconvert|conversion``: turn leads into an account, a contact
and an opportunity (one lead, or every lead a filter matches), preview it, and undo it.

The options are the REST API's conversion options under command-line names; the rules are
the conversion service's, so errors are the same one ``Error:`` line as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer

from opportune.cli import conversion_output as shown
from opportune.cli.bulk_conversion import convert_where, parse_where
from opportune.cli.fields import resolve_owner
from opportune.cli.options import JsonOption, YesOption
from opportune.cli.output import print_json
from opportune.cli.presenters import Session, session
from opportune.domain.leads import LeadPicklists
from opportune.errors import ValidationError

__all__ = ["ConvertChoices", "register"]

PANEL = "Conversion options"
BULK = "Many leads (--where)"
LeadId = Annotated[int, typer.Argument(metavar="ID", help="The lead's id.")]
OneLead = Annotated[int | None, typer.Argument(metavar="ID", help="The lead's id (or --where).")]


def _option(*names: str, text: str, metavar: str | None = None, panel: str = PANEL) -> Any:
    return typer.Option(*names, help=text, metavar=metavar, rich_help_panel=panel)


Status = Annotated[
    str | None,
    _option("--status", metavar="LABEL", text="Converted status (default: the first active one)."),
]
Account = Annotated[
    str | None,
    _option(
        "--account", metavar="ID", text="Merge into this existing account instead of creating one."
    ),
]
Contact = Annotated[
    str | None,
    _option("--contact", metavar="ID", text="Merge into this existing contact of --account."),
]
NoOpportunity = Annotated[bool, _option("--no-opportunity", text="Create no opportunity.")]
OpportunityName = Annotated[
    str | None,
    _option(
        "--opportunity-name", metavar="NAME", text="Name of the new opportunity (default: company)."
    ),
]
OpportunityId = Annotated[
    str | None,
    _option(
        "--opportunity", metavar="ID", text="Attach to this existing opportunity of --account."
    ),
]
Owner = Annotated[
    str | None,
    _option("--owner", metavar="REF", text="Owner of the new records: id, email or 'me'."),
]
Overwrite = Annotated[
    bool, _option("--overwrite-lead-source", text="Replace the existing contact's lead source.")
]
Notify = Annotated[bool, _option("--notify", text="Notify the owner of the new records.")]
AllowDuplicates = Annotated[
    bool,
    _option(
        "--allow-duplicates", text="Create the account and contact even if exact duplicates exist."
    ),
]
Preview = Annotated[bool, _option("--preview", text="Show what would happen; change nothing.")]
Where = Annotated[
    list[str] | None,
    _option(
        "--where",
        metavar="FILTER=VALUE",
        panel=BULK,
        text="Convert every unconverted lead matching: status, source, owner, rating, "
        "created-from, created-to, search (repeatable), or 'all'.",
    ),
]
AllOrNone = Annotated[
    bool,
    _option("--all-or-none", panel=BULK, text="Convert none unless every lead can be converted."),
]


@dataclass(frozen=True, slots=True)
class ConvertChoices:
    """The conversion options as typed on the command line."""

    status: str | None = None
    account: str | None = None
    contact: str | None = None
    opportunity: str | None = None
    opportunity_name: str | None = None
    no_opportunity: bool = False
    owner: str | None = None
    overwrite_lead_source: bool = False
    notify: bool = False
    allow_duplicates: bool = False

    def options(self, s: Session, picklists: LeadPicklists) -> dict[str, object]:
        """The service's options; the status defaults to the first active converted one."""
        owner = resolve_owner(self.owner, s.actor, s.users) if self.owner is not None else None
        values = {
            "converted_status": self.status or default_status(picklists),
            "account_id": self.account, "contact_id": self.contact,
            "opportunity_id": self.opportunity, "opportunity_name": self.opportunity_name,
            "do_not_create_opportunity": self.no_opportunity, "owner_id": owner,
            "overwrite_lead_source": self.overwrite_lead_source,
            "send_notification_email": self.notify, "allow_duplicates": self.allow_duplicates,
        }  # fmt: skip
        return {name: value for name, value in values.items() if value not in (None, False)}

    @property
    def names_records(self) -> bool:
        """True when an existing account, contact or opportunity is named (one lead's)."""
        return any(v is not None for v in (self.account, self.contact, self.opportunity))


def default_status(picklists: LeadPicklists) -> str | None:
    """The first active converted status, in the status list's order."""
    statuses = sorted(picklists.statuses, key=lambda s: s.sort_order)
    return next((s.label for s in statuses if s.is_converted and s.is_active), None)


def register(app: typer.Typer) -> None:
    """Add ``convert``, ``unconvert`` and ``conversion`` to the ``lead`` commands."""
    app.command("convert")(convert)
    app.command("unconvert")(unconvert)
    app.command("conversion")(conversion)


def convert(
    ctx: typer.Context,
    lead_id: OneLead = None,
    status: Status = None, account: Account = None, contact: Contact = None,
    no_opportunity: NoOpportunity = False, opportunity_name: OpportunityName = None,
    opportunity: OpportunityId = None, owner: Owner = None,
    overwrite_lead_source: Overwrite = False, notify: Notify = False,
    allow_duplicates: AllowDuplicates = False, preview: Preview = False,
    where: Where = None, all_or_none: AllOrNone = False, yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Convert a lead into an account, a contact and an opportunity (or many leads with
    --where), creating them or merging into existing ones.

    Examples: opportune lead convert 12 --account 3 --preview;
    opportune lead convert --where status="Working - Contacted" --where owner=me --yes
    """
    choices = ConvertChoices(
        status, account, contact, opportunity, opportunity_name, no_opportunity, owner,
        overwrite_lead_source, notify, allow_duplicates,
    )  # fmt: skip
    s = session(ctx)
    if where:
        _check_bulk(lead_id, choices, preview=preview)
        options = choices.options(s, s.core.leads.lookups().picklists)
        filters = parse_where(where, s.core.settings.page_size_max)
        convert_where(s, options, filters, all_or_none=all_or_none, yes=yes, as_json=as_json)
        return
    if lead_id is None or all_or_none or yes:
        raise ValidationError([], _ONE_LEAD if lead_id is None else _BULK_ONLY)
    (_preview if preview else _convert_one)(s, lead_id, choices, as_json=as_json)


_ONE_LEAD = "Give the lead's ID, or --where FILTER=VALUE to convert many leads"
_BULK_ONLY = "--all-or-none and --yes apply only to converting many leads with --where"


def _check_bulk(lead_id: int | None, choices: ConvertChoices, *, preview: bool) -> None:
    """Refuse what only makes sense for one lead together with --where."""
    if lead_id is not None:
        raise ValidationError([], "Give a lead ID or --where, not both")
    if choices.names_records:
        raise ValidationError([], "--account, --contact and --opportunity name one lead's "
                                  "records: they do not go with --where")  # fmt: skip
    if preview:
        raise ValidationError([], "--preview shows one lead's conversion: give its ID")


def _convert_one(s: Session, lead_id: int, choices: ConvertChoices, *, as_json: bool) -> None:
    """Convert one lead; print the records it became and existing look-alikes as a hint."""
    service, lookups = s.core.conversions, s.core.leads.lookups()
    options = choices.options(s, lookups.picklists)
    lead = s.core.leads.get(s.actor, lead_id, mark_read=False)
    # Read before converting: afterwards the new records would suggest themselves.
    found = None if choices.account else service.suggestions(s.actor, lead_id)
    result = service.convert(s.actor, lead_id, options)
    record = service.conversion(s.actor, lead_id)
    if as_json:
        print_json(shown.converted_json(s, result, record))
        return
    shown.print_converted(s, lead, result, record)
    if found is not None and shown.has_exact(found):
        made = [(kind, getattr(result, f"{kind}_id")) for kind in shown.KINDS]
        shown.print_suggestions(found, skip=made)


def _preview(s: Session, lead_id: int, choices: ConvertChoices, *, as_json: bool) -> None:
    """Print what converting would do, and the existing records like the lead."""
    service, lookups = s.core.conversions, s.core.leads.lookups()
    plan = service.preview(s.actor, lead_id, choices.options(s, lookups.picklists))
    found = service.suggestions(s.actor, lead_id)
    if as_json:
        print_json({**shown.plan_json(plan), "suggestions": shown.suggestions_json(found)})
        return
    lead = s.core.leads.get(s.actor, lead_id, mark_read=False)
    shown.print_plan(s, lead, plan, lookups.picklists)
    if not choices.account:
        merged = [(p.kind, p.record_id or 0) for p in (plan.account, plan.contact)
                  if not p.creates]  # fmt: skip
        shown.print_suggestions(found, skip=merged)


def unconvert(
    ctx: typer.Context,
    lead_id: LeadId,
    force: Annotated[bool, typer.Option(
        "--force", help="Undo even if records changed since: keep those, detached.")] = False,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Undo a lead's conversion: delete the records it created, empty the fields it filled,
    move the activities back and reopen the lead. Refused if records changed since.

    Example: opportune lead unconvert 12 --force
    """
    s = session(ctx)
    lead = s.core.leads.get(s.actor, lead_id, mark_read=False)
    for kind in shown.KINDS:  # named now: undo may delete them
        s.name_of(kind, getattr(lead, f"converted_{kind}_id"))
    result = s.core.conversions.unconvert(s.actor, lead_id, force=force)
    if as_json:
        print_json(shown.undo_json(result))
        return
    lookups = s.core.leads.lookups()
    reopened = s.core.leads.get(s.actor, lead_id, mark_read=False)
    shown.print_undo(s, reopened, result, lookups.picklists.status(reopened.status_id).label)


def conversion(ctx: typer.Context, lead_id: LeadId, as_json: JsonOption = False) -> None:
    """Show what a lead's conversion did: records created or merged into, fields filled
    (before → after), activities moved, and the values kept on the lead only.

    Example: opportune lead conversion 12 --json
    """
    s = session(ctx)
    record = s.core.conversions.conversion(s.actor, lead_id)
    if as_json:
        print_json(shown.record_json(s, record))
        return
    lead = s.core.leads.get(s.actor, lead_id, mark_read=False)
    shown.print_conversion(s, lead, record, s.core.leads.lookups().picklists)
