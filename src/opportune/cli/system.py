"""``opportune serve``, ``opportune db`` and ``opportune demo``: running an installation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, TypedDict

import typer
import uvicorn

# Imported before serve may set PROMETHEUS_MULTIPROC_DIR: this process never serves, and
# prometheus_client fixes its storage when first imported.
from opportune.api.metrics import prepare_multiprocess_dir
from opportune.cli.output import note, print_table
from opportune.cli.state import database_label, get_state
from opportune.cli.tcp_nodelay import tcp_nodelay_listening_sockets
from opportune.demo import DEFAULT_LEADS, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DEMO_USERS, load_demo
from opportune.demo_sales import DEFAULT_ACCOUNTS
from opportune.errors import ConflictError, ValidationError
from opportune.logging_setup import uvicorn_log_config
from opportune.services import Opportune
from opportune.settings import Settings
from opportune.tls import CertificatePair, ensure_self_signed

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
APP_FACTORY = "opportune.api.app:create_app"
# How long uvicorn's supervisor waits for a worker process to answer its health check before
# killing and replacing it. Its default of 5 s is shorter than a worker's start (imports and
# the app's first set-up) on a busy 2-core machine, where it then kills every new worker.
WORKER_HEALTHCHECK_SECONDS = 30


class TlsOptions(TypedDict, total=False):
    """uvicorn's TLS arguments."""

    ssl_certfile: str
    ssl_keyfile: str


def _pem_option(help_text: str) -> Any:
    """An option naming an existing PEM file."""
    return typer.Option(exists=True, dir_okay=False, readable=True, help=help_text)


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: from settings, 8000).")] = None,
    reload: Annotated[
        bool, typer.Option("--reload", help="Restart when the code changes (development).")
    ] = False,
    https: Annotated[
        bool,
        typer.Option(
            "--https",
            help="Serve HTTPS; without --cert/--key, with a self-signed certificate made on "
            "first use under DATA_DIR/tls/.",
        ),
    ] = False,
    cert: Annotated[Path | None, _pem_option("Certificate (PEM) to serve HTTPS with.")] = None,
    key: Annotated[Path | None, _pem_option("Private key (PEM) of --cert.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Web worker processes (default: from settings, 1). More than one needs "
            "PostgreSQL: SQLite serves one process.",
        ),
    ] = None,
) -> None:
    """Serve the web UI and the REST API (the database must be migrated).

    Example: opportune serve --port 8080
    """
    state = get_state(ctx)
    core = state.open()
    host, port = host or state.settings.host, port or state.settings.port
    workers = _worker_count(state.settings, workers)
    tls = _tls_options(state.settings, host, https=https, cert=cert, key=key)
    scheme = "https" if tls else "http"
    note(f"Opportune is running at {scheme}://{host}:{port}  (Ctrl+C to stop)", style="bold")
    if _demo_login_works(core):
        note(f"Demo login: {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}")
    state.close()  # the server opens its own installation from the same settings
    if tls and state.settings.secure_cookies is None:
        # Served over HTTPS: the session cookie is marked Secure (the app reads this).
        os.environ["OPPORTUNE_SECURE_COOKIES"] = "true"
    if workers > 1:
        prepare_multiprocess_dir(state.settings)  # /metrics adds up every process's counts
    with tcp_nodelay_listening_sockets():  # see opportune.cli.tcp_nodelay
        uvicorn.run(
            APP_FACTORY, factory=True, host=host, port=port, reload=reload, workers=workers,
            log_config=uvicorn_log_config(state.settings),
            access_log=False,  # the application logs each request, with its request id
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            **tls,
        )  # fmt: skip


def _worker_count(settings: Settings, asked: int | None) -> int:
    """The number of web worker processes: ``--workers`` or the ``web_workers`` setting;
    SQLite serves from one process (its writers would only queue for the one write lock)."""
    workers = asked or settings.web_workers
    if workers > 1 and settings.is_sqlite:
        raise ValidationError.single(
            "--workers", "INVALID_FIELD", "more than one worker process needs PostgreSQL "
            "(OPPORTUNE_DATABASE_URL=postgresql+psycopg://...); SQLite serves one process",
        )  # fmt: skip
    return workers


def _tls_options(
    settings: Settings, host: str, *, https: bool, cert: Path | None, key: Path | None
) -> TlsOptions:
    """uvicorn's TLS arguments: the given pair, a self-signed one for --https, or none."""
    if (cert is None) != (key is None):
        missing, given = ("--key", "--cert") if key is None else ("--cert", "--key")
        raise ValidationError.single(missing, "REQUIRED_FIELD_MISSING", f"required with {given}")
    if cert is None or key is None:
        if not https:
            return TlsOptions()
        pair = ensure_self_signed(settings.data_dir / "tls", host)
        _explain_self_signed(pair)
        cert, key = pair.cert, pair.key
    return TlsOptions(ssl_certfile=str(cert), ssl_keyfile=str(key))


def _explain_self_signed(pair: CertificatePair) -> None:
    path = pair.cert.resolve()
    made = "Created a self-signed certificate" if pair.created else "Self-signed certificate"
    note(f"{made}: {path} (key: {pair.key.resolve()})")
    note(
        f"Clients must trust it: REQUESTS_CA_BUNDLE={path} for Python requests and "
        f"simple-salesforce, or session.verify = '{path}' with session.trust_env = False"
    )


def _demo_login_works(core: Opportune) -> bool:
    return core.auth.password_matches(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database schema to the newest revision.

    Example: opportune db upgrade
    """
    state = get_state(ctx)
    core = state.open(migrated=False)
    before = core.schema_revision()
    core.migrate()
    after = core.schema_revision()
    where = database_label(core)
    if before == after:
        note(f"Database {where} is up to date at revision {after}.")
    else:
        note(f"Database {where} upgraded from {before or 'empty'} to revision {after}.")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the database's schema revision and whether it needs an upgrade.

    Example: opportune db current
    """
    state = get_state(ctx)
    core = state.open(migrated=False)
    now, head = core.schema_revision(), core.head_revision()
    where = database_label(core)
    if now == head:
        note(f"Database {where} is at revision {now} (up to date).")
    else:
        note(f"Database {where} is at revision {now or 'none'}; run `opportune db upgrade` "
             f"to reach {head}.")  # fmt: skip


def demo(
    ctx: typer.Context,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database already has users.")
    ] = False,
    leads: Annotated[int, typer.Option(min=0, max=1_000_000, help="How many leads.")] = (
        DEFAULT_LEADS
    ),
    accounts: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000,
            help="How many accounts (each with about 2 contacts and 2.5 opportunities).",
        ),
    ] = DEFAULT_ACCOUNTS,
) -> None:
    """Load demo data (three users, realistic leads, accounts, contacts, opportunities
    through every stage, tasks, calls and notes) into an empty database; migrates first.

    Example: opportune demo --if-empty
    """
    core = get_state(ctx).open(migrated=False)
    core.migrate()
    if core.users.count():
        if not if_empty:
            raise ConflictError(
                "The database already has users; demo data only goes into an empty one "
                "(use --if-empty to skip quietly)"
            )
        note("The database already has users: demo data not loaded.")
        if _demo_login_works(core):
            note(f"Demo login: {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD}")
        return
    result = load_demo(core, leads=leads, accounts=accounts)
    note(result.summary(), style="bold")
    rows = [(role.value, email, DEMO_PASSWORD) for _, email, role in DEMO_USERS]
    print_table(("Role", "Email", "Password"), rows, title="Demo logins")
