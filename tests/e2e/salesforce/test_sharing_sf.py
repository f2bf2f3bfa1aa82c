"""Record-level access through the Salesforce-compatible API, over live HTTPS with the real
simple-salesforce client (and Bulk API 2.0 through the app): another rep's private lead
is missing from SOQL results and counts, a 404 NOT_FOUND by id, and a failed row in bulk.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from opportune import Opportune, User
from opportune.api.app import create_app
from opportune.domain.salesforce.ids import sf_id
from tests.conftest import add_user
from tests.e2e.salesforce.conftest import SfServer, salesforce_client

JOBS = "/services/data/v59.0/jobs/ingest"


@dataclass
class Reps:
    """Rep A (Ann) and rep B (Bob), both below a manager (Max); each with a lead."""

    ann: User
    bob: User
    boss: User
    ann_lead: int
    bob_lead: int


@pytest.fixture
def reps(core: Opportune, admin: User) -> Reps:
    boss = add_user(core, "Max Manager", "manager")
    ann, bob = add_user(core, "Ann Rep", "rep"), add_user(core, "Bob Rep", "rep")
    for user in (ann, bob):
        core.users.update(admin, user.id or 0, {"manager_id": boss.id})
    ann_lead = core.leads.create(ann, {"last_name": "Ames", "company": "Ames Ltd"}).id or 0
    bob_lead = core.leads.create(bob, {"last_name": "Baker", "company": "Baker Ltd"}).id or 0
    return Reps(ann, bob, boss, ann_lead, bob_lead)


@pytest.fixture
def client_for(
    sf_server: SfServer, sf_token_for: Callable[[User], str], sf_session: requests.Session
) -> Callable[[User], Salesforce]:
    """simple-salesforce signed in as a given user."""
    return lambda user: salesforce_client(sf_server, sf_token_for(user), sf_session)


def not_found(call: Callable[[], object]) -> dict[str, Any]:
    try:
        call()
    except SalesforceResourceNotFound as exc:
        content: list[dict[str, Any]] = exc.content
        return content[0]
    pytest.fail("SalesforceResourceNotFound not raised")


def test_soql_shows_a_rep_only_their_own_leads(
    reps: Reps, client_for: Callable[[User], Salesforce]
) -> None:
    ann, boss = client_for(reps.ann), client_for(reps.boss)
    found = ann.query("SELECT Id, LastName FROM Lead")
    assert [r["LastName"] for r in found["records"]] == ["Ames"]
    assert ann.query("SELECT COUNT() FROM Lead")["totalSize"] == 1
    assert boss.query("SELECT COUNT() FROM Lead")["totalSize"] == 2
    hidden = sf_id("Lead", reps.bob_lead)
    soql = f"SELECT Id FROM Lead WHERE Id = '{hidden}'"  # noqa: S608 (an id we made)
    assert ann.query(soql)["totalSize"] == 0


def test_another_reps_lead_by_id_is_not_found(
    reps: Reps, client_for: Callable[[User], Salesforce]
) -> None:
    ann = client_for(reps.ann)
    hidden = sf_id("Lead", reps.bob_lead)
    for call in (
        lambda: ann.Lead.get(hidden),
        lambda: ann.Lead.update(hidden, {"Title": "CEO"}),
        lambda: ann.Lead.delete(hidden),
    ):
        error = not_found(call)
        assert error["errorCode"] == "NOT_FOUND"
        assert "Baker" not in error["message"]
    assert client_for(reps.boss).Lead.get(hidden)["LastName"] == "Baker"


def test_a_hidden_parent_account_comes_back_null(
    core: Opportune, admin: User, reps: Reps, client_for: Callable[[User], Salesforce]
) -> None:
    core.sharing.set_org_default(admin, "account", "private")
    account = core.accounts.create(reps.bob, {"name": "Bob Holdings"})
    contact = core.contacts.create(reps.bob, {"last_name": "Cole", "account_id": account.id})
    core.sharing.share(reps.bob, "contact", contact.id or 0, access="read", user_id=reps.ann.id)
    rows = client_for(reps.ann).query("SELECT LastName, Account.Name FROM Contact")["records"]
    assert [(r["LastName"], r["Account"]) for r in rows] == [("Cole", None)]
    seen = client_for(reps.boss).query("SELECT Account.Name FROM Contact")["records"]
    assert seen[0]["Account"]["Name"] == "Bob Holdings"


@pytest.fixture
def app_client(core: Opportune) -> Iterator[TestClient]:
    with TestClient(create_app(core=core)) as test_client:
        yield test_client


def bulk(client: TestClient, token: str, operation: str, data: str) -> dict[str, Any]:
    """Run a Bulk API 2.0 job to its end; its state and its rows by kind."""
    headers = {"Authorization": f"Bearer {token}"}
    job = client.post(JOBS, json={"contentType": "CSV", "object": "Lead",
                                  "operation": operation}, headers=headers).json()  # fmt: skip
    put = client.put(f"{JOBS}/{job['id']}/batches", content=data,
                     headers={**headers, "Content-Type": "text/csv"})  # fmt: skip
    assert put.status_code == 201
    client.patch(f"{JOBS}/{job['id']}", json={"state": "UploadComplete"}, headers=headers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = client.get(f"{JOBS}/{job['id']}", headers=headers).json()
        if state["state"] in ("JobComplete", "Failed", "Aborted"):
            break
        time.sleep(0.05)
    rows = {}
    for kind in ("successfulResults", "failedResults"):
        text = client.get(f"{JOBS}/{job['id']}/{kind}/", headers=headers).text
        rows[kind] = list(csv.DictReader(io.StringIO(text)))
    return {"state": state, **rows}


def test_bulk_updates_and_deletes_of_hidden_leads_fail_per_row(
    core: Opportune, reps: Reps, app_client: TestClient, sf_token_for: Callable[[User], str]
) -> None:
    token = sf_token_for(reps.ann)
    mine, hidden = sf_id("Lead", reps.ann_lead), sf_id("Lead", reps.bob_lead)
    updated = bulk(app_client, token, "update", f"Id,Title\n{mine},CEO\n{hidden},CTO\n")
    assert [r["sf__Id"] for r in updated["successfulResults"]] == [mine]
    [failed] = updated["failedResults"]
    assert failed["sf__Error"].startswith("NOT_FOUND") and "Baker" not in failed["sf__Error"]
    deleted = bulk(app_client, token, "delete", f"Id\n{hidden}\n")
    assert deleted["successfulResults"] == [] and len(deleted["failedResults"]) == 1
    bob_lead = core.leads.get(reps.bob, reps.bob_lead, mark_read=False)
    assert bob_lead.title is None
    assert core.leads.get(reps.ann, reps.ann_lead, mark_read=False).title == "CEO"
