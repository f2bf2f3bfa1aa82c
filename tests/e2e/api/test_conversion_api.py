"""Lead conversion through the REST API: convert, bulk, preview, the record, and undo."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error

CONVERTED = {"converted_status": "Closed - Converted"}


def a_lead(core: Opportune, user: User, company: str = "Acme Hardware") -> int:
    domain = "acme.example" if company == "Acme Hardware" else f"{company.replace(' ', '')}.example"
    data = {"last_name": "Ng", "first_name": "Ada", "company": company,
            "email": f"ada@{domain}", "website": domain}  # fmt: skip
    lead = core.leads.create(user, data)
    assert lead.id is not None
    return lead.id


def test_convert_a_lead(client: TestClient, core: Opportune, rep: User, as_rep: Headers) -> None:
    lead_id = a_lead(core, rep)
    body = {**CONVERTED, "opportunity_name": "Acme, 200 seats"}
    response = client.post(f"/api/v1/leads/{lead_id}/convert", json=body, headers=as_rep)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["success"] is True and result["errors"] == []
    opportunity = client.get(f"/api/v1/opportunities/{result['opportunity_id']}", headers=as_rep)
    assert opportunity.json()["name"] == "Acme, 200 seats"
    lead = client.get(f"/api/v1/leads/{lead_id}", headers=as_rep).json()
    assert lead["is_converted"] is True and lead["converted_account_id"] == result["account_id"]
    edit = client.patch(f"/api/v1/leads/{lead_id}", json={"title": "CEO"}, headers=as_rep)
    assert_error(edit, 409, "CANNOT_UPDATE_CONVERTED_LEAD")
    again = client.post(f"/api/v1/leads/{lead_id}/convert", json=CONVERTED, headers=as_rep)
    assert_error(again, 409, "CANNOT_UPDATE_CONVERTED_LEAD")


def test_bad_options_get_salesforce_codes(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    lead_id = a_lead(core, rep)
    url = f"/api/v1/leads/{lead_id}/convert"
    assert_error(client.post(url, json={}, headers=as_rep), 422, "REQUIRED_FIELD_MISSING",
                 "converted_status")  # fmt: skip
    wrong = {"converted_status": "Working - Contacted"}
    assert_error(client.post(url, json=wrong, headers=as_rep), 422, "INVALID_STATUS")
    both = {**CONVERTED, "do_not_create_opportunity": True, "opportunity_name": "X"}
    assert_error(client.post(url, json=both, headers=as_rep), 422, "INVALID_FIELD",
                 "opportunity_name")  # fmt: skip
    missing = {**CONVERTED, "account_id": 999_999}
    assert_error(client.post(url, json=missing, headers=as_rep), 422,
                 "INVALID_CROSS_REFERENCE_KEY", "account_id")  # fmt: skip
    assert_error(client.post("/api/v1/leads/999999/convert", json=CONVERTED, headers=as_rep), 404)
    assert client.get(f"/api/v1/leads/{lead_id}", headers=as_rep).json()["is_converted"] is False


def test_preview_shows_the_fields_a_merge_fills_and_changes_nothing(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    account = core.accounts.create(rep, {"name": "Acme Corp", "phone": "+1 555 0199"})
    lead_id = a_lead(core, rep)
    body = {**CONVERTED, "account_id": account.id, "do_not_create_opportunity": True}
    response = client.post(f"/api/v1/leads/{lead_id}/convert/preview", json=body, headers=as_rep)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["account"]["action"] == "merge"
    assert plan["account"]["values"] == {"website": "acme.example"}
    assert plan["account"]["previous"] == {"website": None}
    assert plan["opportunity"] is None and plan["unmapped"] == {"company": "Acme Hardware"}
    assert client.get(f"/api/v1/leads/{lead_id}", headers=as_rep).json()["is_converted"] is False


def test_bulk_conversion_returns_results_in_order(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    ids = [a_lead(core, rep, f"Company {i}") for i in range(3)]
    items = [{"lead_id": i, **CONVERTED} for i in ids]
    items[1]["converted_status"] = "Nope"
    response = client.post("/api/v1/leads/convert", json={"items": items}, headers=as_rep)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["lead_id"] for r in body["results"]] == ids
    assert [r["success"] for r in body["results"]] == [True, False, True]
    assert body["results"][1]["errors"][0]["code"] == "INVALID_STATUS"
    assert (body["succeeded"], body["failed"]) == (2, 1)


def test_bulk_all_or_none(client: TestClient, core: Opportune, rep: User, as_rep: Headers) -> None:
    ids = [a_lead(core, rep, f"Company {i}") for i in range(2)]
    items = [{"lead_id": ids[0], **CONVERTED}, {"lead_id": ids[1], "converted_status": "x"}]
    body = {"items": items, "all_or_none": True}
    response = client.post("/api/v1/leads/convert", json=body, headers=as_rep)
    results = response.json()["results"]
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["code"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert client.get(f"/api/v1/leads/{ids[0]}", headers=as_rep).json()["is_converted"] is False


def test_conversion_record_and_undo(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    lead_id = a_lead(core, rep)
    assert_error(client.get(f"/api/v1/leads/{lead_id}/conversion", headers=as_rep), 404)
    result = client.post(f"/api/v1/leads/{lead_id}/convert", json=CONVERTED, headers=as_rep).json()
    record = client.get(f"/api/v1/leads/{lead_id}/conversion", headers=as_rep).json()
    assert record["created"] == {"account": result["account_id"], "contact": result["contact_id"],
                                 "opportunity": result["opportunity_id"]}  # fmt: skip
    contact_url = f"/api/v1/contacts/{result['contact_id']}"
    client.patch(contact_url, json={"title": "CEO"}, headers=as_rep)
    blocked = client.post(f"/api/v1/leads/{lead_id}/unconvert", headers=as_rep)
    body = assert_error(blocked, 409, "UNDO_BLOCKED", f"contact:{result['contact_id']}")
    assert "force" in body["message"]
    forced = client.post(f"/api/v1/leads/{lead_id}/unconvert", json={"force": True},
                         headers=as_rep)  # fmt: skip
    assert forced.status_code == 200, forced.text
    assert {"kind": "contact", "id": result["contact_id"]} in forced.json()["kept"]
    assert client.get(f"/api/v1/leads/{lead_id}", headers=as_rep).json()["is_converted"] is False
    assert client.get(contact_url, headers=as_rep).status_code == 200
    again = client.post(f"/api/v1/leads/{lead_id}/unconvert", headers=as_rep)
    assert_error(again, 409, "NOT_CONVERTED")


def test_duplicate_suggestions_and_the_block(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    acme = core.accounts.create(rep, {"name": "Acme Hardware Inc", "website": "acme.example"})
    lead_id = a_lead(core, rep)
    found = client.get(f"/api/v1/leads/{lead_id}/duplicates", headers=as_rep).json()
    assert [(a["id"], a["exact"]) for a in found["accounts"]] == [(acme.id, True)]
    assert found["contacts"] == []
    url = f"/api/v1/leads/{lead_id}/convert"
    assert_error(client.post(url, json=CONVERTED, headers=as_rep), 422, "DUPLICATES_DETECTED",
                 "account_id")  # fmt: skip
    merged = client.post(url, json={**CONVERTED, "account_id": acme.id}, headers=as_rep)
    assert merged.json()["account_id"] == acme.id
    assert_error(client.get("/api/v1/leads/999999/duplicates", headers=as_rep), 404)


def test_the_new_owner_is_notified_when_asked(
    client: TestClient,
    core: Opportune,
    rep: User,
    manager: User,
    as_rep: Headers,
    as_manager: Headers,
) -> None:
    lead_id = a_lead(core, rep)
    body = {**CONVERTED, "owner_id": manager.id, "send_notification_email": True}
    assert client.post(f"/api/v1/leads/{lead_id}/convert", json=body, headers=as_rep).is_success
    silent = a_lead(core, rep, "Globex")
    body = {**CONVERTED, "owner_id": manager.id}
    assert client.post(f"/api/v1/leads/{silent}/convert", json=body, headers=as_rep).is_success
    notices = client.get("/api/v1/me/notifications?unread=true", headers=as_manager).json()
    assert len(notices) == 1
    assert notices[0]["link"] == f"/leads/{lead_id}" and "Acme Hardware" in notices[0]["message"]
    url = f"/api/v1/me/notifications/{notices[0]['id']}/read"
    assert_error(client.post(url, headers=as_rep), 404)
    assert client.post(url, headers=as_manager).status_code == 204
    assert client.get("/api/v1/me/notifications?unread=true", headers=as_manager).json() == []
    assert client.get("/api/v1/me/notifications", headers=as_rep).json() == []


def test_administrators_manage_extra_field_mappings(
    client: TestClient, core: Opportune, rep: User, as_admin: Headers, as_rep: Headers
) -> None:
    mapping = [{"lead_field": "title", "target": "opportunity", "target_field": "next_step"}]
    assert_error(client.put("/api/v1/conversion-mappings", json=mapping, headers=as_rep), 403)
    bad = [*mapping, {"lead_field": "phone", "target": "account", "target_field": "name"}]
    response = client.put("/api/v1/conversion-mappings", json=bad, headers=as_admin)
    assert_error(response, 422, "INVALID_FIELD", "mappings[1]")
    assert client.get("/api/v1/conversion-mappings", headers=as_rep).json() == []
    saved = client.put("/api/v1/conversion-mappings", json=mapping, headers=as_admin)
    assert saved.status_code == 200, saved.text
    assert client.get("/api/v1/conversion-mappings", headers=as_rep).json() == mapping
    lead_id = core.leads.create(rep, {"last_name": "Ng", "company": "Initech", "title": "CTO"}).id
    result = client.post(f"/api/v1/leads/{lead_id}/convert", json=CONVERTED, headers=as_rep)
    opportunity = client.get(f"/api/v1/opportunities/{result.json()['opportunity_id']}",
                             headers=as_rep)  # fmt: skip
    assert opportunity.json()["next_step"] == "CTO"
