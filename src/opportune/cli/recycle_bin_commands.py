"""``opportune recycle-bin``: list deleted records, restore them, purge them."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from opportune.cli.output import note, print_json, print_table
from opportune.cli.state import get_state
from opportune.domain.recycle_bin import BinEntry

app = typer.Typer(
    help="Deleted records: list them, restore them with what was deleted with them, purge.",
    no_args_is_help=True,
)

EntryId = Annotated[int, typer.Argument(help="The bin entry's id (see `recycle-bin list`).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking to confirm.")]


@app.command("list")
def list_entries(
    ctx: typer.Context,
    object_type: Annotated[
        str | None,
        typer.Option(
            "--type", help="Only this kind: lead, account, contact, opportunity, activity."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many entries (1-200).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next page's cursor.")] = None,
    as_json: Json = False,
) -> None:
    """Deleted records, newest first (admins see every entry, others their own deletes)."""
    state = get_state(ctx)
    page = state.open().recycle_bin.list(
        state.actor(), object_type=object_type, cursor=cursor, limit=limit
    )
    if as_json:
        print_json({"items": [dataclasses.asdict(e) for e in page.entries],
                    "next_cursor": page.next_cursor})  # fmt: skip
        return
    rows = [_row(e) for e in page.entries]
    print_table(["Id", "Type", "Record", "Name", "Related", "Deleted at", "By"], rows)
    if page.next_cursor:
        note(f"More: --cursor {page.next_cursor}")


@app.command("restore")
def restore(ctx: typer.Context, entry_id: EntryId, as_json: Json = False) -> None:
    """Put a deleted record back with everything deleted with it."""
    state = get_state(ctx)
    entry = state.open().recycle_bin.restore(state.actor(), entry_id)
    if as_json:
        print_json(dataclasses.asdict(entry))
        return
    note(f"Restored {entry.object_type} {entry.record_id} ({entry.name}) "
         f"and {entry.related_count} related rows")  # fmt: skip


@app.command("purge")
def purge(ctx: typer.Context, entry_id: EntryId, yes: Yes = False) -> None:
    """Delete one entry for good (admins only)."""
    state = get_state(ctx)
    if not yes:
        typer.confirm(f"Purge recycle bin entry {entry_id} for good?", abort=True, err=True)
    state.open().recycle_bin.purge(state.actor(), entry_id)
    note(f"Purged entry {entry_id}")


@app.command("empty")
def empty(ctx: typer.Context, yes: Yes = False) -> None:
    """Purge every entry for good (admins only)."""
    state = get_state(ctx)
    if not yes:
        typer.confirm("Purge every entry of the recycle bin for good?", abort=True, err=True)
    count = state.open().recycle_bin.purge_all(state.actor())
    note(f"Purged {count} entries")


@app.command("purge-expired")
def purge_expired(ctx: typer.Context) -> None:
    """Purge entries older than OPPORTUNE_RECYCLE_BIN_RETENTION_DAYS (default 30)."""
    core = get_state(ctx).open()
    count = core.recycle_bin.purge_expired()
    note(f"Purged {count} entries older than {core.settings.recycle_bin_retention_days} days")


def _row(entry: BinEntry) -> list[object]:
    return [entry.id, entry.object_type, entry.record_id, entry.name, entry.related_count,
            entry.deleted_at, entry.deleted_by_id]  # fmt: skip
