"""Leads through the REST API: create, read, change, delete, and the lead's rules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot, field_codes, mark_converted

Headers = dict[str, str]
ACME = {"first_name": "Nora", "last_name": "Ng", "company": "Acme"}


def create(client: TestClient, headers: Headers, **fields: object) -> dict[str, object]:
    """Create a lead through the API and return it."""
    response = client.post("/api/v1/leads", json={**ACME, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    lead: dict[str, object] = response.json()
    return lead


def test_a_lead_goes_through_create_read_update_and_delete(
    client: TestClient, as_rep: Headers, rep: User
) -> None:
    response = client.post(
        "/api/v1/leads",
        json={**ACME, "email": "Nora@Acme.example", "lead_source": "web",
              "annual_revenue": "250000", "number_of_employees": 40, "do_not_call": True},
        headers=as_rep,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    lead = response.json()
    assert response.headers["Location"].endswith(f"/api/v1/leads/{lead['id']}")
    assert lead["status"] == "Open - Not Contacted"
    assert lead["lead_source"] == "Web"
    assert lead["annual_revenue"] == "250000.00"
    assert lead["owner_id"] == rep.id
    assert lead["owner_name"] == rep.name
    assert lead["name"] == "Nora Ng"

    fetched = client.get(response.headers["Location"], headers=as_rep)
    assert fetched.json() == lead

    changed = client.patch(
        f"/api/v1/leads/{lead['id']}",
        json={"status": "Working - Contacted", "title": "CTO", "first_name": None},
        headers=as_rep,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "Working - Contacted"
    assert changed.json()["title"] == "CTO"
    assert changed.json()["first_name"] is None
    assert changed.json()["version"] == lead["version"] + 1
    assert changed.json()["company"] == "Acme"

    deleted = client.delete(f"/api/v1/leads/{lead['id']}", headers=as_rep)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(client.get(f"/api/v1/leads/{lead['id']}", headers=as_rep), 404, "NOT_FOUND")


def test_the_lead_output_has_exactly_the_documented_fields(
    client: TestClient, as_rep: Headers
) -> None:
    lead = create(client, as_rep)
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["LeadOut"]
    assert set(lead) == set(schema["properties"])


def test_annual_revenue_is_accepted_as_a_number_and_returned_as_a_decimal_string(
    client: TestClient, as_rep: Headers
) -> None:
    lead = create(client, as_rep, annual_revenue=1234.5)
    assert lead["annual_revenue"] == "1234.50"


def test_a_lead_created_for_someone_else_is_unread_until_its_owner_opens_it(
    client: TestClient, as_admin: Headers, as_rep: Headers, rep: User
) -> None:
    lead = create(client, as_admin, owner_id=rep.id)
    assert lead["is_unread_by_owner"] is True
    url = f"/api/v1/leads/{lead['id']}"
    assert client.get(url, headers=as_admin).json()["is_unread_by_owner"] is True
    assert client.get(url, headers=as_rep).json()["is_unread_by_owner"] is False
    assert client.get(url, headers=as_admin).json()["is_unread_by_owner"] is False


def test_a_stale_if_match_version_is_refused_and_changes_nothing(
    client: TestClient, as_rep: Headers, as_manager: Headers, core: Opportune,
    rep: User, manager: User,
) -> None:  # fmt: skip
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    lead = create(client, as_rep)
    url = f"/api/v1/leads/{lead['id']}"
    read = client.get(url, headers=as_rep)
    etag = read.headers["ETag"]
    assert etag == f'"{lead["version"]}"'
    other = client.patch(url, json={"title": "CEO"}, headers={**as_manager, "If-Match": etag})
    assert other.status_code == 200
    before = db_snapshot(core)
    stale = client.patch(url, json={"title": "CFO"}, headers={**as_rep, "If-Match": etag})
    assert_error(stale, 409, "STALE_RECORD")
    assert db_snapshot(core) == before
    fresh = client.patch(
        url, json={"title": "CFO"}, headers={**as_rep, "If-Match": other.headers["ETag"]}
    )
    assert fresh.status_code == 200
    assert fresh.json()["title"] == "CFO"


def test_if_match_accepts_a_bare_version_and_refuses_garbage(
    client: TestClient, as_rep: Headers
) -> None:
    lead = create(client, as_rep)
    url = f"/api/v1/leads/{lead['id']}"
    ok = client.patch(
        url, json={"city": "Oslo"}, headers={**as_rep, "If-Match": str(lead["version"])}
    )
    assert ok.status_code == 200
    bad = client.patch(url, json={"city": "Bergen"}, headers={**as_rep, "If-Match": "yesterday"})
    assert_error(bad, 422, "INVALID_HEADER", "If-Match")


def test_setting_a_converted_status_by_editing_is_refused(
    client: TestClient, as_rep: Headers, core: Opportune
) -> None:
    lead = create(client, as_rep)
    before = db_snapshot(core)
    response = client.patch(
        f"/api/v1/leads/{lead['id']}", json={"status": "Closed - Converted"}, headers=as_rep
    )
    assert_error(response, 422, "INVALID_STATUS", "status")
    assert db_snapshot(core) == before
    created = client.post(
        "/api/v1/leads", json={**ACME, "status": "closed - converted"}, headers=as_rep
    )
    assert_error(created, 422, "INVALID_STATUS", "status")
    assert db_snapshot(core) == before


def test_conversion_fields_cannot_be_written(
    client: TestClient, as_rep: Headers, core: Opportune
) -> None:
    lead = create(client, as_rep)
    before = db_snapshot(core)
    patch = client.patch(
        f"/api/v1/leads/{lead['id']}",
        json={"is_converted": True, "converted_account_id": 3, "title": "CEO"},
        headers=as_rep,
    )
    assert_error(patch, 422)
    assert field_codes(patch) == {
        "is_converted": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "converted_account_id": "INVALID_FIELD_FOR_INSERT_UPDATE",
    }
    post = client.post(
        "/api/v1/leads", json={**ACME, "converted_date": "2026-01-01"}, headers=as_rep
    )
    assert field_codes(post) == {"converted_date": "INVALID_FIELD_FOR_INSERT_UPDATE"}
    assert db_snapshot(core) == before


def test_read_only_fields_of_a_fetched_lead_are_named_when_sent_back(
    client: TestClient, as_rep: Headers
) -> None:
    lead = create(client, as_rep)
    response = client.patch(f"/api/v1/leads/{lead['id']}", json=lead, headers=as_rep)
    codes = field_codes(response)
    assert codes["id"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert codes["version"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert codes["owner_name"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert "last_name" not in codes


def test_closing_as_not_converted_requires_a_close_reason(
    client: TestClient, as_rep: Headers, core: Opportune
) -> None:
    lead = create(client, as_rep)
    url = f"/api/v1/leads/{lead['id']}"
    before = db_snapshot(core)
    missing = client.patch(url, json={"status": "Closed - Not Converted"}, headers=as_rep)
    assert_error(missing, 422, "REQUIRED_FIELD_MISSING", "close_reason")
    unknown = client.patch(
        url, json={"status": "Closed - Not Converted", "close_reason": "Bored"}, headers=as_rep
    )
    assert_error(unknown, 422, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "close_reason")
    assert db_snapshot(core) == before
    closed = client.patch(
        url, json={"status": "Closed - Not Converted", "close_reason": "no budget"}, headers=as_rep
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["close_reason"] == "No budget"


def test_a_converted_lead_cannot_be_edited(
    client: TestClient, as_rep: Headers, core: Opportune
) -> None:
    lead = create(client, as_rep)
    mark_converted(core, int(str(lead["id"])))
    before = db_snapshot(core)
    response = client.patch(f"/api/v1/leads/{lead['id']}", json={"title": "CEO"}, headers=as_rep)
    assert_error(response, 409, "CANNOT_UPDATE_CONVERTED_LEAD")
    assert db_snapshot(core) == before


def test_a_rep_cannot_delete_someone_elses_lead_but_a_manager_can(
    client: TestClient, as_rep: Headers, as_manager: Headers, core: Opportune
) -> None:
    # Leads open to all for read and write: the rep may edit the manager's lead, and the
    # delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "lead", "read_write")
    lead = create(client, as_manager)
    url = f"/api/v1/leads/{lead['id']}"
    before = db_snapshot(core)
    assert_error(client.delete(url, headers=as_rep), 403, "INSUFFICIENT_ACCESS")
    assert db_snapshot(core) == before
    assert client.delete(url, headers=as_manager).status_code == 204


def test_a_lead_can_be_assigned_to_an_active_user_only(
    client: TestClient, as_admin: Headers, core: Opportune, rep: User
) -> None:
    assert rep.id is not None
    core.users.update(None, rep.id, {"is_active": False})
    before = db_snapshot(core)
    response = client.post("/api/v1/leads", json={**ACME, "owner_id": rep.id}, headers=as_admin)
    assert_error(response, 422, "INVALID_CROSS_REFERENCE_KEY", "owner_id")
    assert db_snapshot(core) == before
