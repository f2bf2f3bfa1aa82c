"""``opportune opportunity``: the pipeline's records, their stage moves, history and roles."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opportune.cli.fields import FieldOption, spec_options
from opportune.cli.options import (
    AccountIds,
    CloseFrom,
    CloseTo,
    CreatedFrom,
    CreatedTo,
    CursorOption,
    ExpectVersion,
    ForecastCategories,
    JsonOption,
    LeadSources,
    LimitOption,
    LostReasons,
    OpportunitySort,
    OpportunityState,
    Owners,
    SearchOption,
    StageEnteredTo,
    Stages,
    TotalOption,
    parse_day,
    with_report_filters,
)
from opportune.cli.output import note, print_json, print_table
from opportune.cli.pipeline_history import print_history
from opportune.cli.presenters import Session, money, opportunity_record, session
from opportune.cli.records import (
    RecordId,
    RecordKind,
    add_record_commands,
    limit_or_default,
    print_page,
)
from opportune.domain.opportunities import OPPORTUNITY, ContactRole
from opportune.services.opportunities import (
    OpportunityFilters,
)

app = typer.Typer(
    help="Add, list, show, change, move and delete opportunities; their history and roles.",
    no_args_is_help=True,
)
roles_app = typer.Typer(help="List, add, change and remove contact roles.", no_args_is_help=True)
app.add_typer(roles_app, name="role")

OPTIONS = (
    *spec_options(
        OPPORTUNITY,
        flags={"lead_source": ("--source", "--lead-source")},
        helps={
            "name": "Opportunity name (required).",
            "account_id": "The account's id (required).",
            "stage": "Stage label, e.g. 'Prospecting' (default: the first open stage); "
            "see `opportune stage list`.",
            "close_date": "Expected close date, YYYY-MM-DD (required).",
            "amount": "Amount in the installation's currency, e.g. 25000 or 25,000.50.",
            "probability": "Percent, 0 to 100 (default: the stage's).",
            "forecast_category": "Pipeline, Best Case, Commit, Closed or Omitted "
            "(default: the stage's).",
            "lead_source": "Lead source label, e.g. 'Web'.",
            "lost_reason": "Why it was lost (required to close as lost); "
            "see `opportune stage lost-reasons`.",
            "description": "Free-text description.",
        },
    ),
    FieldOption("currency_code", ("--currency",), "Currency code: only the installation's one."),
)
ALIASES = {
    "owner": "owner_id", "account": "account_id", "source": "lead_source",
    "currency": "currency_code",
}  # fmt: skip

Stage = Annotated[str, typer.Argument(metavar="STAGE", help="The stage label to move to.")]
RoleId = Annotated[int, typer.Argument(metavar="ROLE_ID", help="The contact role's id.")]
OtherAccounts = Annotated[
    bool,
    typer.Option("--other-account", help="Allow a contact of another account (a partner)."),
]


def _title(record: dict[str, Any]) -> str:
    return f"opportunity {record['id']} · {record['name']}"


def _shown(s: Session, r: dict[str, Any]) -> dict[str, Any]:
    currency = r["currency_code"]
    return {
        "id": r["id"], "name": r["name"],
        "account": f"{s.name_of('account', r['account_id'])} ({r['account_id']})",
        "stage": r["stage"], "amount": money(r["amount"], currency),
        "probability": f"{r['probability']}%",
        "expected_revenue": money(r["expected_revenue"], currency),
        "close_date": r["close_date"], "forecast_category": r["forecast_category"],
        "closed": r["is_closed"], "won": r["is_won"], "lost_reason": r["lost_reason"],
        "type": r["type"], "next_step": r["next_step"], "lead_source": r["lead_source"],
        "owner": r["owner_name"], "description": r["description"],
        "created_at": r["created_at"], "updated_at": r["updated_at"], "version": r["version"],
    }  # fmt: skip


def _print_roles(s: Session, roles: list[ContactRole], title: str = "Contact roles") -> None:
    rows = [
        (r.id, s.name_of("contact", r.contact_id), r.contact_id, r.role, r.is_primary)
        for r in roles
    ]
    print_table(("Role ID", "Contact", "Contact ID", "Role", "Primary"), rows, title=title)


def _role_record(role: ContactRole) -> dict[str, Any]:
    return {
        "id": role.id, "opportunity_id": role.opportunity_id, "contact_id": role.contact_id,
        "role": role.role, "is_primary": role.is_primary,
    }  # fmt: skip


def _after_show(s: Session, record: dict[str, Any]) -> None:
    _print_roles(s, s.core.opportunities.contact_roles(s.actor, record["id"]))


KIND = RecordKind(
    noun="opportunity",
    service=lambda core: core.opportunities,
    present=opportunity_record,
    title=_title,
    shown=_shown,
    options=OPTIONS,
    aliases=ALIASES,
    after_show=_after_show,
    add_hint="Name, --account and --close-date are required; it starts on the first open "
    "stage unless --stage says otherwise.",
    examples={
        "add": 'opportune opportunity add --name "Acme renewal" --account 7 '
        "--close-date 2026-09-30 --amount 25000",
        "show": "opportune opportunity show 12",
        "update": "opportune opportunity update 12 --amount 30000 --probability 40",
        "delete": "opportune opportunity delete 12 --yes",
    },
)
add_record_commands(app, KIND)


@app.command("list")
def list_opportunities(
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
    limit: LimitOption = None,
    cursor: CursorOption = None,
    total: TotalOption = False,
    as_json: JsonOption = False,
) -> None:
    """List opportunities with the same filters as the REST API; -q searches the name.

    Example: opportune opportunity list --state open --owner me --close-to 2026-06-30
    """
    s = session(ctx)
    filters = OpportunityFilters(
        stage=stage or (), owner=owner or (), account=account or (), state=state,
        close_from=parse_day("close_from", close_from), close_to=parse_day("close_to", close_to),
        q=search, sort=sort, cursor=cursor, limit=limit_or_default(s, limit), with_total=total,
    )  # fmt: skip
    filters = with_report_filters(
        filters, lead_source=lead_source, forecast_category=forecast_category,
        lost_reason=lost_reason, created_from=created_from, created_to=created_to,
        stage_entered_to=stage_entered_to,
    )  # fmt: skip
    page = s.core.opportunities.list(s.actor, filters).page
    records = [opportunity_record(s, o) for o in page.items]
    print_page(
        records, noun="opportunity", next_cursor=page.next_cursor, total=page.total,
        as_json=as_json, row=lambda r: _row(s, r),
        columns=("ID", "Name", "Account", "Stage", "Close date", "Amount", "Prob.",
                 "Expected revenue", "Owner"),
    )  # fmt: skip


def _row(s: Session, r: dict[str, Any]) -> tuple[Any, ...]:
    currency = r["currency_code"]
    return (
        r["id"], r["name"], s.name_of("account", r["account_id"]), r["stage"], r["close_date"],
        money(r["amount"], currency), f"{r['probability']}%",
        money(r["expected_revenue"], currency), r["owner_name"],
    )  # fmt: skip


@app.command("move")
def move(
    ctx: typer.Context,
    record_id: RecordId,
    stage: Stage,
    lost_reason: Annotated[
        str | None, typer.Option(help="Why it was lost: required to close as lost.")
    ] = None,
    expect_version: ExpectVersion = None,
    as_json: JsonOption = False,
) -> None:
    """Move an opportunity to a stage; it takes the stage's probability and forecast.
    Closing as lost needs --lost-reason.

    Example: opportune opportunity move 12 "Closed Lost" --lost-reason Price
    """
    s = session(ctx)
    data = {"stage": stage} | ({} if lost_reason is None else {"lost_reason": lost_reason})
    opp = s.core.opportunities.update(s.actor, record_id, data, expected_version=expect_version)
    record = opportunity_record(s, opp)
    if as_json:
        print_json(record)
        return
    reason = f" (lost: {record['lost_reason']})" if record["lost_reason"] else ""
    revenue = money(record["expected_revenue"], record["currency_code"]) or "no amount"
    note(f"Opportunity {record['id']} · {record['name']} is in {record['stage']}{reason}: "
         f"probability {record['probability']}%, forecast {record['forecast_category']}, "
         f"expected revenue {revenue}.")  # fmt: skip


@app.command("history")
def history(ctx: typer.Context, record_id: RecordId, as_json: JsonOption = False) -> None:
    """Show the stage history (each change with who and when) and what it tells: time in
    each stage, the current stage's age, days to close, close date pushes.

    Example: opportune opportunity history 12 --json
    """
    s = session(ctx)
    snapshots = s.core.opportunities.stage_history(s.actor, record_id)
    metrics = s.core.opportunities.metrics(s.actor, record_id)
    print_history(s, snapshots, metrics, as_json=as_json)


@roles_app.command("list")
def list_roles(ctx: typer.Context, record_id: RecordId, as_json: JsonOption = False) -> None:
    """List an opportunity's contact roles, the primary one first.

    Example: opportune opportunity role list 12
    """
    s = session(ctx)
    roles = s.core.opportunities.contact_roles(s.actor, record_id)
    if as_json:
        print_json([_role_record(r) for r in roles])
    else:
        _print_roles(s, roles, title=f"Contact roles of opportunity {record_id}")


@roles_app.command("add")
def add_role(
    ctx: typer.Context,
    record_id: RecordId,
    contact: Annotated[str, typer.Option(help="The contact's id.")],
    role: Annotated[str | None, typer.Option(help="Decision Maker, Evaluator, ...")] = None,
    primary: Annotated[bool, typer.Option("--primary", help="The primary contact.")] = False,
    other_account: OtherAccounts = False,
    as_json: JsonOption = False,
) -> None:
    """Give a contact of the opportunity's account a role in it; at most one is primary.

    Example: opportune opportunity role add 12 --contact 31 --role "Decision Maker" --primary
    """
    s = session(ctx)
    data: dict[str, object] = {"contact_id": contact, "is_primary": primary}
    if role is not None:
        data["role"] = role
    added = s.core.opportunities.add_contact_role(
        s.actor, record_id, data, allow_other_accounts=other_account
    )
    _print_role(s, added, "Added", as_json=as_json)


@roles_app.command("update")
def update_role(
    ctx: typer.Context,
    record_id: RecordId,
    role_id: RoleId,
    contact: Annotated[str | None, typer.Option(help="Another contact's id.")] = None,
    role: Annotated[str | None, typer.Option(help="The role; '' clears it.")] = None,
    primary: Annotated[
        bool | None, typer.Option("--primary/--not-primary", help="Whether it is primary.")
    ] = None,
    other_account: OtherAccounts = False,
    as_json: JsonOption = False,
) -> None:
    """Change a contact role by the same rules.

    Example: opportune opportunity role update 12 4 --role Evaluator --not-primary
    """
    given = {"contact_id": contact, "role": role, "is_primary": primary}
    data = {k: v for k, v in given.items() if v is not None}
    s = session(ctx)
    changed = s.core.opportunities.update_contact_role(
        s.actor, record_id, role_id, data, allow_other_accounts=other_account
    )
    _print_role(s, changed, "Changed", as_json=as_json)


@roles_app.command("remove")
def remove_role(
    ctx: typer.Context, record_id: RecordId, role_id: RoleId, as_json: JsonOption = False
) -> None:
    """Take a contact role off an opportunity (the contact stays).

    Example: opportune opportunity role remove 12 4
    """
    s = session(ctx)
    s.core.opportunities.remove_contact_role(s.actor, record_id, role_id)
    if as_json:
        print_json({"removed": role_id})
    else:
        note(f"Removed contact role {role_id} from opportunity {record_id}.")


def _print_role(s: Session, role: ContactRole, verb: str, *, as_json: bool) -> None:
    if as_json:
        print_json(_role_record(role))
        return
    what = role.role or "a contact"
    primary = " (primary)" if role.is_primary else ""
    note(f"{verb} contact role {role.id}: {s.name_of('contact', role.contact_id)} as {what}"
         f"{primary} on opportunity {role.opportunity_id}.")  # fmt: skip
