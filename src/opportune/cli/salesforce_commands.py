"""``opportune import-salesforce DIR``: import a Salesforce data export with its relations."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from opportune.cli.errors import EXIT_OTHER
from opportune.cli.output import note, print_json, print_table
from opportune.cli.state import get_state
from opportune.services.salesforce.migration import SalesforceImportReport


def import_salesforce(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="The folder of the export's CSV files.",
            exists=True,
            file_okay=False,
            dir_okay=True,
        ),
    ],
    default_owner: Annotated[
        str | None,
        typer.Option(
            "--default-owner",
            metavar="EMAIL",
            help="Owner of records whose Salesforce owner matches no user.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Import a Salesforce data export: the CSV files of Setup > Data Export
    (User.csv, Account.csv, Contact.csv, Opportunity.csv, Lead.csv, Task.csv) in DIR.

    Relations are kept (contacts and opportunities stay under their accounts, converted leads
    point at what they became, tasks at their lead, contact, account or opportunity). Users
    are matched by email, or created inactive; records of an owner in no file go to
    --default-owner (else the first administrator). Unknown lead sources and reasons are
    added; unknown statuses and stages are mapped to the closest one; all is reported.
    Every record keeps its Salesforce id (the Salesforce_Id__c field of the API), and
    running the same export again updates records instead of duplicating them.

    Failed rows are listed in import-salesforce-errors.csv in DIR. Exit code: 0 when every
    row was imported, 1 when some rows failed.
    """
    state = get_state(ctx)
    core = state.open()
    # Without --user the installation itself imports (the first admin appears as creator).
    actor = state.actor() if state.user_email else None
    err = Console(stderr=True, highlight=False)
    with err.status("Importing...") as status:
        report = core.salesforce_import.run(
            directory, actor=actor, default_owner=default_owner,
            progress=lambda name, rows: status.update(f"Importing {name}: {rows:,} rows read"),
        )  # fmt: skip
    if as_json:
        print_json(_as_json(report))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_OTHER)


def _print_report(report: SalesforceImportReport) -> None:
    rows = [(name, c.read, c.created, c.updated, c.skipped, c.failed)
            for name, c in report.counts.items()]  # fmt: skip
    print_table(("Object", "Read", "Created", "Updated", "Skipped", "Failed"), rows,
                title=f"Salesforce import · {report.directory}")  # fmt: skip
    for file, columns in report.ignored_columns.items():
        note(f"{file}: ignored columns: {', '.join(columns)}", "yellow")
    if report.missing_files:
        note(f"Not in the export (nothing imported): {', '.join(report.missing_files)}")
    if report.values:
        values = [(*key, count) for key, count in sorted(report.values.items())]
        print_table(("Object", "Field", "Value", "What was done", "Rows"), values,
                    title="Values changed")  # fmt: skip
    _print_people(report)
    if report.deleted_rows:
        note(f"Skipped {report.deleted_rows} rows deleted in Salesforce (IsDeleted).")
    _print_errors(report)
    note("Each record keeps its Salesforce id: search Salesforce_Id__c through the API, "
         "e.g. GET /services/data/v59.0/sobjects/Lead/Salesforce_Id__c/00Q...")  # fmt: skip


def _print_people(report: SalesforceImportReport) -> None:
    if report.created_users:
        note(f"Created {len(report.created_users)} inactive users (set a password and "
             f"activate them to let them sign in): {', '.join(report.created_users)}")  # fmt: skip
    if report.unknown_owners:
        owners = ", ".join(f"{sf_id} ({n})" for sf_id, n in report.unknown_owners.items())
        note(f"Owners in no file, records given to {report.default_owner}: {owners}", "yellow")


def _print_errors(report: SalesforceImportReport) -> None:
    if report.ok:
        note("Every row was imported.", "green")
        return
    rows = [(e.file, e.line, e.salesforce_id, e.reason) for e in report.errors]
    print_table(("File", "Line", "Salesforce id", "Reason"), rows,
                title=f"{report.error_count} rows failed")  # fmt: skip
    note(f"Failed rows: {report.errors_file}", "red")


def _as_json(report: SalesforceImportReport) -> dict[str, object]:
    return {
        "directory": str(report.directory),
        "ok": report.ok,
        "counts": {name: dataclasses.asdict(c) for name, c in report.counts.items()},
        "ignored_columns": {f: list(c) for f, c in report.ignored_columns.items()},
        "missing_files": report.missing_files,
        "values": [
            {"object": o, "field": f, "value": v, "action": a, "rows": n}
            for (o, f, v, a), n in sorted(report.values.items())
        ],
        "unknown_owners": dict(report.unknown_owners),
        "default_owner": report.default_owner,
        "created_users": report.created_users,
        "deleted_rows": report.deleted_rows,
        "error_count": report.error_count,
        "errors": [dataclasses.asdict(e) for e in report.errors],
        "errors_file": str(report.errors_file) if report.errors_file else None,
    }
