"""Turning the rows of a Salesforce export into Opportune input."""

from __future__ import annotations

from datetime import UTC, date, datetime

from opportune.domain.salesforce.export_rows import (
    Conversion,
    ValueNote,
    parse_moment,
    plan_columns,
    read_row,
)
from opportune.domain.salesforce.ids import to_18
from opportune.domain.salesforce.objects import sobject

LEAD = sobject("Lead")
TASK = sobject("Task")
USER = sobject("User")
CONTACT = sobject("Contact")
ACCOUNT_ID = "0015g00000AcMe1"
LEAD_ID = "00Q5g00000OpEnL"


def test_known_writable_columns_map_and_unknown_ones_are_ignored_in_file_order() -> None:
    assert LEAD is not None
    plan = plan_columns(LEAD, ["Id", "LastName", "Foo__c", "CreatedDate", "Name", "Bar",
                               "IsConverted", "ConvertedAccountId"])  # fmt: skip

    assert {h: f.input for h, f in plan.fields.items()} == {"LastName": "last_name"}
    assert plan.ignored == ("Foo__c", "Bar")


def test_a_15_character_id_becomes_18_characters_and_a_bad_one_is_a_problem() -> None:
    assert CONTACT is not None
    plan = plan_columns(CONTACT, ["Id", "LastName", "AccountId"])

    good = read_row(plan, {"Id": "0035g00000JoHnD", "LastName": "Doe", "AccountId": ACCOUNT_ID})
    bad = read_row(plan, {"Id": "nonsense", "LastName": "Doe", "AccountId": "00Q5g00000OpEnL"})

    assert good.salesforce_id == to_18("0035g00000JoHnD")
    assert good.references == {"account_id": to_18(ACCOUNT_ID)}
    assert good.values == {"last_name": "Doe"}
    assert [(p.field, p.code) for p in bad.problems] == [
        ("Id", "MALFORMED_ID"),
        ("AccountId", "MALFORMED_ID"),
    ]


def test_a_converted_lead_carries_its_conversion_and_a_deleted_row_is_marked() -> None:
    assert LEAD is not None
    headers = ["Id", "IsDeleted", "LastName", "Company", "IsConverted", "ConvertedDate",
               "ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId"]  # fmt: skip
    plan = plan_columns(LEAD, headers)
    raw = dict(zip(headers, [LEAD_ID, "true", "Ng", "Acme", "true", "2025-03-01", ACCOUNT_ID,
                             "0035g00000CoNvC", ""], strict=True))  # fmt: skip

    row = read_row(plan, raw)

    assert row.is_deleted
    assert row.conversion == Conversion(date(2025, 3, 1), to_18(ACCOUNT_ID),
                                        to_18("0035g00000CoNvC"), None)  # fmt: skip


def test_task_who_and_what_go_by_the_id_prefix_and_statuses_become_open_or_completed() -> None:
    assert TASK is not None
    headers = ["Id", "WhoId", "WhatId", "Subject", "Status", "Priority", "TaskSubtype"]
    plan = plan_columns(TASK, headers)
    values = ["00T5g00000TaSk1", LEAD_ID, "5005g00000CaSe1", "Hi", "Waiting on someone else",
              "Urgent", "Task"]  # fmt: skip
    raw = dict(zip(headers, values, strict=True))

    row = read_row(plan, raw)

    assert row.references == {"lead_id": to_18(LEAD_ID)}
    assert (row.values["status"], row.values["priority"], row.values["kind"]) == (
        "Open", "Normal", "task",
    )  # fmt: skip
    assert ValueNote("Status", "Waiting on someone else", "imported as Open") in row.notes
    assert ValueNote("Priority", "Urgent", "imported as Normal") in row.notes
    assert any(n.field == "WhatId" and n.action.startswith("not imported") for n in row.notes)


def test_a_call_drops_the_task_only_fields() -> None:
    assert TASK is not None
    headers = ["Id", "Subject", "Status", "ActivityDate", "TaskSubtype"]
    plan = plan_columns(TASK, headers)
    raw = dict(zip(headers, ["00T5g00000TaSk1", "Rang", "Completed", "2026-01-02", "Call"],
                   strict=True))  # fmt: skip

    assert read_row(plan, raw).values == {"subject": "Rang", "kind": "call"}


def test_unknown_fixed_picklist_values_are_left_empty_and_noted() -> None:
    assert CONTACT is not None
    plan = plan_columns(CONTACT, ["Id", "LastName", "Salutation", "DoNotCall"])
    raw = {"Id": "0035g00000JoHnD", "LastName": "Doe", "Salutation": "Sir", "DoNotCall": "1"}

    row = read_row(plan, raw)

    assert row.values == {"last_name": "Doe", "salutation": None, "do_not_call": True}
    assert row.notes == [ValueNote("Salutation", "Sir", "left empty")]


def test_a_user_row_gives_the_email_and_full_name() -> None:
    assert USER is not None
    headers = ["Id", "Username", "Email", "FirstName", "LastName", "IsActive", "Alias"]
    plan = plan_columns(USER, headers)
    raw = dict(zip(headers, ["0055g00000SaMuE", "sam@sf", "", "Sam", "Seller", "false", "ss"],
                   strict=True))  # fmt: skip

    row = read_row(plan, raw)

    assert plan.ignored == ("Alias",)
    assert row.values == {"email": "sam@sf", "name": "Sam Seller"}
    assert row.flags == {"IsActive": False}


def test_salesforce_datetimes_are_read_in_utc() -> None:
    assert parse_moment("2026-11-28T09:00:00.000+0000") == datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert parse_moment("2026-11-28T10:00:00.000+0100") == datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert parse_moment("2026-11-28T09:00:00Z") == datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert parse_moment("not a date") is None and parse_moment("") is None
