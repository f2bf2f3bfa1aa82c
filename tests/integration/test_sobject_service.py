"""The Salesforce record service: writes through Opportune's services, Salesforce's names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune import Opportune, User
from opportune.domain.salesforce.ids import parse_id, sf_id
from opportune.errors import (
    ConflictError,
    ConvertedLeadError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.services.uow import UnitOfWork
from tests.conftest import add_user

LEAD = {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines Ltd"}


def codes(exc: OpportuneError) -> list[tuple[str, str]]:
    return [(f.field, f.code) for f in exc.fields]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def window(core: Opportune) -> tuple[str, str]:
    now = core.clock()
    return iso(now - timedelta(minutes=5)), iso(now + timedelta(minutes=5))


def test_a_lead_created_with_salesforce_fields_is_an_ordinary_lead(
    core: Opportune, rep: User
) -> None:
    new_id = core.sobjects.create(rep, "Lead", {**LEAD, "LeadSource": "Web", "Rating": "Hot"})
    lead = core.leads.get(rep, parse_id(new_id, "Lead"), mark_read=False)
    assert (lead.first_name, lead.last_name, lead.company) == ("Ada", "Lovelace", "Engines Ltd")
    assert lead.rating == "Hot"
    assert lead.owner_id == rep.id
    assert len(new_id) == 18


def test_an_update_changes_the_fields_given_and_keeps_history(core: Opportune, rep: User) -> None:
    new_id = core.sobjects.create(rep, "lead", LEAD)
    core.sobjects.update(rep, "Lead", new_id[:15], {"Title": "Countess", "Company": "Analytical"})
    number = parse_id(new_id, "Lead")
    lead = core.leads.get(rep, number, mark_read=False)
    assert (lead.title, lead.company, lead.first_name) == ("Countess", "Analytical", "Ada")
    assert {c.field for c in core.leads.history(rep, number)} >= {"title", "company"}


def test_upsert_creates_then_updates_the_record_with_that_external_id(
    core: Opportune, rep: User
) -> None:
    first_id, created = core.sobjects.upsert(rep, "Lead", "External_Id__c", "web-1", LEAD)
    assert created is True
    again_id, created_again = core.sobjects.upsert(
        rep, "Lead", "external_id__c", "web-1", {"Title": "Countess"}
    )
    assert (again_id, created_again) == (first_id, False)
    assert core.leads.get(rep, parse_id(first_id, "Lead"), mark_read=False).title == "Countess"
    with UnitOfWork(core.engine) as uow:
        assert uow.sobject_rows.find_by_key("leads", "external_id", "web-1") == [
            parse_id(first_id, "Lead")
        ]


def test_upsert_by_salesforce_id_and_by_id(core: Opportune, rep: User) -> None:
    sf_key = "00QD000000IqhSLIAZ"
    record_id, created = core.sobjects.upsert(rep, "Lead", "Salesforce_Id__c", sf_key, LEAD)
    assert created is True
    assert core.sobjects.upsert(rep, "Lead", "Salesforce_Id__c", sf_key, {"Title": "x"}) == (
        record_id, False,
    )  # fmt: skip
    assert core.sobjects.upsert(rep, "Lead", "Id", record_id, {"Title": "y"}) == (
        record_id, False,
    )  # fmt: skip


def test_upsert_on_a_field_that_is_no_external_id_is_not_found(core: Opportune, rep: User) -> None:
    with pytest.raises(NotFoundError, match="external ID field does not exist"):
        core.sobjects.upsert(rep, "Lead", "Company", "Acme", LEAD)


def test_an_external_id_another_record_has_is_a_duplicate_value(core: Opportune, rep: User) -> None:
    core.sobjects.create(rep, "Lead", {**LEAD, "External_Id__c": "k1"})
    other = core.sobjects.create(rep, "Lead", LEAD)
    with pytest.raises(ValidationError) as caught:
        core.sobjects.update(rep, "Lead", other, {"External_Id__c": "k1"})
    assert codes(caught.value) == [("External_Id__c", "DUPLICATE_VALUE")]


def test_unknown_read_only_and_missing_fields_are_named_the_salesforce_way(
    core: Opportune, rep: User
) -> None:
    with pytest.raises(ValidationError) as unknown:
        core.sobjects.create(rep, "Lead", {**LEAD, "Shoe__c": 1, "IsConverted": True})
    assert codes(unknown.value) == [
        ("Shoe__c", "INVALID_FIELD"), ("IsConverted", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ]  # fmt: skip
    with pytest.raises(ValidationError) as missing:
        core.sobjects.create(rep, "Lead", {"FirstName": "Ada"})
    assert set(codes(missing.value)) == {
        ("LastName", "REQUIRED_FIELD_MISSING"), ("Company", "REQUIRED_FIELD_MISSING"),
    }  # fmt: skip


def test_a_converted_lead_can_be_neither_updated_nor_deleted(core: Opportune, rep: User) -> None:
    lead_id = core.sobjects.create(rep, "Lead", LEAD)
    core.conversions.convert(
        rep, parse_id(lead_id, "Lead"), {"converted_status": "Closed - Converted"}
    )
    for attempt in (
        lambda: core.sobjects.update(rep, "Lead", lead_id, {"Title": "x"}),
        lambda: core.sobjects.delete(rep, "Lead", lead_id),
    ):
        with pytest.raises(ConvertedLeadError) as caught:
            attempt()
        assert caught.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_a_rep_cannot_delete_another_reps_lead(core: Opportune, rep: User, admin: User) -> None:
    other = add_user(core, "Otto Other", "rep", admin)
    lead_id = core.sobjects.create(other, "Lead", LEAD)
    with pytest.raises(NotFoundError):  # another rep's lead is private: not found
        core.sobjects.delete(rep, "Lead", lead_id)
    core.sharing.set_org_default(None, "lead", "read")
    with pytest.raises(PermissionDeniedError):
        core.sobjects.delete(rep, "Lead", lead_id)
    core.sobjects.delete(other, "Lead", lead_id)


def test_a_deletion_is_logged_and_listed_in_the_deleted_window(core: Opportune, rep: User) -> None:
    lead_id = core.sobjects.create(rep, "Lead", LEAD)
    kept = core.sobjects.create(rep, "Lead", LEAD)
    core.sobjects.delete(rep, "Lead", lead_id)
    start, end = window(core)
    result = core.sobjects.deleted(rep, "Lead", start, end)
    assert [r["id"] for r in result["deletedRecords"]] == [lead_id]
    assert result["deletedRecords"][0]["deletedDate"].endswith("+0000")
    assert core.sobjects.updated(rep, "Lead", start, end)["ids"] == [kept]
    with pytest.raises(NotFoundError):
        core.sobjects.delete(rep, "Lead", lead_id)


def test_the_records_an_undone_conversion_removes_are_listed_as_deleted(
    core: Opportune, rep: User
) -> None:
    lead_id = parse_id(core.sobjects.create(rep, "Lead", LEAD), "Lead")
    result = core.conversions.convert(rep, lead_id, {"converted_status": "Closed - Converted"})
    core.conversions.unconvert(rep, lead_id)
    start, end = window(core)
    for name, record_id in (("Account", result.account_id), ("Opportunity", result.opportunity_id)):
        deleted = core.sobjects.deleted(rep, name, start, end)["deletedRecords"]
        assert [r["id"] for r in deleted] == [sf_id(name, record_id or 0)]


def test_deletions_through_any_service_are_logged(core: Opportune, rep: User) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    task = core.activities.create(rep, {"kind": "task", "subject": "Call back"})
    assert account.id is not None and task.id is not None
    core.accounts.delete(rep, account.id)
    core.activities.delete(rep, task.id)
    start, end = window(core)
    assert core.sobjects.deleted(rep, "Account", start, end)["deletedRecords"][0]["id"] == sf_id(
        "Account", account.id
    )
    assert len(core.sobjects.deleted(rep, "Task", start, end)["deletedRecords"]) == 1


@pytest.mark.parametrize(
    ("start_days", "end_days"),
    [(-40, -35), (-20, 15), (0, -1)],
)
def test_replication_windows_salesforce_refuses_are_invalid_replication_dates(
    core: Opportune, rep: User, start_days: int, end_days: int
) -> None:
    now = datetime.now(UTC)
    start, end = now + timedelta(days=start_days), now + timedelta(days=end_days)
    with pytest.raises(ValidationError) as caught:
        core.sobjects.updated(rep, "Lead", iso(start), iso(end))
    assert caught.value.fields[0].code == "INVALID_REPLICATION_DATE"


def test_a_task_relates_to_a_lead_by_its_salesforce_id(core: Opportune, rep: User) -> None:
    lead_id = core.sobjects.create(rep, "Lead", LEAD)
    task_id = core.sobjects.create(
        rep, "Task", {"Subject": "Call", "WhoId": lead_id, "TaskSubtype": "Call"}
    )
    activity = core.activities.get(rep, parse_id(task_id, "Task"))
    assert (activity.kind, activity.lead_id) == ("call", parse_id(lead_id, "Lead"))
    with pytest.raises(ValidationError) as caught:
        core.sobjects.create(rep, "Task", {"Subject": "x", "WhoId": sf_id("Lead", 999_999)})
    assert codes(caught.value) == [("WhoId", "INVALID_CROSS_REFERENCE_KEY")]


def test_only_an_admin_creates_users_and_they_start_as_reps(
    core: Opportune, rep: User, admin: User
) -> None:
    values = {"LastName": "Newbie", "Email": "newbie@example.com"}
    with pytest.raises(PermissionDeniedError):
        core.sobjects.create(rep, "User", values)
    user_id = core.sobjects.create(admin, "User", values)
    user = core.users.get(parse_id(user_id, "User"))
    assert (user.name, user.role, user.is_active) == ("Newbie", "rep", True)


def test_lead_statuses_and_user_deletion_are_refused_as_methods_not_allowed(
    core: Opportune, admin: User
) -> None:
    with pytest.raises(ConflictError) as status:
        core.sobjects.create(admin, "LeadStatus", {"MasterLabel": "New"})
    with pytest.raises(ConflictError) as user:
        core.sobjects.delete(admin, "User", sf_id("User", admin.id or 0))
    assert status.value.code == user.value.code == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("record_id", "error"),
    [("nonsense", NotFoundError), (sf_id("Account", 1), NotFoundError),
     ("00Q000000000001EA9", ValidationError), (sf_id("Lead", 424242), NotFoundError)],
)  # fmt: skip
def test_a_path_id_is_read_as_salesforce_reads_it(
    core: Opportune, rep: User, record_id: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        core.sobjects.update(rep, "Lead", record_id, {"Title": "x"})


def test_describe_lists_the_lead_statuses_with_the_default(core: Opportune, rep: User) -> None:
    result = core.sobjects.describe(rep, "Lead", "59.0")
    status = next(f for f in result["fields"] if f["name"] == "Status")  # type: ignore[attr-defined]
    values = {v["value"]: v["defaultValue"] for v in status["picklistValues"]}
    assert values["Open - Not Contacted"] is True
    assert values["Working - Contacted"] is False
    stage = next(
        f
        for f in core.sobjects.describe(rep, "Opportunity", "59.0")["fields"]  # type: ignore[attr-defined]
        if f["name"] == "StageName"
    )
    assert "Closed Won" in [v["value"] for v in stage["picklistValues"]]


def test_describe_global_lists_every_object_for_the_caller(core: Opportune, rep: User) -> None:
    result = core.sobjects.describe_global(rep, "59.0")
    entries = {e["name"]: e for e in result["sobjects"]}  # type: ignore[attr-defined]
    assert set(entries) >= {"Lead", "Account", "Contact", "Opportunity", "Task", "User"}
    assert entries["Lead"]["keyPrefix"] == "00Q"
    assert entries["User"]["createable"] is False
    assert entries["LeadStatus"]["updateable"] is False


def test_a_record_reads_back_with_salesforce_fields(core: Opportune, rep: User) -> None:
    lead_id = core.sobjects.create(rep, "Lead", {**LEAD, "External_Id__c": "r1"})
    record = core.sobjects.get(rep, "Lead", lead_id)
    assert record["Id"] == lead_id
    assert (record["LastName"], record["External_Id__c"]) == ("Lovelace", "r1")
    assert record["attributes"]["type"] == "Lead"
    some = core.sobjects.get(rep, "Lead", lead_id[:15], fields=["Company", "Owner.Name"])
    assert some["Company"] == "Engines Ltd"
    assert "FirstName" not in some
    assert core.sobjects.get_by_key(rep, "Lead", "External_Id__c", "r1")["Id"] == lead_id
