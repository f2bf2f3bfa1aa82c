"""The merge endpoints: preview, merge, read, list and undo, with their errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error
from tests.snapshots import every_row


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def test_preview_merge_read_list_and_undo(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    a = lead(core, rep, "Nash", city="Rome")
    b = lead(core, rep, "Nash", city="Oslo", email="nash@example.com")
    before = every_row(core, but_tables=("merges", "api_tokens", "audit_log"))

    preview = client.post(
        "/api/v1/merges/preview", headers=as_rep, json={"object_type": "lead", "ids": [a, b]}
    )
    assert preview.status_code == 200
    body = preview.json()
    city = next(f for f in body["fields"] if f["name"] == "city")
    assert city == {
        "name": "city",
        "label": "City",
        "values": {str(a): "Rome", str(b): "Oslo"},
        "default_id": a,
        "differs": True,
    }
    versions = {str(r["id"]): r["version"] for r in body["records"]}

    made = client.post(
        "/api/v1/merges",
        headers=as_rep,
        json={
            "object_type": "lead",
            "master_id": a,
            "ids": [a, b],
            "choices": {"city": b},
            "expected_versions": versions,
        },
    )
    assert made.status_code == 201, made.text
    merge = made.json()
    assert merge["master_id"] == a and merge["merged_ids"] == [b]
    assert merge["changes"]["city"] == {"old_value": "Rome", "new_value": "Oslo"}
    assert merge["changes"]["email"] == {"old_value": None, "new_value": "nash@example.com"}

    merged = client.get(f"/api/v1/leads/{b}", headers=as_rep).json()
    assert merged["merged_into_id"] == a
    listed = client.get(f"/api/v1/merges?object_type=lead&record_id={b}", headers=as_rep).json()
    assert [m["id"] for m in listed["items"]] == [merge["id"]]
    assert client.get(f"/api/v1/merges/{merge['id']}", headers=as_rep).json() == merge

    undone = client.post(f"/api/v1/merges/{merge['id']}/undo", headers=as_rep)
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert every_row(core, but_tables=("merges", "api_tokens", "audit_log")) == before
    assert_error(
        client.post(f"/api/v1/merges/{merge['id']}/undo", headers=as_rep), 409, "ALREADY_UNDONE"
    )


def test_merge_errors_name_the_field(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    a, b = lead(core, rep, "Orr"), lead(core, rep, "Orr")
    url = "/api/v1/merges"
    base = {"object_type": "lead", "master_id": a, "ids": [a, b]}
    assert_error(
        client.post(url, headers=as_rep, json={**base, "choices": {"nick": b}}),
        422,
        "VALIDATION_ERROR",
        "choices.nick",
    )
    assert_error(client.post(url, headers=as_rep, json={**base, "ids": [a]}), 422)
    assert_error(client.post(url, headers=as_rep, json={**base, "object_type": "deal"}), 422)
    assert_error(client.post(url, headers=as_rep, json={**base, "ids": [a, 99999]}), 404)
    stale = {**base, "expected_versions": {str(b): 5}}
    assert_error(client.post(url, headers=as_rep, json=stale), 409, "STALE_RECORD")
    assert_error(client.get("/api/v1/merges/9999", headers=as_rep), 404)
    assert client.post(url, json=base).status_code == 401


def test_undo_blocked_lists_what_changed_and_force_undoes(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    a, b = lead(core, rep, "Pike"), lead(core, rep, "Pike", city="Oslo")
    made = client.post(
        "/api/v1/merges",
        headers=as_rep,
        json={"object_type": "lead", "master_id": a, "ids": [a, b]},
    )
    merge_id = made.json()["id"]
    core.leads.update(rep, a, {"title": "VP"})
    blocked = assert_error(
        client.post(f"/api/v1/merges/{merge_id}/undo", headers=as_rep), 409, "UNDO_BLOCKED"
    )
    assert blocked["fields"][0]["field"] == f"lead:{a}"
    forced = client.post(f"/api/v1/merges/{merge_id}/undo", headers=as_rep, json={"force": True})
    assert forced.status_code == 200
    assert client.get(f"/api/v1/leads/{b}", headers=as_rep).json()["merged_into_id"] is None


def test_accounts_and_contacts_show_where_they_were_merged(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    a = core.accounts.create(rep, {"name": "Acme"})
    b = core.accounts.create(rep, {"name": "Acme Inc"})
    made = client.post(
        "/api/v1/merges",
        headers=as_rep,
        json={"object_type": "account", "master_id": a.id, "ids": [a.id, b.id]},
    )
    assert made.status_code == 201
    assert client.get(f"/api/v1/accounts/{b.id}", headers=as_rep).json()["merged_into_id"] == a.id
    names = [x["name"] for x in client.get("/api/v1/accounts", headers=as_rep).json()["items"]]
    assert names == ["Acme"]


def test_a_merged_lead_is_read_only_with_409_naming_its_master(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    a, b = lead(core, rep, "Ames"), lead(core, rep, "Ames")
    core.merges.merge(rep, "lead", a, [a, b])
    before = every_row(core, but_tables=("api_tokens",))

    changed = client.patch(f"/api/v1/leads/{b}", headers=as_rep, json={"title": "CEO"})
    deleted = client.delete(f"/api/v1/leads/{b}", headers=as_rep)

    says = f"Lead {b} was merged into lead {a}; edit lead {a} or undo the merge"
    assert assert_error(changed, 409) == {"code": "RECORD_MERGED", "message": says, "fields": []}
    assert assert_error(deleted, 409, "RECORD_MERGED")["message"] == says
    assert every_row(core, but_tables=("api_tokens",)) == before
