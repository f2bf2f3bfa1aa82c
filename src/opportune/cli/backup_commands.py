"""``opportune backup`` and ``opportune restore``: a consistent copy, and getting it back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opportune.cli.options import JsonOption
from opportune.cli.output import note, print_json
from opportune.cli.state import database_label, get_state

FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="The backup file.")]


def backup(
    ctx: typer.Context,
    file: FileArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Replace FILE if it already exists.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Back up the database to FILE while the server keeps running.

    SQLite writes an SQLite database file (SQLite's online backup); PostgreSQL writes a
    zip archive of every table from one consistent snapshot (no superuser, no pg_dump).

    Example: opportune backup backups/crm-2026-11-28.db
    """
    state = get_state(ctx)
    core = state.open()
    actor = state.actor() if state.user_email else None
    result = core.backups.backup(actor, file, force=force)
    if as_json:
        print_json(result.as_dict())
        return
    note(
        f"Backed up {database_label(core)} to {result.path}: {result.rows} rows in "
        f"{result.tables} tables, {result.bytes:,} bytes, revision {result.revision}, "
        f"in {result.seconds:.1f} s.",
        style="bold",
    )


def restore(ctx: typer.Context, file: FileArgument, as_json: JsonOption = False) -> None:
    """Restore FILE (made by `opportune backup`) into an empty database, then migrate it.

    The database must be new or migrated with no users or records; on any failure it is
    left as it was.

    Example: OPPORTUNE_DATABASE_URL=sqlite:///data/new.db opportune restore crm.db
    """
    core = get_state(ctx).open(migrated=False)
    result = core.backups.restore(file)
    if as_json:
        print_json(result.as_dict())
        return
    note(
        f"Restored {result.path} into {database_label(core)}: {result.rows} rows in "
        f"{result.tables} tables (backup at revision {result.revision}, now at "
        f"{core.schema_revision()}), in {result.seconds:.1f} s.",
        style="bold",
    )
