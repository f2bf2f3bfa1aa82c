"""Job rules: the retry back-off, when a running job counts as abandoned, finished states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune.domain.jobs import Job, JobState, retry_delay

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def job(**values: object) -> Job:
    base: dict[str, object] = {
        "id": 1, "kind": "import", "payload": {}, "state": JobState.QUEUED, "priority": 0,
        "attempts": 0, "max_attempts": 3, "run_after": T0, "created_at": T0,
    }  # fmt: skip
    return Job(**{**base, **values})  # type: ignore[arg-type]


def test_each_retry_waits_twice_as_long_up_to_an_hour() -> None:
    waits = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert waits[:5] == [10, 20, 40, 80, 160]
    assert waits[-1] == 3600 and max(waits) == 3600
    with pytest.raises(ValueError, match="attempts"):
        retry_delay(0)


def test_a_running_job_is_abandoned_once_its_worker_stops_reporting() -> None:
    running = job(state=JobState.RUNNING, started_at=T0, heartbeat_at=T0 + timedelta(minutes=5))
    stale = timedelta(minutes=2)
    assert not running.is_stale(T0 + timedelta(minutes=7), stale)
    assert running.is_stale(T0 + timedelta(minutes=7, seconds=1), stale)
    assert not job().is_stale(T0 + timedelta(days=1), stale)  # queued jobs are never stale


def test_finished_states_and_attempts_left() -> None:
    assert [job(state=s).is_finished for s in JobState] == [False, False, True, True, True]
    assert job(attempts=2).can_retry and not job(attempts=3).can_retry


def test_progress_in_words() -> None:
    assert job(progress={"rows_done": 1200, "rows_total": 5000}).progress_text == "1,200 of 5,000"
    assert job(progress={"done": 3}).progress_text == "3"
    assert job(progress={"message": "processing"}).progress_text == "processing"
    assert job().progress_text == ""
