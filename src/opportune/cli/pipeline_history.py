"""An opportunity's stage history and metrics, as tables or as the REST API's JSON."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from opportune.cli.output import note, print_json, print_table
from opportune.cli.presenters import Session, money
from opportune.domain.history import StageSnapshot
from opportune.services.opportunities import OpportunityMetrics


def print_history(
    s: Session, snapshots: list[StageSnapshot], metrics: OpportunityMetrics, *, as_json: bool
) -> None:
    """Print the snapshots (oldest first) with who and when, then the metrics."""
    records = [_snapshot(s, snap) for snap in snapshots]
    spent = _time_in_stages(s, metrics)
    if as_json:
        age = metrics.stage_age
        print_json({"snapshots": records, "metrics": {
            "time_in_stages": spent,
            "stage_age_seconds": None if age is None else age.total_seconds(),
            "days_to_close": metrics.days_to_close,
            "close_date_pushes": metrics.close_date_pushes,
        }})  # fmt: skip
        return
    _print_snapshots(records, s.core.settings.currency)
    spans = [(t["stage"], duration(timedelta(seconds=t["seconds"]))) for t in spent]
    print_table(("Stage", "Time in stage"), spans)
    _print_metrics(metrics)


def _print_snapshots(records: list[dict[str, Any]], currency: str) -> None:
    rows = [
        (r["changed_at"], r["changed_by_name"], r["stage"], money(r["amount"], currency),
         f"{r['probability']}%", money(r["expected_revenue"], currency), r["close_date"],
         r["forecast_category"])
        for r in records
    ]  # fmt: skip
    columns = ("When", "Who", "Stage", "Amount", "Prob.", "Expected revenue", "Close date",
               "Forecast")  # fmt: skip
    print_table(columns, rows, title="Stage history")


def _print_metrics(metrics: OpportunityMetrics) -> None:
    age = "—" if metrics.stage_age is None else duration(metrics.stage_age)
    closed = "still open" if metrics.days_to_close is None else f"{metrics.days_to_close}"
    pushes = metrics.close_date_pushes
    note(f"Stage age: {age} · Days to close: {closed} · "
         f"Close date pushed out: {pushes} time{'' if pushes == 1 else 's'}")  # fmt: skip


def _snapshot(s: Session, snap: StageSnapshot) -> dict[str, Any]:
    """A snapshot as the REST API shows it: the stage labelled, who named, money as text."""
    return {
        "id": snap.id, "stage_id": snap.stage_id,
        "stage": s.lookups.pipeline.stage(snap.stage_id).label,
        "amount": _text(snap.amount), "probability": snap.probability,
        "expected_revenue": _text(snap.expected_revenue), "close_date": snap.close_date,
        "forecast_category": snap.forecast_category, "is_closed": snap.is_closed,
        "changed_by_id": snap.changed_by_id, "changed_by_name": s.user_name(snap.changed_by_id),
        "changed_at": snap.changed_at,
    }  # fmt: skip


def _time_in_stages(s: Session, metrics: OpportunityMetrics) -> list[dict[str, Any]]:
    """Time spent in each visited stage, in pipeline order."""
    return [
        {"stage_id": stage.id, "stage": stage.label,
         "seconds": metrics.time_in_stages[stage.id].total_seconds()}
        for stage in s.lookups.pipeline.stages
        if stage.id in metrics.time_in_stages
    ]  # fmt: skip


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def duration(span: timedelta) -> str:
    """A span as people say it: ``12d 3h``, ``5h 20m`` or ``7m``."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"
