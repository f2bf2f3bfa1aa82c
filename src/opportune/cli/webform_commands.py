"""opportune webform

OWNER: helper " web-to-lead forms and their overflow queue.:web-to-lead".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune webform", no_args_is_help=True)
