"""Salesforce field values become Opportune service input; errors name Salesforce fields."""

from __future__ import annotations

import pytest

from opportune.domain.salesforce.describe import (
    ObjectAccess,
    PicklistEntry,
    describe_object,
    field_label,
)
from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import SObject, sobject
from opportune.domain.salesforce.record_input import (
    record_input,
    salesforce_error,
    salesforce_names,
)
from opportune.errors import FieldError, ValidationError


def obj(name: str) -> SObject:
    found = sobject(name)
    assert found is not None
    return found


LEAD, TASK, USER, CONTACT = obj("Lead"), obj("Task"), obj("User"), obj("Contact")


def errors_of(
    target: SObject, values: dict[str, object], *, creating: bool = True
) -> list[FieldError]:
    with pytest.raises(ValidationError) as caught:
        record_input(target, values, creating=creating)
    return caught.value.fields


def test_lead_fields_become_the_lead_services_input() -> None:
    owner = sf_id("User", 3)
    parsed = record_input(
        LEAD,
        {"FirstName": "Ada", "lastname": "Ng", "Company": "Acme", "Status": "Working",
         "LeadSource": "Web", "OwnerId": owner, "AnnualRevenue": 1000.5},
        creating=True,
    )  # fmt: skip
    assert parsed.data == {
        "first_name": "Ada", "last_name": "Ng", "company": "Acme", "status": "Working",
        "lead_source": "Web", "owner_id": 3, "annual_revenue": 1000.5,
    }  # fmt: skip
    assert parsed.keys == {}


def test_external_keys_are_kept_apart_from_the_services_input() -> None:
    parsed = record_input(
        LEAD, {"LastName": "Ng", "External_Id__c": " abc ", "Salesforce_Id__c": None},
        creating=True,
    )  # fmt: skip
    assert parsed.data == {"last_name": "Ng"}
    assert parsed.keys == {"external_id": "abc", "salesforce_id": None}


def test_an_unknown_field_is_refused_the_salesforce_way() -> None:
    (error,) = errors_of(LEAD, {"LastName": "Ng", "Shoe_Size__c": 9})
    assert error.field == "Shoe_Size__c"
    assert error.code == "INVALID_FIELD"
    assert error.message == "No such column 'Shoe_Size__c' on sobject of type Lead"


@pytest.mark.parametrize("field", ["IsConverted", "Name", "CreatedDate", "Id"])
def test_a_read_only_field_is_refused_on_create_and_update(field: str) -> None:
    for creating in (True, False):
        (error,) = errors_of(LEAD, {field: "x"}, creating=creating)
        assert (error.field, error.code) == (field, "INVALID_FIELD_FOR_INSERT_UPDATE")
        assert error.message.startswith(f"Unable to create/update fields: {field}.")


def test_every_bad_field_is_reported_at_once() -> None:
    errors = errors_of(LEAD, {"Nope": 1, "IsConverted": True, "OwnerId": "bad"})
    assert [(e.field, e.code) for e in errors] == [
        ("Nope", "INVALID_FIELD"),
        ("IsConverted", "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ("OwnerId", "MALFORMED_ID"),
    ]


def test_a_reference_to_another_kind_of_record_is_a_malformed_id() -> None:
    (error,) = errors_of(CONTACT, {"LastName": "Ng", "AccountId": sf_id("Lead", 4)})
    assert (error.field, error.code) == ("AccountId", "MALFORMED_ID")


def test_a_reference_takes_the_15_character_form_and_null() -> None:
    account = sf_id("Account", 9)
    assert record_input(CONTACT, {"AccountId": account[:15]}, creating=False).data == {
        "account_id": 9
    }
    assert record_input(CONTACT, {"AccountId": None}, creating=False).data == {"account_id": None}


def test_a_task_who_and_what_go_to_the_column_of_their_object() -> None:
    parsed = record_input(
        TASK,
        {"Subject": "Call", "WhoId": sf_id("Contact", 5), "WhatId": sf_id("Opportunity", 6)},
        creating=True,
    )
    assert parsed.data == {
        "kind": "task", "subject": "Call", "lead_id": None, "contact_id": 5,
        "account_id": None, "opportunity_id": 6,
    }  # fmt: skip


def test_a_who_id_of_an_account_is_malformed() -> None:
    (error,) = errors_of(TASK, {"Subject": "x", "WhoId": sf_id("Account", 1)})
    assert (error.field, error.code) == ("WhoId", "MALFORMED_ID")


def test_task_subtype_chooses_a_task_or_a_call_on_create_only() -> None:
    assert record_input(TASK, {"TaskSubtype": "Call"}, creating=True).data == {"kind": "call"}
    (bad,) = errors_of(TASK, {"TaskSubtype": "Email"})
    assert (bad.field, bad.code) == ("TaskSubtype", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    (later,) = errors_of(TASK, {"TaskSubtype": "Call"}, creating=False)
    assert later.code == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_a_new_user_is_a_rep_unless_told_otherwise() -> None:
    parsed = record_input(USER, {"LastName": "Ng", "Email": "ng@example.com"}, creating=True)
    assert parsed.data == {"role": "rep", "name": "Ng", "email": "ng@example.com"}


def test_the_attributes_block_of_a_record_sent_back_is_ignored() -> None:
    parsed = record_input(LEAD, {"attributes": {"type": "Lead"}, "Title": "CEO"}, creating=False)
    assert parsed.data == {"title": "CEO"}


def test_service_errors_are_renamed_to_salesforce_fields() -> None:
    exc = ValidationError(
        [FieldError("last_name", "REQUIRED_FIELD_MISSING", "Is required"),
         FieldError("lead_id", "INVALID_CROSS_REFERENCE_KEY", "No lead")]
    )  # fmt: skip
    renamed = salesforce_error(TASK, exc)
    assert [(e.field, e.code) for e in renamed.fields] == [
        ("last_name", "REQUIRED_FIELD_MISSING"),
        ("WhoId", "INVALID_CROSS_REFERENCE_KEY"),
    ]
    assert salesforce_error(LEAD, exc).fields[0].field == "LastName"
    assert salesforce_names(USER)["name"] == "LastName"


@pytest.mark.parametrize(
    ("name", "label"),
    [("FirstName", "First Name"), ("AccountId", "Account ID"),
     ("Close_Reason__c", "Close Reason"), ("External_Id__c", "External ID")],
)  # fmt: skip
def test_field_labels_read_like_salesforces(name: str, label: str) -> None:
    assert field_label(name) == label


def test_describe_lists_picklist_values_with_the_default_and_inactive_ones() -> None:
    statuses = [PicklistEntry("Open", default=True), PicklistEntry("Old", active=False)]
    result = describe_object(
        LEAD, ObjectAccess(True, True, True), "59.0", {"lead_statuses": statuses}
    )
    fields = {f["name"]: f for f in result["fields"]}  # type: ignore[attr-defined]
    assert fields["Status"]["picklistValues"] == [
        {"active": True, "defaultValue": True, "label": "Open", "validFor": None, "value": "Open"},
        {"active": False, "defaultValue": False, "label": "Old", "validFor": None, "value": "Old"},
    ]
    assert [v["value"] for v in fields["Rating"]["picklistValues"]] == ["Hot", "Warm", "Cold"]
    assert fields["LastName"]["nillable"] is False
    assert fields["IsConverted"]["createable"] is False
    assert fields["OwnerId"]["referenceTo"] == ["User"]
    assert fields["External_Id__c"]["externalId"] is True
    assert result["keyPrefix"] == "00Q"


def test_describe_shows_an_object_read_only_to_a_caller_who_may_not_write() -> None:
    result = describe_object(USER, ObjectAccess(False, False, False), "59.0", {})
    assert result["createable"] is False
    assert all(not f["createable"] for f in result["fields"])  # type: ignore[attr-defined]
