"""``opportune contact``: add, list, show, change and delete contacts as the acting user."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opportune.cli.fields import spec_options
from opportune.cli.options import (
    CursorOption,
    JsonOption,
    LimitOption,
    SearchOption,
    TotalOption,
    day_option,
    many,
    parse_day,
)
from opportune.cli.presenters import Session, address, contact_record, session
from opportune.cli.records import RecordKind, add_record_commands, limit_or_default, print_page
from opportune.domain.contacts import CONTACT
from opportune.services.contacts import CONTACT_SORTS, ContactFilters
from opportune.services.list_filters import DEFAULT_SORT

app = typer.Typer(help="Add, list, show, change and delete contacts.", no_args_is_help=True)

OPTIONS = spec_options(
    CONTACT,
    flags={
        "lead_source": ("--source", "--lead-source"),
        "do_not_call": ("--do-not-call/--may-call",),
        "has_opted_out_of_email": ("--email-opt-out/--email-opt-in",),
    },
    helps={
        "salutation": "Mr., Ms., Mrs., Dr., Prof. or Mx.",
        "last_name": "Last name (required).",
        "lead_source": "Lead source label, e.g. 'Web'.",
        "do_not_call": "Whether the contact asked not to be called.",
        "has_opted_out_of_email": "Whether the contact opted out of email.",
        "description": "Free-text description.",
        "account_id": "The id of the contact's account ('' detaches the contact).",
    },
)
ALIASES = {"owner": "owner_id", "account": "account_id", "source": "lead_source"}


def _title(record: dict[str, Any]) -> str:
    return f"contact {record['id']} · {record['name']}"


def _shown(s: Session, r: dict[str, Any]) -> dict[str, Any]:
    account = f"{r['account_name']} ({r['account_id']})" if r["account_id"] else None
    return {
        "id": r["id"], "salutation": r["salutation"], "name": r["name"], "title": r["title"],
        "account": account, "email": r["email"], "phone": r["phone"],
        "mobile_phone": r["mobile_phone"], "fax": r["fax"],
        "mailing_address": address(r, "mailing_"), "lead_source": r["lead_source"],
        "do_not_call": r["do_not_call"], "email_opt_out": r["has_opted_out_of_email"],
        "owner": r["owner_name"], "description": r["description"],
        "created_at": r["created_at"], "updated_at": r["updated_at"], "version": r["version"],
    }  # fmt: skip


KIND = RecordKind(
    noun="contact",
    service=lambda core: core.contacts,
    present=contact_record,
    title=_title,
    shown=_shown,
    options=OPTIONS,
    aliases=ALIASES,
    duplicate_rules=True,
    add_hint="The last name is required; --account ID puts the contact at an account.",
    examples={
        "add": "opportune contact add --first-name Mei --last-name Ng --account 7 --title CFO",
        "show": "opportune contact show 31 --json",
        "update": 'opportune contact update 31 --account 9 --set title="Head of IT"',
        "delete": "opportune contact delete 31 --yes",
    },
)
add_record_commands(app, KIND)


@app.command("list")
def list_contacts(
    ctx: typer.Context,
    account: Annotated[list[str] | None, many("Account id (repeatable).")] = None,
    owner: Annotated[list[str] | None, many("Owner id, email or 'me' (repeatable).")] = None,
    created_from: Annotated[str | None, day_option("Created on or after this day.")] = None,
    created_to: Annotated[str | None, day_option("Created on or before this day.")] = None,
    search: SearchOption = None,
    sort: Annotated[
        str, typer.Option(help=f"One of {', '.join(CONTACT_SORTS)}; '-' first for descending.")
    ] = DEFAULT_SORT,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    total: TotalOption = False,
    as_json: JsonOption = False,
) -> None:
    """List contacts with the same filters as the REST API; -q searches names and email.

    Example: opportune contact list --account 7 --sort last_name
    """
    s = session(ctx)
    filters = ContactFilters(
        account=account or (), owner=owner or (), q=search,
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to), sort=sort, cursor=cursor,
        limit=limit_or_default(s, limit), with_total=total,
    )  # fmt: skip
    page = s.core.contacts.list(s.actor, filters)
    records = [contact_record(s, c) for c in page.items]
    print_page(
        records, noun="contact", next_cursor=page.next_cursor, total=page.total, as_json=as_json,
        columns=("ID", "Name", "Title", "Account", "Email", "Phone", "Owner"),
        row=lambda r: (r["id"], r["name"], r["title"], r["account_name"], r["email"],
                       r["phone"], r["owner_name"]),
    )  # fmt: skip
