"""Signing in, signing out, and pages that need a signed-in user."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opportune import User
from tests.conftest import PASSWORD
from tests.e2e.web.conftest import SignIn, csrf_of


def test_a_page_without_a_session_redirects_to_sign_in_and_comes_back_after(
    client: TestClient, rep: User
) -> None:
    response = client.get("/leads?status=Working+-+Contacted")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/leads%3Fstatus%3DWorking%2B-%2BContacted"

    login = client.get(response.headers["location"])
    assert 'name="next" value="/leads?status=Working+-+Contacted"' in login.text
    data = {"email": rep.email, "password": PASSWORD, "csrf_token": csrf_of(login.text),
            "next": "/leads?status=Working+-+Contacted"}  # fmt: skip
    signed_in = client.post("/login", data=data)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/leads?status=Working+-+Contacted"
    assert client.get("/leads").status_code == 200


def test_the_home_page_is_the_lead_list(client: TestClient, rep: User, sign_in: SignIn) -> None:
    sign_in(rep)
    assert client.get("/").headers["location"] == "/leads"


def test_an_htmx_request_without_a_session_is_sent_to_sign_in_as_a_whole_page(
    client: TestClient,
) -> None:
    response = client.get(
        "/leads", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/leads/7"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/leads/7"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "leads", "/logout"]
)
def test_sign_in_only_returns_to_a_page_of_this_site(
    client: TestClient, rep: User, target: str
) -> None:
    token = csrf_of(client.get("/login").text)
    data = {"email": rep.email, "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/login", data=data)
    assert response.headers["location"] == "/leads"


def test_a_wrong_password_shows_the_form_again_with_the_error_and_the_email(
    client: TestClient, rep: User
) -> None:
    token = csrf_of(client.get("/login").text)
    data = {"email": rep.email, "password": "wrong-password", "csrf_token": token}
    response = client.post("/login", data=data)
    assert response.status_code == 401
    assert "Invalid email or password" in response.text
    assert f'value="{rep.email}"' in response.text
    assert client.get("/leads").status_code == 303


def test_an_inactive_user_cannot_sign_in(client: TestClient, rep: User) -> None:
    assert rep.id is not None
    client.app.state.opportune.users.update(None, rep.id, {"is_active": False})  # type: ignore[attr-defined]
    token = csrf_of(client.get("/login").text)
    data = {"email": rep.email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 401


def test_signing_out_ends_the_session(client: TestClient, rep: User, sign_in: SignIn) -> None:
    token = sign_in(rep)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["location"] == "/login"
    assert "You have signed out." in client.get("/login").text
    assert client.get("/leads").status_code == 303


def test_a_signed_in_visitor_of_the_sign_in_page_goes_straight_on(
    client: TestClient, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    assert client.get("/login?next=/leads/new").headers["location"] == "/leads/new"
