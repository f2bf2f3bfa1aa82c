"""SOQL through the real simple-salesforce client over live HTTPS: records, parent
fields, COUNT(), paging with ``query_all`` and the errors of bad queries and locators."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from opportune import Opportune, User
from opportune.domain.salesforce.ids import sf_id
from tests.e2e.salesforce.conftest import SfServer

BATCH_HEADER = {"Sforce-Query-Options": "batchSize=200"}


def add_leads(core: Opportune, owner: User, count: int) -> None:
    for n in range(count):
        core.leads.create(owner, {"last_name": f"Lead {n:03d}", "company": f"Company {n}"})


def test_a_query_returns_salesforce_records_with_parent_fields(
    sf: Salesforce, core: Opportune, admin: User
) -> None:
    account = core.accounts.create(admin, {"name": "Acme"})
    contact = core.contacts.create(
        admin, {"first_name": "Bob", "last_name": "Smith", "account_id": account.id}
    )
    assert contact.id is not None and account.id is not None
    result = sf.query("SELECT Id, Name, Account.Name, Owner.Name FROM Contact")
    assert (result["totalSize"], result["done"]) == (1, True)
    (record,) = result["records"]
    contact_id = sf_id("Contact", contact.id)
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{contact_id}",
    }
    assert record["Id"] == contact_id
    assert record["Name"] == "Bob Smith"
    assert record["Account"]["Name"] == "Acme"
    assert record["Account"]["attributes"]["type"] == "Account"
    assert record["Owner"]["Name"] == admin.name


def test_count_and_aggregates_over_the_api(sf: Salesforce, core: Opportune, admin: User) -> None:
    add_leads(core, admin, 3)
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company LIKE 'company%'") == {
        "totalSize": 3,
        "done": True,
        "records": [],
    }
    grouped = sf.query("SELECT Status, COUNT(Id) n FROM Lead GROUP BY Status")
    assert [r["n"] for r in grouped["records"]] == [3]
    assert grouped["records"][0]["attributes"] == {"type": "AggregateResult"}


def test_query_all_follows_next_records_urls_through_every_batch(
    sf: Salesforce, core: Opportune, admin: User
) -> None:
    add_leads(core, admin, 205)
    soql = "SELECT Id, LastName FROM Lead ORDER BY LastName"
    first = sf.query(soql, headers=BATCH_HEADER)
    assert (first["totalSize"], len(first["records"]), first["done"]) == (205, 200, False)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    every = sf.query_all(soql, headers=BATCH_HEADER)
    assert every["totalSize"] == 205
    assert [r["LastName"] for r in every["records"]] == [f"Lead {n:03d}" for n in range(205)]
    deleted_too = sf.query_all("SELECT Id FROM Lead", include_deleted=True)
    assert deleted_too["totalSize"] == 205


def refusal(sf: Salesforce, soql: str) -> dict[str, object]:
    """The one error of a refused query. The exception is dropped before returning: it
    holds the response, which would keep the connection open past the server's stop."""
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    (error,) = caught.value.content
    del caught
    return dict(error)


def test_an_invalid_query_is_a_400_naming_the_problem_and_its_position(sf: Salesforce) -> None:
    error = refusal(sf, "SELECT Id, Nope FROM Lead")
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Lead'" in str(error["message"])
    assert "line 1, column 12" in str(error["message"])
    assert refusal(sf, "SELECT Id FROM Lead WHERE")["errorCode"] == "MALFORMED_QUERY"
    assert refusal(sf, "SELECT Id FROM Gadget")["errorCode"] == "INVALID_TYPE"


def test_a_missing_query_or_a_forged_locator_is_a_400(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str
) -> None:
    headers = {"Authorization": f"Bearer {sf_token}"}
    missing = sf_session.get(sf_server.data_url("query/"), headers=headers)
    assert missing.status_code == 400
    assert missing.json()[0]["errorCode"] == "MALFORMED_QUERY"
    forged = sf_session.get(sf_server.data_url("query/01gD0000002HU6KIAW-2000"), headers=headers)
    assert forged.status_code == 400
    assert forged.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_a_query_needs_a_session(sf_server: SfServer, sf_session: requests.Session) -> None:
    response = sf_session.get(sf_server.data_url("query"), params={"q": "SELECT Id FROM Lead"})
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_who_and_what_names_of_tasks_over_the_api(
    sf: Salesforce, core: Opportune, admin: User
) -> None:
    lead = core.leads.create(admin, {"first_name": "Lena", "last_name": "Lead", "company": "L"})
    account = core.accounts.create(admin, {"name": "Acme Corp"})
    assert lead.id is not None and account.id is not None
    core.activities.create(admin, {"kind": "task", "subject": "Call Lena", "lead_id": lead.id})
    core.activities.create(admin, {"kind": "task", "subject": "Renew", "account_id": account.id})
    result = sf.query(
        "SELECT Subject, Who.Name, Who.Type, What.Name FROM Task "
        "WHERE Who.Type = 'Lead' OR What.Name LIKE 'Acme%' ORDER BY What.Name"
    )
    first, second = result["records"]
    assert (first["Subject"], first["Who"]["Name"], first["Who"]["Type"]) == (
        "Call Lena", "Lena Lead", "Lead"
    )  # fmt: skip
    assert first["What"] is None
    assert first["Who"]["attributes"]["url"].endswith(f"/Lead/{sf_id('Lead', lead.id)}")
    assert (second["Subject"], second["Who"], second["What"]["Name"]) == (
        "Renew",
        None,
        "Acme Corp",
    )
