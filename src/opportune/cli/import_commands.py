"""opportune import

OWNER: helper " CSV imports with progress, resume, revert.:import-engine".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune import", no_args_is_help=True)
