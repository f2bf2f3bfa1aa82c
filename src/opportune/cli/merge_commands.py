"""opportune merge

OWNER: helper " merge leads, contacts or accounts.:merge".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune merge", no_args_is_help=True)
