"""Plain endpoints run in one worker-thread call, the caller's authentication included,
and errors still come in the order a client expects: who you are before what you sent."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api.deps import CurrentUser
from opportune.api.routers.base import resource_router
from tests.conftest import PASSWORD
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error
from tests.e2e.web.conftest import csrf_of

LEADS = "/api/v1/leads"
LIMITS: list[int | None] = []  # the thread limit of each thread call, None: the default


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions the app hands to worker threads, in order."""
    calls: list[str] = []
    original = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__qualname__", repr(func)))
        limiter = kwargs.get("limiter")
        LIMITS.append(None if limiter is None else limiter.total_tokens)
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return calls


def test_reads_share_a_few_threads_and_writes_the_pool(
    client: TestClient, core: Opportune, as_rep: Headers, thread_calls: list[str]
) -> None:
    LIMITS.clear()
    created = client.post(LEADS, json={"last_name": "Ng", "company": "Initech"}, headers=as_rep)
    assert created.status_code == 201, created.text
    assert client.get(f"{LEADS}/{created.json()['id']}", headers=as_rep).status_code == 200
    assert client.get(LEADS, headers=as_rep).status_code == 200
    assert core.settings.web_read_threads == 2
    assert LIMITS == [None, 2, 2]


def test_a_lead_view_is_one_thread_call(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers, thread_calls: list[str]
) -> None:
    lead = core.leads.create(rep, {"last_name": "Lee", "company": "Acme"})
    thread_calls.clear()
    answer = client.get(f"{LEADS}/{lead.id}", headers=as_rep)
    assert answer.status_code == 200, answer.text
    assert answer.json()["last_name"] == "Lee"
    assert len(thread_calls) == 1, thread_calls


def test_a_lead_list_and_a_create_are_one_thread_call_each(
    client: TestClient, as_rep: Headers, thread_calls: list[str]
) -> None:
    created = client.post(LEADS, json={"last_name": "Ng", "company": "Initech"}, headers=as_rep)
    assert created.status_code == 201, created.text
    listed = client.get(LEADS, params={"owner": "me"}, headers=as_rep)
    assert [lead["last_name"] for lead in listed.json()["items"]] == ["Ng"]
    assert len(thread_calls) == 2, thread_calls


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}],
    ids=["none", "unknown token", "wrong scheme"],
)
def test_a_bad_caller_is_refused_before_bad_parameters(
    client: TestClient, headers: Headers
) -> None:
    assert_error(client.get(LEADS, params={"limit": "lots"}, headers=headers),
                 401, "INVALID_SESSION_ID")  # fmt: skip
    assert_error(client.post(LEADS, json={"no_such_field": 1}, headers=headers),
                 401, "INVALID_SESSION_ID")  # fmt: skip


def test_a_known_caller_gets_the_parameter_error(client: TestClient, as_rep: Headers) -> None:
    answer = client.get(LEADS, params={"limit": "lots"}, headers=as_rep)
    assert answer.status_code == 422
    assert [field["field"] for field in answer.json()["fields"]] == ["limit"]


def test_a_rep_is_refused_an_admin_endpoint_before_a_bad_body(
    client: TestClient, as_rep: Headers, as_admin: Headers
) -> None:
    body = {"name": 12}  # not a user: no email, no role
    assert client.post("/api/v1/users", json=body, headers=as_rep).status_code == 403
    assert client.post("/api/v1/users", json=body, headers=as_admin).status_code == 422


def test_a_session_cookie_caller_is_checked_in_the_same_call(
    client: TestClient, core: Opportune, rep: User, thread_calls: list[str]
) -> None:
    lead = core.leads.create(rep, {"last_name": "Okafor", "company": "Umbrella"})
    form = {
        "email": rep.email,
        "password": PASSWORD,
        "csrf_token": csrf_of(client.get("/login").text),
    }
    signed_in = client.post("/login", data=form, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    thread_calls.clear()
    answer = client.get(f"{LEADS}/{lead.id}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["company"] == "Umbrella"
    assert len(thread_calls) == 1, thread_calls


def caller_name(user: CurrentUser) -> str:
    """A dependency of an endpoint that needs the caller itself."""
    return user.name


def test_a_dependency_that_needs_the_caller_is_refused_when_the_route_is_made() -> None:
    router = resource_router("/example")
    with pytest.raises(TypeError, match="CurrentUser or AdminUser"):

        @router.get("")
        def example(name: Annotated[str, Depends(caller_name)]) -> str:
            return name
