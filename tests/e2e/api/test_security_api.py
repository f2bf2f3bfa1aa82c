"""Security over HTTP: token scopes, sign-in lockout, ended sessions, headers, cookies."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from opportune import Opportune, User
from opportune.api import create_app
from opportune.db import tables as t
from opportune.settings import Settings
from tests.conftest import PASSWORD
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error, db_snapshot

ACME = {"last_name": "Ng", "company": "Acme"}


def bearer(core: Opportune, user: User, scopes: str | None = None) -> Headers:
    assert user.id is not None
    token = core.auth.create_token(None, user.id, "scoped", scopes=scopes).token
    return {"Authorization": f"Bearer {token}"}


def audit_actions(core: Opportune, prefix: str) -> list[dict[str, Any]]:
    stmt = select(t.audit_log).where(t.audit_log.c.action.startswith(prefix))
    with core.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt.order_by(t.audit_log.c.id)).mappings()]


def web_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Post the sign-in form as a browser does (with the form's CSRF token)."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    form = {"csrf_token": match.group(1), "email": email, "password": password, "next": "/leads"}
    return client.post("/login", data=form, follow_redirects=False)


def csrf_of(client: TestClient) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/account").text)
    assert match
    return match.group(1)


# --- token scopes ----------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(
    client: TestClient, core: Opportune, rep: User
) -> None:
    headers = bearer(core, rep, "read")
    assert client.get("/api/v1/leads", headers=headers).status_code == 200
    before = db_snapshot(core)
    body = assert_error(client.post("/api/v1/leads", json=ACME, headers=headers), 403)
    assert body["code"] == "INSUFFICIENT_SCOPE"
    assert db_snapshot(core) == before


def test_a_write_only_token_cannot_read(client: TestClient, core: Opportune, rep: User) -> None:
    headers = bearer(core, rep, "write")
    assert_error(client.get("/api/v1/leads", headers=headers), 403, "INSUFFICIENT_SCOPE")
    assert client.post("/api/v1/leads", json=ACME, headers=headers).status_code == 201


def test_an_admins_token_without_the_admin_scope_cannot_administer(
    client: TestClient, core: Opportune, admin: User, rep: User
) -> None:
    plain = bearer(core, admin, "read write")
    assert_error(client.get("/api/v1/users", headers=plain), 403, "INSUFFICIENT_SCOPE")
    before = db_snapshot(core)
    patch = client.patch(f"/api/v1/users/{rep.id}", json={"name": "X"}, headers=plain)
    assert_error(patch, 403, "INSUFFICIENT_SCOPE")
    assert db_snapshot(core) == before
    full = bearer(core, admin, "read write admin")
    assert client.get("/api/v1/users", headers=full).status_code == 200


def test_a_token_created_through_the_api_takes_its_scopes(
    client: TestClient, as_rep: Headers
) -> None:
    body = {"name": "dashboard", "scopes": ["read"]}
    response = client.post("/api/v1/me/tokens", json=body, headers=as_rep)
    assert response.status_code == 201, response.text
    assert response.json()["scopes"] == ["read"]
    listed = client.get("/api/v1/me/tokens", headers=as_rep).json()
    assert [row["scopes"] for row in listed] == [["read"], ["read", "write"]]
    default = client.post("/api/v1/me/tokens", json={"name": "x"}, headers=as_rep)
    assert default.json()["scopes"] == ["read", "write"]


def test_a_rep_cannot_give_a_token_the_admin_scope(
    client: TestClient, core: Opportune, as_rep: Headers
) -> None:
    before = db_snapshot(core)
    body = {"name": "sneaky", "scopes": ["read", "admin"]}
    assert_error(client.post("/api/v1/me/tokens", json=body, headers=as_rep), 422, field="scopes")
    assert db_snapshot(core) == before


def test_the_salesforce_api_refuses_writes_with_a_read_only_token(
    client: TestClient, core: Opportune, rep: User
) -> None:
    headers = bearer(core, rep, "read")
    url = "/services/data/v59.0/sobjects/Lead"
    assert client.get(url, headers=headers).status_code == 200
    response = client.post(url, json={"LastName": "Ng", "Company": "Acme"}, headers=headers)
    assert response.status_code == 403
    assert response.json()[0]["errorCode"] == "INSUFFICIENT_SCOPE"


def test_a_guessed_token_is_refused_and_audited_without_the_secret(
    client: TestClient, core: Opportune
) -> None:
    guess = "opp_" + "G" * 43
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {guess}"}), 401)
    [entry] = audit_actions(core, "token.refused")
    assert entry["actor_id"] is None and entry["ip"] == "testclient"
    assert entry["details"] == {"prefix": guess[:12], "reason": "unknown"}


# --- raising one's own role --------------------------------------------------------------


def test_a_rep_raising_their_own_role_gets_403_and_an_audit_entry(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    response = client.patch(f"/api/v1/users/{rep.id}", json={"role": "admin"}, headers=as_rep)
    assert_error(response, 403)
    assert core.users.get(rep.id or 0).role.value == "rep"
    [entry] = audit_actions(core, "access.refused")
    assert entry["actor_id"] == rep.id and entry["details"]["fields"] == ["role"]


# --- sign-in lockout ---------------------------------------------------------------------


def test_the_sign_in_form_locks_an_email_after_five_failures(
    client: TestClient, core: Opportune, rep: User
) -> None:
    for _ in range(5):
        assert web_sign_in(client, rep.email, "wrong-password-1").status_code == 401
    locked = web_sign_in(client, rep.email)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in locked.text
    actions = [e["action"] for e in audit_actions(core, "login.")]
    assert actions == ["login.failed"] * 5 + ["login.locked"]


def test_the_salesforce_password_grant_is_throttled_by_the_same_rules(
    client: TestClient, core: Opportune, admin: User
) -> None:
    form = {"grant_type": "password", "username": admin.email, "client_id": "app",
            "client_secret": "secret"}  # fmt: skip
    for _ in range(5):
        bad = client.post("/services/oauth2/token", data={**form, "password": "wrong-pass-12"})
        assert bad.json()["error"] == "invalid_grant"
    locked = client.post("/services/oauth2/token", data={**form, "password": PASSWORD})
    assert locked.status_code == 400
    assert locked.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }
    assert audit_actions(core, "login.locked")


# --- sessions ---------------------------------------------------------------------------


def test_a_signed_out_session_cookie_replayed_is_refused_and_audited(
    client: TestClient, core: Opportune, rep: User
) -> None:
    assert web_sign_in(client, rep.email).status_code == 303
    stolen = dict(client.cookies)
    assert client.get("/api/v1/me").json()["id"] == rep.id
    csrf = csrf_of(client)
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.clear()
    client.cookies.update(stolen)
    assert_error(client.get("/api/v1/me"), 401)
    [entry] = audit_actions(core, "access.refused")
    assert entry["object_id"] == rep.id and entry["details"] == {"reason": "signed-out session"}
    assert [e["action"] for e in audit_actions(core, "logout")] == ["logout"]


def test_signing_out_everywhere_through_the_api_ends_the_session(
    client: TestClient, core: Opportune, rep: User
) -> None:
    assert web_sign_in(client, rep.email).status_code == 303
    token = bearer(core, rep)
    response = client.post(
        "/api/v1/me/logout-everywhere", headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"user_id": rep.id, "tokens_revoked": 0}
    assert_error(client.get("/api/v1/me"), 401)
    assert client.get("/api/v1/me", headers=token).status_code == 200


def test_signing_out_everywhere_can_revoke_every_token(
    client: TestClient, core: Opportune, rep: User
) -> None:
    token = bearer(core, rep)
    response = client.post("/api/v1/me/logout-everywhere", json={"revoke_tokens": True},
                           headers=token)  # fmt: skip
    assert response.json()["tokens_revoked"] == 1
    assert_error(client.get("/api/v1/me", headers=token), 401)


def test_an_admin_signs_another_user_out_everywhere(
    client: TestClient, core: Opportune, rep: User, as_admin: Headers, as_manager: Headers
) -> None:
    url = f"/api/v1/users/{rep.id}/logout-everywhere"
    assert_error(client.post(url, headers=as_manager), 403)
    response = client.post(url, json={"revoke_tokens": False}, headers=as_admin)
    assert response.status_code == 200
    assert core.users.get(rep.id or 0).sessions_valid_after is not None
    assert_error(client.post("/api/v1/users/999999/logout-everywhere", headers=as_admin), 404)


def test_an_idle_session_ends_when_an_idle_limit_is_set(core: Opportune, rep: User) -> None:
    core.settings.session_idle_minutes = 1
    with TestClient(create_app(core=core)) as client:
        assert web_sign_in(client, rep.email).status_code == 303
        assert client.get("/api/v1/me").status_code == 200
        real = core.auth.clock
        core.auth.clock = lambda: real() + timedelta(minutes=2)
        try:
            assert_error(client.get("/api/v1/me"), 401)
        finally:
            core.auth.clock = real
            core.settings.session_idle_minutes = 0


# --- headers and cookies ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/api/v1/me", "/static/app.css"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers


def test_the_api_docs_page_runs_no_inline_script(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "<script>" not in response.text and "/static/swagger-init.js" in response.text
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_hsts_is_sent_over_https_only(core: Opportune) -> None:
    with TestClient(create_app(core=core), base_url="https://testserver") as client:
        assert "max-age=" in client.get("/login").headers["Strict-Transport-Security"]


@pytest.fixture
def secure_client(core: Opportune) -> Iterator[TestClient]:
    settings = Settings(env="test", database_url=core.settings.database_url,
                        data_dir=core.settings.data_dir, secure_cookies=True)  # fmt: skip
    with TestClient(create_app(settings, core=core), base_url="https://testserver") as client:
        yield client


def test_the_session_cookie_is_secure_when_secure_cookies_is_on(
    secure_client: TestClient, rep: User
) -> None:
    response = web_sign_in(secure_client, rep.email)
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_the_session_cookie_is_not_secure_by_default_in_development(
    client: TestClient, rep: User
) -> None:
    assert "secure" not in web_sign_in(client, rep.email).headers["set-cookie"].lower()


# --- secrets in logs ----------------------------------------------------------------------


def test_no_password_token_or_session_cookie_reaches_the_logs(
    client: TestClient, core: Opportune, rep: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    web_sign_in(client, rep.email, "wrong-password-1")
    assert web_sign_in(client, rep.email).status_code == 303
    cookie = client.cookies["opportune_session"]
    issued = client.post("/api/v1/me/tokens", json={"name": "log test"},
                         headers={"X-CSRF-Token": csrf_of(client)}).json()["token"]  # fmt: skip
    client.cookies.clear()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued}"}).status_code == 200
    )
    client.get("/api/v1/me", headers={"Authorization": "Bearer opp_wrong-guess-token-value"})
    oauth = {"grant_type": "password", "username": rep.email, "password": PASSWORD,
             "client_id": "a", "client_secret": "b"}  # fmt: skip
    granted = client.post("/services/oauth2/token", data=oauth).json()["access_token"]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the test captured nothing: it would prove nothing"
    for secret in (PASSWORD, "wrong-password-1", cookie, issued, granted, "wrong-guess-token"):
        assert secret not in logged


def test_the_account_page_creates_scoped_tokens_and_signs_out_everywhere(
    client: TestClient, core: Opportune, rep: User
) -> None:
    assert web_sign_in(client, rep.email).status_code == 303
    csrf = csrf_of(client)
    page = client.get("/account")
    assert page.status_code == 200 and "Sign out everywhere" in page.text
    assert 'value="admin"' not in page.text  # a rep is not offered the admin scope
    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "sheet",
                                                "scopes": ["read"]})  # fmt: skip
    assert made.status_code == 201
    [token] = core.auth.list_tokens(rep, rep.id or 0)
    assert token["scopes"] == ["read"] and str(token["prefix"]) in made.text
    refused = client.post("/account/tokens", data={"csrf_token": csrf, "name": "x",
                                                   "scopes": ["admin"]})  # fmt: skip
    assert refused.status_code == 422 and "administrator" in refused.text
    no_csrf = client.post("/account/logout-everywhere", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    out = client.post("/account/logout-everywhere", data={"csrf_token": csrf,
                                                          "revoke_tokens": "on"},
                      follow_redirects=False)  # fmt: skip
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert_error(client.get("/api/v1/me"), 401)
    assert core.auth.list_tokens(None, rep.id or 0)[0]["revoked_at"] is not None
