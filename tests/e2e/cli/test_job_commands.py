"""``opportune worker`` and ``opportune jobs``: running, listing, showing, cancelling and
retrying background jobs from the command line; several worker processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opportune import Opportune, User
from opportune.domain.jobs import JobKind, JobState
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


@pytest.fixture
def cli(run: Run, tmp_path: Path) -> Run:
    """The CLI with this test's data folder."""
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "data")}
    return lambda *args, **kwargs: run(*args, env=env, **kwargs)


def test_worker_once_runs_the_due_jobs_and_jobs_list_shows_them(
    cli: Run, core: Opportune, rep: User, admin: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    job = core.jobs.queue_conversions(
        rep, [{"lead_id": lead.id, "converted_status": "Closed - Converted"}]
    )
    listed = ok_json(cli("jobs", "list", "--state", "queued", "--json"))
    assert [(j["id"], j["kind"]) for j in listed] == [(job.id, "bulk_conversion")]

    result = cli("worker", "--once", "--no-periodic")
    assert result.exit_code == 0, result.output
    assert "Ran 1 job(s)" in result.stdout

    shown = ok_json(cli("jobs", "show", str(job.id), "--json"))
    assert shown["state"] == "succeeded" and shown["result"]["succeeded"] == 1
    assert core.leads.get(rep, lead.id).is_converted
    table = cli("jobs", "list")
    assert table.exit_code == 0 and "bulk_conversion" in table.stdout
    assert "succeeded: 1" in table.stdout


def test_jobs_cancel_and_retry(cli: Run, core: Opportune, admin: User) -> None:
    job = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE)
    cancelled = cli("jobs", "cancel", str(job.id))
    assert cancelled.exit_code == 0 and f"Job {job.id} cancelled" in cancelled.stdout
    again = one_error_line(cli("jobs", "cancel", str(job.id)), 5)
    assert "nothing to cancel" in again
    retried = cli("jobs", "retry", str(job.id))
    assert retried.exit_code == 0, retried.output
    assert core.jobs.get(None, job.id).state is JobState.QUEUED


def test_an_unknown_job_is_a_clear_error(cli: Run, admin: User) -> None:
    line = one_error_line(cli("jobs", "show", "424242"), 3)
    assert "Job 424242 does not exist" in line


@pytest.mark.postgres
def test_several_worker_processes_never_run_a_job_twice(pg_database: str, tmp_path: Path) -> None:
    """Three ``opportune worker`` processes on one PostgreSQL queue: every job runs once."""
    from tests.conftest import make_settings

    core = Opportune(make_settings(pg_database, tmp_path))
    try:
        core.migrate()
        ids = [core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, {"n": n}).id for n in range(90)]
        env = {**os.environ, "OPPORTUNE_DATABASE_URL": pg_database,
               "OPPORTUNE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        opportune = str(Path(sys.executable).with_name("opportune"))
        command = [opportune, "worker", "--once", "--no-periodic"]
        workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT) for _ in range(3)]  # fmt: skip
        outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        done = [core.jobs.get(None, job_id) for job_id in ids]
        assert all(j.state is JobState.SUCCEEDED and j.attempts == 1 for j in done)
        ran = sum(int(out.split("Ran ")[1].split(" ")[0]) for out in outputs)
        assert ran == len(ids)  # no job ran twice
    finally:
        core.close()
