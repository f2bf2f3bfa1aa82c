"""The rules of Bulk API 2.0 ingest jobs: states, create requests, row error text."""

from __future__ import annotations

import pytest

from opportune.domain.salesforce.bulk_jobs import (
    JobState,
    check_deletable,
    check_transition,
    job_spec,
    row_error,
)
from opportune.errors import ConflictError, FieldError, ValidationError

EXTERNAL_IDS = {"Lead": ["External_Id__c", "Salesforce_Id__c"]}


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("Open", "UploadComplete"),
        ("Open", "Aborted"),
        ("UploadComplete", "Aborted"),
        ("InProgress", "Aborted"),
    ],
)
def test_a_client_may_close_or_abort_a_job_that_has_not_ended(current: str, wanted: str) -> None:
    assert check_transition(current, wanted, by_client=True) == JobState(wanted)


@pytest.mark.parametrize("ended", ["JobComplete", "Failed", "Aborted"])
def test_a_job_that_has_ended_stays_as_it_is(ended: str) -> None:
    with pytest.raises(ConflictError) as caught:
        check_transition(ended, "Aborted", by_client=True)
    assert caught.value.code == "INVALIDJOBSTATE"


def test_a_job_runs_from_closed_through_in_progress_to_complete() -> None:
    assert check_transition("UploadComplete", "InProgress") is JobState.IN_PROGRESS
    assert check_transition("InProgress", "JobComplete") is JobState.JOB_COMPLETE
    assert check_transition("InProgress", "Failed") is JobState.FAILED


def test_an_open_job_cannot_skip_to_in_progress() -> None:
    with pytest.raises(ConflictError):
        check_transition("Open", "InProgress")


def test_a_client_cannot_set_the_states_the_server_sets() -> None:
    with pytest.raises(ValidationError):
        check_transition("Open", "JobComplete", by_client=True)


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValidationError):
        check_transition("Open", "Closed", by_client=True)


def test_a_job_being_worked_on_cannot_be_deleted() -> None:
    check_deletable("JobComplete")
    with pytest.raises(ConflictError):
        check_deletable("InProgress")


def test_a_create_request_gets_salesforce_defaults() -> None:
    spec = job_spec({"object": "lead", "operation": "insert", "contentType": "CSV"}, {})
    assert (spec.object_name, spec.operation, spec.line_ending, spec.column_delimiter) == (
        "Lead", "insert", "LF", "COMMA",
    )  # fmt: skip
    assert spec.delimiter == ","


def test_a_create_request_takes_line_endings_and_delimiters() -> None:
    body = {"object": "Lead", "operation": "update", "lineEnding": "CRLF",
            "columnDelimiter": "SEMICOLON"}  # fmt: skip
    spec = job_spec(body, {})
    assert (spec.line_ending, spec.delimiter) == ("CRLF", ";")


def test_an_upsert_needs_an_external_id_field_of_the_object() -> None:
    body = {"object": "Lead", "operation": "upsert", "externalIdFieldName": "external_id__c"}
    assert job_spec(body, EXTERNAL_IDS).external_id_field == "External_Id__c"
    with pytest.raises(ValidationError) as caught:
        job_spec({**body, "externalIdFieldName": "Email"}, EXTERNAL_IDS)
    assert [e.field for e in caught.value.fields] == ["externalIdFieldName"]


def test_a_create_request_lists_every_problem() -> None:
    body = {"object": "Invoice", "operation": "merge", "contentType": "JSON"}
    with pytest.raises(ValidationError) as caught:
        job_spec(body, {})
    assert {e.field for e in caught.value.fields} == {"object", "operation", "contentType"}


def test_a_row_error_reads_like_salesforce() -> None:
    missing = [FieldError("LastName", "REQUIRED_FIELD_MISSING", "Is required"),
               FieldError("Company", "REQUIRED_FIELD_MISSING", "Is required")]  # fmt: skip
    assert row_error(missing) == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName, Company]:"
        "LastName Company --"
    )
    bad = [FieldError("Email", "INVALID_EMAIL_ADDRESS", "Not an email address")]
    assert row_error(bad) == "INVALID_EMAIL_ADDRESS:Not an email address:Email --"
