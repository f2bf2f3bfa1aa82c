"""GET /api/v1/audit: administrators read and filter the audit log; nobody can change it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from tests.e2e.api.helpers import assert_error

Headers = dict[str, str]
CLIENT_IP = "203.0.113.7"


@pytest.fixture
def remote(core: Opportune) -> Iterator[TestClient]:
    """The application, called from a known client address."""
    with TestClient(create_app(core=core), client=(CLIENT_IP, 40000)) as test_client:
        yield test_client


def test_an_entry_written_during_a_request_carries_the_client_ip(
    remote: TestClient, as_admin: Headers
) -> None:
    made = remote.post("/api/v1/lead-sources", json={"label": "Fair"}, headers=as_admin)
    assert made.status_code == 201, made.text
    found = remote.get("/api/v1/audit", params={"action": "setting.changed", "ip": CLIENT_IP},
                       headers=as_admin).json()  # fmt: skip
    assert [(e["object_type"], e["ip"]) for e in found["items"]] == [("lead_source", CLIENT_IP)]
    assert found["items"][0]["details"]["after"]["label"] == "Fair"


def test_filters_and_pages_newest_first(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    for label in ("One", "Two", "Three"):
        core.picklists.save_value(admin, "lead_sources", {"label": label})
    params = {"action": "setting.*", "user": "me", "object_type": "lead_source", "limit": 2}
    first = client.get("/api/v1/audit", params=params, headers=as_admin)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["details"]["after"]["label"] for e in body["items"]] == ["Three", "Two"]
    assert body["items"][0]["actor_email"] == admin.email
    rest = client.get("/api/v1/audit", params={**params, "cursor": body["next_cursor"]},
                      headers=as_admin).json()  # fmt: skip
    assert [e["details"]["after"]["label"] for e in rest["items"]] == ["One"]
    assert rest["next_cursor"] is None
    entry = body["items"][0]
    one = client.get(f"/api/v1/audit/{entry['id']}", headers=as_admin)
    assert one.json() == entry
    none = client.get("/api/v1/audit", params={"until": "2000-01-01"}, headers=as_admin)
    assert none.json()["items"] == []


def test_bad_filters_are_refused_naming_each_field(client: TestClient, as_admin: Headers) -> None:
    params = {"action": "nope", "ip": "x", "since": "2026-02-01", "until": "2026-01-01",
              "user": "ghost@example.com", "limit": 0}  # fmt: skip
    body = assert_error(client.get("/api/v1/audit", params=params, headers=as_admin), 422)
    assert sorted(f["field"] for f in body["fields"]) == ["action", "ip", "limit", "until", "user"]
    assert_error(client.get("/api/v1/audit", params={"since": "soon"}, headers=as_admin), 422)
    assert_error(client.get("/api/v1/audit", params={"colour": "red"}, headers=as_admin), 422)


def test_reps_and_managers_are_refused(
    client: TestClient, as_rep: Headers, as_manager: Headers
) -> None:
    assert_error(client.get("/api/v1/audit", headers=as_rep), 403)
    assert_error(client.get("/api/v1/audit", headers=as_manager), 403)
    assert_error(client.get("/api/v1/audit"), 401)


def test_entries_cannot_be_changed_or_deleted(
    client: TestClient, core: Opportune, admin: User, as_admin: Headers
) -> None:
    core.picklists.save_value(admin, "lead_sources", {"label": "Fair"})
    entry = client.get("/api/v1/audit", headers=as_admin).json()["items"][0]
    url = f"/api/v1/audit/{entry['id']}"
    assert client.patch(url, json={"action": "x"}, headers=as_admin).status_code == 405
    assert client.put(url, json={"action": "x"}, headers=as_admin).status_code == 405
    assert client.delete(url, headers=as_admin).status_code == 405
    assert client.delete("/api/v1/audit", headers=as_admin).status_code == 405
    assert client.post("/api/v1/audit", json={}, headers=as_admin).status_code == 405
    assert client.get(url, headers=as_admin).json() == entry
