"""The duplicates API: rules, possible duplicates, the alert header, the report, scans."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune
from tests.conftest import add_user

Headers = dict[str, str]
RULES = "/api/v1/duplicate-rules"
JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "555-010-0200"}
JON = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.",
       "phone": "+1 555 010 0200"}  # fmt: skip


def _lead_rule(client: TestClient, headers: Headers) -> dict:
    rules = client.get(RULES, params={"object_type": "lead"}, headers=headers).json()["items"]
    assert [r["name"] for r in rules] == ["Standard lead duplicate rule"]
    return rules[0]


def _post(client: TestClient, headers: Headers, body: dict, path: str = "/api/v1/leads") -> dict:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return {**response.json(), "_header": response.headers.get("Opportune-Possible-Duplicates")}


def test_an_alert_rule_names_the_matches_in_a_header_of_create_and_update(
    client: TestClient, as_rep: Headers
) -> None:
    first = _post(client, as_rep, JOHN)
    assert first["_header"] is None
    second = _post(client, as_rep, JON)
    assert second["_header"] == f"lead:{first['id']}"
    other = _post(client, as_rep, {"last_name": "Jones", "company": "Initech"})
    changed = client.patch(f"/api/v1/leads/{other['id']}", json=JOHN, headers=as_rep)
    assert changed.status_code == 200
    found = set(changed.headers["Opportune-Possible-Duplicates"].split(","))
    assert found == {f"lead:{first['id']}", f"lead:{second['id']}"}


def test_a_block_rule_refuses_with_409_and_the_matches(
    client: TestClient, as_admin: Headers, as_rep: Headers
) -> None:
    rule = _lead_rule(client, as_admin)
    refused = client.patch(f"{RULES}/{rule['id']}", json={"action_on_create": "block"},
                           headers=as_rep)  # fmt: skip
    assert refused.status_code == 403
    changed = client.patch(f"{RULES}/{rule['id']}", json={"action_on_create": "block"},
                           headers=as_admin)  # fmt: skip
    assert changed.json()["action_on_create"] == "block"
    first = _post(client, as_rep, JOHN)
    response = client.post("/api/v1/leads", json=JON, headers=as_rep)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "DUPLICATES_DETECTED"
    assert [(m["object_type"], m["record_id"]) for m in body["matches"]] == [("lead", first["id"])]
    listed = client.get("/api/v1/leads", params={"q": "Smyth"}, headers=as_rep).json()
    assert listed["items"] == []


def test_bad_rules_are_refused_naming_the_part(client: TestClient, as_admin: Headers) -> None:
    body = {"object_type": "lead", "name": "Title only",
            "alternatives": [[{"field": "title", "method": "fuzzy", "threshold": 90}]]}  # fmt: skip
    response = client.post(RULES, json=body, headers=as_admin)
    assert response.status_code in (400, 422)
    assert [e["field"] for e in response.json()["fields"]] == ["alternatives[0]"]
    body["alternatives"] = [[{"field": "email"}]]
    created = client.post(RULES, json=body, headers=as_admin)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    assert client.get(f"{RULES}/{rule_id}", headers=as_admin).json()["name"] == "Title only"
    assert client.delete(f"{RULES}/{rule_id}", headers=as_admin).status_code == 204
    assert client.get(f"{RULES}/{rule_id}", headers=as_admin).status_code == 404


def test_possible_duplicates_of_a_lead_a_contact_and_an_account(
    client: TestClient, as_rep: Headers
) -> None:
    account = _post(client, as_rep, {"name": "Acme Inc", "website": "acme.example"},
                    "/api/v1/accounts")  # fmt: skip
    twin = _post(client, as_rep, {"name": "ACME", "website": "https://www.acme.example/"},
                 "/api/v1/accounts")  # fmt: skip
    assert twin["_header"] == f"account:{account['id']}"
    contact = _post(client, as_rep, {**{k: JOHN[k] for k in ("first_name", "last_name", "phone")},
                                     "account_id": account["id"]}, "/api/v1/contacts")  # fmt: skip
    lead = _post(client, as_rep, JON)
    found = client.get(f"/api/v1/leads/{lead['id']}/possible-duplicates", headers=as_rep).json()
    assert [(c["object_type"], c["record_id"], c["name"]) for c in found["items"]] == [
        ("contact", contact["id"], "John Smith")
    ]
    assert found["items"][0]["score"] == 100.0
    back = client.get(f"/api/v1/contacts/{contact['id']}/possible-duplicates", headers=as_rep)
    assert [c["record_id"] for c in back.json()["items"]] == [lead["id"]]
    accounts = client.get(f"/api/v1/accounts/{twin['id']}/possible-duplicates", headers=as_rep)
    assert [c["record_id"] for c in accounts.json()["items"]] == [account["id"]]
    missing = client.get("/api/v1/leads/999999/possible-duplicates", headers=as_rep)
    assert missing.status_code == 404
    # The conversion suggestions endpoint is still there, separately.
    assert client.get(f"/api/v1/leads/{lead['id']}/duplicates", headers=as_rep).status_code == 200


def test_a_scan_fills_the_report_which_pages_and_dismisses(
    client: TestClient, as_rep: Headers
) -> None:
    first, second = _post(client, as_rep, JOHN), _post(client, as_rep, JON)
    _post(client, as_rep, {"last_name": "Jones", "company": "Initech"})
    scan = client.post("/api/v1/duplicate-scans", json={}, headers=as_rep)
    assert scan.json() == {"scanned": 3, "reported": 1}
    again = client.post("/api/v1/duplicate-scans", json={"q": "Smith"}, headers=as_rep)
    assert again.json() == {"scanned": 1, "reported": 0}
    report = client.get("/api/v1/duplicate-reports", headers=as_rep).json()
    assert report["total"] == 1
    item = report["items"][0]
    assert {item["record_id"], item["other_id"]} == {first["id"], second["id"]}
    assert {item["record_name"], item["other_name"]} == {"John Smith", "Jon Smyth"}
    dismissed = client.post(f"/api/v1/duplicate-reports/{item['id']}/dismiss", headers=as_rep)
    assert dismissed.status_code == 204
    assert client.get("/api/v1/duplicate-reports", headers=as_rep).json()["total"] == 0
    done = client.get("/api/v1/duplicate-reports", params={"status": "dismissed"}, headers=as_rep)
    assert done.json()["total"] == 1
    bad = client.get("/api/v1/duplicate-reports", params={"status": "maybe"}, headers=as_rep)
    assert bad.status_code == 422


def test_the_header_names_the_matches_even_when_the_save_hands_the_lead_to_someone_else(
    client: TestClient, core: Opportune, as_rep: Headers
) -> None:
    # Leads are private by default: once a rep gives a lead away they can no longer read it,
    # yet the save succeeded and the rep is told what it looked like when they saved it.
    colleague = add_user(core, "Cole League", "rep")
    first = _post(client, as_rep, JOHN)
    other = _post(client, as_rep, {"last_name": "Jones", "company": "Initech"})
    handed = client.patch(f"/api/v1/leads/{other['id']}", json={**JON, "owner_id": colleague.id},
                          headers=as_rep)  # fmt: skip
    assert handed.status_code == 200, handed.text
    assert handed.headers["Opportune-Possible-Duplicates"] == f"lead:{first['id']}"
    assert core.leads.get(colleague, other["id"]).last_name == "Smyth"
