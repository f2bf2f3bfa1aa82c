"""``opportune stage``: the pipeline's stage list and lost reasons (read only here)."""

from __future__ import annotations

import dataclasses

import typer

from opportune.cli.options import JsonOption
from opportune.cli.output import print_json, print_table
from opportune.cli.state import get_state

app = typer.Typer(help="Show the pipeline's stages and lost reasons.", no_args_is_help=True)


@app.command("list")
def list_stages(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the stages in pipeline order with the defaults an opportunity takes there.

    Example: opportune stage list
    """
    stages = get_state(ctx).open().pipeline.stages()
    if as_json:
        print_json([dataclasses.asdict(s) for s in stages])
        return
    columns = ("ID", "Order", "Stage", "Probability", "Forecast category", "Closed", "Won",
               "Active")  # fmt: skip
    rows = [
        (s.id, s.sort_order, s.label, f"{s.probability}%", s.forecast_category, s.is_closed,
         s.is_won, s.is_active)
        for s in stages
    ]  # fmt: skip
    print_table(columns, rows)


@app.command("lost-reasons")
def list_lost_reasons(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the reasons an opportunity can be closed as lost with.

    Example: opportune stage lost-reasons --json
    """
    reasons = get_state(ctx).open().pipeline.lost_reasons()
    if as_json:
        print_json([dataclasses.asdict(r) for r in reasons])
        return
    print_table(("ID", "Order", "Lost reason", "Active"),
                [(r.id, r.sort_order, r.label, r.is_active) for r in reasons])  # fmt: skip
