"""The background job queue on both engines: queueing, taking, progress, back-off,
cancelling, retrying, taking back jobs of dead workers, and no job taken twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opportune import ConflictError, NotFoundError, Opportune, PermissionDeniedError, User
from opportune.domain.jobs import Job, JobCancelled, JobKind, JobState, retry_delay
from opportune.errors import ValidationError
from opportune.services import job_handlers
from opportune.services.job_worker import JobWorker
from opportune.services.jobs import JobService
from tests.conftest import make_settings


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def jobs(core: Opportune, clock: FrozenClock) -> JobService:
    """The job service over the test database, on a clock the test moves."""
    return JobService(core.engine, clock, core.settings)


def purge_job(jobs: JobService, **kwargs: Any) -> Job:
    return jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, {}, **kwargs)


def test_a_queued_job_is_taken_once_and_finished(jobs: JobService) -> None:
    queued = purge_job(jobs)
    assert queued.state is JobState.QUEUED and queued.attempts == 0

    taken = jobs.claim("w1")
    assert taken is not None and taken.id == queued.id
    assert taken.state is JobState.RUNNING and taken.worker == "w1" and taken.attempts == 1
    assert jobs.claim("w2") is None  # nothing else is due

    jobs.heartbeat(taken.id, "w1", {"done": 3, "total": 10})
    assert jobs.get(None, taken.id).progress == {"done": 3, "total": 10}
    jobs.succeed(taken.id, "w1", {"purged": 4})
    done = jobs.get(None, taken.id)
    assert done.state is JobState.SUCCEEDED and done.result == {"purged": 4}
    assert done.finished_at is not None
    assert jobs.counts() == {"queued": 0, "running": 0, "succeeded": 1, "failed": 0,
                             "cancelled": 0}  # fmt: skip


def test_higher_priority_and_earlier_jobs_go_first(jobs: JobService, clock: FrozenClock) -> None:
    low = purge_job(jobs)
    later = purge_job(jobs, delay=timedelta(minutes=5))
    high = purge_job(jobs, priority=5)
    assert [jobs.claim("w").id for _ in range(2)] == [high.id, low.id]  # type: ignore[union-attr]
    assert jobs.claim("w") is None  # the delayed one is not due yet
    clock.advance(minutes=5)
    assert jobs.claim("w").id == later.id  # type: ignore[union-attr]


def test_a_unique_key_keeps_one_unfinished_job(jobs: JobService) -> None:
    first = purge_job(jobs, unique_key="purge")
    again = purge_job(jobs, unique_key="purge")
    assert again.id == first.id
    taken = jobs.claim("w")
    assert taken is not None
    assert purge_job(jobs, unique_key="purge").id == first.id  # still running
    jobs.succeed(taken.id, "w", {})
    assert purge_job(jobs, unique_key="purge").id != first.id  # finished: a new one


def test_a_failed_attempt_waits_longer_each_time_then_fails_for_good(
    jobs: JobService, clock: FrozenClock
) -> None:
    job = purge_job(jobs)
    for attempt in range(1, job.max_attempts + 1):
        taken = jobs.claim("w")
        assert taken is not None and taken.attempts == attempt
        after = jobs.fail(job.id, "w", "database restarting")
        assert after is not None and after.error == "database restarting"
        if attempt < job.max_attempts:
            assert after.state is JobState.QUEUED
            assert after.run_after == clock.now + retry_delay(attempt)
            assert jobs.claim("w") is None  # backing off
            clock.advance(seconds=retry_delay(attempt).total_seconds())
    final = jobs.get(None, job.id)
    assert final.state is JobState.FAILED and final.attempts == job.max_attempts


def test_a_failure_without_retry_fails_at_once(jobs: JobService) -> None:
    job = purge_job(jobs)
    jobs.claim("w")
    after = jobs.fail(job.id, "w", "INVALID: no such lead", retry=False)
    assert after is not None and after.state is JobState.FAILED and after.attempts == 1


def test_cancelling_a_queued_job_ends_it_and_a_running_one_stops_at_its_next_report(
    jobs: JobService, admin: User
) -> None:
    queued = purge_job(jobs, created_by_id=admin.id)
    assert jobs.cancel(admin, queued.id).state is JobState.CANCELLED
    assert jobs.claim("w") is None
    with pytest.raises(ConflictError) as finished:
        jobs.cancel(admin, queued.id)
    assert finished.value.code == "JOB_FINISHED"

    running = purge_job(jobs, created_by_id=admin.id)
    jobs.claim("w")
    asked = jobs.cancel(admin, running.id)
    assert asked.state is JobState.RUNNING and asked.cancel_requested
    with pytest.raises(JobCancelled):
        jobs.heartbeat(running.id, "w", {"done": 1})
    jobs.cancelled(running.id, "w")
    assert jobs.get(admin, running.id).state is JobState.CANCELLED


def test_a_failed_or_cancelled_job_can_be_retried(jobs: JobService, admin: User) -> None:
    job = purge_job(jobs, created_by_id=admin.id)
    jobs.claim("w")
    jobs.fail(job.id, "w", "boom", retry=False)
    again = jobs.retry(admin, job.id)
    assert again.state is JobState.QUEUED and again.attempts == 0
    taken = jobs.claim("w")
    assert taken is not None and taken.id == job.id
    with pytest.raises(ConflictError) as running:
        jobs.retry(admin, job.id)
    assert running.value.code == "JOB_NOT_RETRYABLE"


def test_a_job_whose_worker_stopped_reporting_is_taken_again(
    jobs: JobService, clock: FrozenClock, core: Opportune
) -> None:
    job = purge_job(jobs)
    jobs.claim("lost-host:1:worker")
    clock.advance(seconds=core.settings.job_stale_seconds - 1)
    assert jobs.recover_abandoned() == []
    clock.advance(seconds=2)
    assert jobs.recover_abandoned() == [job.id]
    back = jobs.get(None, job.id)
    assert back.state is JobState.QUEUED and "stopped reporting" in (back.error or "")
    # The old worker lost the job: its reports and its finish are refused or ignored.
    clock.advance(seconds=retry_delay(1).total_seconds())
    taken = jobs.claim("new-host:2:worker")
    assert taken is not None and taken.attempts == 2
    with pytest.raises(JobCancelled):
        jobs.heartbeat(job.id, "lost-host:1:worker", None)
    jobs.succeed(job.id, "lost-host:1:worker", {"late": True})
    assert jobs.get(None, job.id).state is JobState.RUNNING


def test_jobs_of_dead_processes_on_this_machine_go_back_at_once(jobs: JobService) -> None:
    from opportune.services.jobs import worker_name

    job = purge_job(jobs)
    dead = worker_name("worker").rsplit(":", 2)[0] + ":999999999:worker"
    jobs.claim(dead)
    assert jobs.recover_dead_local(alive={1}) == [job.id]
    again = jobs.claim("w")
    assert again is not None and again.id == job.id  # no back-off wait


def test_people_see_and_change_only_their_own_jobs(
    jobs: JobService, admin: User, rep: User, manager: User
) -> None:
    mine = purge_job(jobs, created_by_id=rep.id)
    theirs = purge_job(jobs, created_by_id=manager.id)
    assert [j.id for j in jobs.list(rep)] == [mine.id]
    assert {j.id for j in jobs.list(admin)} == {mine.id, theirs.id}
    with pytest.raises(NotFoundError):
        jobs.get(rep, theirs.id)
    with pytest.raises(NotFoundError):
        jobs.cancel(rep, theirs.id)
    assert jobs.cancel(admin, theirs.id).state is JobState.CANCELLED


def test_bad_filters_and_kinds_are_refused_naming_the_field(jobs: JobService) -> None:
    with pytest.raises(ValidationError) as state:
        jobs.list(None, states=["sleeping"])
    assert state.value.fields[0].field == "state"
    with pytest.raises(ValidationError) as kind:
        jobs.enqueue("dance", {})
    assert kind.value.fields[0].field == "kind"
    with pytest.raises(ValidationError) as limit:
        jobs.list(None, limit=0)
    assert limit.value.fields[0].field == "limit"


def test_reps_cannot_queue_reassignment(jobs: JobService, rep: User) -> None:
    with pytest.raises(PermissionDeniedError):
        jobs.queue_reassignment(rep, {})


def test_a_periodic_job_is_queued_once_and_again_after_it_ran(
    jobs: JobService, clock: FrozenClock
) -> None:
    hour = timedelta(hours=1)
    first = jobs.ensure_scheduled(JobKind.RECYCLE_BIN_PURGE, hour)
    assert first is not None and first.run_after == clock.now
    assert jobs.ensure_scheduled(JobKind.RECYCLE_BIN_PURGE, hour) is None
    jobs.claim("w")
    jobs.succeed(first.id, "w", {})
    ended = clock.now
    clock.advance(minutes=1)
    second = jobs.ensure_scheduled(JobKind.RECYCLE_BIN_PURGE, hour)
    assert second is not None and second.run_after == ended + hour


def test_concurrent_workers_never_take_the_same_job(core: Opportune) -> None:
    jobs = [core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, {"n": n}).id for n in range(120)]
    taken: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        mine = taken.setdefault(name, [])
        while (job := core.jobs.claim(name)) is not None:
            mine.append(job.id)
            core.jobs.succeed(job.id, name, {})

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [job_id for ids in taken.values() for job_id in ids]
    assert sorted(every) == sorted(jobs)  # each job taken exactly once
    assert all(core.jobs.get(None, j).attempts == 1 for j in jobs[:10])


# --- the worker ---------------------------------------------------------------------------


def test_the_worker_runs_a_bulk_conversion_and_reports_progress(core: Opportune, rep: User) -> None:
    leads = [core.leads.create(rep, {"last_name": f"Ng{n}", "company": f"Co{n}"}) for n in range(3)]
    items = [{"lead_id": lead.id, "converted_status": "Closed - Converted"} for lead in leads]
    items.append({"lead_id": 999_999, "converted_status": "Closed - Converted"})
    job = core.jobs.queue_conversions(rep, items)
    worker = JobWorker(core, periodic=False)
    assert worker.run_once() is not None
    done = core.jobs.get(rep, job.id)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result is not None
    assert (done.result["succeeded"], done.result["failed"]) == (3, 1)
    assert done.result["failures"][0]["lead_id"] == 999_999
    assert all(core.leads.get(rep, lead.id).is_converted for lead in leads)


def test_the_worker_retries_a_crashing_handler_and_fails_bad_input_at_once(
    core: Opportune, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_core: Opportune, _job: Job, _report: Any) -> dict[str, Any]:
        raise RuntimeError("connection reset")

    monkeypatch.setitem(job_handlers.HANDLERS, JobKind.RECYCLE_BIN_PURGE.value, crash)
    crashing = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE)
    JobWorker(core, periodic=False).run_once()
    after = core.jobs.get(None, crashing.id)
    assert after.state is JobState.QUEUED and "RuntimeError: connection reset" in (
        after.error or ""
    )

    bad = core.jobs.enqueue(JobKind.BULK_CONVERSION, {"user_id": 987_654, "items": []})
    JobWorker(core, periodic=False, kinds=[JobKind.BULK_CONVERSION.value]).run_once()
    failed = core.jobs.get(None, bad.id)
    assert failed.state is JobState.FAILED and failed.attempts == 1


def test_a_cancelled_running_job_stops_at_its_next_report(
    core: Opportune, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached = threading.Event()

    def long_work(core_: Opportune, job: Job, report: Any) -> dict[str, Any]:
        for n in range(1000):
            if n == 1:
                reached.set()
            report({"done": n})
            threading.Event().wait(0.01)
        return {"finished": True}

    monkeypatch.setitem(job_handlers.HANDLERS, JobKind.MAINTENANCE.value, long_work)
    job = core.jobs.enqueue(JobKind.MAINTENANCE)
    worker = JobWorker(core, periodic=False)
    worker.beat_interval = 0.05
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    assert reached.wait(10)
    core.jobs.cancel(None, job.id)
    runner.join(20)
    ended = core.jobs.get(None, job.id)
    assert ended.state is JobState.CANCELLED
    assert ended.progress is not None and 0 < ended.progress["done"] < 999


def test_a_job_queued_before_a_restart_runs_in_the_new_process(
    database_url: str, tmp_path: Any
) -> None:
    first = Opportune(make_settings(database_url, tmp_path))
    job = first.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE)
    first.close()
    second = Opportune(make_settings(database_url, tmp_path))
    try:
        assert JobWorker(second, periodic=False).run_until_idle() == 1
        assert second.jobs.get(None, job.id).state is JobState.SUCCEEDED
    finally:
        second.close()
