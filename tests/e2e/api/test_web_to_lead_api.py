"""The public web-to-lead endpoint and the admin /web-forms API, over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opportune import Opportune, User
from opportune.db import tables as t
from opportune.domain.web_forms import WebForm
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error

FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def form(core: Opportune, admin: User) -> WebForm:
    return core.web_forms.create(
        admin,
        {
            "name": "Contact us",
            "allowed_redirect_hosts": ["www.example.com"],
            "defaults": {"lead_source": "Web"},
            "use_assignment_rule": False,
        },
    )


def lead_count(core: Opportune) -> int:
    with core.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.leads)).scalar_one())


def fields(form: WebForm, **extra: str) -> dict[str, str]:
    return {
        "oid": form.key,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Engines Ltd",
        "email": "ada@engines.example",
        **extra,
    }


# --- the public endpoint --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/web-to-lead", "/servlet/servlet.WebToLead?encoding=UTF-8"])
def test_a_form_post_redirects_to_the_return_url_and_creates_the_lead(
    client: TestClient, core: Opportune, form: WebForm, path: str
) -> None:
    data = fields(form, retURL="https://www.example.com/thanks", zip="SW1A 1AA")
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "https://www.example.com/thanks"
    assert lead_count(core) == 1
    assert "set-cookie" not in response.headers  # no session for visitors


def test_a_return_url_on_another_host_shows_the_thank_you_page_instead(
    client: TestClient, core: Opportune, form: WebForm
) -> None:
    response = client.post(
        "/web-to-lead", data=fields(form, retURL="https://evil.example/"), follow_redirects=False
    )
    assert response.status_code == 200
    assert "Thank you" in response.text and "evil.example" not in response.text
    assert lead_count(core) == 1


def test_an_invalid_form_post_gets_a_page_listing_each_field_and_problem(
    client: TestClient, core: Opportune, form: WebForm
) -> None:
    data = fields(form, last_name="", email="nope", rating="Lukewarm")
    response = client.post("/web-to-lead", data=data)
    assert response.status_code == 422
    assert "Please check the form" in response.text
    for name in ("last_name", "email", "rating"):
        assert f"<strong>{name}</strong>" in response.text
    assert lead_count(core) == 0


def test_json_posts_answer_json(client: TestClient, core: Opportune, form: WebForm) -> None:
    ok = client.post("/web-to-lead", json=fields(form, retURL="https://www.example.com/x"))
    assert ok.status_code == 202
    assert ok.json() == {"status": "accepted", "redirect": "https://www.example.com/x"}
    bad = client.post("/web-to-lead", json={"oid": form.key, "company": "C", "email": ["a"]})
    body = assert_error(bad, 422, "VALIDATION_ERROR")
    assert {f["field"] for f in body["fields"]} == {"email"}
    missing = client.post("/web-to-lead", json={"oid": form.key, "company": "C"})
    assert_error(missing, 422, "REQUIRED_FIELD_MISSING", "last_name")
    unknown = client.post("/web-to-lead", json=fields(form, oid="nope"))
    assert_error(unknown, 404, "NOT_FOUND")
    no_oid = client.post("/web-to-lead", json={"last_name": "A"})
    assert_error(no_oid, 422, "REQUIRED_FIELD_MISSING", "oid")
    assert lead_count(core) == 1


def test_an_unknown_or_inactive_form_gets_a_not_found_page(
    client: TestClient, core: Opportune, admin: User, form: WebForm
) -> None:
    response = client.post("/web-to-lead", data=fields(form, oid="no-such-form"))
    assert response.status_code == 404 and "This form does not exist" in response.text
    core.web_forms.update(admin, form.id or 0, {"is_active": False})
    assert client.post("/web-to-lead", data=fields(form)).status_code == 404
    assert lead_count(core) == 0


def test_a_filled_honeypot_is_answered_like_a_success_but_makes_no_lead(
    client: TestClient, core: Opportune, form: WebForm
) -> None:
    data = fields(form, retURL="https://www.example.com/t", website_url_hp="http://spam")
    response = client.post("/web-to-lead", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/t")
    assert lead_count(core) == 0


def test_too_many_posts_get_429_with_retry_after(
    client: TestClient, core: Opportune, admin: User, form: WebForm
) -> None:
    core.web_forms.update(admin, form.id or 0, {"per_ip_per_hour": 1})
    assert client.post("/web-to-lead", data=fields(form), follow_redirects=False).status_code == 200
    page = client.post("/web-to-lead", data=fields(form, last_name="Again"))
    assert page.status_code == 429 and "Please try again later" in page.text
    assert 3590 <= int(page.headers["retry-after"]) <= 3600
    as_json = client.post("/web-to-lead", json=fields(form, last_name="Again"))
    assert_error(as_json, 429, "RATE_LIMITED")
    assert "retry-after" in as_json.headers


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"oid=x&last_name=" + b"a" * 70_000, FORM_TYPE, 413, "REQUEST_TOO_LARGE"),
        (b"<xml/>", {"Content-Type": "application/xml"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"oid=x", {}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b"oid=x",
            {"Content-Type": f"{FORM_TYPE}; charset=latin-1"},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b"oid=x&last_name=%FF%FE", FORM_TYPE, 400, "BAD_REQUEST"),
        (b"oid=x&last_name=\xff", FORM_TYPE, 400, "BAD_REQUEST"),
        (
            b'{"oid": "x", "last_name": "\xff"}',
            {"Content-Type": "application/json"},
            400,
            "BAD_REQUEST",
        ),
        (b'{"oid": ', {"Content-Type": "application/json"}, 400, "JSON_PARSER_ERROR"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, "JSON_PARSER_ERROR"),
        (b"[" * 100_00, {"Content-Type": "application/json"}, 400, "JSON_PARSER_ERROR"),
        ("&".join(f"f{i}=1" for i in range(300)).encode(), FORM_TYPE, 400, "BAD_REQUEST"),
    ],
)
def test_malformed_posts_get_a_clear_error_never_a_500(
    client: TestClient,
    core: Opportune,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = client.post("/web-to-lead", content=body, headers=headers)
    assert response.status_code == status, response.text
    json_response = client.post(
        "/web-to-lead", content=body, headers={**headers, "Accept": "application/json"}
    )
    assert json_response.status_code == status
    if "json" in headers.get("Content-Type", "") or status == 415:
        assert_error(json_response, status, code)
    assert lead_count(core) == 0


def test_json_preflight_and_cors_are_answered_for_the_forms_hosts_only(
    client: TestClient, form: WebForm
) -> None:
    allowed = {"Origin": "https://www.example.com", "Access-Control-Request-Method": "POST"}
    ok = client.options("/web-to-lead", headers=allowed)
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "https://www.example.com"
    other = client.options("/web-to-lead", headers={**allowed, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    posted = client.post("/web-to-lead", json=fields(form), headers={"Origin": allowed["Origin"]})
    assert posted.headers["access-control-allow-origin"] == "https://www.example.com"


def test_debug_shows_how_the_post_was_read_instead_of_redirecting(
    client: TestClient, form: WebForm
) -> None:
    data = fields(form, debug="1", retURL="https://www.example.com/t", favourite="blue")
    response = client.post("/web-to-lead", data=data, follow_redirects=False)
    assert response.status_code == 200
    assert "last_name" in response.text and "Lovelace" in response.text
    assert "favourite" in response.text and "https://www.example.com/t" in response.text


# --- the admin API ---------------------------------------------------------------------


def test_admins_manage_forms_over_the_api(
    client: TestClient, core: Opportune, as_admin: Headers, as_rep: Headers, manager: User
) -> None:
    created = client.post(
        "/api/v1/web-forms",
        headers=as_admin,
        json={
            "name": "Demo request",
            "owner_id": manager.id,
            "use_assignment_rule": False,
            "defaults": {"lead_source": "Web", "campaign": "Launch"},
            "allowed_redirect_hosts": ["www.example.com"],
            "duplicate_action": "flag",
            "daily_cap": 1,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    form_id, key = body["id"], body["key"]
    assert created.headers["location"].endswith(f"/api/v1/web-forms/{form_id}")
    assert body["defaults"] == {"lead_source": "Web", "campaign": "Launch"}
    assert body["owner_name"] == manager.name and body["queued"] == 0

    for last in ("One", "Two"):
        client.post(
            "/web-to-lead",
            data={
                "oid": key,
                "last_name": last,
                "company": "Acme",
                "email": f"{last}@acme.example",
            },
        )
    got = client.get(f"/api/v1/web-forms/{form_id}", headers=as_admin).json()
    assert (got["queued"], got["leads_today"]) == (1, 1)
    subs = client.get(
        f"/api/v1/web-forms/{form_id}/submissions", headers=as_admin, params={"status": "queued"}
    ).json()
    assert subs["total"] == 1 and subs["items"][0]["payload"]["last_name"] == "Two"
    page = client.get(
        f"/api/v1/web-forms/{form_id}/submissions", headers=as_admin, params={"limit": 1}
    ).json()
    assert len(page["items"]) == 1 and page["next_cursor"] and page["total"] == 2
    rest = client.get(
        f"/api/v1/web-forms/{form_id}/submissions",
        headers=as_admin,
        params={"limit": 1, "cursor": page["next_cursor"]},
    ).json()
    assert rest["items"][0]["id"] < page["items"][0]["id"] and rest["next_cursor"] is None

    run = client.post("/api/v1/web-forms/process-queue", headers=as_admin).json()
    assert run == {"processed": 0, "by_status": {}, "remaining": 1}  # today's cap is used
    assert client.delete(f"/api/v1/web-forms/{form_id}", headers=as_admin).status_code == 409

    patched = client.patch(
        f"/api/v1/web-forms/{form_id}", headers=as_admin, json={"daily_cap": 5, "is_active": False}
    )
    assert patched.json()["daily_cap"] == 5 and patched.json()["key"] == key
    run = client.post("/api/v1/web-forms/process-queue", headers=as_admin).json()
    assert run == {"processed": 1, "by_status": {"flagged": 1}, "remaining": 0} or run == {
        "processed": 1,
        "by_status": {"created": 1},
        "remaining": 0,
    }

    snippet = client.get(
        f"/api/v1/web-forms/{form_id}/snippet",
        headers=as_admin,
        params={"fields": ["email", "phone"], "return_url": "https://www.example.com/thanks"},
    )
    assert snippet.status_code == 200
    html = snippet.json()["html"]
    assert 'action="http://testserver/web-to-lead"' in html and key in html
    assert 'name="phone"' in html and "https://www.example.com/thanks" in html
    bad = client.get(
        f"/api/v1/web-forms/{form_id}/snippet",
        headers=as_admin,
        params={"return_url": "https://evil.example/"},
    )
    assert_error(bad, 422, field="return_url")

    listed = client.get("/api/v1/web-forms", headers=as_admin).json()
    assert [f["name"] for f in listed] == ["Demo request"]
    assert client.get("/api/v1/web-forms", headers=as_rep).status_code == 403
    assert client.delete(f"/api/v1/web-forms/{form_id}", headers=as_admin).status_code == 204
    assert_error(client.get(f"/api/v1/web-forms/{form_id}", headers=as_admin), 404)


def test_bad_form_settings_are_refused_naming_each_field(
    client: TestClient, as_admin: Headers
) -> None:
    response = client.post(
        "/api/v1/web-forms",
        headers=as_admin,
        json={
            "name": "X",
            "allowed_redirect_hosts": ["no spaces allowed"],
            "daily_cap": 0,
            "defaults": {"lead_source": "Nowhere"},
            "duplicate_action": "drop",
            "colour": "red",
        },
    )
    body = assert_error(response, 422)
    fields_at_fault = {f["field"] for f in body["fields"]}
    assert {"daily_cap", "duplicate_action", "colour"} <= fields_at_fault
    then: Any = client.post(
        "/api/v1/web-forms",
        headers=as_admin,
        json={
            "name": "X",
            "allowed_redirect_hosts": ["no spaces allowed"],
            "defaults": {"lead_source": "Nowhere"},
        },
    )
    body = assert_error(then, 422)
    assert {f["field"] for f in body["fields"]} == {
        "allowed_redirect_hosts",
        "defaults.lead_source",
    }
    assert json.loads(client.get("/api/v1/web-forms", headers=as_admin).text) == []
