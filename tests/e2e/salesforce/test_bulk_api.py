"""Bulk API 2.0 ingest over HTTP: the REST calls, and the real simple-salesforce ``bulk2``."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from simple_salesforce import Salesforce

from opportune import Opportune, User
from opportune.api import create_app

JOBS = "/services/data/v59.0/jobs/ingest"
Headers = dict[str, str]
LEADS = "FirstName,LastName,Company\nAda,Lovelace,Analytical\nGrace,,Navy\nAlan,Turing,Bletchley\n"


@pytest.fixture
def client(core: Opportune) -> Iterator[TestClient]:
    """The whole application over this test's database."""
    with TestClient(create_app(core=core)) as test_client:
        yield test_client


@pytest.fixture
def headers_for(core: Opportune) -> Callable[[User], Headers]:
    """``Authorization`` headers with a fresh API token of a user."""

    def make(user: User) -> Headers:
        assert user.id is not None
        scopes = ["read", "write", "admin"] if user.is_admin else None
        token = core.auth.create_token(None, user.id, "bulk", scopes=scopes).token
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def as_admin(headers_for: Callable[[User], Headers], admin: User) -> Headers:
    """Headers of the administrator."""
    return headers_for(admin)


def create_job(client: TestClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = client.post(JOBS, json={"contentType": "CSV", **body}, headers=headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def upload(client: TestClient, headers: Headers, job_id: str, data: str) -> int:
    csv_headers = {**headers, "Content-Type": "text/csv"}
    return client.put(f"{JOBS}/{job_id}/batches", content=data, headers=csv_headers).status_code


def wait_until_done(client: TestClient, headers: Headers, job_id: str) -> dict[str, Any]:
    """Poll the job, as clients do, until it ends (the work runs in a thread)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"{JOBS}/{job_id}", headers=headers).json()
        if job["state"] in ("JobComplete", "Failed", "Aborted"):
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not end")


def result_rows(
    client: TestClient, headers: Headers, job_id: str, kind: str
) -> list[dict[str, str]]:
    response = client.get(f"{JOBS}/{job_id}/{kind}/", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_job_goes_from_created_to_complete_with_its_results(
    client: TestClient, as_admin: Headers
) -> None:
    job = create_job(client, as_admin, object="Lead", operation="insert")
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert (job["state"], job["object"], job["operation"], job["lineEnding"]) == (
        "Open", "Lead", "insert", "LF",
    )  # fmt: skip
    assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    assert upload(client, as_admin, job["id"], LEADS) == 201
    closed = client.patch(f"{JOBS}/{job['id']}", json={"state": "UploadComplete"},
                          headers=as_admin)  # fmt: skip
    assert closed.json()["state"] == "UploadComplete"
    done = wait_until_done(client, as_admin, job["id"])
    assert (done["state"], done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (
        "JobComplete", 3, 1,
    )  # fmt: skip
    saved = result_rows(client, as_admin, job["id"], "successfulResults")
    assert [r["LastName"] for r in saved] == ["Lovelace", "Turing"]
    assert all(r["sf__Id"].startswith("00Q") for r in saved)
    [failed] = result_rows(client, as_admin, job["id"], "failedResults")
    assert failed["sf__Error"].startswith("REQUIRED_FIELD_MISSING")
    assert result_rows(client, as_admin, job["id"], "unprocessedrecords") == []


def test_an_aborted_job_returns_its_rows_as_unprocessed(
    client: TestClient, as_admin: Headers
) -> None:
    job = create_job(client, as_admin, object="Lead", operation="insert")
    upload(client, as_admin, job["id"], LEADS)
    aborted = client.patch(f"{JOBS}/{job['id']}", json={"state": "Aborted"}, headers=as_admin)
    assert aborted.json()["state"] == "Aborted"
    left = result_rows(client, as_admin, job["id"], "unprocessedrecords")
    assert [r["LastName"] for r in left] == ["Lovelace", "", "Turing"]


def test_jobs_are_listed_and_deleted(client: TestClient, as_admin: Headers) -> None:
    job = create_job(client, as_admin, object="Account", operation="insert")
    listed = client.get(JOBS, headers=as_admin).json()
    assert (listed["done"], listed["nextRecordsUrl"]) == (True, None)
    assert [j["id"] for j in listed["records"]] == [job["id"]]
    assert client.delete(f"{JOBS}/{job['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{JOBS}/{job['id']}", headers=as_admin).status_code == 404


def test_errors_come_in_salesforces_list_shape(client: TestClient, as_admin: Headers) -> None:
    response = client.post(JOBS, json={"object": "Invoice", "operation": "insert"},
                           headers=as_admin)  # fmt: skip
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOB"
    job = create_job(client, as_admin, object="Lead", operation="insert")
    wrong_type = client.put(f"{JOBS}/{job['id']}/batches", content=LEADS,
                            headers={**as_admin, "Content-Type": "application/json"})  # fmt: skip
    assert wrong_type.status_code == 400
    assert upload(client, as_admin, job["id"], LEADS) == 201
    assert upload(client, as_admin, job["id"], LEADS) == 400


def test_another_users_job_is_not_found(
    client: TestClient, as_admin: Headers, headers_for: Callable[[User], Headers], rep: User
) -> None:
    job = create_job(client, as_admin, object="Lead", operation="insert")
    response = client.get(f"{JOBS}/{job['id']}", headers=headers_for(rep))
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_a_job_needs_a_session(client: TestClient) -> None:
    response = client.get(JOBS)
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_simple_salesforce_bulk2_inserts_leads(sf: Salesforce, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    [outcome] = sf.bulk2.Lead.insert(csv_file=str(path), wait=1)
    assert (outcome["numberRecordsProcessed"], outcome["numberRecordsFailed"]) == (3, 1)
    assert outcome["numberRecordsTotal"] == 3
    failed = sf.bulk2.Lead.get_failed_records(outcome["job_id"])
    [row] = list(csv.DictReader(io.StringIO(failed)))
    assert (row["FirstName"], row["sf__Error"].split(":")[0]) == ("Grace", "REQUIRED_FIELD_MISSING")
    saved = sf.bulk2.Lead.get_successful_records(outcome["job_id"])
    assert [r["LastName"] for r in csv.DictReader(io.StringIO(saved))] == ["Lovelace", "Turing"]
