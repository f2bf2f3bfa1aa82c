"""``opportune merge``: merge 2-3 leads, contacts or accounts, show a merge, undo it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.state import get_state
from opportune.domain.merge import merge_field
from opportune.errors import FieldError, ValidationError
from opportune.services.merges import MergePreview, merge_summary

app = typer.Typer(
    help="Merge 2-3 duplicate leads, contacts or accounts into one, show a merge, undo it.",
    no_args_is_help=True,
)

Ids = Annotated[list[int], typer.Argument(help="The 2 or 3 record ids to merge.", min=1)]
Master = Annotated[
    int | None, typer.Option("--master", "-m", help="The record to keep (default: the first id).")
]
Take = Annotated[
    list[str] | None,
    typer.Option(
        "--take",
        "-t",
        metavar="FIELD=ID",
        help="Take FIELD's value from record ID (repeat for more fields).",
    ),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Merge without asking to confirm.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def parse_takes(object_type: str, takes: list[str]) -> dict[str, int]:
    """``["email=12", "phone=14"]`` as ``{"email": 12, "phone": 14}``; bad ones refused."""
    chosen: dict[str, int] = {}
    errors: list[FieldError] = []
    for take in takes:
        name, _, value = take.partition("=")
        spec = merge_field(object_type, name.strip())
        if not value.strip().isdecimal():
            errors.append(FieldError("--take", "INVALID_CHOICE", f"'{take}' is not FIELD=ID"))
        elif spec is None:
            errors.append(
                FieldError(
                    "--take", "INVALID_FIELD", f"No such {object_type} field to merge: '{name}'"
                )
            )
        else:
            chosen[spec.name] = int(value)
    if errors:
        raise ValidationError(errors)
    return chosen


def _merge(
    ctx: typer.Context,
    object_type: str,
    ids: list[int],
    master: int | None,
    takes: list[str] | None,
    yes: bool,
    as_json: bool,
) -> None:
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    master_id = master if master is not None else ids[0]
    choices = parse_takes(object_type, takes or [])
    preview = core.merges.preview(actor, object_type, ids, master_id)
    if not as_json:
        _print_side_by_side(preview, choices)
    if not yes:
        typer.confirm(
            f"Merge {object_type}s {', '.join(str(i) for i in ids if i != master_id)} "
            f"into {object_type} {master_id}?",
            abort=True,
            err=True,
        )
    versions = {r.id: r.version for r in preview.records}
    result = core.merges.merge(actor, object_type, master_id, ids, choices, versions)
    if as_json:
        print_json(merge_summary(result.merge))
        return
    merged = ", ".join(map(str, result.merge.merged_ids))
    note(
        f"Merged {object_type} {merged} into {object_type} {master_id} "
        f"(merge #{result.merge.id}). Undo with: opportune merge undo {result.merge.id}"
    )


def _print_side_by_side(preview: MergePreview, choices: dict[str, int]) -> None:
    ids = [r.id for r in preview.records]
    heads = [
        f"#{r.id} {preview.name_of(r)}" + (" (master)" if r.id == preview.master_id else "")
        for r in preview.records
    ]
    rows: list[list[Any]] = []
    for field in preview.fields:
        if all(v is None for v in field.shown.values()):
            continue
        winner = choices.get(field.name, field.default_id)
        cells = [
            ("✔ " if i == winner and field.differs else "") + (field.shown[i] or "—") for i in ids
        ]
        rows.append([field.name, *cells])
    print_table(["Field", *heads], rows, title=f"Merging {preview.object_type}s (✔ wins)")
    for record_id, related in preview.related.items():
        if related and record_id != preview.master_id:
            moves = ", ".join(f"{n} {kind}" for kind, n in related.items())
            note(f"Moves to the master from #{record_id}: {moves}")


@app.command("lead")
def merge_leads(
    ctx: typer.Context,
    ids: Ids,
    master: Master = None,
    take: Take = None,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge 2-3 leads. Example: opportune merge lead 12 14 --master 12 --take email=14"""
    _merge(ctx, "lead", ids, master, take, yes, as_json)


@app.command("contact")
def merge_contacts(
    ctx: typer.Context,
    ids: Ids,
    master: Master = None,
    take: Take = None,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge 2-3 contacts (their opportunity roles and activities move to the master)."""
    _merge(ctx, "contact", ids, master, take, yes, as_json)


@app.command("account")
def merge_accounts(
    ctx: typer.Context,
    ids: Ids,
    master: Master = None,
    take: Take = None,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge 2-3 accounts (contacts, opportunities, activities, child accounts move)."""
    _merge(ctx, "account", ids, master, take, yes, as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    merge_id: Annotated[int, typer.Argument(help="The merge's number.")],
    as_json: Json = False,
) -> None:
    """Show a merge: the records, the values changed and the rows moved."""
    state = get_state(ctx)
    summary = merge_summary(state.open().merges.get(state.actor(), merge_id))
    if as_json:
        print_json(summary)
        return
    kind = summary["object_type"]
    values = {
        "master": f"{kind} {summary['master_id']}",
        "merged": ", ".join(f"{kind} {i}" for i in summary["merged_ids"]),
        "merged_at": summary["merged_at"],
        "undone_at": summary["undone_at"],
        **{
            f"{k} changed": f"{v['old_value'] or '—'} → {v['new_value'] or '—'}"
            for k, v in summary["changes"].items()
        },
        **{f"moved {k}": n for k, n in summary["moved"].items()},
    }
    if summary["dropped_contact_roles"]:
        values["roles dropped"] = summary["dropped_contact_roles"]
    print_record(f"Merge #{merge_id}", values)


@app.command("undo")
def undo(
    ctx: typer.Context,
    merge_id: Annotated[int, typer.Argument(help="The merge's number.")],
    force: Annotated[
        bool, typer.Option("--force", help="Undo even if records changed since (keeps them).")
    ] = False,
    as_json: Json = False,
) -> None:
    """Undo a merge: the master's values, the moved rows and the merged records come back."""
    state = get_state(ctx)
    result = state.open().merges.undo(state.actor(), merge_id, force=force)
    if as_json:
        print_json(merge_summary(result.merge))
        return
    merge = result.merge
    note(
        f"Undid merge #{merge_id}: {merge.object_type} "
        f"{', '.join(map(str, merge.merged_ids))} are separate records again."
    )
    for kept in result.kept:
        note(f"Left as it is now: {kept.message}")
