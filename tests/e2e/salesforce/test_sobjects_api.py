"""The sobject resources through the real simple-salesforce client over live HTTPS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from opportune import Opportune, User
from opportune.domain.salesforce.ids import parse_id, sf_id
from tests.e2e.salesforce.conftest import SfServer, salesforce_client

LEAD = {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines Ltd"}


def refused(kind: type[SalesforceError], call: Callable[[], object]) -> list[dict[str, Any]]:
    """The error list of a call that must fail with ``kind``.

    Returned as plain data: an exception kept in a test's frame forms a cycle that
    outlives the test, with the client's connection in it.
    """
    try:
        call()
    except kind as exc:
        content: list[dict[str, Any]] = exc.content
        return content
    pytest.fail(f"{kind.__name__} not raised")


def around_now() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(minutes=5), now + timedelta(minutes=5)


def test_a_lead_is_created_read_updated_and_deleted(sf: Salesforce) -> None:
    created = sf.Lead.create({**LEAD, "LeadSource": "Web"})
    assert created["success"] is True
    assert created["errors"] == []
    lead_id = created["id"]
    record = sf.Lead.get(lead_id)
    assert record["attributes"]["type"] == "Lead"
    assert (record["Id"], record["LastName"], record["LeadSource"]) == (lead_id, "Lovelace", "Web")
    assert record["Status"] == "Open - Not Contacted"
    assert sf.Lead.update(lead_id, {"Title": "Countess"}) == 204
    assert sf.Lead.get(lead_id[:15])["Title"] == "Countess"
    assert sf.Lead.delete(lead_id) == 204
    (missing,) = refused(SalesforceResourceNotFound, lambda: sf.Lead.get(lead_id))
    assert missing["errorCode"] == "NOT_FOUND"


def test_get_with_fields_returns_only_those_and_parent_fields(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Acme"})["id"]
    contact = sf.Contact.create({"LastName": "Ng", "AccountId": account})["id"]
    record = sf.Contact.get(contact, params={"fields": "LastName,Account.Name"})
    assert record["LastName"] == "Ng"
    assert record["Account"]["Name"] == "Acme"
    assert "FirstName" not in record


def test_upsert_creates_then_updates_by_external_id(sf: Salesforce) -> None:
    assert sf.Lead.upsert("External_Id__c/web-42", LEAD) == 201
    assert sf.Lead.upsert("External_Id__c/web-42", {"Title": "Countess"}) in (200, 204)
    record = sf.Lead.get_by_custom_id("External_Id__c", "web-42")
    assert (record["Title"], record["External_Id__c"]) == ("Countess", "web-42")
    refused(SalesforceResourceNotFound, lambda: sf.Lead.upsert("Company/Acme", LEAD))
    assert sf.Lead.delete("External_Id__c/web-42") == 204
    refused(
        SalesforceResourceNotFound, lambda: sf.Lead.get_by_custom_id("External_Id__c", "web-42")
    )


def test_an_upsert_answer_says_whether_it_created(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str
) -> None:
    url = sf_server.data_url("sobjects/Lead/External_Id__c/k-1")
    headers = {"Authorization": f"Bearer {sf_token}"}
    first = sf_session.patch(url, json=LEAD, headers=headers)
    second = sf_session.patch(url, json={"Title": "x"}, headers=headers)
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (second.status_code, second.json()) == (
        200, {"id": first.json()["id"], "success": True, "errors": [], "created": False},
    )  # fmt: skip


def test_bad_writes_get_salesforce_error_lists(sf: Salesforce) -> None:
    (unknown,) = refused(SalesforceMalformedRequest, lambda: sf.Lead.create({**LEAD, "Shoe__c": 9}))
    assert unknown["errorCode"] == "INVALID_FIELD"
    assert unknown["message"].endswith("No such column 'Shoe__c' on sobject of type Lead")
    (missing,) = refused(
        SalesforceMalformedRequest, lambda: sf.Lead.create({"FirstName": "Ada", "Company": "A"})
    )
    assert (missing["errorCode"], missing["fields"]) == ("REQUIRED_FIELD_MISSING", ["LastName"])
    (read_only,) = refused(
        SalesforceMalformedRequest, lambda: sf.Lead.create({**LEAD, "IsConverted": True})
    )
    assert read_only["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_a_converted_lead_cannot_be_updated(sf: Salesforce, core: Opportune, admin: User) -> None:
    lead_id = sf.Lead.create(LEAD)["id"]
    converted = {"converted_status": "Closed - Converted"}
    core.conversions.convert(admin, parse_id(lead_id, "Lead"), converted)
    errors = refused(SalesforceMalformedRequest, lambda: sf.Lead.update(lead_id, {"Title": "x"}))
    assert errors[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_a_rep_may_not_delete_another_reps_lead(
    sf: Salesforce, sf_server: SfServer, sf_session: requests.Session,
    sf_token_for: Callable[[User], str], rep: User, core: Opportune,
) -> None:  # fmt: skip
    lead_id = sf.Lead.create(LEAD)["id"]  # owned by the administrator
    as_rep = salesforce_client(sf_server, sf_token_for(rep), sf_session)
    hidden = refused(SalesforceResourceNotFound, lambda: as_rep.Lead.delete(lead_id))
    assert hidden[0]["errorCode"] == "NOT_FOUND"  # private: the rep cannot see it
    core.sharing.set_org_default(None, "lead", "read")
    errors = refused(SalesforceRefusedRequest, lambda: as_rep.Lead.delete(lead_id))
    assert errors[0]["errorCode"] == "INSUFFICIENT_ACCESS"  # seen, not changed: a 403


def test_describe_global_and_describe(sf: Salesforce) -> None:
    described = sf.describe()
    assert described["encoding"] == "UTF-8"
    names = {o["name"]: o for o in described["sobjects"]}
    assert names["Lead"]["keyPrefix"] == "00Q"
    assert names["Lead"]["urls"]["describe"] == "/services/data/v59.0/sobjects/Lead/describe"
    lead = sf.Lead.describe()
    fields = {f["name"]: f for f in lead["fields"]}
    assert fields["FirstName"]["label"] == "First Name"
    assert (fields["LastName"]["type"], fields["LastName"]["length"]) == ("string", 80)
    assert fields["LastName"]["nillable"] is False
    assert fields["IsConverted"]["updateable"] is False
    defaults = [v["value"] for v in fields["Status"]["picklistValues"] if v["defaultValue"]]
    assert defaults == ["Open - Not Contacted"]
    assert all(v["active"] for v in fields["LeadSource"]["picklistValues"])


def test_basic_info_shows_the_object_and_recent_records(sf: Salesforce) -> None:
    lead_id = sf.Lead.create(LEAD)["id"]
    info = sf.Lead.metadata()
    assert info["objectDescribe"]["name"] == "Lead"
    assert [item["Id"] for item in info["recentItems"]] == [lead_id]


def test_updated_and_deleted_windows(sf: Salesforce) -> None:
    kept = sf.Lead.create(LEAD)["id"]
    gone = sf.Lead.create(LEAD)["id"]
    sf.Lead.delete(gone)
    start, end = around_now()
    assert sf.Lead.updated(start, end)["ids"] == [kept]
    deleted = sf.Lead.deleted(start, end)
    assert [r["id"] for r in deleted["deletedRecords"]] == [gone]
    assert "latestDateCovered" in deleted
    errors = refused(
        SalesforceMalformedRequest, lambda: sf.Lead.updated(start - timedelta(days=40), end)
    )
    assert errors[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_read_only_objects_refuse_writes_with_405(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str
) -> None:
    headers = {"Authorization": f"Bearer {sf_token}"}
    response = sf_session.post(
        sf_server.data_url("sobjects/LeadStatus/"), json={"MasterLabel": "New"}, headers=headers
    )
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_a_create_answers_201_with_the_records_location(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str
) -> None:
    headers = {"Authorization": f"Bearer {sf_token}"}
    response = sf_session.post(sf_server.data_url("sobjects/Lead"), json=LEAD, headers=headers)
    assert response.status_code == 201
    location = f"/services/data/v59.0/sobjects/Lead/{response.json()['id']}"
    assert response.headers["Location"] == location


@pytest.mark.parametrize(
    ("record_id", "status", "code"),
    [("nonsense", 404, "NOT_FOUND"), (sf_id("Account", 1), 404, "NOT_FOUND"),
     ("00Q000000000001EA9", 400, "MALFORMED_ID")],
)  # fmt: skip
def test_ids_that_name_no_lead(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str,
    record_id: str, status: int, code: str,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {sf_token}"}
    response = sf_session.get(sf_server.data_url(f"sobjects/Lead/{record_id}"), headers=headers)
    assert response.status_code == status
    assert response.json()[0]["errorCode"] == code


def test_an_unknown_object_is_not_found(sf: Salesforce) -> None:
    refused(SalesforceResourceNotFound, lambda: sf.Widget__c.describe())
