"""The import pages as HTML: history, upload, column mapping, progress, revert; export links."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from typing import Any

from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.services.filters import LeadFilters
from tests.e2e.web.conftest import SignIn

HX = {"HX-Request": "true"}
CSV_TEXT = (
    "Surname,Firm,Mail,Colour\r\n"
    "Lovelace,Engines Ltd,ada@example.org,blue\r\n"
    "Turing,Bletchley,alan@example.org,green\r\n"
)


def upload(client: TestClient, csrf: str, text: str = CSV_TEXT, kind: str = "lead") -> Any:
    files = {"file": ("fair list.csv", text.encode("utf-8"), "text/csv")}
    data = {"csrf_token": csrf, "object_type": kind, "encoding": "utf-8"}
    return client.post("/imports/upload", data=data, files=files)


def mapping_form(page: str) -> dict[str, str]:
    """The mapping step's hidden fields and each column's chosen field."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    for index, body in re.findall(
        r'<select id="col-(\d+)" name="col_\d+".*?>(.*?)</select>', page, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[f"col_{index}"] = chosen.group(1) if chosen else ""
    return {k: html.unescape(v) for k, v in fields.items()}


def wait_for_status(client: TestClient, import_id: int, *statuses: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = client.get(f"/imports/{import_id}/progress", headers=HX).text
        status = re.search(r'data-status="(\w+)"', fragment)
        assert status, fragment
        if status.group(1) in statuses:
            return fragment
        assert 'hx-trigger="every 1s"' in fragment  # still polling while it runs
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_the_import_page_has_the_upload_form_and_an_empty_history(
    client: TestClient, sign_in: SignIn, rep: User
) -> None:
    sign_in(rep)
    page = client.get("/imports")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'name="file"' in page.text
    assert "No imports yet" in page.text
    assert 'aria-current="page">Import<' in page.text


def test_upload_map_a_column_by_hand_start_follow_and_revert(
    client: TestClient, core: Opportune, sign_in: SignIn, rep: User
) -> None:
    csrf = sign_in(rep)
    step = upload(client, csrf)
    assert step.status_code == 200, step.text
    assert "Map the columns of fair list.csv" in step.text
    form = mapping_form(step.text)
    assert (form["col_0"], form["col_1"], form["col_3"]) == ("last_name", "", "")
    assert form["col_2"] == "email"
    assert "Fix the mapping before importing" in step.text  # Firm is not recognised: no company
    assert "Lovelace" in step.text  # sample values
    form["col_1"] = "company"  # mapped by hand
    checked = client.post("/imports/check", data=form, headers=HX)
    assert checked.status_code == 200
    assert "data-mapping-ok" in checked.text and "<html" not in checked.text
    started = client.post("/imports/start", data={**form, "save_as": "Fair list"})
    assert started.status_code == 303, started.text
    import_id = int(started.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/imports/{import_id}").status_code == 200
    done = wait_for_status(client, import_id, "completed", "failed")
    assert 'data-status="completed"' in done and "hx-trigger" not in done
    assert re.search(r'data-count="created">2<', done)
    names = {lead.company for lead in core.leads.list(rep, LeadFilters()).page.items}
    assert names == {"Engines Ltd", "Bletchley"}
    assert [m.name for m in core.imports.mappings("lead")] == ["Fair list"]
    history = client.get("/imports").text
    assert "fair list.csv" in history and "Completed" in history and rep.name in history
    reverted = client.post(f"/imports/{import_id}/revert", data={"csrf_token": csrf})
    assert reverted.status_code == 303
    page = client.get(f"/imports/{import_id}").text
    assert "Reverted" in page and "records it created are removed" in page
    assert core.leads.list(rep, LeadFilters()).page.items == []


def test_a_saved_mapping_fills_the_columns(
    client: TestClient, core: Opportune, sign_in: SignIn, rep: User
) -> None:
    core.imports.save_mapping(rep, "lead", "Fair list", {"Surname": "last_name", "Firm": "company",
                                                           "Colour": "description"})  # fmt: skip
    csrf = sign_in(rep)
    form = mapping_form(upload(client, csrf).text)
    form.update(saved_mapping="Fair list", apply_saved="1")
    refreshed = client.post("/imports/check", data=form, headers=HX)
    chosen = mapping_form(refreshed.text)
    assert (chosen["col_1"], chosen["col_3"]) == ("company", "description")
    assert "data-mapping-ok" in refreshed.text


def test_bad_uploads_get_clear_errors(
    client: TestClient, core: Opportune, sign_in: SignIn, rep: User
) -> None:
    csrf = sign_in(rep)
    assert upload(client, "not-the-token").status_code == 403
    form = mapping_form(upload(client, csrf, "Surname\r\nNg\r\n").text)
    refused = client.post("/imports/start", data=form)
    assert refused.status_code == 422
    assert "The import cannot start" in refused.text and "company" in refused.text
    core.settings.import_max_bytes = 50
    too_big = upload(client, csrf)
    assert too_big.status_code == 413
    assert "OPPORTUNE_IMPORT_MAX_BYTES" in too_big.text
    forged = client.post("/imports/start", data={**form, "upload": "../../etc"})
    assert forged.status_code == 422
    assert core.imports.list(rep).items == []


def test_export_links_carry_the_list_filters(
    client: TestClient, core: Opportune, sign_in: SignIn, rep: User
) -> None:
    core.leads.create(rep, {"last_name": "Ng", "company": "Acme", "rating": "Hot"})
    core.leads.create(rep, {"last_name": "Ode", "company": "Beta", "rating": "Cold"})
    sign_in(rep)
    page = client.get("/leads?rating=Hot")
    link = html.unescape(re.search(r'href="([^"]+)" download data-export-csv', page.text).group(1))
    assert link == "/api/v1/leads/export.csv?rating=Hot"
    rows = list(csv.DictReader(io.StringIO(client.get(link).text, newline="")))
    assert [r["last_name"] for r in rows] == ["Ng"]
    fragment = client.get("/leads?rating=Cold", headers=HX).text
    assert "/api/v1/leads/export.csv?rating=Cold" in fragment
    core.accounts.create(rep, {"name": "Bank", "industry": "Banking"})
    accounts = client.get("/accounts?industry=Banking").text
    link = html.unescape(re.search(r'href="([^"]+)" download data-export-csv', accounts).group(1))
    assert link == "/api/v1/accounts/export.csv?industry=Banking"
    assert "Bank" in client.get(link).text
