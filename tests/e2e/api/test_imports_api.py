"""CSV imports through the REST API: upload, follow, error file, revert, resume, limits."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from opportune.services.filters import LeadFilters
from opportune.services.imports.cleanup import uploads_root
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error

GOOD = (
    "First Name,Last Name,Company,Email,Lead Source\r\n"
    "Ada,Lovelace,Engines Ltd,ada@example.org,Web\r\n"
    "Alan,Turing,Bletchley,alan@example.org,web\r\n"
)
WITH_BAD_ROW = GOOD + "Grace,,Navy,grace@example.org,Web\r\n"


def upload(
    client: TestClient, headers: Headers, text: str, name: str = "leads.csv", **fields: str
) -> Any:
    data = {"object_type": "lead", **fields}
    files = {"file": (name, text.encode("utf-8"), "text/csv")}
    return client.post("/api/v1/imports", headers=headers, data=data, files=files)


def wait_until_done(client: TestClient, headers: Headers, url: str) -> dict[str, Any]:
    """Poll the import until the background thread has finished it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url, headers=headers).json()
        if body["status"] in ("completed", "failed", "reverted"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish: {body}")


def stored_uploads(core: Opportune) -> list[Path]:
    """Files kept under the upload folder."""
    return [p for p in (core.settings.data_dir / "imports" / "uploads").rglob("*") if p.is_file()]


def lead_names(core: Opportune, actor: User) -> set[str]:
    page = core.leads.list(actor, LeadFilters(limit=100)).page
    return {lead.name for lead in page.items}


def test_an_upload_answers_202_at_once_and_the_import_runs_in_the_background(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    response = upload(client, as_admin, GOOD)
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] in ("pending", "running", "completed")
    assert started["file_name"] == "leads.csv"
    assert response.headers["Location"].endswith(f"/api/v1/imports/{started['id']}")
    done = wait_until_done(client, as_admin, response.headers["Location"])
    assert done["status"] == "completed", done
    assert (done["rows_total"], done["rows_done"], done["created_count"]) == (2, 2, 2)
    assert done["error_count"] == 0 and done["errors_url"] is None
    assert done["percent"] == 100.0
    assert done["mapping"]["First Name"] == "first_name"
    assert lead_names(core, admin) == {"Ada Lovelace", "Alan Turing"}
    listed = client.get("/api/v1/imports", headers=as_admin).json()
    assert [item["id"] for item in listed["items"]] == [started["id"]]


def test_the_same_file_again_imports_nothing(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    first = upload(client, as_admin, GOOD)
    wait_until_done(client, as_admin, first.headers["Location"])
    again = upload(client, as_admin, GOOD)
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.json()["already_done"] is True
    assert len(lead_names(core, admin)) == 2


def test_rejected_rows_are_in_the_error_file(client: TestClient, as_admin: Headers) -> None:
    response = upload(client, as_admin, WITH_BAD_ROW)
    done = wait_until_done(client, as_admin, response.headers["Location"])
    assert (done["created_count"], done["error_count"]) == (2, 1)
    errors = client.get(done["errors_url"], headers=as_admin)
    assert errors.status_code == 200
    assert errors.headers["content-type"].startswith("text/csv")
    assert "leads-errors.csv" in errors.headers["content-disposition"]
    assert "Grace" in errors.text and "navy" in errors.text.lower()
    assert "Last Name" in errors.text.splitlines()[0]
    no_errors = upload(client, as_admin, GOOD.replace("Ada", "Ida"))
    clean = wait_until_done(client, as_admin, no_errors.headers["Location"])
    missing = client.get(f"/api/v1/imports/{clean['id']}/errors", headers=as_admin)
    assert_error(missing, 404)


def test_an_import_can_be_reverted(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    response = upload(client, as_admin, GOOD)
    done = wait_until_done(client, as_admin, response.headers["Location"])
    reverted = client.post(f"/api/v1/imports/{done['id']}/revert", headers=as_admin)
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["status"] == "reverted"
    assert reverted.json()["reverted_by_id"] == admin.id
    assert lead_names(core, admin) == set()


def test_an_interrupted_import_resumes_through_the_api(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers, tmp_path: Path
) -> None:
    path = tmp_path / "waiting.csv"
    path.write_text(GOOD, encoding="utf-8")
    job = core.imports.start(admin, "lead", path)  # recorded, never run: as after a crash
    response = client.post(f"/api/v1/imports/{job.id}/resume", headers=as_admin)
    assert response.status_code == 202, response.text
    done = wait_until_done(client, as_admin, f"/api/v1/imports/{job.id}")
    assert (done["status"], done["created_count"]) == ("completed", 2)
    finished = client.post(f"/api/v1/imports/{job.id}/resume", headers=as_admin)
    assert_error(finished, 409, "IMPORT_FINISHED")


def test_an_upload_over_the_limit_is_refused_with_413(
    client: TestClient, core: Opportune, as_admin: Headers
) -> None:
    core.settings.import_max_bytes = 100  # the header says less than that plus the slack
    response = upload(client, as_admin, GOOD * 5)
    body = assert_error(response, 413, "REQUEST_TOO_LARGE")
    assert "OPPORTUNE_IMPORT_MAX_BYTES" in body["message"] and "100 bytes" in body["message"]
    core.settings.import_max_bytes = 10
    huge = "x" * (80 * 1024)  # over the limit by the request length alone
    assert_error(upload(client, as_admin, huge), 413, "REQUEST_TOO_LARGE")
    assert stored_uploads(core) == []
    assert client.get("/api/v1/imports", headers=as_admin).json()["items"] == []


def test_a_file_name_with_a_path_cannot_write_elsewhere(
    client: TestClient, core: Opportune, as_admin: Headers, tmp_path: Path
) -> None:
    for name in ("../../../evil.csv", "..\\..\\evil.csv", "/etc/evil.csv", "..", ".hidden.csv"):
        response = upload(client, as_admin, GOOD.replace("Ada", f"Ada{len(name)}"), name=name)
        assert response.status_code == 202, response.text
        file_name = response.json()["file_name"]
        assert "/" not in file_name and "\\" not in file_name and not file_name.startswith(".")
        wait_until_done(client, as_admin, response.headers["Location"])
    uploads = (core.settings.data_dir / "imports" / "uploads").resolve()
    written = [p.resolve() for p in tmp_path.rglob("*evil*")]
    assert len(written) == 3 and all(uploads in p.parents for p in written)
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path.parent / "evil.csv").exists()
    assert not Path("/etc/evil.csv").exists()


def test_bad_options_are_named_and_nothing_is_kept(
    client: TestClient, core: Opportune, as_admin: Headers
) -> None:
    response = upload(client, as_admin, GOOD, duplicates="maybe", mapping="{not json")
    body = assert_error(response, 422)
    assert {f["field"] for f in body["fields"]} == {"mapping"}
    response = upload(client, as_admin, GOOD, duplicates="maybe")
    assert_error(response, 422, field="duplicates")
    response = client.post("/api/v1/imports", headers=as_admin, data={"object_type": "lead"})
    assert_error(response, 422, field="file")
    no_company = "Last Name\r\nNg\r\n"
    assert_error(upload(client, as_admin, no_company), 422, "REQUIRED_FIELD_MISSING")
    assert stored_uploads(core) == []


def test_options_as_json_and_a_hand_made_mapping(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    text = "Who,Firm,Notes\r\nNg,Acme,first\r\n"
    options = {"mapping": {"Who": "last_name", "Firm": "company", "Notes": None}, "assign": False}
    response = upload(client, as_admin, text, options=json.dumps(options))
    done = wait_until_done(client, as_admin, response.headers["Location"])
    assert done["created_count"] == 1
    assert done["mapping"] == {"Who": "last_name", "Firm": "company", "Notes": None}
    (lead,) = core.leads.list(admin, LeadFilters()).page.items
    assert (lead.last_name, lead.company, lead.description) == ("Ng", "Acme", None)


def test_preview_shows_the_mapping_rows_and_problems(
    client: TestClient, core: Opportune, as_admin: Headers
) -> None:
    files = {"file": ("p.csv", b"Surname,Organisation,Shoe size\r\nNg,Acme,42\r\n", "text/csv")}
    response = client.post(
        "/api/v1/imports/preview", headers=as_admin, data={"object_type": "lead"}, files=files
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mapping"] == {"Surname": "last_name", "Organisation": "company", "Shoe size": None}
    assert body["ignored"] == ["Shoe size"] and body["problems"] == []
    assert body["rows"] == [{"Surname": "Ng", "Organisation": "Acme", "Shoe size": "42"}]
    files = {"file": ("p.csv", b"Surname\r\nNg\r\n", "text/csv")}
    broken = client.post(
        "/api/v1/imports/preview", headers=as_admin, data={"object_type": "lead"}, files=files
    ).json()
    assert [p["field"] for p in broken["problems"]] == ["company"]
    assert client.get("/api/v1/imports", headers=as_admin).json()["items"] == []


def test_saved_mappings(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    body = {
        "object_type": "lead",
        "name": "Fair list",
        "columns": {"Who": "last_name", "Firm": "company"},
    }
    saved = client.post("/api/v1/import-mappings", headers=as_admin, json=body)
    assert saved.status_code == 201, saved.text
    listed = client.get("/api/v1/import-mappings?object_type=lead", headers=as_admin).json()
    assert [(m["name"], m["columns"]) for m in listed] == [("Fair list", body["columns"])]
    assert client.get("/api/v1/import-mappings?object_type=account", headers=as_admin).json() == []
    response = upload(client, as_admin, "Who,Firm\r\nNg,Acme\r\n", saved_mapping="Fair list")
    assert wait_until_done(client, as_admin, response.headers["Location"])["created_count"] == 1
    bad = client.post("/api/v1/import-mappings", headers=as_admin,
                      json={**body, "columns": {"Who": "shoe_size"}})  # fmt: skip
    assert_error(bad, 422)


def test_imports_need_a_signed_in_user(client: TestClient) -> None:
    assert_error(client.get("/api/v1/imports"), 401)
    files = {"file": ("x.csv", GOOD.encode(), "text/csv")}
    assert_error(client.post("/api/v1/imports", data={"object_type": "lead"}, files=files), 401)


def test_the_server_removes_old_uploads_nothing_needs_when_it_starts(core: Opportune) -> None:
    folder = uploads_root(core.settings.data_dir) / "1" / ("a" * 32)
    folder.mkdir(parents=True)
    (folder / "leads.csv").write_text(GOOD)
    then = time.time() - 25 * 3600
    for item in (folder / "leads.csv", folder):
        os.utime(item, (then, then))

    with TestClient(create_app(core=core)):
        pass  # start-up runs the clean-up; shutting down waits for it

    assert not folder.exists()
