"""docs/cli.md documents every command and option the CLI has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from opportune.cli import app

DOCS = Path(__file__).parents[3] / "docs" / "cli.md"


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the tree with its path of names."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def options(command: Any) -> Iterator[str]:
    """The command's option names, without Typer's shell-completion ones."""
    for param in command.params:
        for opt in [*param.opts, *param.secondary_opts]:
            if opt.startswith("-") and "completion" not in opt:
                yield opt


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    text = DOCS.read_text()
    missing = []
    for path, command in commands(typer.main.get_command(app)):
        if path and f"`{' '.join(path)}" not in text and f"`opportune {' '.join(path)}" not in text:
            missing.append(" ".join(path))
        missing += [
            f"{' '.join(path)} {opt}"
            for opt in options(command)
            if f"`{opt}" not in text and f"{opt}`" not in text
        ]
    assert missing == []
