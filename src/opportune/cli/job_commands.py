"""``opportune worker`` runs background jobs; ``opportune jobs`` lists, shows, cancels and
retries them."""

from __future__ import annotations

import dataclasses
import logging
import signal
from types import FrameType
from typing import Annotated, Any

import typer

from opportune.cli.output import note, print_json, print_table, show
from opportune.cli.state import get_state
from opportune.domain.jobs import Job, JobKind
from opportune.logging_setup import configure_logging
from opportune.services.job_worker import JobWorker

app = typer.Typer(help="Background jobs: list, show, cancel, retry.", no_args_is_help=True)
JobId = Annotated[int, typer.Argument(help="The job's id (see `jobs list`).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
log = logging.getLogger(__name__)


def worker(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only jobs of this kind (repeatable): " + ", ".join(k.value for k in JobKind),
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the jobs due now, then exit (cron, tests).")
    ] = False,
    periodic: Annotated[
        bool,
        typer.Option(help="Keep the periodic jobs (purges, web-to-lead queue) queued."),
    ] = True,
) -> None:
    """Run background jobs until stopped (Ctrl+C or SIGTERM finish the running job first).

    Run as many as you like, on as many machines as share the PostgreSQL database: no
    job is ever taken by two workers. On SQLite `opportune serve` already runs one.

    Example: opportune worker
    """
    state = get_state(ctx)
    core = state.open()
    job_worker = JobWorker(core, kinds=kind or None, periodic=periodic)
    if once:
        ran = job_worker.run_until_idle()
        note(f"Ran {ran} job(s); none is due now.")
        return
    configure_logging(core.settings)  # a long-running worker logs what it does
    _stop_on_signals(job_worker)
    note(f"Job worker {job_worker.name} is running (Ctrl+C to stop)", style="bold")
    job_worker.run()
    note("Job worker stopped.")


def _stop_on_signals(job_worker: JobWorker) -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Signal %s: stopping after the running job", signum)
        job_worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    state_: Annotated[
        list[str] | None,
        typer.Option("--state", help="queued, running, succeeded, failed, cancelled (repeatable)."),
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of job.")] = None,
    limit: Annotated[int, typer.Option(help="How many jobs (1-500).")] = 50,
    as_json: Json = False,
) -> None:
    """Jobs newest first (administrators see everyone's, others their own).

    Example: opportune jobs list --state failed
    """
    state = get_state(ctx)
    core = state.open()
    found = core.jobs.list(state.actor(), states=state_ or None, kind=kind, limit=limit)
    if as_json:
        print_json([dataclasses.asdict(job) for job in found])
        return
    print_table(("Id", "Kind", "State", "Attempts", "Progress", "Queued", "Finished", "Error"),
                [_row(job) for job in found])  # fmt: skip
    counts = core.jobs.counts()
    note("  ".join(f"{name}: {count}" for name, count in counts.items()))


@app.command("show")
def show_job(ctx: typer.Context, job_id: JobId, as_json: Json = False) -> None:
    """One job with its payload, progress, result and last error."""
    state = get_state(ctx)
    job = state.open().jobs.get(state.actor(), job_id)
    if as_json:
        print_json(dataclasses.asdict(job))
        return
    rows = [(name, show(value)) for name, value in dataclasses.asdict(job).items()]
    print_table(("Field", "Value"), rows, title=f"Job {job.id}")


@app.command("cancel")
def cancel(ctx: typer.Context, job_id: JobId) -> None:
    """Cancel a job: a queued one at once, a running one at its next progress report."""
    state = get_state(ctx)
    job = state.open().jobs.cancel(state.actor(), job_id)
    if job.is_finished:
        note(f"Job {job.id} cancelled.")
    else:
        note(f"Job {job.id} is running: asked to stop at its next progress report.")


@app.command("retry")
def retry(ctx: typer.Context, job_id: JobId) -> None:
    """Queue a failed or cancelled job again."""
    state = get_state(ctx)
    job = state.open().jobs.retry(state.actor(), job_id)
    note(f"Job {job.id} queued again.")


def _row(job: Job) -> tuple[Any, ...]:
    return (job.id, job.kind, job.state.value, f"{job.attempts}/{job.max_attempts}",
            job.progress_text, show(job.created_at), show(job.finished_at),
            (job.error or "").splitlines()[0][:60] if job.error else "")  # fmt: skip
