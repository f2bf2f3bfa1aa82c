"""``opportune sharing``: org-wide defaults and the shares of single records.

Commands act as the CLI's user (``--user``/``--token``, default the first active
administrator): a record that user may not see is "not found", as everywhere else.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from opportune.cli.options import JsonOption
from opportune.cli.output import note, print_json, print_table
from opportune.cli.state import get_state
from opportune.errors import NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.sharing import RecordShare

app = typer.Typer(help="Who sees what: org-wide defaults and record shares.",
                  no_args_is_help=True)  # fmt: skip

ObjectArg = Annotated[
    str, typer.Argument(metavar="OBJECT", help="lead, account, contact or opportunity.")
]
IdArg = Annotated[int, typer.Argument(metavar="ID", help="The record's id.")]
PLURALS = {"leads": "lead", "accounts": "account", "contacts": "contact",
           "opportunities": "opportunity"}  # fmt: skip
COLUMNS = ("ID", "Shared with", "Access", "Created")


def _object(value: str) -> str:
    """``leads`` or ``lead`` → ``lead`` (the service checks the name)."""
    name = value.strip().lower()
    return PLURALS.get(name, name)


@app.command("defaults")
def defaults(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show each object's org-wide default: private, read (public read-only) or read_write.

    Example: opportune sharing defaults --json
    """
    values = {k: v.value for k, v in get_state(ctx).open().sharing.org_defaults().items()}
    if as_json:
        print_json(values)
        return
    print_table(("Object", "Default access"), list(values.items()))


@app.command("set-default")
def set_default(
    ctx: typer.Context,
    obj: ObjectArg,
    access: Annotated[str, typer.Argument(metavar="ACCESS", help="private, read or read_write.")],
    as_json: JsonOption = False,
) -> None:
    """Change an object's org-wide default (administrators only).

    Example: opportune sharing set-default lead read
    """
    state = get_state(ctx)
    name = _object(obj)
    chosen = state.open().sharing.set_org_default(state.actor(), name, access)
    if as_json:
        print_json({"object_type": name, "access": chosen.value})
    else:
        note(f"Org-wide default for {name}: {chosen.value}")


@app.command("list")
def list_shares(ctx: typer.Context, obj: ObjectArg, record_id: IdArg,
                as_json: JsonOption = False) -> None:  # fmt: skip
    """List a record's shares.

    Example: opportune sharing list lead 12
    """
    state = get_state(ctx)
    shares = state.open().sharing.shares(state.actor(), _object(obj), record_id)
    records = [_record(s) for s in shares]
    if as_json:
        print_json(records)
        return
    print_table(COLUMNS, [(r["id"], r["grantee"], r["access"], r["created_at"]) for r in records])


@app.command("add")
def add_share(
    ctx: typer.Context,
    obj: ObjectArg,
    record_id: IdArg,
    access: Annotated[str, typer.Option(help="read or edit.")],
    user: Annotated[
        str | None, typer.Option("--user", metavar="EMAIL", help="Share with this user.")
    ] = None,
    queue: Annotated[
        str | None, typer.Option("--queue", metavar="NAME", help="Or with this queue (name/id).")
    ] = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Share a record with a user or a queue (its owner, their managers, or an admin).

    Example: opportune --user rae@example.com sharing add lead 12 --user sam@example.com
    --access read
    """
    state = get_state(ctx)
    core, actor = state.open(), state.actor()
    grantee = _grantee(core, actor, user, queue)
    share = core.sharing.share(actor, _object(obj), record_id, access=access, **grantee)
    if as_json:
        print_json(_record(share))
    else:
        note(f"Shared {share.object_type} {share.record_id} with {share.grantee} "
             f"({share.access}); share id {share.id}")  # fmt: skip


@app.command("remove")
def remove_share(
    ctx: typer.Context,
    share_id: Annotated[int, typer.Argument(metavar="SHARE_ID", help="The share's id.")],
) -> None:
    """Stop sharing: remove one share by its id (see ``sharing list``).

    Example: opportune sharing remove 7
    """
    state = get_state(ctx)
    state.open().sharing.unshare(state.actor(), share_id)
    note(f"Removed share {share_id}")


def _grantee(core: Opportune, actor: Any, user: str | None, queue: str | None) -> dict[str, int]:
    """``--user EMAIL`` or ``--queue NAME`` as the service's ``user_id``/``queue_id``."""
    if (user is None) == (queue is None):
        raise ValidationError.single("user", "REQUIRED_FIELD_MISSING",
                                     "Pass either --user EMAIL or --queue NAME")  # fmt: skip
    try:
        if user is not None:
            found = core.users.get_by_email(user).id
            assert found is not None
            return {"user_id": found}
        return {"queue_id": core.assignment.find_queue(actor, str(queue)).id}
    except NotFoundError as exc:
        field = "user" if user is not None else "queue"
        raise ValidationError.single(field, "INVALID_CROSS_REFERENCE_KEY", exc.message) from None


def _record(share: RecordShare) -> dict[str, Any]:
    return {"id": share.id, "object_type": share.object_type, "record_id": share.record_id,
            "access": share.access, "user_id": share.user_id, "queue_id": share.queue_id,
            "grantee": share.grantee, "created_at": share.created_at}  # fmt: skip
