"""``opportune duplicates``: duplicate rules, checking a record, the duplicates report."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Annotated, Any

import typer

from opportune.cli.options import JsonOption, day_option, many, parse_day
from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.domain.duplicate_rules import DuplicateRule
from opportune.errors import FieldError, ValidationError
from opportune.services.duplicates import DuplicateCandidate, ReportFilters
from opportune.services.filters import LeadFilters

app = typer.Typer(
    help="Duplicate rules, possible duplicates of a record, and the duplicates report.",
    no_args_is_help=True,
)

ObjectArg = Annotated[str, typer.Argument(metavar="OBJECT", help="lead, contact or account.")]
Action = Annotated[str | None, typer.Option(help="allow, alert, report or block.")]


def rule_record(rule: DuplicateRule) -> dict[str, Any]:
    """A rule as plain data (the same shape the API returns)."""
    alternatives = [[{"field": c.field, "method": c.method.value, "threshold": c.threshold}
                     for c in alt] for alt in rule.rule.alternatives]  # fmt: skip
    return {"id": rule.id, "object_type": rule.object_type, "name": rule.name,
            "is_active": rule.is_active, "alternatives": alternatives,
            "compare_with": list(rule.compare_with), "action_on_create": rule.action_on_create,
            "action_on_edit": rule.action_on_edit, "sort_order": rule.sort_order}  # fmt: skip


def describe_alternatives(rule: DuplicateRule) -> str:
    """``first_name~85 + last_name~90 + email`` per alternative, ``|`` between them."""
    return " | ".join(
        " + ".join(
            c.field if c.method.value == "exact" else f"{c.field}~{c.threshold}" for c in alt
        )
        for alt in rule.rule.alternatives
    )


@app.command("rules")
def list_rules(
    ctx: typer.Context,
    object_type: Annotated[
        str | None, typer.Option("--object", help="lead, contact or account.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the duplicate rules in the order they apply.

    Example: opportune duplicates rules --object lead
    """
    state = get_state(ctx)
    rules = state.open().duplicates.rules(state.actor(), object_type)
    if as_json:
        print_json([rule_record(r) for r in rules])
        return
    columns = (
        "ID",
        "Object",
        "Name",
        "Active",
        "On create",
        "On edit",
        "Compares with",
        "Matches when",
    )
    print_table(columns,
                [(r.id, r.object_type, r.name, r.is_active, r.action_on_create, r.action_on_edit,
                  ", ".join(r.compare_with), describe_alternatives(r)) for r in rules])  # fmt: skip


@app.command("rule-show")
def show_rule(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one duplicate rule.

    Example: opportune duplicates rule-show 1 --json
    """
    state = get_state(ctx)
    rule = state.open().duplicates.rule(state.actor(), rule_id)
    if as_json:
        print_json(rule_record(rule))
        return
    record = rule_record(rule)
    record["alternatives"] = describe_alternatives(rule)
    record["compare_with"] = ", ".join(rule.compare_with)
    print_record(f"Duplicate rule {rule.id}", record)


def _changes(
    name: str | None, active: bool | None, on_create: str | None, on_edit: str | None,
    compare_with: list[str] | None, alternatives: str | None, sort_order: int | None,
) -> dict[str, Any]:  # fmt: skip
    data: dict[str, Any] = {}
    for key, value in (("name", name), ("is_active", active), ("action_on_create", on_create),
                       ("action_on_edit", on_edit), ("sort_order", sort_order)):  # fmt: skip
        if value is not None:
            data[key] = value
    if compare_with:
        data["compare_with"] = [p.strip() for v in compare_with for p in v.split(",") if p.strip()]
    if alternatives is not None:
        try:
            data["alternatives"] = json.loads(alternatives)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                [FieldError("alternatives", "INVALID_JSON", f"Not JSON: {exc.msg}")]
            ) from exc
    return data


NameOption = Annotated[str | None, typer.Option(help="The rule's name.")]
ActiveOption = Annotated[
    bool | None, typer.Option("--active/--inactive", help="Use the rule or not.")
]
CompareOption = Annotated[
    list[str] | None, many("Kind of record compared (repeatable): lead, contact, account.")
]
AlternativesOption = Annotated[
    str | None,
    typer.Option(
        metavar="JSON", help='Alternatives as JSON: [[{"field": "email", "method": "exact"}], ...]'
    ),
]
SortOption = Annotated[int | None, typer.Option(help="Order among the object's rules.")]


@app.command("rule-set")
def set_rule(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id.")],
    name: NameOption = None,
    active: ActiveOption = None,
    on_create: Annotated[
        str | None, typer.Option("--on-create", help="allow, alert, report or block.")
    ] = None,
    on_edit: Annotated[
        str | None, typer.Option("--on-edit", help="allow, alert, report or block.")
    ] = None,
    compare_with: CompareOption = None,
    alternatives: AlternativesOption = None,
    sort_order: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a duplicate rule (administrators); options not given stay as they are.

    Example: opportune duplicates rule-set 1 --on-create block --on-edit alert
    """
    state = get_state(ctx)
    data = _changes(name, active, on_create, on_edit, compare_with, alternatives, sort_order)
    rule = state.open().duplicates.update_rule(state.actor(), rule_id, data)
    _print_rule(rule, as_json)


@app.command("rule-add")
def add_rule(
    ctx: typer.Context,
    object_type: ObjectArg,
    name: Annotated[str, typer.Option(help="The rule's name.")],
    alternatives: Annotated[str, typer.Option(metavar="JSON", help="Alternatives as JSON.")],
    active: ActiveOption = None,
    on_create: Annotated[str | None, typer.Option("--on-create", help="Default alert.")] = None,
    on_edit: Annotated[str | None, typer.Option("--on-edit", help="Default alert.")] = None,
    compare_with: CompareOption = None,
    sort_order: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a duplicate rule (administrators).

    Example: opportune duplicates rule-add lead --name "Same email" --on-create block
    --alternatives '[[{"field": "email", "method": "exact"}]]'
    """
    state = get_state(ctx)
    data = _changes(name, active, on_create, on_edit, compare_with, alternatives, sort_order)
    rule = state.open().duplicates.create_rule(state.actor(), {"object_type": object_type, **data})
    _print_rule(rule, as_json)


@app.command("rule-delete")
def delete_rule(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id.")],
) -> None:
    """Delete a duplicate rule and its report rows (administrators).

    Example: opportune duplicates rule-delete 4
    """
    state = get_state(ctx)
    state.open().duplicates.delete_rule(state.actor(), rule_id)
    note(f"Deleted duplicate rule {rule_id}")


def _print_rule(rule: DuplicateRule, as_json: bool) -> None:
    if as_json:
        print_json(rule_record(rule))
    else:
        note(f"Saved duplicate rule {rule.id}: {rule.name} ({describe_alternatives(rule)})")


@app.command("check")
def check(
    ctx: typer.Context,
    object_type: ObjectArg,
    record_id: Annotated[int, typer.Argument(metavar="ID", help="The record's id.")],
    as_json: JsonOption = False,
) -> None:
    """List the possible duplicates of a lead, contact or account, best first.

    Example: opportune duplicates check lead 12
    """
    state = get_state(ctx)
    found = state.open().duplicates.possible_duplicates(state.actor(), object_type, record_id)
    if as_json:
        print_json([dataclasses.asdict(c) for c in found])
        return
    if not found:
        note(f"No possible duplicates of {object_type} {record_id}")
        return
    print_table(("Object", "ID", "Name", "Score", "Matched on", "Rule", "Action"),
                [_candidate_row(c) for c in found])  # fmt: skip


def _candidate_row(c: DuplicateCandidate) -> tuple[Any, ...]:
    return (c.object_type, c.record_id, c.name, c.score, ", ".join(c.fields), c.rule_name, c.action)


@app.command("report")
def report(
    ctx: typer.Context,
    object_type: Annotated[
        str | None, typer.Option("--object", help="lead, contact or account.")
    ] = None,
    rule_id: Annotated[int | None, typer.Option("--rule", help="Only this rule's pairs.")] = None,
    status: Annotated[str, typer.Option(help="open, dismissed or all.")] = "open",
    offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0,
    limit: Annotated[int | None, typer.Option(help="Rows per page (default 50).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List reported pairs of possible duplicates, newest first.

    Example: opportune duplicates report --object lead --limit 20
    """
    state = get_state(ctx)
    size = state.settings.page_size_default if limit is None else limit
    page = state.open().duplicates.report(
        state.actor(), ReportFilters(object_type, rule_id, status, offset, size)
    )
    if as_json:
        print_json({"items": [dataclasses.asdict(r) for r in page.items], "total": page.total,
                    "offset": page.offset, "limit": page.limit})  # fmt: skip
        return
    print_table(("ID", "Record", "Looks like", "Score", "Rule", "Reported", "Dismissed"),
                [(r.id, f"{r.object_type} {r.record_id} {r.record_name}",
                  f"{r.other_type} {r.other_id} {r.other_name}", r.score, r.rule_name,
                  r.reported_at.date(), r.resolved_at.date() if r.resolved_at else None)
                 for r in page.items])  # fmt: skip
    note(f"{page.total} pair(s)")


@app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(metavar="ID", help="The report row's id.")],
) -> None:
    """Mark a reported pair as not duplicates: it leaves the open report.

    Example: opportune duplicates dismiss 7
    """
    state = get_state(ctx)
    state.open().duplicates.dismiss(state.actor(), report_id)
    note(f"Dismissed duplicate report {report_id}")


@app.command("scan")
def scan(
    ctx: typer.Context,
    status: Annotated[list[str] | None, many("Status label (repeatable).")] = None,
    source: Annotated[list[str] | None, many("Lead source label (repeatable).")] = None,
    owner: Annotated[list[str] | None, many("Owner id, email or 'me' (repeatable).")] = None,
    created_from: Annotated[str | None, day_option("Created on or after this day.")] = None,
    created_to: Annotated[str | None, day_option("Created on or before this day.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Search text.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Find duplicates among existing leads (a filtered list) and add them to the report.

    Example: opportune duplicates scan --source Web --created-from 2025-01-01
    """
    state = get_state(ctx)
    filters = LeadFilters(status=status or (), lead_source=source or (), owner=owner or (),
                          created_from=parse_day("created_from", created_from),
                          created_to=parse_day("created_to", created_to), q=search)  # fmt: skip
    started = datetime.now()
    result = state.open().duplicates.scan_leads(state.actor(), filters)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    seconds = (datetime.now() - started).total_seconds()
    note(
        f"Scanned {result.scanned} lead(s) in {seconds:.1f} s; "
        f"{result.reported} new pair(s) reported"
    )
