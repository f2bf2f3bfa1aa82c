"""opportune export

OWNER: helper " filtered lists to CSV.:import-web".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune export", no_args_is_help=True)
