"""The recycle bin over the REST API: list, restore, purge, empty."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.api.conftest import Headers


def test_a_deleted_account_is_listed_restored_and_back_with_its_contacts(
    client: TestClient, as_rep: Headers, as_admin: Headers
) -> None:
    account = client.post("/api/v1/accounts", json={"name": "Acme"}, headers=as_rep).json()
    contact = client.post(
        "/api/v1/contacts", json={"last_name": "Ng", "account_id": account["id"]}, headers=as_rep
    ).json()
    assert client.delete(f"/api/v1/accounts/{account['id']}", headers=as_rep).status_code == 204
    assert client.get(f"/api/v1/contacts/{contact['id']}", headers=as_rep).status_code == 404

    listed = client.get("/api/v1/recycle-bin", headers=as_rep).json()
    assert [(e["object_type"], e["name"], e["related_count"]) for e in listed["items"]] == [
        ("account", "Acme", 1)
    ]
    assert client.get("/api/v1/recycle-bin", headers=as_admin).json()["items"] == listed["items"]
    entry_id = listed["items"][0]["id"]

    restored = client.post(f"/api/v1/recycle-bin/{entry_id}/restore", headers=as_rep)
    assert restored.status_code == 200 and restored.json()["record_id"] == account["id"]
    back = client.get(f"/api/v1/contacts/{contact['id']}", headers=as_rep).json()
    assert back["account_id"] == account["id"]
    assert client.get("/api/v1/recycle-bin", headers=as_rep).json()["items"] == []


def test_only_admins_purge_or_empty_the_bin(
    client: TestClient, as_rep: Headers, as_admin: Headers
) -> None:
    for name in ("One", "Two"):
        lead = client.post(
            "/api/v1/leads", json={"last_name": name, "company": "Acme"}, headers=as_rep
        ).json()
        client.delete(f"/api/v1/leads/{lead['id']}", headers=as_rep)
    entries = client.get("/api/v1/recycle-bin", headers=as_rep).json()["items"]
    refused = client.delete(f"/api/v1/recycle-bin/{entries[0]['id']}", headers=as_rep)
    assert (refused.status_code, refused.json()["code"]) == (403, "INSUFFICIENT_ACCESS")
    assert client.delete("/api/v1/recycle-bin", headers=as_rep).status_code == 403

    purged = client.delete(f"/api/v1/recycle-bin/{entries[0]['id']}", headers=as_admin)
    assert purged.status_code == 204
    assert client.delete("/api/v1/recycle-bin", headers=as_admin).json() == {"purged": 1}
    missing = client.post(f"/api/v1/recycle-bin/{entries[1]['id']}/restore", headers=as_rep)
    assert missing.status_code == 404


def test_bad_list_input_is_refused_naming_the_field(client: TestClient, as_rep: Headers) -> None:
    response = client.get("/api/v1/recycle-bin?cursor=abc", headers=as_rep)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["cursor"]
    bad_type = client.get("/api/v1/recycle-bin?object_type=user", headers=as_rep)
    assert bad_type.status_code == 422
