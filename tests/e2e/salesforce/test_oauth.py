"""OAuth over live HTTPS: the username-password grant and revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import requests

from opportune import Opportune, User
from opportune.domain.salesforce.ids import sf_id
from tests.conftest import PASSWORD
from tests.e2e.salesforce.conftest import SfServer, salesforce_client


def _token(sf_server: SfServer, session: requests.Session, **form: str) -> requests.Response:
    return session.post(f"{sf_server.url}/services/oauth2/token", data=form)


def _login(admin: User, password: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": admin.email, "password": password,
            "client_id": "any-app", "client_secret": "app-secret"}  # fmt: skip


def test_the_password_grant_returns_a_token_that_simple_salesforce_can_use(
    core: Opportune, admin: User, sf_server: SfServer, sf_session: requests.Session
) -> None:
    response = _token(sf_server, sf_session, **_login(admin))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == sf_server.url
    assert body["id"].startswith(f"{sf_server.url}/id/00D")
    assert body["id"].endswith(f"/{sf_id('User', admin.id or 0)}")
    signed = hmac.new(b"app-secret", (body["id"] + body["issued_at"]).encode(), hashlib.sha256)
    assert body["signature"] == base64.b64encode(signed.digest()).decode()
    issued = datetime.fromtimestamp(int(body["issued_at"]) / 1000, UTC)
    assert abs(datetime.now(UTC) - issued) < timedelta(minutes=1)
    sf = salesforce_client(sf_server, body["access_token"], sf_session)
    assert "DailyApiRequests" in sf.limits()
    [token] = core.auth.list_tokens(None, admin.id or 0)
    assert token["name"] == "Salesforce OAuth"
    assert token["expires_at"] is not None


FAILED_GRANTS = [
    ({"password": "wrong-password"}, "invalid_grant"),
    ({"username": "nobody@example.com"}, "invalid_grant"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": ""}, "invalid_request"),
    ({"password": ""}, "invalid_request"),
]


def test_a_failed_grant_is_400_with_oauth_s_error(
    admin: User, sf_server: SfServer, sf_session: requests.Session
) -> None:
    for form, error in FAILED_GRANTS:
        response = _token(sf_server, sf_session, **{**_login(admin), **form})
        assert (response.status_code, response.json()["error"]) == (400, error), form
        if error == "invalid_grant":
            assert response.json()["error_description"] == "authentication failure"


def test_a_revoked_token_no_longer_works_and_cannot_be_revoked_twice(
    admin: User, sf_server: SfServer, sf_session: requests.Session
) -> None:
    token = _token(sf_server, sf_session, **_login(admin)).json()["access_token"]
    revoke = f"{sf_server.url}/services/oauth2/revoke"
    assert sf_session.post(revoke, data={"token": token}).status_code == 200
    headers = {"Authorization": f"Bearer {token}"}
    assert sf_session.get(sf_server.data_url("limits/"), headers=headers).status_code == 401
    again = sf_session.post(revoke, data={"token": token})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_token")
    assert sf_session.post(revoke, data={}).json()["error"] == "invalid_request"
