"""Every kind of bad input is a 4xx in the error format and leaves the database unchanged."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot

Headers = dict[str, str]
ACME = {"last_name": "Ng", "company": "Acme"}


@pytest.fixture
def lead_id(core: Opportune, rep: User) -> int:
    """An existing lead of the rep."""
    lead = core.leads.create(rep, {**ACME, "email": "nora@acme.example"})
    assert lead.id is not None
    return lead.id


BAD_LEADS: list[tuple[dict[str, Any], str, str]] = [
    ({"company": "Acme"}, "last_name", "REQUIRED_FIELD_MISSING"),
    ({"last_name": "Ng"}, "company", "REQUIRED_FIELD_MISSING"),
    ({"last_name": "  ", "company": "Acme"}, "last_name", "REQUIRED_FIELD_MISSING"),
    ({**ACME, "last_name": "x" * 81}, "last_name", "STRING_TOO_LONG"),
    ({**ACME, "company": "x" * 256}, "company", "STRING_TOO_LONG"),
    ({**ACME, "email": "nora@"}, "email", "INVALID_EMAIL_ADDRESS"),
    ({**ACME, "email": "a" * 70 + "@example.com"}, "email", "STRING_TOO_LONG"),
    ({**ACME, "status": "Sleeping"}, "status", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**ACME, "lead_source": "Pigeon"}, "lead_source", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**ACME, "rating": "Lukewarm"}, "rating", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**ACME, "salutation": "Sir"}, "salutation", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**ACME, "owner_id": 999}, "owner_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**ACME, "owner_id": 2**40}, "owner_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**ACME, "owner_id": "me"}, "owner_id", "INVALID_TYPE"),
    ({**ACME, "last_name": 42}, "last_name", "INVALID_TYPE"),
    ({**ACME, "do_not_call": "sometimes"}, "do_not_call", "INVALID_TYPE"),
    ({**ACME, "do_not_call": 1}, "do_not_call", "INVALID_TYPE"),
    ({**ACME, "number_of_employees": 12.5}, "number_of_employees", "INVALID_TYPE"),
    ({**ACME, "number_of_employees": True}, "number_of_employees", "INVALID_TYPE"),
    ({**ACME, "number_of_employees": -1}, "number_of_employees", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**ACME, "annual_revenue": "lots"}, "annual_revenue", "INVALID_TYPE"),
    ({**ACME, "annual_revenue": -5}, "annual_revenue", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**ACME, "annual_revenue": "1e30"}, "annual_revenue", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**ACME, "annual_revenue": "NaN"}, "annual_revenue", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**ACME, "industry": ["Banking"]}, "industry", "INVALID_TYPE"),
    ({**ACME, "favourite_colour": "red"}, "favourite_colour", "INVALID_FIELD"),
    ({**ACME, "id": 7}, "id", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({**ACME, "is_converted": True}, "is_converted", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({**ACME, "status": "Closed - Not Converted"}, "close_reason", "REQUIRED_FIELD_MISSING"),
]


@pytest.mark.parametrize(("body", "field", "code"), BAD_LEADS)
def test_a_bad_new_lead_is_refused_naming_the_field(
    client: TestClient,
    as_rep: Headers,
    core: Opportune,
    body: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = db_snapshot(core)
    response = client.post("/api/v1/leads", json=body, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


@pytest.mark.parametrize(("body", "field", "code"), BAD_LEADS[2:])
def test_a_bad_lead_change_is_refused_naming_the_field(
    client: TestClient,
    as_rep: Headers,
    core: Opportune,
    lead_id: int,
    body: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = db_snapshot(core)
    response = client.patch(f"/api/v1/leads/{lead_id}", json=body, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


def test_every_bad_field_is_named_at_once(client: TestClient, as_rep: Headers) -> None:
    body = {"last_name": "", "company": "x" * 300, "email": "no", "do_not_call": "x", "foo": 1}
    response = client.post("/api/v1/leads", json=body, headers=as_rep)
    named = {f["field"] for f in assert_error(response, 422)["fields"]}
    assert {"do_not_call", "foo"} <= named  # wrong types and unknown fields come first


def test_missing_required_fields_are_named_with_every_other_problem(
    client: TestClient, as_rep: Headers
) -> None:
    body = {"last_name": "", "email": "bad", "rating": "Boiling", "lead_source": "Nowhere"}
    response = client.post("/api/v1/leads", json=body, headers=as_rep)
    codes = {f["field"]: f["code"] for f in assert_error(response, 422)["fields"]}
    assert codes == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "company": "REQUIRED_FIELD_MISSING",
        "email": "INVALID_EMAIL_ADDRESS",
        "rating": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "lead_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }


@pytest.mark.parametrize(
    "raw",
    ['{"last_name": "Ng", "company": ', "last_name=Ng&company=Acme", "[1, 2]", '"Ng"', "null", ""],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: TestClient, as_rep: Headers, core: Opportune, raw: str
) -> None:
    before = db_snapshot(core)
    headers = {**as_rep, "Content-Type": "application/json"}
    response = client.post("/api/v1/leads", content=raw, headers=headers)
    assert response.status_code in {400, 422}
    assert_error(response, response.status_code, field="body")
    assert db_snapshot(core) == before


def test_malformed_json_is_a_json_parser_error(
    client: TestClient, as_rep: Headers, lead_id: int
) -> None:
    headers = {**as_rep, "Content-Type": "application/json"}
    response = client.patch(f"/api/v1/leads/{lead_id}", content="{'title': 'CEO'}", headers=headers)
    body = assert_error(response, 422, "JSON_PARSER_ERROR", "body")
    assert "JSON" in body["fields"][0]["message"]


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", str(2**31), str(2**64), "1.5"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_bad_lead_id_is_a_client_error(
    client: TestClient, as_admin: Headers, core: Opportune, lead_id: int, bad_id: str, method: str
) -> None:
    before = db_snapshot(core)
    body = {"title": "CEO"} if method == "PATCH" else None
    response = client.request(method, f"/api/v1/leads/{bad_id}", json=body, headers=as_admin)
    assert_error(response, 422, field="lead_id")
    assert db_snapshot(core) == before


def test_a_lead_that_does_not_exist_is_a_404(
    client: TestClient, as_admin: Headers, core: Opportune, lead_id: int
) -> None:
    before = db_snapshot(core)
    missing = f"/api/v1/leads/{2**31 - 1}"
    assert_error(client.get(missing, headers=as_admin), 404, "NOT_FOUND")
    assert_error(client.patch(missing, json={"title": "CEO"}, headers=as_admin), 404, "NOT_FOUND")
    assert_error(client.delete(missing, headers=as_admin), 404, "NOT_FOUND")
    assert db_snapshot(core) == before


def test_a_forged_cursor_is_refused(client: TestClient, as_rep: Headers, lead_id: int) -> None:
    for forged in (["2026-01-01T00:00:00+00:00", 2**70, False], ["x", "1", False], [1, 2]):
        token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        response = client.get("/api/v1/leads", params={"cursor": token}, headers=as_rep)
        assert response.status_code in {200, 422}, response.text
        if response.status_code == 422:
            assert_error(response, 422, "INVALID_CURSOR", "cursor")


def test_an_unknown_route_and_method_are_errors_in_the_same_format(
    client: TestClient, as_rep: Headers
) -> None:
    assert_error(client.get("/api/v1/nothing-here", headers=as_rep), 404, "NOT_FOUND")
    assert_error(client.put("/api/v1/leads", json={}, headers=as_rep), 405, "METHOD_NOT_ALLOWED")


def test_text_with_a_nul_character_is_refused_on_every_database(
    client: TestClient, as_rep: Headers, as_admin: Headers, core: Opportune, lead_id: int
) -> None:
    before = db_snapshot(core)
    created = client.post("/api/v1/leads", json={**ACME, "city": "Os\x00lo"}, headers=as_rep)
    assert_error(created, 422, "INVALID_CHARACTER", "city")
    changed = client.patch(f"/api/v1/leads/{lead_id}", json={"title": "\x00"}, headers=as_rep)
    assert_error(changed, 422, "INVALID_CHARACTER", "title")
    source = client.post("/api/v1/lead-sources", json={"label": "W\x00b"}, headers=as_admin)
    assert_error(source, 422, "INVALID_CHARACTER", "label")
    token = client.post("/api/v1/me/tokens", json={"name": "a\x00"}, headers=as_rep)
    assert_error(token, 422, field="name")
    assert db_snapshot(core) == before
    searched = client.get("/api/v1/leads", params={"q": "a\x00b"}, headers=as_rep)
    assert_error(searched, 422, "INVALID_CHARACTER", "q")
    for params in ({"status": "Open\x00"}, {"owner": "\x00@x.y"}, {"owner": "\u00b2"}):
        assert_error(client.get("/api/v1/leads", params=params, headers=as_rep), 422)


def test_an_if_match_with_unusual_digits_is_refused(
    client: TestClient, as_rep: Headers, lead_id: int
) -> None:
    for version in ("\u00b2".encode(), "\u0663".encode(), b"1" * 30):
        headers = {k.encode(): v.encode() for k, v in as_rep.items()} | {b"If-Match": version}
        response = client.patch(f"/api/v1/leads/{lead_id}", json={"title": "X"}, headers=headers)
        assert_error(response, 422, "INVALID_HEADER", "If-Match")


ODD_VALUES: list[Any] = [
    None, "", "x" * 40_000, -1, 2**31, 2**70, 1.5, True, ["Web"], {"a": 1}, "1e400", "é" * 81,
]  # fmt: skip


def test_no_value_of_any_lead_field_causes_a_server_error(
    client: TestClient, as_rep: Headers, lead_id: int
) -> None:
    fields = client.get("/api/openapi.json").json()["components"]["schemas"]["LeadUpdate"]
    for name in fields["properties"]:
        for value in ODD_VALUES:
            created = client.post("/api/v1/leads", json={**ACME, name: value}, headers=as_rep)
            assert created.status_code in {201, 422}, (name, value, created.text)
            changed = client.patch(f"/api/v1/leads/{lead_id}", json={name: value}, headers=as_rep)
            assert changed.status_code in {200, 422}, (name, value, changed.text)


def test_no_value_of_any_user_or_picklist_field_causes_a_server_error(
    client: TestClient, as_admin: Headers, rep: User
) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    targets = [
        ("UserUpdate", "/api/v1/users", {"name": "Eve", "role": "rep", "password": "long-enough-1"},
         f"/api/v1/users/{rep.id}"),
        ("LeadStatusUpdate", "/api/v1/lead-statuses", {"label": "S"}, "/api/v1/lead-statuses/2"),
        ("PicklistValueUpdate", "/api/v1/lead-sources", {"label": "V"}, "/api/v1/lead-sources/1"),
    ]  # fmt: skip
    for schema, url, base, item_url in targets:
        for name in schemas[schema]["properties"]:
            for i, value in enumerate(ODD_VALUES):
                body = {**base, "email": f"eve{i}@example.com", name: value}
                if schema != "UserUpdate":
                    body.pop("email")
                created = client.post(url, json=body, headers=as_admin)
                assert created.status_code in {201, 422}, (url, name, value, created.text)
                changed = client.patch(item_url, json={name: value}, headers=as_admin)
                assert changed.status_code in {200, 422}, (item_url, name, value, changed.text)
