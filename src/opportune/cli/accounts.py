"""``opportune user`` and ``opportune token``: run as the installation (administrator rights)."""

from __future__ import annotations

from typing import Annotated

import typer

from opportune.cli.output import note, print_json, print_record, print_table, user_record
from opportune.cli.state import get_state
from opportune.errors import NotFoundError, ValidationError
from opportune.services import Opportune

users_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Issue personal API tokens.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ManagerOption = Annotated[
    str | None,
    typer.Option("--manager", metavar="EMAIL",
                 help="Email of the user's manager ('' for none): managers see and edit what "
                 "their reports own."),
]  # fmt: skip


def _manager_id(core: Opportune, email: str) -> int | None:
    """The id of the manager named by email; an empty value means no manager."""
    if not email.strip():
        return None
    try:
        return core.users.get_by_email(email).id
    except NotFoundError:
        raise ValidationError.single(
            "manager", "INVALID_CROSS_REFERENCE_KEY", f"No user with email {email}"
        ) from None


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="Email address, used to sign in.")],
    role: Annotated[str, typer.Option(help="admin, manager or rep.")],
    password: Annotated[
        str | None, typer.Option(help="Password (asked for, hidden, when not given).")
    ] = None,
    manager: ManagerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user (as the installation, so it works before any user exists).

    Example: opportune user create --name "Ada Ng" --email ada@example.com --role admin
    """
    core = get_state(ctx).open()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    data: dict[str, object] = {"name": name, "email": email, "role": role, "password": password}
    if manager is not None:
        data["manager_id"] = _manager_id(core, manager)
    user = core.users.create(None, data)
    if as_json:
        print_json(user_record(user))
    else:
        print_record(f"Created user {user.id} · {user.name}", user_record(user))


@users_app.command("update")
def update_user(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Email of the user to change.")],
    name: Annotated[str | None, typer.Option(help="New full name.")] = None,
    new_email: Annotated[str | None, typer.Option("--new-email", help="New email.")] = None,
    role: Annotated[str | None, typer.Option(help="admin, manager or rep.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Activate or deactivate.")
    ] = None,
    manager: ManagerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's name, email, role, active flag or manager (as the installation).

    Example: opportune user update rae@example.com --manager max@example.com
    """
    core = get_state(ctx).open()
    target = core.users.get_by_email(email)
    given = {"name": name, "email": new_email, "role": role, "is_active": active}
    data: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if manager is not None:
        data["manager_id"] = _manager_id(core, manager)
    assert target.id is not None
    user = core.users.update(None, target.id, data)
    if as_json:
        print_json(user_record(user))
    else:
        print_record(f"Updated user {user.id} · {user.name}", user_record(user))


@users_app.command("list")
def list_users(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List every user by name.

    Example: opportune user list --json
    """
    records = [user_record(u) for u in get_state(ctx).open().users.list()]
    if as_json:
        print_json(records)
        return
    columns = ("ID", "Name", "Email", "Role", "Active", "Created", "Manager")
    print_table(columns, [tuple(r.values()) for r in records])


@users_app.command("logout-everywhere")
def logout_everywhere(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Email of the user to sign out.")],
    revoke_tokens: Annotated[
        bool, typer.Option("--revoke-tokens", help="Also revoke all of the user's API tokens.")
    ] = False,
) -> None:
    """End every browser session of a user (and, with --revoke-tokens, their API tokens).

    Example: opportune user logout-everywhere ada@example.com --revoke-tokens
    """
    core = get_state(ctx).open()
    owner = core.users.get_by_email(email)
    assert owner.id is not None
    ended = core.sessions.sign_out_everywhere(None, owner.id, revoke_tokens=revoke_tokens)
    revoked = f"; {ended.tokens_revoked} API token(s) revoked" if revoke_tokens else ""
    note(f"Signed {owner.email} out of every browser session{revoked}.")


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="Email of the user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'reporting script'.")],
    expires_days: Annotated[
        int | None, typer.Option(help="Days until it expires (default: never).")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="read, write or admin; repeat for several (default: read and write). "
            "admin only for administrators.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an API token for a user and print it once: it is stored only as a hash.

    Example: opportune token create --user ada@example.com --name laptop --scope read
    """
    core = get_state(ctx).open()
    owner = core.users.get_by_email(user)
    assert owner.id is not None
    issued = core.auth.create_token(None, owner.id, name, expires_days, scopes=scope or None)
    if as_json:
        print_json(
            {"id": issued.id, "name": issued.name, "token": issued.token,
             "user_id": issued.user_id, "user_email": owner.email,
             "expires_at": issued.expires_at, "scopes": list(issued.scopes)}
        )  # fmt: skip
        return
    expiry = issued.expires_at.strftime("%Y-%m-%d") if issued.expires_at else "never"
    scopes = ", ".join(issued.scopes)
    note(f"Token '{issued.name}' for {owner.email} (scopes: {scopes}; expires: {expiry}):")
    typer.echo(issued.token)
    note(
        "Copy it now: Opportune stores only a hash and cannot show it again. "
        "Send it as 'Authorization: Bearer <token>'.",
        style="yellow",
    )
