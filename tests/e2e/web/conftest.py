"""HTML route tests: a TestClient over the parametrised ``core``, signed in through the form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from tests.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its forms."""
    found = TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def client(core: Opportune) -> Iterator[TestClient]:
    """The whole application over this test's database; redirects are not followed."""
    with TestClient(create_app(core=core), follow_redirects=False) as test_client:
        # Tests record imports themselves: let the start-up resume finish first.
        test_client.app.state.import_runner.wait(10)
        yield test_client


SignIn = Callable[[User], str]


@pytest.fixture
def sign_in(client: TestClient) -> SignIn:
    """Sign a user in through the login form; return the session's CSRF token."""

    def run(user: User) -> str:
        token = csrf_of(client.get("/login").text)
        data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
        response = client.post("/login", data=data)
        assert response.status_code == 303, response.text
        return csrf_of(client.get("/leads/new").text)

    return run
