"""``opportune import``: import leads, accounts, contacts and opportunities from CSV files,
with a progress bar; list, show, resume and revert imports; remove old uploads."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from opportune.cli.errors import EXIT_INVALID
from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.errors import ValidationError
from opportune.services import Opportune
from opportune.services.imports import ImportJob, ImportPreview, ImportProgress

app = typer.Typer(
    help="Import leads, accounts, contacts and opportunities from CSV files; list, show, "
    "resume and revert imports, list saved column mappings and remove old uploads.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The import's id.")]
_KINDS = {"leads": "lead", "accounts": "account", "contacts": "contact",
          "opportunities": "opportunity"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class _Request:
    """The options of an import command."""

    maps: list[str]
    mapping: str | None
    save_mapping: str | None
    duplicates: str
    all_or_none: bool
    assign: bool
    encoding: str
    delimiter: str | None
    date_format: str
    defaults: list[str]
    preview: bool
    again: bool


def _pairs(values: list[str], option: str, *, empty: bool) -> dict[str, str | None]:
    """``A=b`` options as a dict; ``A=`` gives ``None`` when ``empty`` is allowed."""
    found: dict[str, str | None] = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or (not target.strip() and not empty):
            raise ValidationError.single(
                option, "INVALID_OPTION", f"{option} takes HEADER=FIELD, not '{value}'"
            )
        found[key.strip()] = target.strip() or None
    return found


def _import(ctx: typer.Context, kind: str, file: Path, request: _Request, as_json: bool) -> None:
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    overrides = _pairs(request.maps, "--map", empty=True)
    if request.preview:
        preview = core.imports.preview(
            kind, file, encoding=request.encoding, mapping=overrides,
            saved_mapping=request.mapping, delimiter=request.delimiter,
            date_format=request.date_format,
        )  # fmt: skip
        _save(core, actor, kind, request.save_mapping, preview.mapping, as_json)
        _print_preview(preview, as_json=as_json)
        return
    defaults = {k: v or "" for k, v in _pairs(request.defaults, "--default", empty=False).items()}
    job = core.imports.start(
        actor, kind, file, encoding=request.encoding, mapping=overrides,
        saved_mapping=request.mapping, duplicates=request.duplicates,
        all_or_none=request.all_or_none, assign=request.assign,
        date_format=request.date_format, defaults=defaults, delimiter=request.delimiter,
        again=request.again,
    )  # fmt: skip
    _save(core, actor, kind, request.save_mapping, job.mapping, as_json)
    if job.already_done:
        _already(job, as_json)
        return
    _finish(_run(core, job.id, as_json), as_json)


def _save(
    core: Opportune, actor: Any, kind: str, name: str | None, columns: Any, as_json: bool
) -> None:
    if name:
        core.imports.save_mapping(actor, kind, name, columns)
        if not as_json:
            note(f"Saved the column mapping as '{name}'.")


def _run(core: Opportune, import_id: int, as_json: bool) -> ImportJob:
    if as_json:
        return core.imports.run(import_id)
    err = Console(stderr=True, highlight=False)
    columns = (
        TextColumn("Importing #" + str(import_id)), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeRemainingColumn(),
        TextColumn("{task.fields[errors]} errors"),
    )  # fmt: skip
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("import", total=None, rate=0.0, errors=0)
        return core.imports.run(import_id, progress=lambda p: _advance(bar, task, p))


def _advance(bar: Progress, task: TaskID, progress: ImportProgress) -> None:
    bar.update(task, completed=progress.rows_done, total=progress.rows_total,
               rate=progress.rate, errors=progress.errors)  # fmt: skip


def _job_record(job: ImportJob) -> dict[str, Any]:
    record = dataclasses.asdict(job)
    record["options"] = {k: v for k, v in job.options.items() if k != "runner"}
    return record


def _already(job: ImportJob, as_json: bool) -> None:
    if as_json:
        print_json({**_job_record(job), "already_imported": True})
        return
    note(
        f"This file was already imported as #{job.id} ({job.created_count} created, "
        f"{job.updated_count} updated): nothing imported. Use --again to import it again."
    )


def _finish(job: ImportJob, as_json: bool) -> None:
    if as_json:
        print_json(_job_record(job))
    else:
        _summary(job)
    if job.status == "failed":
        typer.echo(f"Error: {job.message}", err=True)
        raise typer.Exit(EXIT_INVALID)


def _summary(job: ImportJob) -> None:
    values = {
        "status": job.status, "rows_read": job.rows_done, "created": job.created_count,
        "updated": job.updated_count, "skipped_as_duplicates": job.skipped_count,
        "rejected": job.error_count, "error_file": job.error_file, "message": job.message,
    }  # fmt: skip
    print_record(f"Import #{job.id} · {job.object_type} · {job.file_name}", values)


def _print_preview(preview: ImportPreview, *, as_json: bool) -> None:
    if as_json:
        print_json(dataclasses.asdict(preview))
        return
    mapped = [(h, preview.mapping.get(h) or "(ignored)") for h in preview.headers]
    print_table(("Column", "Field"), mapped, title="Column mapping")
    for problem in preview.problems:
        note(f"Problem: {problem.field}: {problem.message}", "red")
    if preview.rows:
        shown = preview.headers[:8]
        print_table(shown, ([r.get(h) for h in shown] for r in preview.rows), title="First rows")
    for line, message in preview.row_errors:
        note(f"Line {line} would be rejected: {message}", "yellow")
    if not preview.problems and not preview.row_errors:
        note("The first rows are all valid. Nothing was imported (preview).")


def _make_command(name: str, kind: str) -> None:
    def command(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False)],
        maps: Annotated[
            list[str] | None,
            typer.Option("--map", metavar="HEADER=FIELD",
                         help="Map a column to a field (HEADER= ignores it); repeatable."),
        ] = None,
        mapping: Annotated[
            str | None, typer.Option("--mapping", metavar="NAME", help="Use a saved mapping.")
        ] = None,
        save_mapping: Annotated[
            str | None,
            typer.Option("--save-mapping", metavar="NAME",
                         help="Save this file's column mapping under NAME."),
        ] = None,
        duplicates: Annotated[
            str, typer.Option(help="What to do with duplicates: skip, update or create.")
        ] = "skip",
        all_or_none: Annotated[
            bool, typer.Option("--all-or-none", help="Import nothing if any row is rejected.")
        ] = False,
        no_assign: Annotated[
            bool, typer.Option("--no-assign",
                               help="Leads without an owner go to you, not to the rules."),
        ] = False,
        encoding: Annotated[str, typer.Option(help="The file's encoding.")] = "utf-8",
        delimiter: Annotated[
            str | None, typer.Option(help="Column delimiter (default: guessed from , ; tab |).")
        ] = None,
        date_format: Annotated[
            str, typer.Option(help="auto, dmy (day first) or mdy (month first).")
        ] = "auto",
        default: Annotated[
            list[str] | None,
            typer.Option("--default", metavar="FIELD=VALUE",
                         help="Value for a field when its cell is empty; repeatable."),
        ] = None,
        preview: Annotated[
            bool, typer.Option("--preview", "--dry-run",
                               help="Show the mapping and the first rows' problems only."),
        ] = False,
        again: Annotated[
            bool, typer.Option("--again", help="Import a file that was already imported.")
        ] = False,
        as_json: JsonOption = False,
    ) -> None:  # fmt: skip
        request = _Request(
            maps or [], mapping, save_mapping, duplicates, all_or_none, not no_assign,
            encoding, delimiter.replace("\\t", "\t") if delimiter else None, date_format,
            default or [], preview, again,
        )  # fmt: skip
        _import(ctx, kind, file, request, as_json)

    command.__doc__ = (
        f"Import {name} from a CSV file (header row first; columns matched by name).\n\n"
        f'Example: opportune import {name} {name}.csv --map "Surname=last_name" '
        "--duplicates update"
    )
    app.command(name)(command)


for _name, _kind in _KINDS.items():
    _make_command(_name, _kind)


@app.command("list")
def list_imports(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Imports per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="Page cursor from a previous list.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List imports, newest first.

    Example: opportune import list --limit 10
    """
    state = get_state(ctx)
    page = state.open().imports.list(state.actor(), limit=limit, cursor=cursor)
    if as_json:
        print_json({"items": [_job_record(j) for j in page.items], "next_cursor": page.next_cursor})
        return
    rows = [
        (j.id, j.object_type, j.file_name, j.status, j.rows_done, j.created_count,
         j.updated_count, j.skipped_count, j.error_count, j.created_at)
        for j in page.items
    ]  # fmt: skip
    headings = ("ID", "Type", "File", "Status", "Rows", "Created", "Updated", "Skipped",
                "Errors", "Started")  # fmt: skip
    print_table(headings, rows)
    if page.next_cursor:
        note(f"More: --cursor {page.next_cursor}")


@app.command("show")
def show(ctx: typer.Context, import_id: IdArgument, as_json: JsonOption = False) -> None:
    """Show an import: its file, options, counts and error file.

    Example: opportune import show 3
    """
    state = get_state(ctx)
    job = state.open().imports.get(state.actor(), import_id)
    if as_json:
        print_json(_job_record(job))
        return
    record = _job_record(job)
    record.pop("already_done")
    print_record(f"Import #{job.id} · {job.object_type} · {job.file_name}", record)


@app.command("resume")
def resume(ctx: typer.Context, import_id: IdArgument, as_json: JsonOption = False) -> None:
    """Resume an interrupted import where its last committed batch ended.

    Example: opportune import resume 3
    """
    state = get_state(ctx)
    core = state.open()
    state.actor()
    job = core.imports.get(state.actor(), import_id)
    if job.is_finished:
        _finish(job, as_json)
        return
    _finish(_run(core, import_id, as_json), as_json)


@app.command("revert")
def revert(
    ctx: typer.Context,
    import_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete the records an import created, except those changed or used since.

    Example: opportune import revert 3 --yes
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    job = core.imports.get(actor, import_id)
    if not yes:
        typer.confirm(f"Delete the {job.object_type} records import #{import_id} created?",
                      abort=True)  # fmt: skip
    job = core.imports.revert(actor, import_id)
    if as_json:
        print_json(_job_record(job))
    else:
        note(f"Reverted import #{import_id}: {job.message}.")


@app.command("mappings")
def mappings(
    ctx: typer.Context,
    object_type: Annotated[
        str | None, typer.Option("--type", help="lead, account, contact or opportunity.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List saved column mappings.

    Example: opportune import mappings --type lead
    """
    saved = get_state(ctx).open().imports.mappings(object_type)
    if as_json:
        print_json([dataclasses.asdict(m) for m in saved])
        return
    rows = [(m.object_type, m.name, ", ".join(f"{h}→{f or '-'}" for h, f in m.columns.items()))
            for m in saved]  # fmt: skip
    print_table(("Type", "Name", "Columns"), rows)


@app.command("cleanup")
def cleanup(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Remove uploaded import files that no unfinished import reads and that are older
    than OPPORTUNE_IMPORT_UPLOAD_RETENTION_HOURS (the server does it when it starts).

    Example: opportune import cleanup
    """
    core = get_state(ctx).open()
    done = core.imports.cleanup_uploads()
    if as_json:
        print_json(dataclasses.asdict(done))
        return
    hours = core.settings.import_upload_retention_hours
    note(
        f"Removed {done.removed} upload{'s' if done.removed != 1 else ''} "
        f"({_size(done.freed_bytes)}); kept {done.kept} that an unfinished import reads "
        f"or that are newer than {hours} hours."
    )


def _size(count: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
