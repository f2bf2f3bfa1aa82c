"""``opportune user`` and ``opportune token``: run as the installation (administrator rights)."""

from __future__ import annotations

from typing import Annotated

import typer

from opportune.cli.output import note, print_json, print_record, print_table, user_record
from opportune.cli.state import get_state

users_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Issue personal API tokens.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="Email address, used to sign in.")],
    role: Annotated[str, typer.Option(help="admin, manager or rep.")],
    password: Annotated[
        str | None, typer.Option(help="Password (asked for, hidden, when not given).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user (as the installation, so it works before any user exists).

    Example: opportune user create --name "Ada Ng" --email ada@example.com --role admin
    """
    core = get_state(ctx).open()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = {"name": name, "email": email, "role": role, "password": password}
    user = core.users.create(None, data)
    if as_json:
        print_json(user_record(user))
    else:
        print_record(f"Created user {user.id} · {user.name}", user_record(user))


@users_app.command("list")
def list_users(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List every user by name.

    Example: opportune user list --json
    """
    records = [user_record(u) for u in get_state(ctx).open().users.list()]
    if as_json:
        print_json(records)
        return
    columns = ("ID", "Name", "Email", "Role", "Active", "Created")
    print_table(columns, [tuple(r.values()) for r in records])


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="Email of the user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'reporting script'.")],
    expires_days: Annotated[
        int | None, typer.Option(help="Days until it expires (default: never).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an API token for a user and print it once: it is stored only as a hash.

    Example: opportune token create --user ada@example.com --name laptop --expires-days 90
    """
    core = get_state(ctx).open()
    owner = core.users.get_by_email(user)
    assert owner.id is not None
    issued = core.auth.create_token(None, owner.id, name, expires_days)
    if as_json:
        print_json(
            {"id": issued.id, "name": issued.name, "token": issued.token,
             "user_id": issued.user_id, "user_email": owner.email,
             "expires_at": issued.expires_at}
        )  # fmt: skip
        return
    expiry = issued.expires_at.strftime("%Y-%m-%d") if issued.expires_at else "never"
    note(f"Token '{issued.name}' for {owner.email} (expires: {expiry}):")
    typer.echo(issued.token)
    note(
        "Copy it now: Opportune stores only a hash and cannot show it again. "
        "Send it as 'Authorization: Bearer <token>'.",
        style="yellow",
    )
