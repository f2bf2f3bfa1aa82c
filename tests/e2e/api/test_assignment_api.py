"""The assignment API: rules, queues, round-robin groups, take and re-run, over HTTP."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

from opportune import User

Headers = dict[str, str]
RULES = "/api/v1/assignment-rules"


def _lead(client: TestClient, headers: Headers, query: str = "", **fields: object) -> dict:
    body = {"last_name": "Lead", "company": "Acme", **fields}
    response = client.post(f"/api/v1/leads{query}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_rule_lifecycle_and_create_applies_it(
    client: TestClient, as_admin: Headers, admin: User, rep: User
) -> None:
    body = {
        "name": "Americas",
        "default_owner_id": admin.id,
        "entries": [{"criteria": [{"field": "country", "operator": "in", "value": ["US", "CA"]}],
                     "assignee_type": "user", "user_id": rep.id}],
    }  # fmt: skip
    created = client.post(RULES, json=body, headers=as_admin)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["is_active"] is False and rule["entries"][0]["position"] == 1
    activated = client.post(f"{RULES}/{rule['id']}/activate", headers=as_admin)
    assert activated.json()["is_active"] is True
    assert _lead(client, as_admin, country="usa")["owner_id"] == rep.id
    assert _lead(client, as_admin, "?assign=false", country="usa")["owner_id"] == admin.id
    body["name"] = "Americas v2"
    body["entries"][0]["criteria"][0]["value"] = ["MX"]
    replaced = client.put(f"{RULES}/{rule['id']}", json=body, headers=as_admin)
    assert replaced.json()["entries"][0]["criteria"][0]["value"] == ["MX"]
    assert _lead(client, as_admin, country="US")["owner_id"] == admin.id
    client.post(f"{RULES}/{rule['id']}/deactivate", headers=as_admin)
    assert client.get(f"{RULES}/{rule['id']}", headers=as_admin).json()["is_active"] is False
    assert client.delete(f"{RULES}/{rule['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{RULES}/{rule['id']}", headers=as_admin).status_code == 404


def test_invalid_rule_names_each_place(client: TestClient, as_admin: Headers) -> None:
    body = {
        "name": "Bad",
        "entries": [
            {"criteria": [], "assignee_type": "user", "user_id": 99999},
            {"criteria": [{"field": "company", "operator": "greater_than", "value": 3}],
             "assignee_type": "queue"},
        ],
    }  # fmt: skip
    response = client.post(RULES, json=body, headers=as_admin)
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert fields == {"entries[1].criteria[0].operator", "entries[1].queue_id"}
    assert client.get(RULES, headers=as_admin).json() == []


def test_only_admins_change_assignment_setup(
    client: TestClient, as_manager: Headers, as_rep: Headers
) -> None:
    assert client.post(RULES, json={"name": "X"}, headers=as_manager).status_code == 403
    assert client.post("/api/v1/queues", json={"name": "Q"}, headers=as_rep).status_code == 403
    assert client.get(RULES, headers=as_rep).status_code == 200


def test_queue_take_by_member_and_not_by_others(
    client: TestClient, as_admin: Headers, as_rep: Headers, as_manager: Headers, rep: User
) -> None:
    queue = client.post("/api/v1/queues", json={"name": "Inbox"}, headers=as_admin).json()
    added = client.post(
        f"/api/v1/queues/{queue['id']}/members", json={"user_id": rep.id}, headers=as_admin
    )
    assert added.json()["member_ids"] == [rep.id]
    rule = client.post(
        RULES, json={"name": "All to inbox", "default_queue_id": queue["id"]}, headers=as_admin
    ).json()
    client.post(f"{RULES}/{rule['id']}/activate", headers=as_admin)
    lead = _lead(client, as_admin)
    assert (lead["queue_id"], lead["queue_name"]) == (queue["id"], "Inbox")
    mine = client.get("/api/v1/leads", params={"queue": "mine"}, headers=as_rep).json()
    assert [x["id"] for x in mine["items"]] == [lead["id"]]
    # Not a member: the queued lead (owned by the admin) is hidden from the manager.
    refused = client.post(f"/api/v1/leads/{lead['id']}/take", headers=as_manager)
    assert (refused.status_code, refused.json()["code"]) == (404, "NOT_FOUND")
    taken = client.post(f"/api/v1/leads/{lead['id']}/take", headers=as_rep)
    assert taken.status_code == 200
    assert (taken.json()["owner_id"], taken.json()["queue_id"]) == (rep.id, None)
    again = client.post(f"/api/v1/leads/{lead['id']}/take", headers=as_rep)
    assert (again.status_code, again.json()["code"]) == (409, "NOT_IN_QUEUE")
    assert client.delete(f"/api/v1/queues/{queue['id']}", headers=as_admin).status_code == 409
    unknown = client.get("/api/v1/leads", params={"queue": "Nope"}, headers=as_rep)
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "queue"


def test_round_robin_group_and_reassign(
    client: TestClient, as_admin: Headers, as_manager: Headers, as_rep: Headers,
    admin: User, rep: User, manager: User,
) -> None:  # fmt: skip
    # Leads open to all for read and write, so the manager may re-assign the admin's leads.
    opened = client.put(
        "/api/v1/sharing/defaults/lead", json={"access": "read_write"}, headers=as_admin
    )
    assert opened.status_code == 200, opened.text
    for _ in range(6):
        _lead(client, as_admin)
    group = client.post(
        "/api/v1/round-robin-groups", json={"name": "Inbound"}, headers=as_admin
    ).json()
    for user_id, weight in ((rep.id, 2), (manager.id, 1)):
        response = client.post(
            f"/api/v1/round-robin-groups/{group['id']}/members",
            json={"user_id": user_id, "weight": weight}, headers=as_admin,
        )  # fmt: skip
        assert response.status_code == 201
    entry = {"criteria": [], "assignee_type": "round_robin", "group_id": group["id"]}
    rule = client.post(RULES, json={"name": "RR", "entries": [entry]}, headers=as_admin).json()
    no_rule = client.post("/api/v1/leads/reassign", json={}, headers=as_manager)
    assert (no_rule.status_code, no_rule.json()["code"]) == (409, "NO_ACTIVE_RULE")
    client.post(f"{RULES}/{rule['id']}/activate", headers=as_admin)
    assert client.post("/api/v1/leads/reassign", json={}, headers=as_rep).status_code == 403
    result = client.post(
        "/api/v1/leads/reassign", json={"owner": [str(admin.id)]}, headers=as_manager
    ).json()
    assert result == {"rule_name": "RR", "matched": 6, "changed": 6, "unchanged": 0}
    leads = client.get("/api/v1/leads", headers=as_admin).json()["items"]
    assert Counter(x["owner_id"] for x in leads) == {rep.id: 4, manager.id: 2}
    counts = client.get(f"/api/v1/round-robin-groups/{group['id']}", headers=as_admin).json()
    assert {m["user_id"]: m["assigned_count"] for m in counts["members"]} == {
        rep.id: 4, manager.id: 2,
    }  # fmt: skip
    in_use = client.delete(f"/api/v1/round-robin-groups/{group['id']}", headers=as_admin)
    assert in_use.status_code == 409
