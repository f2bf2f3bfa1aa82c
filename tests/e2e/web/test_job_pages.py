"""Setup → Background jobs: counts by state, progress and errors, Cancel and Retry, CSRF,
and reps seeing only their own jobs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.domain.jobs import JobKind
from tests.e2e.web.conftest import SignIn


def test_an_admin_sees_every_job_cancels_one_and_retries_it(
    client: TestClient, core: Opportune, rep: User, admin: User, sign_in: SignIn
) -> None:
    client.app.state.embedded_worker.stop()  # keep the jobs queued while the test looks
    mine = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, created_by_id=admin.id)
    theirs = core.jobs.enqueue(JobKind.BULK_CONVERSION, {"items": []}, created_by_id=rep.id)
    token = sign_in(admin)
    assert 'href="/setup/jobs"' in client.get("/setup").text
    page = client.get("/setup/jobs").text
    assert f'data-job="{mine.id}"' in page and f'data-job="{theirs.id}"' in page
    queued = core.jobs.counts()["queued"]  # these two and the scheduled ones
    assert queued >= 2 and f'data-count="queued">{queued}<' in page

    refused = client.post(f"/setup/jobs/{mine.id}/cancel", data={})
    assert refused.status_code == 403  # no CSRF token
    cancelled = client.post(f"/setup/jobs/{mine.id}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    after = client.get("/setup/jobs?state=cancelled").text
    assert f"Job {mine.id} cancelled." in after and f'data-job="{theirs.id}"' not in after
    assert f'aria-label="Retry job {mine.id}"' in after
    retried = client.post(f"/setup/jobs/{mine.id}/retry", data={"csrf_token": token})
    assert retried.status_code == 303
    assert core.jobs.get(None, mine.id).state.value == "queued"


def test_a_rep_sees_only_own_jobs_and_bad_filters_are_refused(
    client: TestClient, core: Opportune, rep: User, admin: User, sign_in: SignIn
) -> None:
    client.app.state.embedded_worker.stop()
    mine = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, created_by_id=rep.id)
    other = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, created_by_id=admin.id)
    token = sign_in(rep)
    page = client.get("/setup/jobs").text
    assert f'data-job="{mine.id}"' in page and f'data-job="{other.id}"' not in page
    assert (
        client.post(f"/setup/jobs/{other.id}/cancel", data={"csrf_token": token}).status_code == 404
    )
    assert client.get("/setup/jobs?state=sleeping").status_code == 422
