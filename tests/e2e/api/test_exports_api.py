"""CSV exports through the REST API, and an export imported back as it is."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete

from opportune import Opportune, User
from opportune.db import tables as t
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error
from tests.e2e.api.test_imports_api import wait_until_done

COMPARED = (
    "salutation", "first_name", "last_name", "company", "title", "email", "phone", "website",
    "city", "country", "description", "campaign", "status", "lead_source", "rating",
    "industry", "annual_revenue", "number_of_employees", "owner_id", "do_not_call",
)  # fmt: skip


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def add_leads(core: Opportune, admin: User, rep: User) -> None:
    core.leads.create(rep, {
        "salutation": "Dr.", "first_name": "Zoë", "last_name": "Ng, Jr.", "company": "Acme \"AG\"",
        "title": "CTO", "email": "zoe@acme.example", "phone": "+49 30 1234", "city": "Berlin",
        "country": "Germany", "description": "Met at the fair\nwants a demo", "campaign": "Fair",
        "lead_source": "Web", "rating": "Hot", "industry": "Technology",
        "annual_revenue": "2500000.5", "number_of_employees": 120, "do_not_call": True,
        "status": "Working - Contacted",
    })  # fmt: skip
    core.leads.create(admin, {"last_name": "Plain", "company": "Simple Co"})
    core.leads.create(
        rep, {"last_name": "Other", "company": "Else", "lead_source": "Partner Referral"}
    )


def test_lead_export_streams_the_filtered_list_as_csv(
    client: TestClient, core: Opportune, admin: User, rep: User, as_admin: Headers
) -> None:
    add_leads(core, admin, rep)
    response = client.get(
        f"/api/v1/leads/export.csv?owner={rep.email}&lead_source=Web", headers=as_admin
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="leads-')
    (row,) = rows_of(response.text)
    assert (row["last_name"], row["owner_id"], row["lead_source"]) == ("Ng, Jr.", rep.email, "Web")
    everything = client.get("/api/v1/leads/export.csv?limit=1", headers=as_admin)
    assert len(rows_of(everything.text)) == 3  # an export ignores the page size


def test_every_list_exports(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    account = core.accounts.create(admin, {"name": "Bank", "industry": "Banking"})
    core.contacts.create(admin, {"last_name": "Ng", "account_id": account.id})
    core.opportunities.create(admin, {"name": "Deal", "account_id": account.id,
                                      "close_date": "2026-09-30"})  # fmt: skip
    for path, name in (("accounts", "Bank"), ("contacts", "Ng"), ("opportunities", "Deal")):
        response = client.get(f"/api/v1/{path}/export.csv", headers=as_admin)
        assert response.status_code == 200, response.text
        assert f'filename="{path}-' in response.headers["content-disposition"]
        (row,) = rows_of(response.text)
        assert name in row.values()
    banks = client.get("/api/v1/accounts/export.csv?industry=Retail", headers=as_admin)
    assert rows_of(banks.text) == [] and banks.text.startswith("id,name,")


def test_bad_filters_get_a_json_error_not_a_broken_file(
    client: TestClient, as_admin: Headers
) -> None:
    response = client.get("/api/v1/leads/export.csv?status=Nope&sort=shoe", headers=as_admin)
    body = assert_error(response, 422)
    assert {f["field"] for f in body["fields"]} == {"status", "sort"}
    assert_error(
        client.get("/api/v1/opportunities/export.csv?state=someday", headers=as_admin), 422
    )
    assert_error(client.get("/api/v1/leads/export.csv"), 401)


def test_an_export_imports_back_with_the_same_values(
    client: TestClient, core: Opportune, admin: User, rep: User, as_admin: Headers
) -> None:
    add_leads(core, admin, rep)
    exported = client.get("/api/v1/leads/export.csv?sort=last_name", headers=as_admin).text
    before = [{k: r[k] for k in COMPARED} for r in rows_of(exported)]
    with core.engine.begin() as conn:  # the same users and picklists, no leads
        conn.execute(delete(t.leads))
    files = {"file": ("leads.csv", exported.encode("utf-8"), "text/csv")}
    response = client.post(
        "/api/v1/imports", headers=as_admin, data={"object_type": "lead", "assign": "false"},
        files=files,
    )  # fmt: skip
    done: dict[str, Any] = wait_until_done(client, as_admin, response.headers["Location"])
    assert (done["status"], done["created_count"], done["error_count"]) == ("completed", 3, 0)
    assert done["mapping"]["id"] is None  # the id column is left out, not refused
    again = client.get("/api/v1/leads/export.csv?sort=last_name", headers=as_admin).text
    after = [{k: r[k] for k in COMPARED} for r in rows_of(again)]
    assert after == before
