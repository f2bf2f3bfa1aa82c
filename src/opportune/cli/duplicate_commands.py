"""opportune duplicates

OWNER: helper " rules, checks and the report.:duplicates".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune duplicates", no_args_is_help=True)
