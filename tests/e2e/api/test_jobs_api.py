"""Background jobs through the REST API: queue a bulk conversion and a reassignment, follow
them to their end, cancel, retry, and only see your own jobs."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.domain.jobs import JobKind
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error


def follow(client: TestClient, url: str, headers: Headers, timeout: float = 30) -> dict[str, Any]:
    """Poll a job until it has ended (the app's embedded worker runs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(url, headers=headers).json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {url} still {job['state']} after {timeout} s")


def test_a_bulk_conversion_runs_in_the_background(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    leads = [
        core.leads.create(rep, {"last_name": f"Ng{n}", "company": f"Co {n}"}) for n in range(4)
    ]
    items = [{"lead_id": lead.id, "converted_status": "Closed - Converted"} for lead in leads]
    response = client.post("/api/v1/jobs/conversions", json={"items": items}, headers=as_rep)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["kind"] == "bulk_conversion" and queued["state"] in ("queued", "running")
    assert response.headers["Location"] == queued["url"] == f"/api/v1/jobs/{queued['id']}"

    done = follow(client, queued["url"], as_rep)
    assert done["state"] == "succeeded", done
    assert done["result"]["succeeded"] == 4 and done["result"]["failed"] == 0
    assert all(core.leads.get(rep, lead.id).is_converted for lead in leads)


def test_reassignment_in_the_background_is_for_managers(
    client: TestClient, as_rep: Headers, as_manager: Headers
) -> None:
    refused = client.post("/api/v1/jobs/reassignments", json={}, headers=as_rep)
    assert_error(refused, 403)
    response = client.post("/api/v1/jobs/reassignments", json={"status": ["Open - Not Contacted"]},
                           headers=as_manager)  # fmt: skip
    assert response.status_code == 202, response.text
    done = follow(client, response.json()["url"], as_manager)
    # No active assignment rule: the job fails at once, saying why, and is not retried.
    assert done["state"] == "failed" and "NO_ACTIVE_RULE" in done["error"]
    assert done["attempts"] == 1


def test_jobs_are_listed_counted_cancelled_and_retried(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    client.app.state.embedded_worker.stop()  # keep the job queued while the test looks
    job = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, created_by_id=admin.id)
    listed = client.get("/api/v1/jobs", params={"state": "queued"}, headers=as_admin).json()
    assert job.id in [j["id"] for j in listed]
    counts = client.get("/api/v1/jobs/counts", headers=as_admin).json()
    assert counts["queued"] >= 1 and set(counts) == {"queued", "running", "succeeded",
                                                     "failed", "cancelled"}  # fmt: skip

    cancelled = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=as_admin)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert_error(client.post(f"/api/v1/jobs/{job.id}/cancel", headers=as_admin), 409,
                 "JOB_FINISHED")  # fmt: skip
    retried = client.post(f"/api/v1/jobs/{job.id}/retry", headers=as_admin)
    assert retried.status_code == 200 and retried.json()["state"] == "queued"


def test_others_jobs_are_not_found_and_bad_input_names_the_field(
    client: TestClient, core: Opportune, manager: User, as_rep: Headers
) -> None:
    theirs = core.jobs.enqueue(JobKind.RECYCLE_BIN_PURGE, created_by_id=manager.id)
    assert_error(client.get(f"/api/v1/jobs/{theirs.id}", headers=as_rep), 404)
    assert_error(client.post(f"/api/v1/jobs/{theirs.id}/cancel", headers=as_rep), 404)
    assert theirs.id not in [j["id"] for j in client.get("/api/v1/jobs", headers=as_rep).json()]
    bad = client.get("/api/v1/jobs", params={"state": "sleeping"}, headers=as_rep)
    assert_error(bad, 422)
    assert "state" in bad.text
    empty = client.post("/api/v1/jobs/conversions", json={"items": []}, headers=as_rep)
    assert_error(empty, 422)
    assert "items" in empty.text
