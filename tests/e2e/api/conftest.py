"""API test fixtures: a TestClient over the parametrised ``core``, and tokens per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from opportune.domain.security import allowed_scopes

Headers = dict[str, str]


@pytest.fixture
def client(core: Opportune) -> Iterator[TestClient]:
    """The whole application over this test's database."""
    with TestClient(create_app(core=core)) as test_client:
        # Tests record imports themselves: let the start-up resume finish first.
        test_client.app.state.import_runner.wait(10)
        yield test_client


@pytest.fixture
def auth_for(core: Opportune) -> Callable[[User], Headers]:
    """Make ``Authorization`` headers with a fresh API token of a user."""

    def make(user: User) -> Headers:
        assert user.id is not None
        # Every scope the user may have: tests of scopes make their own tokens.
        scopes = list(allowed_scopes(user))
        issued = core.auth.create_token(None, user.id, "api tests", scopes=scopes)
        return {"Authorization": f"Bearer {issued.token}"}

    return make


@pytest.fixture
def as_admin(auth_for: Callable[[User], Headers], admin: User) -> Headers:
    """Headers authenticating as the administrator."""
    return auth_for(admin)


@pytest.fixture
def as_manager(auth_for: Callable[[User], Headers], manager: User) -> Headers:
    """Headers authenticating as the sales manager."""
    return auth_for(manager)


@pytest.fixture
def as_rep(auth_for: Callable[[User], Headers], rep: User) -> Headers:
    """Headers authenticating as the sales rep."""
    return auth_for(rep)
