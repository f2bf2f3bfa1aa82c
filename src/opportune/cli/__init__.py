"""The ``opportune`` command: Typer + Rich over the same services as the API and web UI.

Every command runs inside :class:`~opportune.cli.errors.OpportuneGroup`, the one place
that turns errors into a line on stderr and an exit code.
"""

from __future__ import annotations

from typing import Annotated

import typer

from opportune import __version__
from opportune.cli import (
    account_commands,
    accounts,
    assignment_commands,
    audit_commands,
    backup_commands,
    contact_commands,
    duplicate_commands,
    export_commands,
    import_commands,
    job_commands,
    leads,
    merge_commands,
    opportunity_commands,
    recycle_bin_commands,
    report_commands,
    salesforce_commands,
    sharing_commands,
    stage_commands,
    system,
    task_commands,
    webform_commands,
)
from opportune.cli.errors import OpportuneGroup
from opportune.cli.state import CliState

app = typer.Typer(
    cls=OpportuneGroup,
    help="Opportune, a self-hosted CRM: serve it, migrate it, and work with its data.",
    no_args_is_help=True,
    # Locals could hold passwords or tokens: never print them in a crash report.
    pretty_exceptions_show_locals=False,
)
app.command("serve")(system.serve)
app.command("demo")(system.demo)
app.command("backup")(backup_commands.backup)
app.command("restore")(backup_commands.restore)
app.add_typer(system.db_app, name="db")
app.add_typer(accounts.users_app, name="user")
app.add_typer(accounts.tokens_app, name="token")
app.add_typer(leads.app, name="lead")
app.add_typer(account_commands.app, name="account")
app.add_typer(contact_commands.app, name="contact")
app.add_typer(opportunity_commands.app, name="opportunity")
app.add_typer(stage_commands.app, name="stage")
app.add_typer(task_commands.app, name="task")
app.add_typer(import_commands.app, name="import")
app.add_typer(export_commands.app, name="export")
app.add_typer(assignment_commands.app, name="assignment")
app.add_typer(assignment_commands.queue_app, name="queue")
app.add_typer(duplicate_commands.app, name="duplicates")
app.add_typer(merge_commands.app, name="merge")
app.add_typer(webform_commands.app, name="webform")
app.add_typer(recycle_bin_commands.app, name="recycle-bin")
app.add_typer(sharing_commands.app, name="sharing")
app.command("report")(report_commands.report)
app.command("import-salesforce")(salesforce_commands.import_salesforce)
app.command("audit")(audit_commands.audit)
app.command("worker")(job_commands.worker)
app.add_typer(job_commands.app, name="jobs")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"opportune {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", envvar="OPPORTUNE_USER", metavar="EMAIL",
            help="Act as this user (default: the first active administrator).",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="OPPORTUNE_TOKEN", metavar="TOKEN",
            help="Act as the user of this API token (instead of --user).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:  # fmt: skip
    """Opportune: the database comes from OPPORTUNE_DATABASE_URL (default: data/opportune.db)."""
    state = CliState(user_email=user, token=token)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    """Run the ``opportune`` console script."""
    app()


__all__ = ["app", "main"]
