"""``opportune audit``: read the audit log (administrators; nothing can change it)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import typer

from opportune.cli.options import CursorOption, JsonOption, LimitOption, day_option, many, parse_day
from opportune.cli.output import show
from opportune.cli.records import print_page
from opportune.cli.state import get_state
from opportune.domain.audit import AuditEntry
from opportune.errors import ValidationError
from opportune.services.audit import AuditFilters

Actions = Annotated[list[str] | None, many("Action name, or a prefix like 'login.*' (repeatable).")]
Users = Annotated[
    list[str] | None,
    typer.Option("--user", metavar="TEXT", help="Actor: user id, email or 'me' (repeatable)."),
]
ObjectRef = Annotated[
    str | None, typer.Option("--object", metavar="TYPE[:ID]", help="Object, e.g. lead:12 or user.")
]
Ip = Annotated[str | None, typer.Option(help="Client IP address.")]
Since = Annotated[str | None, day_option("On or after this day (UTC).")]
Until = Annotated[str | None, day_option("On or before this day (UTC).")]
COLUMNS = ("ID", "When (UTC)", "Action", "User", "Object", "IP", "Details")


def audit(
    ctx: typer.Context,
    action: Actions = None,
    user: Users = None,
    obj: ObjectRef = None,
    ip: Ip = None,
    since: Since = None,
    until: Until = None,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List audit log entries, newest first: sign-ins, tokens, settings, exports, imports,
    merges, conversions, deletions. Administrators only.

    Example: opportune audit --action 'login.*' --since 2026-01-01 --object user:3
    """
    state = get_state(ctx)
    core = state.open()
    object_type, object_id = parse_object(obj)
    filters = AuditFilters(
        action=action or [], user=user or [], object_type=object_type, object_id=object_id,
        since=parse_day("since", since), until=parse_day("until", until), ip=ip, cursor=cursor,
        limit=core.settings.page_size_default if limit is None else limit,
    )  # fmt: skip
    page = core.audit.list(state.actor(), filters)
    print_page([entry_record(e) for e in page.items], noun="entry", columns=COLUMNS,
               row=_row, next_cursor=page.next_cursor, total=None, as_json=as_json)  # fmt: skip


def parse_object(value: str | None) -> tuple[str | None, int | None]:
    """``lead:12`` as (``lead``, 12); ``lead`` as (``lead``, None)."""
    if not value:
        return None, None
    kind, _, ident = value.partition(":")
    if not kind.strip() or (ident and not ident.strip().isdecimal()):
        raise ValidationError.single(
            "object", "INVALID_FILTER", "Give TYPE or TYPE:ID, e.g. lead:12"
        )
    return kind.strip(), int(ident) if ident else None


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    """An entry as JSON output shows it."""
    return dataclasses.asdict(entry)


def _row(record: dict[str, Any]) -> list[Any]:
    target = record["object_type"] or ""
    if record["object_id"] is not None:
        target += f":{record['object_id']}"
    who = record["actor_email"] or (record["actor_id"] and f"#{record['actor_id']}") or "system"
    details = ", ".join(f"{k}={v}" for k, v in record["details"].items())
    return [record["id"], show(record["at"]), record["action"], who, target or None,
            record["ip"], details[:80] or None]  # fmt: skip
