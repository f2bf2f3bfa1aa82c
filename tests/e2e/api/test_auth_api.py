"""Who may call the API: tokens, sessions with CSRF, inactive users, administrators only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from opportune.api.deps import csrf_token, start_session
from tests.e2e.api.helpers import assert_error, db_snapshot

Headers = dict[str, str]
ACME = {"last_name": "Ng", "company": "Acme"}


def test_me_is_the_caller_without_a_password_hash(
    client: TestClient, as_rep: Headers, rep: User
) -> None:
    response = client.get("/api/v1/me", headers=as_rep)
    assert response.json() == {
        "id": rep.id, "name": rep.name, "email": rep.email, "role": "rep", "is_active": True,
        "manager_id": None, "created_at": response.json()["created_at"],
    }  # fmt: skip


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer opp_wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer "}],
)  # fmt: skip
def test_a_request_without_a_valid_token_is_a_401(
    client: TestClient, core: Opportune, rep: User, headers: Headers
) -> None:
    before = db_snapshot(core)
    assert_error(client.get("/api/v1/leads", headers=headers), 401, "INVALID_SESSION_ID")
    response = client.post("/api/v1/leads", json=ACME, headers=headers)
    assert_error(response, 401, "INVALID_SESSION_ID")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert db_snapshot(core) == before


def test_an_inactive_users_token_stops_working(
    client: TestClient, as_rep: Headers, core: Opportune, rep: User
) -> None:
    assert client.get("/api/v1/me", headers=as_rep).status_code == 200
    assert rep.id is not None
    core.users.update(None, rep.id, {"is_active": False})
    before = db_snapshot(core)
    assert_error(client.get("/api/v1/me", headers=as_rep), 401)
    assert_error(client.post("/api/v1/leads", json=ACME, headers=as_rep), 401)
    assert db_snapshot(core) == before


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(
    client: TestClient, as_rep: Headers, core: Opportune
) -> None:
    created = client.post(
        "/api/v1/me/tokens", json={"name": "laptop script", "expires_in_days": 30}, headers=as_rep
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    assert issued["token"].startswith("opp_")
    assert issued["expires_at"] is not None
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/me", headers=mine).status_code == 200

    listed = client.get("/api/v1/me/tokens", headers=as_rep).json()
    assert [t["name"] for t in listed] == ["laptop script", "api tests"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert listed[0]["prefix"] == issued["token"][:12]

    revoked = client.delete(f"/api/v1/me/tokens/{issued['id']}", headers=as_rep)
    assert revoked.status_code == 204
    assert_error(client.get("/api/v1/me", headers=mine), 401)
    assert client.get("/api/v1/me/tokens", headers=as_rep).json()[0]["revoked_at"] is not None


def test_someone_elses_token_cannot_be_revoked(
    client: TestClient, as_rep: Headers, core: Opportune, manager: User
) -> None:
    assert manager.id is not None
    theirs = core.auth.create_token(None, manager.id, "theirs")
    before = db_snapshot(core)
    response = client.delete(f"/api/v1/me/tokens/{theirs.id}", headers=as_rep)
    assert_error(response, 404, "NOT_FOUND")
    assert db_snapshot(core) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "x" * 121}, "name"), ({}, "name"),
     ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
     ({"name": "ok", "expires_in_days": "soon"}, "expires_in_days"),
     ({"name": "ok", "scope": "all"}, "scope")],
)  # fmt: skip
def test_a_bad_token_request_is_refused(
    client: TestClient, as_rep: Headers, core: Opportune, body: dict[str, object], field: str
) -> None:
    before = db_snapshot(core)
    assert_error(client.post("/api/v1/me/tokens", json=body, headers=as_rep), 422, field=field)
    assert db_snapshot(core) == before


# --- the web session cookie ---------------------------------------------------------------


@pytest.fixture
def session_app(core: Opportune) -> FastAPI:
    """The application plus a test-only route that signs a user in to a session."""
    app = create_app(core=core)

    def sign_in(user_id: int, request: Request) -> dict[str, str]:
        start_session(request, core, core.users.get(user_id))
        return {"csrf": csrf_token(request)}

    app.add_api_route("/_test/sign-in/{user_id}", sign_in, methods=["POST"])
    return app


@pytest.fixture
def signed_in(session_app: FastAPI, rep: User) -> Iterator[tuple[TestClient, str]]:
    """A client holding the rep's session cookie, and the session's CSRF token."""
    with TestClient(session_app) as session:
        csrf = session.post(f"/_test/sign-in/{rep.id}").json()["csrf"]
        yield session, csrf


def test_a_session_cookie_reads_without_a_csrf_token(
    signed_in: tuple[TestClient, str], rep: User
) -> None:
    session, _ = signed_in
    assert session.get("/api/v1/me").json()["id"] == rep.id


def test_a_session_cookie_write_needs_the_csrf_token(
    signed_in: tuple[TestClient, str], core: Opportune
) -> None:
    session, csrf = signed_in
    before = db_snapshot(core)
    assert_error(session.post("/api/v1/leads", json=ACME), 403, "CSRF")
    wrong = session.post("/api/v1/leads", json=ACME, headers={"X-CSRF-Token": "guess"})
    assert_error(wrong, 403, "CSRF")
    assert db_snapshot(core) == before
    ok = session.post("/api/v1/leads", json=ACME, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


def test_a_session_of_a_deactivated_user_is_refused(
    signed_in: tuple[TestClient, str], core: Opportune, rep: User
) -> None:
    session, _ = signed_in
    assert rep.id is not None
    core.users.update(None, rep.id, {"is_active": False})
    assert_error(session.get("/api/v1/me"), 401)


# --- administrators only -------------------------------------------------------------------

ADMIN_ONLY = [
    ("GET", "/api/v1/users", None),
    ("GET", "/api/v1/users/1", None),
    ("POST", "/api/v1/users",
     {"name": "Eve", "email": "eve@example.com", "role": "admin", "password": "long-enough-1"}),
    ("PATCH", "/api/v1/users/1", {"role": "rep"}),
    ("POST", "/api/v1/lead-statuses", {"label": "Nurturing"}),
    ("PATCH", "/api/v1/lead-statuses/1", {"label": "Fresh"}),
    ("POST", "/api/v1/lead-sources", {"label": "Trade Show"}),
    ("PATCH", "/api/v1/lead-sources/1", {"is_active": False}),
    ("POST", "/api/v1/lead-close-reasons", {"label": "Too small"}),
    ("PATCH", "/api/v1/lead-close-reasons/1", {"sort_order": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body"), ADMIN_ONLY)
@pytest.mark.parametrize("role", ["rep", "manager"])
def test_administrator_endpoints_refuse_other_roles(
    client: TestClient,
    core: Opportune,
    request: pytest.FixtureRequest,
    admin: User,
    role: str,
    method: str,
    url: str,
    body: dict[str, object] | None,
) -> None:
    headers: Headers = request.getfixturevalue(f"as_{role}")
    before = db_snapshot(core)
    response = client.request(method, url.replace("/1", f"/{admin.id}"), json=body, headers=headers)
    assert_error(response, 403, "INSUFFICIENT_ACCESS")
    assert db_snapshot(core) == before
