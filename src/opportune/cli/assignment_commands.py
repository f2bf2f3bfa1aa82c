"""``opportune assignment`` (rules, round-robin groups, re-running) and ``opportune queue``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.domain.assignment import AssignmentRule
from opportune.domain.assignment_groups import Queue, RoundRobinGroup
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services import Opportune
from opportune.services.assignment import rule_as_dict
from opportune.services.filters import LeadFilters

app = typer.Typer(
    help="Assignment rules (who gets new leads), round-robin groups, re-running assignment.",
    no_args_is_help=True,
)
group_app = typer.Typer(
    help="Round-robin groups: users who get leads in turn (optionally weighted).",
    no_args_is_help=True,
)
queue_app = typer.Typer(
    help="Lead queues: members, the leads they hold, taking a lead.", no_args_is_help=True
)
app.add_typer(group_app, name="group")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RuleRef = Annotated[str, typer.Argument(metavar="RULE", help="The rule's id or name.")]
QueueRef = Annotated[str, typer.Argument(metavar="QUEUE", help="The queue's id or name.")]
GroupRef = Annotated[str, typer.Argument(metavar="GROUP", help="The group's id or name.")]
UserRef = Annotated[str, typer.Argument(metavar="USER", help="The user's id or email.")]
RuleFile = Annotated[
    Path,
    typer.Option("--file", "-f", help="The rule as JSON: name, entries, default_owner_id...",
                 exists=False, dir_okay=False),
]  # fmt: skip
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm.")]


def _open(ctx: typer.Context) -> tuple[Opportune, User]:
    state = get_state(ctx)
    return state.open(), state.actor()


def _user_id(core: Opportune, ref: str) -> int:
    user = core.users.get(int(ref)) if ref.isdecimal() else core.users.get_by_email(ref)
    assert user.id is not None
    return user.id


def _read_rule(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError.single(
            "file", "FILE_UNREADABLE", f"Cannot read {path}: {exc}"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError.single("file", "INVALID_JSON", f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationError.single("file", "INVALID_JSON", "The file must hold a JSON object")
    data.pop("id", None)
    data.pop("is_active", None)
    data.pop("created_at", None)
    data.pop("updated_at", None)
    for entry in data.get("entries") or []:
        if isinstance(entry, dict):
            entry.pop("position", None)
    return data


# --- rules ---------------------------------------------------------------------------------


def _assignee(core: Opportune, actor: User, kind: str, ident: int | None) -> str:
    if kind == "user":
        return f"user {_user_name(core, ident)}"
    if kind == "queue":
        return f"queue {_queue_name(core, actor, ident)}"
    groups = {g.id: g.name for g in core.assignment.groups(actor)}
    return f"round robin {groups.get(ident or 0, ident)}"


def _user_name(core: Opportune, user_id: int | None) -> str:
    users = {u.id: u.name for u in core.users.list()}
    return str(users.get(user_id, user_id))


def _queue_name(core: Opportune, actor: User, queue_id: int | None) -> str:
    queues = {q.id: q.name for q in core.assignment.queues(actor)}
    return str(queues.get(queue_id or 0, queue_id))


def _criteria_text(rule_entry: Any) -> str:
    parts = [
        f"{c.field} {c.operator}" + ("" if c.value is None else f" {json.dumps(c.value)}")
        for c in rule_entry.criteria
    ]
    return " and ".join(parts) or "every lead"


def _print_rule(core: Opportune, actor: User, rule: AssignmentRule, *, as_json: bool) -> None:
    if as_json:
        print_json(rule_as_dict(rule))
        return
    default = "the lead's creator"
    if rule.default_owner_id is not None:
        default = f"user {_user_name(core, rule.default_owner_id)}"
    elif rule.default_queue_id is not None:
        default = f"queue {_queue_name(core, actor, rule.default_queue_id)}"
    print_record(
        f"Assignment rule {rule.id} · {rule.name}",
        {"active": rule.is_active, "entries": len(rule.entries), "default": default},
    )
    rows = [
        (e.position, _criteria_text(e),
         _assignee(core, actor, e.assignee.type,
                   e.assignee.user_id or e.assignee.queue_id or e.assignee.group_id))
        for e in rule.entries
    ]  # fmt: skip
    print_table(("#", "When", "Assign to"), rows, title="Entries (first match wins)")


@app.command("list")
def list_rules(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List assignment rules, the active one first."""
    core, actor = _open(ctx)
    rules = core.assignment.rules(actor)
    if as_json:
        print_json([rule_as_dict(r) for r in rules])
        return
    rows = [(r.id, r.name, r.is_active, len(r.entries), r.updated_at) for r in rules]
    print_table(("ID", "Name", "Active", "Entries", "Updated"), rows)


@app.command("show")
def show_rule(ctx: typer.Context, rule: RuleRef, as_json: JsonOption = False) -> None:
    """Show a rule's entries in order and its default."""
    core, actor = _open(ctx)
    _print_rule(core, actor, core.assignment.find_rule(actor, rule), as_json=as_json)


@app.command("create")
def create_rule(
    ctx: typer.Context,
    file: RuleFile,
    activate: Annotated[bool, typer.Option("--activate", help="Make it the active rule.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a rule from a JSON file (admins).

    Example file: {"name": "Regions", "default_owner_id": 1, "entries": [{"criteria":
    [{"field": "country", "operator": "in", "value": ["US", "CA"]}], "assignee_type":
    "round_robin", "group_id": 1}]}
    """
    core, actor = _open(ctx)
    rule = core.assignment.create_rule(actor, _read_rule(file))
    if activate:
        assert rule.id is not None
        rule = core.assignment.activate(actor, rule.id)
    _print_rule(core, actor, rule, as_json=as_json)


@app.command("update")
def update_rule(
    ctx: typer.Context, rule: RuleRef, file: RuleFile, as_json: JsonOption = False
) -> None:
    """Replace a rule's name, entries and default with a JSON file (as `show --json` prints)."""
    core, actor = _open(ctx)
    found = core.assignment.find_rule(actor, rule)
    assert found.id is not None
    updated = core.assignment.update_rule(actor, found.id, _read_rule(file))
    _print_rule(core, actor, updated, as_json=as_json)


@app.command("activate")
def activate_rule(ctx: typer.Context, rule: RuleRef, as_json: JsonOption = False) -> None:
    """Make a rule the active one (the previously active rule is deactivated)."""
    core, actor = _open(ctx)
    found = core.assignment.find_rule(actor, rule)
    assert found.id is not None
    _done(core.assignment.activate(actor, found.id), "Activated", as_json)


@app.command("deactivate")
def deactivate_rule(ctx: typer.Context, rule: RuleRef, as_json: JsonOption = False) -> None:
    """Stop using a rule; new leads then keep the owner they are created with."""
    core, actor = _open(ctx)
    found = core.assignment.find_rule(actor, rule)
    assert found.id is not None
    _done(core.assignment.deactivate(actor, found.id), "Deactivated", as_json)


def _done(rule: AssignmentRule, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(rule_as_dict(rule))
    else:
        note(f"{verb} assignment rule {rule.id} ({rule.name}).")


@app.command("delete")
def delete_rule(
    ctx: typer.Context, rule: RuleRef, yes: YesOption = False, as_json: JsonOption = False
) -> None:
    """Delete a rule and its entries."""
    core, actor = _open(ctx)
    found = core.assignment.find_rule(actor, rule)
    assert found.id is not None
    if not yes and not typer.confirm(f"Delete assignment rule '{found.name}'?"):
        raise typer.Abort()
    core.assignment.delete_rule(actor, found.id)
    if as_json:
        print_json({"deleted": found.id})
    else:
        note(f"Deleted assignment rule {found.id} ({found.name}).")


def _many(text: str) -> Any:
    return typer.Option(metavar="TEXT", help=text)


def _day(text: str) -> Any:
    return typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help=text)


@app.command("run")
def run_rule(
    ctx: typer.Context,
    status: Annotated[list[str] | None, _many("Status label (repeatable).")] = None,
    source: Annotated[list[str] | None, _many("Lead source label (repeatable).")] = None,
    owner: Annotated[list[str] | None, _many("Owner id, email or 'me' (repeatable).")] = None,
    rating: Annotated[list[str] | None, _many("Hot, Warm or Cold (repeatable).")] = None,
    queue: Annotated[str | None, typer.Option(help="Queue id or name, or 'mine'.")] = None,
    created_from: Annotated[datetime | None, _day("Created on or after this day.")] = None,
    created_to: Annotated[datetime | None, _day("Created on or before this day.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Search text.")] = None,
    rule: Annotated[str | None, typer.Option(help="Use this rule, not the active one.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Re-run assignment on the unconverted leads matching the filters (lead list filters).

    Example: opportune assignment run --owner me --source Web
    """
    core, actor = _open(ctx)
    filters = LeadFilters(
        status=status or (), lead_source=source or (), owner=owner or (), rating=rating or (),
        queue=queue, q=search, created_from=created_from.date() if created_from else None,
        created_to=created_to.date() if created_to else None,
    )  # fmt: skip
    rule_id = core.assignment.find_rule(actor, rule).id if rule else None
    result = core.assignment.reassign(actor, filters, rule_id=rule_id)
    if as_json:
        print_json({"rule_name": result.rule_name, "matched": result.matched,
                    "changed": result.changed, "unchanged": result.unchanged})  # fmt: skip
        return
    note(
        f"Rule '{result.rule_name}': {result.matched} lead(s) matched, {result.changed} "
        f"reassigned, {result.unchanged} unchanged."
    )


# --- round-robin groups --------------------------------------------------------------------


def _group_json(group: RoundRobinGroup) -> dict[str, object]:
    return {
        "id": group.id, "name": group.name,
        "members": [
            {"user_id": m.user_id, "weight": m.weight, "assigned_count": m.assigned_count,
             "last_assigned_at": m.last_assigned_at}
            for m in group.members
        ],
    }  # fmt: skip


def _print_group(core: Opportune, group: RoundRobinGroup, *, as_json: bool) -> None:
    if as_json:
        print_json(_group_json(group))
        return
    rows = [
        (m.user_id, _user_name(core, m.user_id), m.weight, m.assigned_count, m.last_assigned_at)
        for m in group.members
    ]
    title = f"Round-robin group {group.id} · {group.name}"
    print_table(("User ID", "Name", "Weight", "Assigned", "Last assigned"), rows, title=title)


@group_app.command("list")
def list_groups(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List round-robin groups with their members."""
    core, actor = _open(ctx)
    groups = core.assignment.groups(actor)
    if as_json:
        print_json([_group_json(g) for g in groups])
        return
    rows = [
        (g.id, g.name, ", ".join(_user_name(core, m.user_id) for m in g.members),
         sum(m.assigned_count for m in g.members))
        for g in groups
    ]  # fmt: skip
    print_table(("ID", "Name", "Members", "Assigned"), rows)


@group_app.command("show")
def show_group(ctx: typer.Context, group: GroupRef, as_json: JsonOption = False) -> None:
    """Show a group's members, weights and how many leads each got."""
    core, actor = _open(ctx)
    _print_group(core, core.assignment.find_group(actor, group), as_json=as_json)


@group_app.command("create")
def create_group(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Create a round-robin group (admins)."""
    core, actor = _open(ctx)
    _print_group(core, core.assignment.create_group(actor, name), as_json=as_json)


@group_app.command("add-member")
def add_group_member(
    ctx: typer.Context,
    group: GroupRef,
    user: UserRef,
    weight: Annotated[int, typer.Option(help="2 gets twice the leads of 1.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Add a user to a group, or change their weight."""
    core, actor = _open(ctx)
    found = core.assignment.find_group(actor, group)
    updated = core.assignment.set_group_member(actor, found.id, _user_id(core, user), weight)
    _print_group(core, updated, as_json=as_json)


@group_app.command("remove-member")
def remove_group_member(
    ctx: typer.Context, group: GroupRef, user: UserRef, as_json: JsonOption = False
) -> None:
    """Take a user out of a group."""
    core, actor = _open(ctx)
    found = core.assignment.find_group(actor, group)
    updated = core.assignment.remove_group_member(actor, found.id, _user_id(core, user))
    _print_group(core, updated, as_json=as_json)


@group_app.command("delete")
def delete_group(ctx: typer.Context, group: GroupRef, as_json: JsonOption = False) -> None:
    """Delete a group no rule uses."""
    core, actor = _open(ctx)
    found = core.assignment.find_group(actor, group)
    core.assignment.delete_group(actor, found.id)
    if as_json:
        print_json({"deleted": found.id})
    else:
        note(f"Deleted round-robin group {found.id} ({found.name}).")


# --- queues --------------------------------------------------------------------------------


def _queue_json(queue: Queue) -> dict[str, object]:
    return {
        "id": queue.id, "name": queue.name, "email": queue.email,
        "member_ids": list(queue.member_ids), "lead_count": queue.lead_count,
    }  # fmt: skip


def _print_queue(core: Opportune, queue: Queue, *, as_json: bool) -> None:
    if as_json:
        print_json(_queue_json(queue))
        return
    members = ", ".join(_user_name(core, u) for u in queue.member_ids)
    print_record(
        f"Queue {queue.id} · {queue.name}",
        {"email": queue.email, "members": members, "leads": queue.lead_count},
    )


@queue_app.command("list")
def list_queues(
    ctx: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="Only queues I belong to.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List queues with their members and how many leads they hold."""
    core, actor = _open(ctx)
    queues = core.assignment.queues(actor, mine=mine)
    if as_json:
        print_json([_queue_json(q) for q in queues])
        return
    rows = [
        (q.id, q.name, q.email, ", ".join(_user_name(core, u) for u in q.member_ids),
         q.lead_count)
        for q in queues
    ]  # fmt: skip
    print_table(("ID", "Name", "Email", "Members", "Leads"), rows)


@queue_app.command("create")
def create_queue(
    ctx: typer.Context,
    name: str,
    email: Annotated[str | None, typer.Option(help="The queue's email address.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a queue (admins)."""
    core, actor = _open(ctx)
    _print_queue(core, core.assignment.create_queue(actor, name, email), as_json=as_json)


@queue_app.command("rename")
def rename_queue(
    ctx: typer.Context, queue: QueueRef, name: str, as_json: JsonOption = False
) -> None:
    """Rename a queue."""
    core, actor = _open(ctx)
    found = core.assignment.find_queue(actor, queue)
    _print_queue(core, core.assignment.update_queue(actor, found.id, name=name), as_json=as_json)


@queue_app.command("delete")
def delete_queue(ctx: typer.Context, queue: QueueRef, as_json: JsonOption = False) -> None:
    """Delete an empty queue no rule uses."""
    core, actor = _open(ctx)
    found = core.assignment.find_queue(actor, queue)
    core.assignment.delete_queue(actor, found.id)
    if as_json:
        print_json({"deleted": found.id})
    else:
        note(f"Deleted queue {found.id} ({found.name}).")


@queue_app.command("add-member")
def add_queue_member(
    ctx: typer.Context, queue: QueueRef, user: UserRef, as_json: JsonOption = False
) -> None:
    """Add a user to a queue."""
    core, actor = _open(ctx)
    found = core.assignment.find_queue(actor, queue)
    updated = core.assignment.add_queue_member(actor, found.id, _user_id(core, user))
    _print_queue(core, updated, as_json=as_json)


@queue_app.command("remove-member")
def remove_queue_member(
    ctx: typer.Context, queue: QueueRef, user: UserRef, as_json: JsonOption = False
) -> None:
    """Take a user out of a queue."""
    core, actor = _open(ctx)
    found = core.assignment.find_queue(actor, queue)
    updated = core.assignment.remove_queue_member(actor, found.id, _user_id(core, user))
    _print_queue(core, updated, as_json=as_json)


@queue_app.command("take")
def take_lead(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(min=1, help="The lead to take.")],
    as_json: JsonOption = False,
) -> None:
    """Take a lead from a queue you belong to: you become its owner."""
    core, actor = _open(ctx)
    lead = core.assignment.take(actor, lead_id)
    if as_json:
        print_json(core.leads.lookups().record(lead))
    else:
        note(f"You now own lead {lead.id} ({lead.name}, {lead.company}).")


@queue_app.command("leads")
def queue_leads(
    ctx: typer.Context,
    queue: Annotated[str, typer.Argument(metavar="QUEUE", help="Id, name, or 'mine'.")],
    limit: Annotated[int, typer.Option(help="Leads to show.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the leads waiting in a queue (or in all of mine), newest first."""
    core, actor = _open(ctx)
    result = core.leads.list(actor, LeadFilters(queue=queue, limit=limit))
    records = [result.lookups.record(lead) for lead in result.page.items]
    if as_json:
        print_json({"items": records, "next_cursor": result.page.next_cursor})
        return
    rows = [
        (r["id"], r["name"], r["company"], r["status"], r["lead_source"], r["queue_name"],
         r["created_at"])
        for r in records
    ]  # fmt: skip
    print_table(("ID", "Name", "Company", "Status", "Source", "Queue", "Created"), rows)
    note(f"{len(records)} lead(s). Take one with: opportune queue take LEAD_ID", style="dim")
