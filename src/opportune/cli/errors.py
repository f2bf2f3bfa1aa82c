"""The CLI's one mapping from errors to a single line on stderr and an exit code."""

from __future__ import annotations

from typing import Any, NoReturn

import pydantic
import typer
from typer.core import TyperGroup

from opportune.db.errors import DatabaseError, database_error_message, unavailable_error
from opportune.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    ValidationError,
)

# Exit codes scripts can rely on (documented in docs/cli.md).
EXIT_OTHER = 1
EXIT_INVALID = 2  # also what Typer uses for usage errors
EXIT_NOT_FOUND = 3
EXIT_FORBIDDEN = 4
EXIT_CONFLICT = 5

_EXIT_CODES: tuple[tuple[type[OpportuneError], int], ...] = (
    (ValidationError, EXIT_INVALID),
    (NotFoundError, EXIT_NOT_FOUND),
    (PermissionDeniedError, EXIT_FORBIDDEN),
    (AuthenticationError, EXIT_FORBIDDEN),
    (ConflictError, EXIT_CONFLICT),
)
HANDLED = (OpportuneError, DatabaseError, pydantic.ValidationError)


def describe(exc: BaseException) -> tuple[str, int]:
    """The one line to print and the exit code for an error the CLI expects."""
    if isinstance(exc, OpportuneError):
        code = next((c for kind, c in _EXIT_CODES if isinstance(exc, kind)), EXIT_OTHER)
        return exc.message, code
    if isinstance(exc, pydantic.ValidationError):
        problems = "; ".join(_setting_problem(e["loc"], e["msg"]) for e in exc.errors())
        return f"Invalid settings: {problems}", EXIT_OTHER
    assert isinstance(exc, DatabaseError), "only expected errors are described"
    # The driver's words (which server refused, which file) follow what they mean.
    meaning = unavailable_error(exc)
    detail = database_error_message(exc)
    line = f"{meaning.message} ({detail})" if meaning else detail
    return f"Database error: {line}", EXIT_OTHER


def _setting_problem(loc: tuple[int | str, ...], message: str) -> str:
    # Whole-object checks (such as the production secret) have no field location.
    return f"OPPORTUNE_{'_'.join(map(str, loc)).upper()}: {message}" if loc else message


def fail(exc: BaseException) -> NoReturn:
    """Print ``Error: ...`` as one line on stderr and exit with the error's code."""
    message, code = describe(exc)
    # Driver messages can span lines (SQL, hints); the CLI promises exactly one.
    line = " ".join(message.split())
    typer.echo(f"Error: {line}", err=True)
    raise typer.Exit(code)


class OpportuneGroup(TyperGroup):
    """The root command group: every command runs inside the one error mapping."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; turn expected errors into one line and an exit code."""
        try:
            return super().invoke(ctx)
        except HANDLED as exc:
            fail(exc)
