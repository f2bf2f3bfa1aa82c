"""How commands print: Rich tables and panels for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from opportune.domain.users import User

EMPTY = "—"


def console() -> Console:
    """A console on the current stdout, sized from the environment at call time."""
    return Console(highlight=False, soft_wrap=False)


def to_jsonable(value: Any) -> Any:
    """Dates as ISO 8601, decimals as strings, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON, untouched by Rich (no wrapping, no colour)."""
    typer.echo(json.dumps(data, default=to_jsonable, indent=2, ensure_ascii=False))


def show(value: Any) -> str:
    """A value as a table cell: dates short, booleans as yes/no, nothing as a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None
) -> None:
    """Print rows under column headings."""
    table = Table(*columns, title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for row in rows:
        # Text, not str: data such as "[b]Acme" must print as is, never as Rich markup.
        table.add_row(*(Text(show(v)) for v in row))
    console().print(table)


def print_record(title: str, values: Mapping[str, Any]) -> None:
    """Print one record as labelled values in a panel."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, value in values.items():
        grid.add_row(key.replace("_", " ").capitalize(), Text(show(value)))
    console().print(Panel(grid, title=Text(title), title_align="left", expand=False))


def note(message: str, style: str = "") -> None:
    """Print a short message for people (not part of any data), never read as markup."""
    console().print(Text(message, style=style))


def warn(message: str) -> None:
    """Print a warning for people on stderr (stdout keeps only the data), on one line."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(message, style="yellow"))


def user_record(user: User) -> dict[str, Any]:
    """A user as shown and exported: never the password hash."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "manager_id": user.manager_id,
    }
