"""Bulk API 2.0 ingest jobs through the service: insert, update, upsert, delete, abort."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from opportune import Opportune, User
from opportune.domain.salesforce.ids import parse_id, sf_id
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services.salesforce.bulk import BulkJob
from opportune.services.salesforce.bulk_files import UploadWriter
from opportune.services.uow import UnitOfWork

VERSION = "59.0"


def open_job(core: Opportune, actor: User, csv_text: str, **body: Any) -> BulkJob:
    """Create a job, upload ``csv_text`` and close it (not yet processed)."""
    job = core.bulk.create(actor, {"contentType": "CSV", **body}, VERSION)
    writer = core.bulk.start_upload(actor, job.id)
    writer.write(csv_text.encode())
    core.bulk.finish_upload(actor, job.id, writer)
    return core.bulk.change_state(actor, job.id, "UploadComplete")


def run_job(core: Opportune, actor: User, csv_text: str, **body: Any) -> BulkJob:
    """Create, upload, close and process a job; return it as it ended."""
    return core.bulk.process(open_job(core, actor, csv_text, **body).id)


def results(core: Opportune, actor: User, job: BulkJob, kind: str) -> list[dict[str, str]]:
    text = b"".join(core.bulk.results(actor, job.id, kind)).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_an_insert_saves_the_good_rows_and_reports_the_bad_one(
    core: Opportune, admin: User
) -> None:
    data = (
        "FirstName,LastName,Company,LeadSource\n"
        "Ada,Lovelace,Analytical,Web\n"
        "Grace,,Navy,Web\n"
        "Alan,Turing,Bletchley,\n"
    )
    job = run_job(core, admin, data, object="Lead", operation="insert")
    assert (job.state, job.records_processed, job.records_failed) == ("JobComplete", 3, 1)
    saved = results(core, admin, job, "successfulResults")
    assert [(r["LastName"], r["sf__Created"]) for r in saved] == [
        ("Lovelace", "true"),
        ("Turing", "true"),
    ]
    lead = core.leads.get(admin, parse_id(saved[0]["sf__Id"], "Lead"))
    assert (lead.last_name, lead.company) == ("Lovelace", "Analytical")
    [failed] = results(core, admin, job, "failedResults")
    assert failed["FirstName"] == "Grace"
    assert failed["sf__Error"].startswith(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]"
    )


def test_an_insert_runs_as_an_import_that_lists_the_job(core: Opportune, admin: User) -> None:
    job = run_job(core, admin, "LastName,Company\nHopper,Navy\n", object="Lead",
                  operation="insert")  # fmt: skip
    assert job.import_id is not None
    imported = core.imports.get(admin, job.import_id)
    assert (imported.status, imported.created_count, imported.object_type) == (
        "completed", 1, "lead",
    )  # fmt: skip


def test_contacts_take_their_account_by_salesforce_id(core: Opportune, admin: User) -> None:
    account = core.accounts.create(admin, {"name": "Analytical Engines"})
    assert account.id is not None
    account_id = sf_id("Account", account.id)
    data = f"LastName,AccountId\nLovelace,{account_id}\nBabbage,001000000000zzzAAA\n"
    job = run_job(core, admin, data, object="Contact", operation="insert")
    [saved] = results(core, admin, job, "successfulResults")
    contact = core.contacts.get(admin, parse_id(saved["sf__Id"], "Contact"))
    assert contact.account_id == account.id
    [failed] = results(core, admin, job, "failedResults")
    assert failed["LastName"] == "Babbage"


def test_an_update_changes_the_records_by_id(core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Lovelace", "company": "Analytical"})
    assert lead.id is not None
    lead_id = sf_id("Lead", lead.id)
    data = f"Id,Company\n{lead_id},Difference Engines\n00Q000000000zzzAAA,Nobody\n"
    job = run_job(core, admin, data, object="Lead", operation="update")
    assert (job.records_processed, job.records_failed) == (2, 1)
    [saved] = results(core, admin, job, "successfulResults")
    assert (saved["sf__Id"], saved["sf__Created"]) == (lead_id, "false")
    assert core.leads.get(admin, lead.id).company == "Difference Engines"


def test_an_upsert_creates_and_updates_on_the_external_id(core: Opportune, admin: User) -> None:
    first = "External_Id__c,LastName,Company\nX-1,Lovelace,Analytical\n"
    run_job(core, admin, first, object="Lead", operation="upsert",
            externalIdFieldName="External_Id__c")  # fmt: skip
    second = "External_Id__c,LastName,Company\nX-1,Lovelace,Difference\nX-2,Hopper,Navy\n"
    job = run_job(core, admin, second, object="Lead", operation="upsert",
                  externalIdFieldName="External_Id__c")  # fmt: skip
    saved = results(core, admin, job, "successfulResults")
    assert [(r["External_Id__c"], r["sf__Created"]) for r in saved] == [
        ("X-1", "false"),
        ("X-2", "true"),
    ]
    updated = core.leads.get(admin, parse_id(saved[0]["sf__Id"], "Lead"))
    assert updated.company == "Difference"


def test_a_delete_removes_the_records(core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Lovelace", "company": "Analytical"})
    assert lead.id is not None
    job = run_job(core, admin, f"Id\n{sf_id('Lead', lead.id)}\n", object="Lead",
                  operation="delete")  # fmt: skip
    assert (job.records_processed, job.records_failed) == (1, 0)
    with pytest.raises(NotFoundError):
        core.leads.get(admin, lead.id)


def test_tasks_are_inserted_through_the_record_service(core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Lovelace", "company": "Analytical"})
    assert lead.id is not None
    data = f"Subject,WhoId,Status\nCall Ada,{sf_id('Lead', lead.id)},Open\n"
    job = run_job(core, admin, data, object="Task", operation="insert")
    assert results(core, admin, job, "failedResults") == []
    assert (job.records_processed, job.records_failed) == (1, 0)
    [saved] = results(core, admin, job, "successfulResults")
    assert saved["sf__Id"].startswith("00T")


def test_an_aborted_job_leaves_its_rows_unprocessed(core: Opportune, admin: User) -> None:
    job = open_job(core, admin, "LastName,Company\nLovelace,A\nHopper,B\n", object="Lead",
                   operation="insert")  # fmt: skip
    core.bulk.change_state(admin, job.id, "Aborted")
    ended = core.bulk.process(job.id)
    assert (ended.state, ended.records_processed) == ("Aborted", 0)
    left = results(core, admin, ended, "unprocessedrecords")
    assert [r["LastName"] for r in left] == ["Lovelace", "Hopper"]
    with pytest.raises(ConflictError):
        core.bulk.change_state(admin, job.id, "UploadComplete")


def test_a_column_the_object_lacks_fails_the_job(core: Opportune, admin: User) -> None:
    job = run_job(core, admin, "LastName,Shoe_Size__c\nLovelace,38\n", object="Lead",
                  operation="insert")  # fmt: skip
    assert job.state == "Failed"
    assert job.error_message is not None and "Shoe_Size__c" in job.error_message


def test_jobs_are_visible_to_their_creator_and_admins_only(
    core: Opportune, admin: User, rep: User, manager: User
) -> None:
    job = core.bulk.create(rep, {"object": "Lead", "operation": "insert"}, VERSION)
    assert core.bulk.get(admin, job.id).id == job.id
    assert [j.id for j in core.bulk.list(rep)] == [job.id]
    assert core.bulk.list(manager) == []
    with pytest.raises(NotFoundError):
        core.bulk.get(manager, job.id)


def test_a_deleted_job_is_gone_with_its_files(core: Opportune, admin: User) -> None:
    job = run_job(core, admin, "LastName,Company\nLovelace,A\n", object="Lead",
                  operation="insert")  # fmt: skip
    core.bulk.delete(admin, job.id)
    with pytest.raises(NotFoundError):
        core.bulk.get(admin, job.id)
    assert not (core.settings.data_dir / "bulk" / str(job.number)).exists()


def test_duplicates_are_created_anyway_as_salesforce_does(core: Opportune, admin: User) -> None:
    data = "LastName,Company,Email\nLovelace,Analytical,ada@example.com\n"
    run_job(core, admin, data, object="Lead", operation="insert")
    job = run_job(core, admin, data, object="Lead", operation="insert")
    assert (job.records_processed, job.records_failed) == (1, 0)
    [saved] = results(core, admin, job, "successfulResults")
    assert saved["sf__Created"] == "true"


def test_crlf_and_semicolons_are_read_and_written_back(core: Opportune, admin: User) -> None:
    data = "LastName;Company\r\nLovelace;Analytical\r\n;Navy\r\n"
    job = run_job(core, admin, data, object="Lead", operation="insert", lineEnding="CRLF",
                  columnDelimiter="SEMICOLON")  # fmt: skip
    assert (job.records_processed, job.records_failed) == (2, 1)
    text = b"".join(core.bulk.results(admin, job.id, "failedResults")).decode()
    assert text.startswith('"sf__Id";"sf__Error";"LastName";"Company"\r\n')


def test_a_job_closed_without_data_fails(core: Opportune, admin: User) -> None:
    job = core.bulk.create(admin, {"object": "Lead", "operation": "insert"}, VERSION)
    core.bulk.change_state(admin, job.id, "UploadComplete")
    ended = core.bulk.process(job.id)
    assert ended.state == "Failed"
    assert ended.error_message == "InvalidBatch : No data was uploaded"


def test_an_upload_over_the_limit_is_refused_and_removed(tmp_path: Path) -> None:
    writer = UploadWriter(tmp_path / "data.csv", max_bytes=10)
    writer.write(b"LastName\n")
    with pytest.raises(ValidationError) as caught:
        writer.write(b"Lovelace\n")
    assert caught.value.fields[0].code == "EXCEEDED_MAX_SIZE_REQUEST"
    assert list(tmp_path.iterdir()) == []


def test_at_start_up_a_closed_job_runs_and_a_dead_runners_job_fails(
    core: Opportune, admin: User
) -> None:
    closed = open_job(core, admin, "LastName,Company\nLovelace,A\n", object="Lead",
                      operation="insert")  # fmt: skip
    stuck = open_job(core, admin, "LastName,Company\nHopper,B\n", object="Lead",
                     operation="insert")  # fmt: skip
    with UnitOfWork(core.engine, write=True) as uow:
        uow.bulk_jobs.change(stuck.number, state="InProgress", runner="elsewhere:1")
        uow.commit()
    ended = {job.id: job for job in core.bulk.resume_interrupted()}
    assert (ended[closed.id].state, ended[closed.id].records_processed) == ("JobComplete", 1)
    assert ended[stuck.id].state == "Failed"
    left = results(core, admin, ended[stuck.id], "unprocessedrecords")
    assert [r["LastName"] for r in left] == ["Hopper"]


def test_opportunities_with_a_bad_close_date_fail_alone(core: Opportune, admin: User) -> None:
    account = core.accounts.create(admin, {"name": "Analytical Engines"})
    assert account.id is not None
    account_id = sf_id("Account", account.id)
    data = (
        "Name,AccountId,StageName,CloseDate,Amount\n"
        f"Engine,{account_id},Prospecting,2026-12-31,1000.50\n"
        f"Loom,{account_id},Prospecting,someday,10\n"
    )
    job = run_job(core, admin, data, object="Opportunity", operation="insert")
    assert (job.records_processed, job.records_failed) == (2, 1)
    [saved] = results(core, admin, job, "successfulResults")
    opportunity = core.opportunities.get(admin, parse_id(saved["sf__Id"], "Opportunity"))
    assert (opportunity.name, str(opportunity.close_date)) == ("Engine", "2026-12-31")
    [failed] = results(core, admin, job, "failedResults")
    assert failed["Name"] == "Loom" and ":CloseDate --" in failed["sf__Error"]


def test_jobs_idle_past_the_retention_are_purged_with_their_files(
    core: Opportune, admin: User
) -> None:
    old = run_job(core, admin, "LastName,Company\nLovelace,A\n", object="Lead", operation="insert")
    stale_open = core.bulk.create(admin, {"object": "Lead", "operation": "insert"}, VERSION)
    started = core.clock()
    later = started + timedelta(days=core.settings.bulk_job_retention_days, hours=1)
    core.clock = lambda: later  # type: ignore[method-assign]
    fresh = core.bulk.create(admin, {"object": "Lead", "operation": "insert"}, VERSION)
    assert (core.settings.data_dir / "bulk" / str(old.number)).exists()
    assert core.bulk.purge_expired() == 2
    assert [j.id for j in core.bulk.list(admin)] == [fresh.id]
    assert not (core.settings.data_dir / "bulk" / str(old.number)).exists()
    with pytest.raises(NotFoundError):
        core.bulk.get(admin, stale_open.id)
