"""Activities through the REST API: tasks, calls and notes, a record's activities, your tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot, field_codes

Headers = dict[str, str]
URL = "/api/v1/activities"
TASK = {"kind": "task", "subject": "Call back"}


@dataclass(frozen=True, slots=True)
class Records:
    """One record of each kind an activity relates to."""

    lead_id: int
    contact_id: int
    account_id: int
    opportunity_id: int


@pytest.fixture
def records(core: Opportune, rep: User) -> Records:
    """A lead, an account, a contact of it and an opportunity on it, all the rep's."""
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    account = core.accounts.create(rep, {"name": "Acme"})
    contact = core.contacts.create(rep, {"last_name": "Ode", "account_id": account.id})
    opportunity = core.opportunities.create(
        rep, {"name": "Acme deal", "account_id": account.id, "close_date": "2026-12-31"}
    )
    ids = (lead.id, contact.id, account.id, opportunity.id)
    assert all(isinstance(i, int) for i in ids)
    return Records(*ids)  # type: ignore[arg-type]


def create(client: TestClient, headers: Headers, **fields: object) -> dict[str, Any]:
    """Create an activity through the API (a task unless told otherwise) and return it."""
    response = client.post(URL, json={**TASK, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    activity: dict[str, Any] = response.json()
    return activity


# --- create, read, change, complete, delete ----------------------------------------------


def test_a_task_goes_through_create_read_update_complete_and_delete(
    client: TestClient, as_rep: Headers, rep: User, records: Records
) -> None:
    response = client.post(
        URL,
        json={"kind": "Task", "subject": "Send the quote", "due_date": "2026-12-01",
              "priority": "high", "contact_id": records.contact_id,
              "account_id": records.account_id},
        headers=as_rep,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["Location"].endswith(f"{URL}/{task['id']}")
    assert response.headers["ETag"] == '"1"'
    assert task["kind"] == "task"
    assert task["status"] == "Open"
    assert task["priority"] == "High"
    assert task["due_date"] == "2026-12-01"
    assert task["completed_at"] is None
    assert task["owner_id"] == rep.id
    assert task["owner_name"] == rep.name
    assert (task["contact_id"], task["account_id"]) == (records.contact_id, records.account_id)

    fetched = client.get(response.headers["Location"], headers=as_rep)
    assert fetched.status_code == 200
    assert fetched.json() == task
    assert fetched.headers["ETag"] == '"1"'

    url = f"{URL}/{task['id']}"
    changed = client.patch(
        url, json={"subject": "Send the new quote", "due_date": None}, headers=as_rep
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["subject"] == "Send the new quote"
    assert changed.json()["due_date"] is None
    assert changed.json()["priority"] == "High"
    assert changed.json()["version"] == 2
    assert changed.headers["ETag"] == '"2"'

    done = client.post(f"{url}/complete", headers=as_rep)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "Completed"
    assert done.json()["completed_at"] is not None
    again = client.post(f"{url}/complete", headers=as_rep)
    assert again.json() == done.json()

    reopened = client.patch(url, json={"status": "open"}, headers=as_rep)
    assert reopened.json()["status"] == "Open"
    assert reopened.json()["completed_at"] is None

    history = client.get(f"{url}/history", headers=as_rep)
    assert history.status_code == 200
    changes = [(c["field"], c["old_value"], c["new_value"]) for c in history.json()]
    assert ("subject", "Send the quote", "Send the new quote") in changes
    assert ("due_date", "2026-12-01", None) in changes
    assert ("status", "Open", "Completed") in changes
    assert ("status", "Completed", "Open") in changes
    assert {c["changed_by_name"] for c in history.json()} == {rep.name}

    deleted = client.delete(url, headers=as_rep)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(client.get(url, headers=as_rep), 404, "NOT_FOUND")


def test_a_call_and_a_note_keep_their_own_fields(
    client: TestClient, as_rep: Headers, records: Records
) -> None:
    call = create(
        client, as_rep, kind="call", subject="Intro call", call_duration_minutes=25,
        outcome="Interested", lead_id=records.lead_id,
    )  # fmt: skip
    assert call["kind"] == "call"
    assert call["occurred_at"] is not None  # defaults to now
    assert call["call_duration_minutes"] == 25
    assert call["status"] is None
    assert call["priority"] is None
    logged = create(
        client, as_rep, kind="call", subject="Follow-up", occurred_at="2026-03-01T10:30:00"
    )
    assert logged["occurred_at"].startswith("2026-03-01T10:30:00")

    note = {"kind": "note", "title": "Budget", "body": "Q3 at the earliest"}
    response = client.post(URL, json={**note, "opportunity_id": records.opportunity_id},
                           headers=as_rep)  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Budget"
    assert response.json()["subject"] is None

    done = client.post(f"{URL}/{call['id']}/complete", headers=as_rep)
    assert_error(done, 422, "INVALID_OPERATION", "kind")


def test_the_activity_output_has_exactly_the_documented_fields(
    client: TestClient, as_rep: Headers
) -> None:
    task = create(client, as_rep)
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["ActivityOut"]
    assert set(task) == set(schema["properties"])


def test_an_activity_can_be_given_to_someone_else(
    client: TestClient, as_rep: Headers, manager: User
) -> None:
    task = create(client, as_rep, owner_id=manager.id)
    assert (task["owner_id"], task["owner_name"]) == (manager.id, manager.name)


# --- optimistic locking --------------------------------------------------------------------


def test_a_stale_if_match_version_is_refused_and_changes_nothing(
    client: TestClient, as_rep: Headers, as_manager: Headers, core: Opportune,
    rep: User, manager: User,
) -> None:  # fmt: skip
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    task = create(client, as_rep)
    url = f"{URL}/{task['id']}"
    etag = client.get(url, headers=as_rep).headers["ETag"]
    other = client.patch(url, json={"priority": "Low"}, headers={**as_manager, "If-Match": etag})
    assert other.status_code == 200
    before = db_snapshot(core)
    stale = client.patch(url, json={"priority": "High"}, headers={**as_rep, "If-Match": etag})
    assert_error(stale, 409, "STALE_RECORD")
    stale_done = client.post(f"{url}/complete", headers={**as_rep, "If-Match": etag})
    assert_error(stale_done, 409, "STALE_RECORD")
    assert db_snapshot(core) == before
    fresh = client.post(f"{url}/complete", headers={**as_rep, "If-Match": other.headers["ETag"]})
    assert fresh.status_code == 200
    assert fresh.json()["status"] == "Completed"
    bare = client.patch(url, json={"priority": "High"}, headers={**as_rep, "If-Match": "3"})
    assert bare.status_code == 200, bare.text


def test_if_match_refuses_garbage(client: TestClient, as_rep: Headers, core: Opportune) -> None:
    task = create(client, as_rep)
    url = f"{URL}/{task['id']}"
    before = db_snapshot(core)
    bad = client.patch(url, json={"priority": "Low"}, headers={**as_rep, "If-Match": "soon"})
    assert_error(bad, 422, "INVALID_HEADER", "If-Match")
    bad_done = client.post(f"{url}/complete", headers={**as_rep, "If-Match": "W/x"})
    assert_error(bad_done, 422, "INVALID_HEADER", "If-Match")
    assert db_snapshot(core) == before


# --- a record's activities -----------------------------------------------------------------


def test_the_activities_of_a_record_are_listed_open_tasks_first(
    client: TestClient, as_rep: Headers, records: Records
) -> None:
    note = client.post(
        URL, json={"kind": "note", "title": "Met", "account_id": records.account_id},
        headers=as_rep,
    ).json()  # fmt: skip
    done = create(client, as_rep, subject="Old task", account_id=records.account_id)
    client.post(f"{URL}/{done['id']}/complete", headers=as_rep)
    open_task = create(client, as_rep, subject="Next step", account_id=records.account_id)
    on_contact = create(client, as_rep, contact_id=records.contact_id)
    on_lead = create(client, as_rep, lead_id=records.lead_id)
    on_opp = create(client, as_rep, opportunity_id=records.opportunity_id)

    response = client.get(URL, params={"account_id": records.account_id}, headers=as_rep)
    assert response.status_code == 200, response.text
    page = response.json()
    assert set(page) == {"items", "next_cursor", "prev_cursor", "total"}
    ids = [a["id"] for a in page["items"]]
    assert ids[0] == open_task["id"]
    assert set(ids) == {note["id"], done["id"], open_task["id"]}
    assert page["next_cursor"] is None
    assert page["prev_cursor"] is None
    assert page["items"][0]["owner_name"]

    for param, expected in (("contact_id", on_contact), ("lead_id", on_lead),
                            ("opportunity_id", on_opp)):  # fmt: skip
        listed = client.get(URL, params={param: getattr(records, param)}, headers=as_rep)
        assert [a["id"] for a in listed.json()["items"]] == [expected["id"]], param


def test_a_records_activities_are_paged_with_next_cursors(
    client: TestClient, as_rep: Headers, records: Records
) -> None:
    later = create(client, as_rep, subject="Later", due_date="2026-12-20",
                   lead_id=records.lead_id)  # fmt: skip
    sooner = create(client, as_rep, subject="Sooner", due_date="2026-12-01",
                    lead_id=records.lead_id)  # fmt: skip
    note = client.post(
        URL, json={"kind": "note", "title": "Met", "lead_id": records.lead_id}, headers=as_rep
    ).json()
    seen: list[int] = []
    params: dict[str, Any] = {"lead_id": records.lead_id, "limit": 2}
    while True:
        response = client.get(URL, params=params, headers=as_rep)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["prev_cursor"] is None
        assert len(body["items"]) <= 2
        seen += [a["id"] for a in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == [sooner["id"], later["id"], note["id"]]


def test_a_record_without_activities_has_an_empty_list(
    client: TestClient, as_rep: Headers, records: Records
) -> None:
    response = client.get(URL, params={"lead_id": records.lead_id}, headers=as_rep)
    assert response.json()["items"] == []


def test_the_activity_list_needs_exactly_one_record(
    client: TestClient, as_rep: Headers, records: Records
) -> None:
    missing = client.get(URL, headers=as_rep)
    assert_error(missing, 422, "REQUIRED_FIELD_MISSING")
    assert field_codes(missing) == dict.fromkeys(
        ("lead_id", "contact_id", "account_id", "opportunity_id"), "REQUIRED_FIELD_MISSING"
    )
    several = client.get(
        URL, params={"account_id": records.account_id, "contact_id": records.contact_id},
        headers=as_rep,
    )  # fmt: skip
    assert field_codes(several) == {"account_id": "INVALID_QUERY", "contact_id": "INVALID_QUERY"}


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"account_id": "abc"}, "account_id", "INVALID_TYPE"),
        ({"account_id": "0"}, "account_id", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"lead_id": str(2**40)}, "lead_id", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"account_id": "1", "owner": "me"}, "owner", "INVALID_FIELD"),
        ({"account_id": "1", "cursor": "not-a-cursor"}, "cursor", "INVALID_CURSOR"),
        ({"account_id": "1", "limit": "0"}, "limit", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"account_id": "1", "limit": "100000"}, "limit", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"account_id": "1", "limit": "many"}, "limit", "INVALID_TYPE"),
    ],
)
def test_bad_activity_list_parameters_are_named(
    client: TestClient, as_rep: Headers, params: dict[str, str], field: str, code: str
) -> None:
    assert_error(client.get(URL, params=params, headers=as_rep), 422, code, field)


def test_listing_the_activities_of_a_missing_record_is_a_404(
    client: TestClient, as_rep: Headers
) -> None:
    for param in ("lead_id", "contact_id", "account_id", "opportunity_id"):
        response = client.get(URL, params={param: 999}, headers=as_rep)
        assert_error(response, 404, "NOT_FOUND")


# --- your tasks ----------------------------------------------------------------------------


def test_my_tasks_lists_my_open_tasks_and_the_overdue_ones(
    client: TestClient, as_rep: Headers, as_manager: Headers, manager: User
) -> None:
    late = create(client, as_rep, subject="Late", due_date="2026-11-01")
    soon = create(client, as_rep, subject="Soon", due_date="2026-11-30", priority="High")
    undated = create(client, as_rep, subject="Some day")
    finished = create(client, as_rep, subject="Done", due_date="2026-10-01")
    client.post(f"{URL}/{finished['id']}/complete", headers=as_rep)
    create(client, as_rep, kind="call", subject="A call")
    create(client, as_manager, subject="Not mine", due_date="2026-10-01")
    create(client, as_manager, subject="Given to the manager", owner_id=manager.id)

    response = client.get("/api/v1/me/tasks", params={"today": "2026-11-27"}, headers=as_rep)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"open", "overdue"}
    assert [t["id"] for t in body["open"]] == [late["id"], soon["id"], undated["id"]]
    assert [t["id"] for t in body["overdue"]] == [late["id"]]

    later = client.get("/api/v1/me/tasks", params={"today": "2027-01-01"}, headers=as_rep)
    assert [t["id"] for t in later.json()["overdue"]] == [late["id"], soon["id"]]
    assert client.get("/api/v1/me/tasks", headers=as_rep).status_code == 200


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"today": "yesterday"}, "today", "INVALID_TYPE"),
        ({"today": "2026-02-30"}, "today", "INVALID_TYPE"),
        ({"due": "2026-01-01"}, "due", "INVALID_FIELD"),
    ],
)
def test_bad_my_tasks_parameters_are_named(
    client: TestClient, as_rep: Headers, params: dict[str, str], field: str, code: str
) -> None:
    response = client.get("/api/v1/me/tasks", params=params, headers=as_rep)
    assert_error(response, 422, code, field)


# --- bad input -----------------------------------------------------------------------------

BAD_ACTIVITIES: list[tuple[dict[str, Any], str, str]] = [
    ({"subject": "No kind"}, "kind", "REQUIRED_FIELD_MISSING"),
    ({"kind": "meeting", "subject": "x"}, "kind", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"kind": 3, "subject": "x"}, "kind", "INVALID_TYPE"),
    ({"kind": "task"}, "subject", "REQUIRED_FIELD_MISSING"),
    ({"kind": "call", "subject": "  "}, "subject", "REQUIRED_FIELD_MISSING"),
    ({"kind": "note", "body": "No title"}, "title", "REQUIRED_FIELD_MISSING"),
    ({**TASK, "title": "A note field"}, "title", "INVALID_FIELD"),
    ({"kind": "note", "title": "x", "due_date": "2026-12-01"}, "due_date", "INVALID_FIELD"),
    ({"kind": "call", "subject": "x", "priority": "High"}, "priority", "INVALID_FIELD"),
    ({**TASK, "subject": "x" * 256}, "subject", "STRING_TOO_LONG"),
    ({**TASK, "subject": "line\x00break"}, "subject", "INVALID_CHARACTER"),
    ({**TASK, "status": "Done"}, "status", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**TASK, "priority": "Urgent"}, "priority", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({**TASK, "due_date": "tomorrow"}, "due_date", "INVALID_TYPE"),
    ({**TASK, "due_date": "2026-02-30"}, "due_date", "INVALID_TYPE"),
    ({**TASK, "due_date": 20260101}, "due_date", "INVALID_TYPE"),
    ({"kind": "call", "subject": "x", "occurred_at": "noon"}, "occurred_at", "INVALID_TYPE"),
    ({"kind": "call", "subject": "x", "call_duration_minutes": -1}, "call_duration_minutes",
     "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"kind": "call", "subject": "x", "call_duration_minutes": 1.5}, "call_duration_minutes",
     "INVALID_TYPE"),
    ({"kind": "call", "subject": "x", "call_duration_minutes": "10"}, "call_duration_minutes",
     "INVALID_TYPE"),
    ({**TASK, "owner_id": 999}, "owner_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**TASK, "owner_id": 2**40}, "owner_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**TASK, "owner_id": "me"}, "owner_id", "INVALID_TYPE"),
    ({**TASK, "lead_id": 999}, "lead_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**TASK, "contact_id": 999}, "contact_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**TASK, "account_id": 999}, "account_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**TASK, "opportunity_id": 999}, "opportunity_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({**TASK, "account_id": 0}, "account_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({**TASK, "lead_id": True}, "lead_id", "INVALID_TYPE"),
    ({**TASK, "id": 7}, "id", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({**TASK, "completed_at": "2026-01-01T00:00:00Z"}, "completed_at",
     "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({**TASK, "owner_name": "Me"}, "owner_name", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({**TASK, "colour": "red"}, "colour", "INVALID_FIELD"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "code"), BAD_ACTIVITIES)
def test_a_bad_new_activity_is_refused_naming_the_field(
    client: TestClient, as_rep: Headers, core: Opportune, body: dict[str, Any], field: str,
    code: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    response = client.post(URL, json=body, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ("lead_id", "contact_id", "contact_id"),
        ("account_id", "opportunity_id", "opportunity_id"),
        ("lead_id", "account_id", "lead_id"),
        ("lead_id", "opportunity_id", "lead_id"),
    ],
)
def test_an_activity_relates_to_one_person_and_one_record(
    client: TestClient, as_rep: Headers, core: Opportune, records: Records, first: str,
    second: str, field: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    body = {**TASK, first: getattr(records, first), second: getattr(records, second)}
    response = client.post(URL, json=body, headers=as_rep)
    assert_error(response, 422, "FIELD_INTEGRITY_EXCEPTION", field)
    assert db_snapshot(core) == before


def test_malformed_bodies_are_refused(client: TestClient, as_rep: Headers, core: Opportune) -> None:
    task = create(client, as_rep)
    before = db_snapshot(core)
    for method, url in (("POST", URL), ("PATCH", f"{URL}/{task['id']}")):
        broken = client.request(
            method, url, content=b'{"kind": "task",', headers={**as_rep,
            "Content-Type": "application/json"},
        )  # fmt: skip
        assert_error(broken, 422, "JSON_PARSER_ERROR", "body")
        listed = client.request(method, url, json=["kind", "task"], headers=as_rep)
        assert_error(listed, 422)
    assert db_snapshot(core) == before


BAD_CHANGES: list[tuple[dict[str, Any], str, str]] = [
    ({"kind": "note"}, "kind", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"subject": None}, "subject", "REQUIRED_FIELD_MISSING"),
    ({"status": None}, "status", "REQUIRED_FIELD_MISSING"),
    ({"owner_id": None}, "owner_id", "REQUIRED_FIELD_MISSING"),
    ({"title": "Not a task field"}, "title", "INVALID_FIELD"),
    ({"priority": "Meh"}, "priority", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"due_date": "31/12/2026"}, "due_date", "INVALID_TYPE"),
    ({"lead_id": 999}, "lead_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({"version": 9}, "version", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"completed_at": None}, "completed_at", "INVALID_FIELD_FOR_INSERT_UPDATE"),
]


@pytest.mark.parametrize(("body", "field", "code"), BAD_CHANGES)
def test_a_bad_change_is_refused_naming_the_field(
    client: TestClient, as_rep: Headers, core: Opportune, body: dict[str, Any], field: str,
    code: str,
) -> None:  # fmt: skip
    task = create(client, as_rep, contact_id=None)
    before = db_snapshot(core)
    response = client.patch(f"{URL}/{task['id']}", json=body, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


def test_moving_a_task_from_a_lead_to_an_account_needs_the_lead_cleared(
    client: TestClient, as_rep: Headers, core: Opportune, records: Records
) -> None:
    task = create(client, as_rep, lead_id=records.lead_id)
    url = f"{URL}/{task['id']}"
    before = db_snapshot(core)
    refused = client.patch(url, json={"account_id": records.account_id}, headers=as_rep)
    assert_error(refused, 422, "FIELD_INTEGRITY_EXCEPTION", "lead_id")
    assert db_snapshot(core) == before
    moved = client.patch(
        url, json={"account_id": records.account_id, "lead_id": None}, headers=as_rep
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["lead_id"], moved.json()["account_id"]) == (None, records.account_id)


def test_read_only_fields_of_a_fetched_activity_are_named_when_sent_back(
    client: TestClient, as_rep: Headers
) -> None:
    task = create(client, as_rep)
    codes = field_codes(client.patch(f"{URL}/{task['id']}", json=task, headers=as_rep))
    for name in ("id", "version", "created_at", "owner_name", "completed_at"):
        assert codes[name] == "INVALID_FIELD_FOR_INSERT_UPDATE", name
    assert "subject" not in codes


# --- ids, missing records, who may do what -------------------------------------------------


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", str(2**31), "1.5"])
def test_a_malformed_id_is_a_422_naming_it(
    client: TestClient, as_rep: Headers, core: Opportune, raw_id: str
) -> None:
    before = db_snapshot(core)
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/complete"),
                           ("GET", "/history")):  # fmt: skip
        body = {"subject": "x"} if method == "PATCH" else None
        response = client.request(method, f"{URL}/{raw_id}{suffix}", json=body, headers=as_rep)
        assert_error(response, 422, None, "activity_id")
    assert db_snapshot(core) == before


def test_a_missing_activity_is_a_404(client: TestClient, as_rep: Headers, core: Opportune) -> None:
    before = db_snapshot(core)
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/complete"),
                           ("GET", "/history")):  # fmt: skip
        body = {"subject": "x"} if method == "PATCH" else None
        response = client.request(method, f"{URL}/999{suffix}", json=body, headers=as_rep)
        assert_error(response, 404, "NOT_FOUND")
        assert "999" in response.json()["message"]
    assert db_snapshot(core) == before


def test_every_activity_endpoint_needs_a_signed_in_user(
    client: TestClient, as_rep: Headers, core: Opportune, records: Records
) -> None:
    task = create(client, as_rep)
    url = f"{URL}/{task['id']}"
    before = db_snapshot(core)
    calls = [
        ("GET", URL + f"?account_id={records.account_id}", None),
        ("POST", URL, TASK),
        ("GET", url, None),
        ("PATCH", url, {"subject": "x"}),
        ("DELETE", url, None),
        ("POST", f"{url}/complete", None),
        ("GET", f"{url}/history", None),
        ("GET", "/api/v1/me/tasks", None),
    ]
    for method, target, body in calls:
        for headers in ({}, {"Authorization": "Bearer opp_not_a_real_token"}):
            response = client.request(method, target, json=body, headers=headers)
            assert_error(response, 401, "INVALID_SESSION_ID")
            assert response.headers["WWW-Authenticate"] == "Bearer"
    assert db_snapshot(core) == before


def test_reps_delete_only_their_own_activities(
    client: TestClient, as_rep: Headers, as_manager: Headers, core: Opportune,
    rep: User, manager: User,
) -> None:  # fmt: skip
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    theirs = create(client, as_manager)
    before = db_snapshot(core)
    hidden = client.delete(f"{URL}/{theirs['id']}", headers=as_rep)
    assert_error(hidden, 404, "NOT_FOUND")  # the manager's own task: the rep cannot see it
    assert db_snapshot(core) == before
    account = core.accounts.create(manager, {"name": "Public Co"})
    seen = create(client, as_manager, account_id=account.id)
    before = db_snapshot(core)
    refused = client.delete(f"{URL}/{seen['id']}", headers=as_rep)
    assert_error(refused, 403, "INSUFFICIENT_ACCESS")  # seen through the account only
    assert db_snapshot(core) == before
    mine = create(client, as_rep)
    assert client.delete(f"{URL}/{mine['id']}", headers=as_manager).status_code == 204
    assert client.delete(f"{URL}/{theirs['id']}", headers=as_manager).status_code == 204
