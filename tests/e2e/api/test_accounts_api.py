"""Accounts and contacts through the REST API: CRUD, lists, history and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot, field_codes

Headers = dict[str, str]
ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"


def post(client: TestClient, url: str, headers: Headers, **fields: object) -> dict[str, Any]:
    """Create a record through the API and return it."""
    response = client.post(url, json=fields, headers=headers)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def new_account(core: Opportune, owner: User, name: str, **fields: object) -> int:
    """Create an account through the library; return its id."""
    account = core.accounts.create(owner, {"name": name, **fields})
    assert account.id is not None
    return account.id


def new_contact(core: Opportune, owner: User, last_name: str, **fields: object) -> int:
    """Create a contact through the library; return its id."""
    contact = core.contacts.create(owner, {"last_name": last_name, **fields})
    assert contact.id is not None
    return contact.id


def page(client: TestClient, url: str, headers: Headers, **params: Any) -> dict[str, Any]:
    """One page of a list."""
    response = client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(client: TestClient, url: str, headers: Headers, key: str, **params: Any) -> list[Any]:
    """The ``key`` of every item of the first page of a list."""
    response = client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()["items"]]


# --- round trips --------------------------------------------------------------------------


def test_an_account_goes_through_create_read_update_and_delete(
    client: TestClient, as_rep: Headers, rep: User, core: Opportune
) -> None:
    parent = post(client, ACCOUNTS, as_rep, name="Acme Group")
    response = client.post(
        ACCOUNTS,
        json={"name": "Acme", "industry": "banking", "rating": "hot", "account_source": "web",
              "annual_revenue": "250000", "number_of_employees": 40,
              "parent_account_id": parent["id"], "billing_city": "Oslo"},
        headers=as_rep,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    account = response.json()
    assert response.headers["Location"].endswith(f"{ACCOUNTS}/{account['id']}")
    assert response.headers["ETag"] == '"1"'
    assert account["industry"] == "Banking"
    assert account["rating"] == "Hot"
    assert account["account_source"] == "Web"
    assert account["annual_revenue"] == "250000.00"
    assert (account["owner_id"], account["owner_name"]) == (rep.id, rep.name)
    assert account["parent_account_name"] == "Acme Group"
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["AccountOut"]
    assert set(account) == set(schema["properties"])

    fetched = client.get(response.headers["Location"], headers=as_rep)
    assert fetched.json() == account

    url = f"{ACCOUNTS}/{account['id']}"
    changed = client.patch(
        url, json={"phone": "+47 1234", "billing_city": None, "parent_account_id": None},
        headers={**as_rep, "If-Match": fetched.headers["ETag"]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["phone"], body["billing_city"], body["parent_account_id"]) == (
        "+47 1234",
        None,
        None,
    )
    assert body["parent_account_name"] is None
    assert body["version"] == 2
    assert body["name"] == "Acme"

    history = client.get(f"{url}/history", headers=as_rep)
    assert history.status_code == 200, history.text
    changes = {(h["field"], h["old_value"], h["new_value"]) for h in history.json()["items"]}
    assert changes == {
        ("phone", None, "+47 1234"),
        ("billing_city", "Oslo", None),
        ("parent_account_id", str(parent["id"]), None),
    }
    assert {h["changed_by_name"] for h in history.json()["items"]} == {rep.name}

    deleted = client.delete(url, headers=as_rep)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(client.get(url, headers=as_rep), 404, "NOT_FOUND")
    assert_error(client.get(f"{url}/history", headers=as_rep), 404, "NOT_FOUND")


def test_a_contact_goes_through_create_read_update_and_delete(
    client: TestClient, as_rep: Headers, rep: User, core: Opportune
) -> None:
    acme = post(client, ACCOUNTS, as_rep, name="Acme")
    response = client.post(
        CONTACTS,
        json={"first_name": "Nora", "last_name": "Ng", "email": "Nora@Acme.example",
              "salutation": "ms.", "lead_source": "web", "account_id": acme["id"],
              "do_not_call": True},
        headers=as_rep,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    contact = response.json()
    assert response.headers["Location"].endswith(f"{CONTACTS}/{contact['id']}")
    assert contact["name"] == "Nora Ng"
    assert contact["email"] == "Nora@acme.example"
    assert contact["salutation"] == "Ms."
    assert contact["lead_source"] == "Web"
    assert (contact["account_id"], contact["account_name"]) == (acme["id"], "Acme")
    assert (contact["owner_id"], contact["owner_name"]) == (rep.id, rep.name)
    assert contact["do_not_call"] is True
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["ContactOut"]
    assert set(contact) == set(schema["properties"])

    fetched = client.get(response.headers["Location"], headers=as_rep)
    assert fetched.json() == contact
    assert fetched.headers["ETag"] == '"1"'

    of_account = client.get(f"{ACCOUNTS}/{acme['id']}/contacts", headers=as_rep)
    assert of_account.status_code == 200
    assert of_account.json() == {"items": [contact]}

    url = f"{CONTACTS}/{contact['id']}"
    changed = client.patch(
        url, json={"title": "CTO", "account_id": None, "lead_source": "Phone Inquiry"},
        headers=as_rep,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["account_id"], body["account_name"]) == ("CTO", None, None)
    assert body["version"] == 2
    assert client.get(f"{ACCOUNTS}/{acme['id']}/contacts", headers=as_rep).json() == {"items": []}

    history = client.get(f"{url}/history", headers=as_rep).json()["items"]
    changes = {(h["field"], h["old_value"], h["new_value"]) for h in history}
    assert changes == {
        ("title", None, "CTO"),
        ("account_id", str(acme["id"]), None),
        ("lead_source", "Web", "Phone Inquiry"),
    }

    assert client.delete(url, headers=as_rep).status_code == 204
    assert_error(client.get(url, headers=as_rep), 404, "NOT_FOUND")


def test_an_account_goes_to_the_bin_with_its_contacts_and_its_children_lose_the_parent(
    client: TestClient, as_rep: Headers, rep: User, core: Opportune
) -> None:
    acme = new_account(core, rep, "Acme")
    nora = new_contact(core, rep, "Ng", account_id=acme)
    child = new_account(core, rep, "Acme East", parent_account_id=acme)
    assert client.delete(f"{ACCOUNTS}/{acme}", headers=as_rep).status_code == 204
    assert_error(client.get(f"{CONTACTS}/{nora}", headers=as_rep), 404, "NOT_FOUND")
    assert client.get(f"{ACCOUNTS}/{child}", headers=as_rep).json()["parent_account_id"] is None


def test_a_contact_goes_to_the_bin_with_its_activities(
    client: TestClient, as_rep: Headers, rep: User, core: Opportune
) -> None:
    nora = new_contact(core, rep, "Ng")
    note = core.activities.create(rep, {"kind": "note", "title": "Met at fair",
                                        "contact_id": nora})  # fmt: skip
    assert client.delete(f"{CONTACTS}/{nora}", headers=as_rep).status_code == 204
    entry = core.recycle_bin.find(rep, "contact", nora)
    assert core.recycle_bin.payload(rep, entry.id).record_ids()["activity"] == [note.id]


def test_a_parent_below_the_account_is_refused_as_a_cycle(
    client: TestClient, as_rep: Headers, rep: User, core: Opportune
) -> None:
    group = new_account(core, rep, "Acme Group")
    child = new_account(core, rep, "Acme", parent_account_id=group)
    before = db_snapshot(core)
    for parent in (child, group):
        response = client.patch(
            f"{ACCOUNTS}/{group}", json={"parent_account_id": parent}, headers=as_rep
        )
        assert_error(response, 422, "CIRCULAR_DEPENDENCY", "parent_account_id")
    assert db_snapshot(core) == before


# --- concurrency and permissions ----------------------------------------------------------


@pytest.mark.parametrize("url", [ACCOUNTS, CONTACTS])
def test_a_stale_if_match_version_is_refused_and_changes_nothing(
    client: TestClient, as_rep: Headers, as_manager: Headers, core: Opportune, url: str,
    rep: User, manager: User,
) -> None:  # fmt: skip
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    body = {"name": "Acme"} if url == ACCOUNTS else {"last_name": "Ng"}
    record = post(client, url, as_rep, **body)
    item = f"{url}/{record['id']}"
    etag = client.get(item, headers=as_rep).headers["ETag"]
    other = client.patch(item, json={"description": "a"}, headers={**as_manager, "If-Match": etag})
    assert other.status_code == 200
    before = db_snapshot(core)
    stale = client.patch(item, json={"description": "b"}, headers={**as_rep, "If-Match": etag})
    assert_error(stale, 409, "STALE_RECORD")
    garbage = client.patch(
        item, json={"description": "b"}, headers={**as_rep, "If-Match": "yesterday"}
    )
    assert_error(garbage, 422, "INVALID_HEADER", "If-Match")
    assert db_snapshot(core) == before
    fresh = client.patch(
        item, json={"description": "b"}, headers={**as_rep, "If-Match": other.headers["ETag"]}
    )
    assert fresh.status_code == 200
    assert fresh.json()["description"] == "b"


def test_a_rep_cannot_delete_someone_elses_records_but_a_manager_can(
    client: TestClient, as_rep: Headers, as_manager: Headers, manager: User, core: Opportune
) -> None:
    acme = new_account(core, manager, "Acme")
    nora = new_contact(core, manager, "Ng")
    before = db_snapshot(core)
    for url in (f"{ACCOUNTS}/{acme}", f"{CONTACTS}/{nora}"):
        assert_error(client.delete(url, headers=as_rep), 403, "INSUFFICIENT_ACCESS")
    assert db_snapshot(core) == before
    for url in (f"{ACCOUNTS}/{acme}", f"{CONTACTS}/{nora}"):
        assert client.delete(url, headers=as_manager).status_code == 204


ENDPOINTS = [
    ("GET", ACCOUNTS), ("POST", ACCOUNTS), ("GET", f"{ACCOUNTS}/1"), ("PATCH", f"{ACCOUNTS}/1"),
    ("DELETE", f"{ACCOUNTS}/1"), ("GET", f"{ACCOUNTS}/1/contacts"),
    ("GET", f"{ACCOUNTS}/1/history"),
    ("GET", CONTACTS), ("POST", CONTACTS), ("GET", f"{CONTACTS}/1"), ("PATCH", f"{CONTACTS}/1"),
    ("DELETE", f"{CONTACTS}/1"), ("GET", f"{CONTACTS}/1/history"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_valid_token(
    client: TestClient, core: Opportune, rep: User, method: str, url: str
) -> None:
    new_account(core, rep, "Acme")
    new_contact(core, rep, "Ng")
    before = db_snapshot(core)
    body = {"name": "X", "last_name": "X"} if method == "POST" else {"title": "X"}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        json = body if method in {"POST", "PATCH"} else None
        response = client.request(method, url, json=json, headers=headers)
        assert_error(response, 401, "INVALID_SESSION_ID")
    assert db_snapshot(core) == before


# --- lists --------------------------------------------------------------------------------


@pytest.fixture
def firms(core: Opportune, rep: User, manager: User) -> dict[str, int]:
    """Accounts of the rep and the manager."""
    return {
        "Acme": new_account(core, rep, "Acme", industry="Banking", rating="Hot",
                            website="acme.example"),
        "Fjord": new_account(core, rep, "Fjord AS", industry="Energy", rating="Cold"),
        "Sol": new_account(core, manager, "Sol SA", industry="Banking", rating="Warm"),
        "Zeta": new_account(core, manager, "Zeta Labs"),
    }  # fmt: skip


def test_the_account_list_filters_by_owner_industry_rating_and_search(
    client: TestClient, as_rep: Headers, manager: User, firms: dict[str, int]
) -> None:
    def names(**params: Any) -> list[str]:
        return sorted(listed(client, ACCOUNTS, as_rep, "name", **params))

    assert names(owner="me") == ["Acme", "Fjord AS"]
    assert names(owner=manager.email) == ["Sol SA", "Zeta Labs"]
    assert names(owner=["me", str(manager.id)]) == ["Acme", "Fjord AS", "Sol SA", "Zeta Labs"]
    assert names(industry="banking") == ["Acme", "Sol SA"]
    assert names(rating="Hot,Cold") == ["Acme", "Fjord AS"]
    assert names(q="acme") == ["Acme"]
    assert names(q="labs", owner="me") == []
    assert names(created_from="2000-01-01", created_to="2999-12-31") == [
        "Acme", "Fjord AS", "Sol SA", "Zeta Labs",
    ]  # fmt: skip
    assert names(created_to="2000-01-01") == []


def test_the_account_list_sorts_and_pages_both_ways(
    client: TestClient, as_rep: Headers, firms: dict[str, int]
) -> None:
    first = page(client, ACCOUNTS, as_rep, sort="name", limit=3, with_total=True)
    assert [a["name"] for a in first["items"]] == ["Acme", "Fjord AS", "Sol SA"]
    assert first["total"] == 4
    assert first["prev_cursor"] is None
    second = page(client, ACCOUNTS, as_rep, sort="name", limit=3, cursor=first["next_cursor"])
    assert [a["name"] for a in second["items"]] == ["Zeta Labs"]
    assert second["next_cursor"] is None
    assert second["total"] is None
    back = page(client, ACCOUNTS, as_rep, sort="name", limit=3, cursor=second["prev_cursor"])
    assert [a["name"] for a in back["items"]] == ["Acme", "Fjord AS", "Sol SA"]
    descending = listed(client, ACCOUNTS, as_rep, "name", sort="-name")
    assert descending == ["Zeta Labs", "Sol SA", "Fjord AS", "Acme"]


def test_the_contact_list_filters_by_account_owner_and_search_and_pages(
    client: TestClient, as_rep: Headers, core: Opportune, rep: User, manager: User,
    firms: dict[str, int],
) -> None:  # fmt: skip
    new_contact(core, rep, "Ng", first_name="Nora", account_id=firms["Acme"],
                email="nora@acme.example")  # fmt: skip
    new_contact(core, rep, "Berg", account_id=firms["Fjord"])
    new_contact(core, manager, "Cruz", account_id=firms["Acme"])
    new_contact(core, manager, "Diaz")

    def names(**params: Any) -> list[str]:
        return sorted(listed(client, CONTACTS, as_rep, "last_name", **params))

    assert names(account=str(firms["Acme"])) == ["Cruz", "Ng"]
    assert names(account=f"{firms['Acme']},{firms['Fjord']}") == ["Berg", "Cruz", "Ng"]
    assert names(owner="me") == ["Berg", "Ng"]
    assert names(owner=manager.email, account=firms["Acme"]) == ["Cruz"]
    assert names(q="nora") == ["Ng"]
    assert names(q="acme.example") == ["Ng"]
    first = page(client, CONTACTS, as_rep, sort="last_name", limit=2)
    assert [c["last_name"] for c in first["items"]] == ["Berg", "Cruz"]
    assert first["items"][1]["account_name"] == "Acme"
    rest = page(client, CONTACTS, as_rep, sort="last_name", limit=2, cursor=first["next_cursor"])
    assert [c["last_name"] for c in rest["items"]] == ["Diaz", "Ng"]
    assert rest["next_cursor"] is None


BAD_LIST_PARAMS: list[tuple[str, dict[str, Any], str]] = [
    (ACCOUNTS, {"owner": "nobody@example.com"}, "owner"),
    (ACCOUNTS, {"industry": "Alchemy"}, "industry"),
    (ACCOUNTS, {"rating": "Lukewarm"}, "rating"),
    (ACCOUNTS, {"sort": "shoe_size"}, "sort"),
    (ACCOUNTS, {"limit": 0}, "limit"),
    (ACCOUNTS, {"limit": 100_000}, "limit"),
    (ACCOUNTS, {"limit": "many"}, "limit"),
    (ACCOUNTS, {"created_from": "yesterday"}, "created_from"),
    (ACCOUNTS, {"cursor": "not-a-cursor"}, "cursor"),
    (ACCOUNTS, {"q": "a\x00b"}, "q"),
    (ACCOUNTS, {"colour": "red"}, "colour"),
    (ACCOUNTS, {"account": "1"}, "account"),
    (CONTACTS, {"account": "999"}, "account"),
    (CONTACTS, {"account": "acme"}, "account"),
    (CONTACTS, {"owner": "\u00b2"}, "owner"),
    (CONTACTS, {"sort": "name"}, "sort"),
    (CONTACTS, {"with_total": "perhaps"}, "with_total"),
    (CONTACTS, {"created_to": "2026-02-30"}, "created_to"),
    (CONTACTS, {"industry": "Banking"}, "industry"),
]


@pytest.mark.parametrize(("url", "params", "field"), BAD_LIST_PARAMS)
def test_bad_list_parameters_are_refused_naming_the_parameter(
    client: TestClient, as_rep: Headers, firms: dict[str, int], url: str,
    params: dict[str, Any], field: str,
) -> None:  # fmt: skip
    assert_error(client.get(url, params=params, headers=as_rep), 422, field=field)


# --- bad input ----------------------------------------------------------------------------


BAD_ACCOUNTS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "name", "REQUIRED_FIELD_MISSING"),
    ({"name": "  "}, "name", "REQUIRED_FIELD_MISSING"),
    ({"name": None}, "name", "REQUIRED_FIELD_MISSING"),
    ({"name": "x" * 256}, "name", "STRING_TOO_LONG"),
    ({"name": 42}, "name", "INVALID_TYPE"),
    ({"billing_city": "x" * 41}, "billing_city", "STRING_TOO_LONG"),
    ({"shipping_country": "Os\x00lo"}, "shipping_country", "INVALID_CHARACTER"),
    ({"industry": "Alchemy"}, "industry", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"rating": "Lukewarm"}, "rating", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"industry": ["Banking"]}, "industry", "INVALID_TYPE"),
    ({"account_source": "Pigeon"}, "account_source", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"annual_revenue": "lots"}, "annual_revenue", "INVALID_TYPE"),
    ({"annual_revenue": -5}, "annual_revenue", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"annual_revenue": "1e30"}, "annual_revenue", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"number_of_employees": 12.5}, "number_of_employees", "INVALID_TYPE"),
    ({"number_of_employees": True}, "number_of_employees", "INVALID_TYPE"),
    ({"number_of_employees": -1}, "number_of_employees", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"number_of_employees": 2**31}, "number_of_employees", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"owner_id": 999}, "owner_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({"owner_id": 2**40}, "owner_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"owner_id": "me"}, "owner_id", "INVALID_TYPE"),
    ({"parent_account_id": 999}, "parent_account_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({"parent_account_id": 0}, "parent_account_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"parent_account_id": "1"}, "parent_account_id", "INVALID_TYPE"),
    ({"favourite_colour": "red"}, "favourite_colour", "INVALID_FIELD"),
    ({"id": 7}, "id", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"version": 7}, "version", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"source_id": 1}, "source_id", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"owner_name": "Eve"}, "owner_name", "INVALID_FIELD_FOR_INSERT_UPDATE"),
]
BAD_CONTACTS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "last_name", "REQUIRED_FIELD_MISSING"),
    ({"last_name": ""}, "last_name", "REQUIRED_FIELD_MISSING"),
    ({"last_name": None}, "last_name", "REQUIRED_FIELD_MISSING"),
    ({"last_name": "x" * 81}, "last_name", "STRING_TOO_LONG"),
    ({"last_name": ["Ng"]}, "last_name", "INVALID_TYPE"),
    ({"email": "nora@"}, "email", "INVALID_EMAIL_ADDRESS"),
    ({"email": "a" * 70 + "@example.com"}, "email", "STRING_TOO_LONG"),
    ({"mailing_city": "Os\x00lo"}, "mailing_city", "INVALID_CHARACTER"),
    ({"salutation": "Sir"}, "salutation", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"lead_source": "Pigeon"}, "lead_source", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"do_not_call": "sometimes"}, "do_not_call", "INVALID_TYPE"),
    ({"has_opted_out_of_email": 1}, "has_opted_out_of_email", "INVALID_TYPE"),
    ({"account_id": 999}, "account_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({"account_id": 2**31}, "account_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"account_id": 1.5}, "account_id", "INVALID_TYPE"),
    ({"owner_id": 999}, "owner_id", "INVALID_CROSS_REFERENCE_KEY"),
    ({"owner_id": -1}, "owner_id", "NUMBER_OUTSIDE_VALID_RANGE"),
    ({"nickname": "Nono"}, "nickname", "INVALID_FIELD"),
    ({"created_at": "2026-01-01"}, "created_at", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"name": "Nora Ng"}, "name", "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"account_name": "Acme"}, "account_name", "INVALID_FIELD_FOR_INSERT_UPDATE"),
]
REQUIRED = {ACCOUNTS: {"name": "Acme"}, CONTACTS: {"last_name": "Ng"}}
BAD_BODIES = [(ACCOUNTS, *case) for case in BAD_ACCOUNTS] + [
    (CONTACTS, *case) for case in BAD_CONTACTS
]


@pytest.fixture
def records(core: Opportune, rep: User) -> dict[str, int]:
    """An account and a contact of the rep, by collection URL."""
    acme = new_account(core, rep, "Acme")
    return {ACCOUNTS: acme, CONTACTS: new_contact(core, rep, "Ng", account_id=acme)}


@pytest.mark.parametrize(("url", "body", "field", "code"), BAD_BODIES)
def test_a_bad_new_record_is_refused_naming_the_field(
    client: TestClient, as_rep: Headers, core: Opportune, records: dict[str, int],
    url: str, body: dict[str, Any], field: str, code: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    required = {} if field in REQUIRED[url] else REQUIRED[url]
    response = client.post(url, json={**required, **body}, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


@pytest.mark.parametrize(("url", "body", "field", "code"), [c for c in BAD_BODIES if c[1]])
def test_a_bad_change_is_refused_naming_the_field(
    client: TestClient, as_rep: Headers, core: Opportune, records: dict[str, int],
    url: str, body: dict[str, Any], field: str, code: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    response = client.patch(f"{url}/{records[url]}", json=body, headers=as_rep)
    assert_error(response, 422, code, field)
    assert db_snapshot(core) == before


def test_every_bad_field_is_named_at_once(client: TestClient, as_rep: Headers) -> None:
    body = {"email": "no", "salutation": "Sir", "lead_source": "Nowhere", "account_id": 999}
    response = client.post(CONTACTS, json=body, headers=as_rep)
    assert field_codes(response) == {
        "last_name": "REQUIRED_FIELD_MISSING",
        "email": "INVALID_EMAIL_ADDRESS",
        "salutation": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "lead_source": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }


def test_read_only_fields_of_a_fetched_record_are_named_when_sent_back(
    client: TestClient, as_rep: Headers, records: dict[str, int]
) -> None:
    for url in (ACCOUNTS, CONTACTS):
        record = client.get(f"{url}/{records[url]}", headers=as_rep).json()
        codes = field_codes(client.patch(f"{url}/{records[url]}", json=record, headers=as_rep))
        assert codes["id"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
        assert codes["owner_name"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
        assert "description" not in codes


@pytest.mark.parametrize("url", [ACCOUNTS, CONTACTS])
@pytest.mark.parametrize("raw", ['{"name": ', "name=Acme", "[1, 2]", '"Acme"', "null", ""])
def test_a_body_that_is_not_a_json_object_is_refused(
    client: TestClient, as_rep: Headers, core: Opportune, records: dict[str, int],
    url: str, raw: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    headers = {**as_rep, "Content-Type": "application/json"}
    for method, target in (("POST", url), ("PATCH", f"{url}/{records[url]}")):
        response = client.request(method, target, content=raw, headers=headers)
        assert response.status_code in {400, 422}, response.text
        assert_error(response, response.status_code, field="body")
    assert db_snapshot(core) == before


ITEM_ROUTES = [
    ("GET", ACCOUNTS, ""), ("PATCH", ACCOUNTS, ""), ("DELETE", ACCOUNTS, ""),
    ("GET", ACCOUNTS, "/contacts"), ("GET", ACCOUNTS, "/history"),
    ("GET", CONTACTS, ""), ("PATCH", CONTACTS, ""), ("DELETE", CONTACTS, ""),
    ("GET", CONTACTS, "/history"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "suffix"), ITEM_ROUTES)
def test_bad_and_missing_ids_are_client_errors(
    client: TestClient, as_admin: Headers, core: Opportune, records: dict[str, int],
    method: str, url: str, suffix: str,
) -> None:  # fmt: skip
    before = db_snapshot(core)
    body = {"description": "x"} if method == "PATCH" else None
    field = "account_id" if url == ACCOUNTS else "contact_id"
    for bad_id in ("0", "-1", "abc", str(2**31), str(2**64), "1.5"):
        response = client.request(method, f"{url}/{bad_id}{suffix}", json=body, headers=as_admin)
        assert_error(response, 422, field=field)
    missing = client.request(method, f"{url}/{2**31 - 1}{suffix}", json=body, headers=as_admin)
    assert_error(missing, 404, "NOT_FOUND")
    assert db_snapshot(core) == before


ODD_VALUES: list[Any] = [
    None, "", "x" * 40_000, -1, 2**31, 2**70, 1.5, True, ["Web"], {"a": 1}, "1e400", "é" * 81,
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "schema"), [(ACCOUNTS, "AccountUpdate"), (CONTACTS, "ContactUpdate")]
)
def test_no_value_of_any_field_causes_a_server_error(
    client: TestClient, as_rep: Headers, records: dict[str, int], url: str, schema: str
) -> None:
    fields = client.get("/api/openapi.json").json()["components"]["schemas"][schema]
    for name in fields["properties"]:
        for value in ODD_VALUES:
            created = client.post(url, json={**REQUIRED[url], name: value}, headers=as_rep)
            assert created.status_code in {201, 422}, (name, value, created.text)
            changed = client.patch(f"{url}/{records[url]}", json={name: value}, headers=as_rep)
            assert changed.status_code in {200, 422}, (name, value, changed.text)
