"""``opportune account``: add, list, show, change and delete accounts as the acting user."""

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
from opportune.cli.output import note, print_table
from opportune.cli.presenters import (
    Session,
    account_record,
    address,
    contact_record,
    money,
    opportunity_record,
    session,
)
from opportune.cli.records import (
    RecordKind,
    add_record_commands,
    limit_or_default,
    print_page,
)
from opportune.domain.accounts import ACCOUNT
from opportune.services.accounts import ACCOUNT_SORTS, AccountFilters
from opportune.services.list_filters import DEFAULT_SORT
from opportune.services.opportunities import OpportunityFilters

app = typer.Typer(help="Add, list, show, change and delete accounts.", no_args_is_help=True)

OPTIONS = spec_options(
    ACCOUNT,
    flags={
        "number_of_employees": ("--employees", "--number-of-employees"),
        "account_source": ("--source", "--account-source"),
        "parent_account_id": ("--parent", "--parent-account"),
    },
    helps={
        "name": "Account name (required).",
        "account_source": "Where the account came from: a lead source label, e.g. 'Web'.",
        "parent_account_id": "The parent account's id (an account above it).",
        "description": "Free-text description.",
    },
)
ALIASES = {
    "owner": "owner_id", "source": "account_source", "parent": "parent_account_id",
    "parent_account": "parent_account_id", "employees": "number_of_employees",
}  # fmt: skip
RELATED_LIMIT = 20  # rows of each related list on `account show`


def _title(record: dict[str, Any]) -> str:
    return f"account {record['id']} · {record['name']}"


def _shown(s: Session, r: dict[str, Any]) -> dict[str, Any]:
    parent = r["parent_account_id"]
    return {
        "id": r["id"], "name": r["name"], "website": r["website"], "phone": r["phone"],
        "fax": r["fax"], "industry": r["industry"], "annual_revenue": r["annual_revenue"],
        "employees": r["number_of_employees"], "rating": r["rating"],
        "billing_address": address(r, "billing_"), "shipping_address": address(r, "shipping_"),
        "account_source": r["account_source"],
        "parent_account": f"{r['parent_account_name']} ({parent})" if parent else None,
        "owner": r["owner_name"], "description": r["description"],
        "created_at": r["created_at"], "updated_at": r["updated_at"], "version": r["version"],
    }  # fmt: skip


def _related(s: Session, record: dict[str, Any]) -> None:
    """Under the account: its contacts and its open opportunities, in short tables."""
    account_id = record["id"]
    contacts = [contact_record(s, c) for c in s.core.accounts.contacts_of(s.actor, account_id)]
    people = [(c["id"], c["name"], c["title"], c["email"], c["phone"]) for c in contacts]
    print_table(("ID", "Name", "Title", "Email", "Phone"), people[:RELATED_LIMIT],
                title=f"Contacts ({len(contacts)})")  # fmt: skip
    if len(contacts) > RELATED_LIMIT:
        note(f"All of them: opportune contact list --account {account_id}", style="dim")
    filters = OpportunityFilters(account=[account_id], state="open", limit=RELATED_LIMIT,
                                 with_total=True)  # fmt: skip
    result = s.core.opportunities.list(s.actor, filters)
    opps = [opportunity_record(s, o) for o in result.page.items]
    rows = [(o["id"], o["name"], o["stage"], o["close_date"],
             money(o["amount"], o["currency_code"]), o["owner_name"]) for o in opps]  # fmt: skip
    print_table(("ID", "Name", "Stage", "Close date", "Amount", "Owner"), rows,
                title=f"Open opportunities ({result.page.total})")  # fmt: skip
    if result.page.next_cursor:
        note(f"All of them: opportune opportunity list --account {account_id} --state open",
             style="dim")  # fmt: skip


KIND = RecordKind(
    noun="account",
    service=lambda core: core.accounts,
    present=account_record,
    title=_title,
    shown=_shown,
    options=OPTIONS,
    aliases=ALIASES,
    duplicate_rules=True,
    after_show=_related,
    add_hint="The name is required; you own it unless --owner says otherwise.",
    examples={
        "add": 'opportune account add --name "Acme Corp" --industry Technology --rating Hot',
        "show": "opportune account show 7",
        "update": "opportune account update 7 --rating Hot --set website= --expect-version 2",
        "delete": "opportune account delete 7 --yes",
    },
)
add_record_commands(app, KIND)


@app.command("list")
def list_accounts(
    ctx: typer.Context,
    owner: Annotated[list[str] | None, many("Owner id, email or 'me' (repeatable).")] = None,
    industry: Annotated[list[str] | None, many("Industry (repeatable).")] = None,
    rating: Annotated[list[str] | None, many("Hot, Warm or Cold (repeatable).")] = None,
    created_from: Annotated[str | None, day_option("Created on or after this day.")] = None,
    created_to: Annotated[str | None, day_option("Created on or before this day.")] = None,
    search: SearchOption = None,
    sort: Annotated[
        str, typer.Option(help=f"One of {', '.join(ACCOUNT_SORTS)}; '-' first for descending.")
    ] = DEFAULT_SORT,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    total: TotalOption = False,
    as_json: JsonOption = False,
) -> None:
    """List accounts with the same filters as the REST API; -q searches name and website.

    Example: opportune account list --owner me --industry Banking --sort name
    """
    s = session(ctx)
    filters = AccountFilters(
        owner=owner or (), industry=industry or (), rating=rating or (), q=search,
        created_from=parse_day("created_from", created_from),
        created_to=parse_day("created_to", created_to), sort=sort, cursor=cursor,
        limit=limit_or_default(s, limit), with_total=total,
    )  # fmt: skip
    page = s.core.accounts.list(s.actor, filters)
    records = [account_record(s, a) for a in page.items]
    print_page(
        records, noun="account", next_cursor=page.next_cursor, total=page.total, as_json=as_json,
        columns=("ID", "Name", "Industry", "Rating", "City", "Country", "Owner", "Created"),
        row=lambda r: (r["id"], r["name"], r["industry"], r["rating"], r["billing_city"],
                       r["billing_country"], r["owner_name"], r["created_at"].date()),
    )  # fmt: skip
