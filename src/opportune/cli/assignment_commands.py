"""opportune assignment / queue

OWNER: helper " rules, queues, round-robin groups.:assignment".
"""

from __future__ import annotations

import typer

app = typer.Typer(help="opportune assignment / queue", no_args_is_help=True)
queue_app = typer.Typer(
    help="Lead queues: members, the leads they hold, taking a lead.", no_args_is_help=True
)
