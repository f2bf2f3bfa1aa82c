"""Administrators manage users and the lead picklists through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot

Headers = dict[str, str]
EVE = {
    "name": "Eve Evans",
    "email": "Eve@Example.com",
    "role": "manager",
    "password": "long-enough-1",
}


def test_an_admin_creates_reads_lists_and_changes_a_user(
    client: TestClient, as_admin: Headers
) -> None:
    created = client.post("/api/v1/users", json=EVE, headers=as_admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "eve@example.com"
    assert user["role"] == "manager"
    assert "password" not in user and "password_hash" not in user
    assert client.get(created.headers["Location"], headers=as_admin).json() == user
    listed = client.get("/api/v1/users", headers=as_admin).json()
    assert "eve@example.com" in [u["email"] for u in listed]
    assert all("password_hash" not in u for u in listed)
    changed = client.patch(
        f"/api/v1/users/{user['id']}", json={"role": "rep", "is_active": False}, headers=as_admin
    )
    assert changed.json()["role"] == "rep"
    assert changed.json()["is_active"] is False


def test_a_new_user_signs_in_with_the_password_given(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    client.post("/api/v1/users", json=EVE, headers=as_admin)
    assert core.auth.authenticate("eve@example.com", EVE["password"]).name == "Eve Evans"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [({**EVE, "email": "eve"}, "email", "INVALID_EMAIL_ADDRESS"),
     ({**EVE, "email": "ada.admin@example.com"}, "email", "DUPLICATE_VALUE"),
     ({**EVE, "role": "boss"}, "role", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
     ({**EVE, "password": "short"}, "password", "INVALID_NEW_PASSWORD"),
     ({**EVE, "name": " "}, "name", "REQUIRED_FIELD_MISSING"),
     ({**EVE, "name": "x" * 121}, "name", "STRING_TOO_LONG"),
     ({**EVE, "password_hash": "$argon2id$"}, "password_hash",
      "INVALID_FIELD_FOR_INSERT_UPDATE"),
     ({k: v for k, v in EVE.items() if k != "email"}, "email", "REQUIRED_FIELD_MISSING")],
)  # fmt: skip
def test_a_bad_new_user_is_refused_naming_the_field(
    client: TestClient,
    as_admin: Headers,
    core: Opportune,
    body: dict[str, object],
    field: str,
    code: str,
) -> None:
    before = db_snapshot(core)
    response = client.post("/api/v1/users", json=body, headers=as_admin)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User
) -> None:
    before = db_snapshot(core)
    url = f"/api/v1/users/{admin.id}"
    assert_error(client.patch(url, json={"role": "rep"}, headers=as_admin), 422, "LAST_ADMIN")
    assert_error(client.patch(url, json={"is_active": False}, headers=as_admin), 422, "LAST_ADMIN")
    assert db_snapshot(core) == before


def test_an_admin_can_step_down_once_another_admin_exists(
    client: TestClient, as_admin: Headers, admin: User
) -> None:
    client.post("/api/v1/users", json={**EVE, "role": "admin"}, headers=as_admin)
    response = client.patch(f"/api/v1/users/{admin.id}", json={"role": "rep"}, headers=as_admin)
    assert response.status_code == 200
    assert response.json()["role"] == "rep"


def test_a_missing_user_is_a_404(client: TestClient, as_admin: Headers) -> None:
    assert_error(client.get("/api/v1/users/999", headers=as_admin), 404, "NOT_FOUND")
    response = client.patch("/api/v1/users/999", json={"name": "X"}, headers=as_admin)
    assert_error(response, 404, "NOT_FOUND")


def test_everyone_reads_the_picklists(client: TestClient, as_rep: Headers) -> None:
    statuses = client.get("/api/v1/lead-statuses", headers=as_rep).json()
    assert [s["label"] for s in statuses] == [
        "Open - Not Contacted", "Working - Contacted", "Closed - Converted",
        "Closed - Not Converted",
    ]  # fmt: skip
    assert [s["label"] for s in statuses if s["is_default"]] == ["Open - Not Contacted"]
    sources = client.get("/api/v1/lead-sources", headers=as_rep).json()
    assert "Partner Referral" in [s["label"] for s in sources]
    reasons = client.get("/api/v1/lead-close-reasons", headers=as_rep).json()
    assert "No budget" in [r["label"] for r in reasons]


def test_an_admin_adds_a_source_that_leads_can_then_use(
    client: TestClient, as_admin: Headers, as_rep: Headers
) -> None:
    created = client.post("/api/v1/lead-sources", json={"label": "Trade Show"}, headers=as_admin)
    assert created.status_code == 201, created.text
    assert created.json()["is_active"] is True
    lead = client.post(
        "/api/v1/leads",
        json={"last_name": "Ng", "company": "Acme", "lead_source": "trade show"},
        headers=as_rep,
    )
    assert lead.json()["lead_source"] == "Trade Show"


def test_a_deactivated_source_can_no_longer_be_chosen(
    client: TestClient, as_admin: Headers, as_rep: Headers
) -> None:
    web = next(
        s for s in client.get("/api/v1/lead-sources", headers=as_rep).json() if s["label"] == "Web"
    )
    changed = client.patch(
        f"/api/v1/lead-sources/{web['id']}", json={"is_active": False}, headers=as_admin
    )
    assert changed.json()["is_active"] is False
    lead = client.post(
        "/api/v1/leads", json={"last_name": "Ng", "company": "Acme", "lead_source": "Web"},
        headers=as_rep,
    )  # fmt: skip
    assert_error(lead, 422, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "lead_source")


def test_making_a_status_the_default_moves_the_default(
    client: TestClient, as_admin: Headers
) -> None:
    created = client.post(
        "/api/v1/lead-statuses", json={"label": "Nurturing", "is_default": True}, headers=as_admin
    )
    assert created.status_code == 201, created.text
    statuses = client.get("/api/v1/lead-statuses", headers=as_admin).json()
    assert [s["label"] for s in statuses if s["is_default"]] == ["Nurturing"]


def test_a_status_list_without_a_default_is_refused(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    statuses = client.get("/api/v1/lead-statuses", headers=as_admin).json()
    default = next(s for s in statuses if s["is_default"])
    before = db_snapshot(core)
    response = client.patch(
        f"/api/v1/lead-statuses/{default['id']}", json={"is_default": False}, headers=as_admin
    )
    assert_error(response, 422, "INVALID_DEFAULT", "is_default")
    assert db_snapshot(core) == before


@pytest.mark.parametrize(
    ("url", "body", "field", "code"),
    [("/api/v1/lead-sources", {"label": "Web"}, "label", "DUPLICATE_VALUE"),
     ("/api/v1/lead-sources", {"label": "A, B"}, "label", "INVALID_CHARACTER"),
     ("/api/v1/lead-sources", {}, "label", "REQUIRED_FIELD_MISSING"),
     ("/api/v1/lead-close-reasons", {"label": "x" * 81}, "label", "STRING_TOO_LONG"),
     ("/api/v1/lead-close-reasons", {"label": "Ok", "sort_order": -1}, "sort_order",
      "NUMBER_OUTSIDE_VALID_RANGE"),
     ("/api/v1/lead-statuses", {"label": "Won", "is_converted": "yes"}, "is_converted",
      "INVALID_TYPE"),
     ("/api/v1/lead-statuses", {"label": "Open - Not Contacted"}, "label", "DUPLICATE_VALUE"),
     ("/api/v1/lead-statuses", {"label": "Odd", "colour": "red"}, "colour", "INVALID_FIELD")],
)  # fmt: skip
def test_a_bad_picklist_value_is_refused(
    client: TestClient,
    as_admin: Headers,
    core: Opportune,
    url: str,
    body: dict[str, object],
    field: str,
    code: str,
) -> None:
    before = db_snapshot(core)
    assert_error(client.post(url, json=body, headers=as_admin), 422, code, field)
    assert db_snapshot(core) == before


def test_changing_a_missing_picklist_value_is_a_404(client: TestClient, as_admin: Headers) -> None:
    for url in ("/api/v1/lead-statuses/999", "/api/v1/lead-sources/999"):
        assert_error(client.patch(url, json={"label": "X"}, headers=as_admin), 404, "NOT_FOUND")
