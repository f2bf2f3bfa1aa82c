"""Hostile input through the REST and Salesforce APIs: script and SQL injection in every
text field, filter, search and SOQL; oversized, deeply nested and non-UTF-8 bodies; CSV
files with millions of columns or one enormous line. Each is stored as data or refused
with a clear error, never a server error, and the tables are intact afterwards."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from opportune.domain.text import MAX_SEARCH_WORDS
from opportune.errors import ValidationError
from opportune.services.imports.source import MAX_COLUMNS, MAX_LINE_CHARS, CsvSource
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error, db_snapshot
from tests.e2e.api.test_security_api import bearer

# Script, SQL, template, formula and path strings an attacker types into any text box.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "'; DROP TABLE leads; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM users;--",
    "1' UNION SELECT password_hash FROM users--",
    "=cmd|' /C calc'!A0",
    "{{ 7*7 }} {% raw %}${7*7}",
    "../../../etc/passwd",
    "%00%27 \\' \\\" `ls`",
    "\u202eevil\u200b \U0001f600 \u00e9\u0301",
]  # fmt: skip

# Reading bodies and files happens before any database: one engine tests it.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# object: (collection URL, the fields a new record needs besides its text fields)
OBJECTS = {
    "Lead": ("/api/v1/leads", {}),
    "Account": ("/api/v1/accounts", {}),
    "Contact": ("/api/v1/contacts", {}),
    "Opportunity": ("/api/v1/opportunities", {"close_date": "2030-06-30"}),
}


_SCHEMAS: dict[str, Any] = {}  # the OpenAPI schemas, built once: every app has the same


def text_fields(client: TestClient, schema: str) -> dict[str, int]:
    """The free-text fields of a create schema, with their maximum length (picklists and
    emails have their own checks, tested below)."""
    if not _SCHEMAS:
        _SCHEMAS.update(client.get("/api/openapi.json").json()["components"]["schemas"])
    props = _SCHEMAS[schema]["properties"]
    return {n: p["maxLength"] for n, p in props.items() if "maxLength" in p and n != "email"}


def hostile_record(fields: dict[str, int], text: str) -> dict[str, str]:
    """Every text field set to ``text``, cut to fit (and trimmed, as text fields are)."""
    return {name: text[:length].strip() for name, length in fields.items()}


@pytest.fixture
def account_id(core: Opportune, admin: User) -> int:
    account = core.accounts.create(admin, {"name": "Plain Account"})
    assert account.id is not None
    return account.id


@pytest.mark.parametrize("kind", OBJECTS)
def test_hostile_text_in_every_field_is_stored_and_read_back_as_sent(
    client: TestClient, as_admin: Headers, core: Opportune, account_id: int, kind: str
) -> None:
    url, needs = OBJECTS[kind]
    needs = {**needs, "account_id": account_id} if kind == "Opportunity" else needs
    fields = text_fields(client, f"{kind}Create")
    assert len(fields) >= 3, fields
    half = len(HOSTILE) // 2  # each record: one string on create, another on update
    for n, text in enumerate(HOSTILE[:half]):
        sent = hostile_record(fields, f"{n} {text}")
        created = client.post(url, json={**needs, **sent}, headers=as_admin)
        assert created.status_code == 201, (text, created.text)
        assert {k: created.json()[k] for k in sent} == sent
        item = f"{url}/{created.json()['id']}"
        changed = hostile_record(fields, f"{HOSTILE[half + n]} {n}")
        response = client.patch(item, json=changed, headers=as_admin)
        assert response.status_code == 200, (text, response.text)
        stored = client.get(item, headers=as_admin).json()
        assert {k: stored[k] for k in changed} == changed
    listed = client.get(url, params={"limit": 100}, headers=as_admin).json()["items"]
    assert len(listed) == half + (kind == "Account")  # no table dropped or emptied


def test_hostile_strings_in_picklist_owner_and_email_fields_are_refused_by_name(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    before = db_snapshot(core)
    for field in ("status", "lead_source", "rating", "industry", "salutation", "email"):
        for text in HOSTILE[:7]:
            body = {"last_name": "Ng", "company": "Acme", field: text}
            response = client.post("/api/v1/leads", json=body, headers=as_admin)
            assert_error(response, 422, field=field)
    assert db_snapshot(core) == before


def test_hostile_search_text_is_data_and_finds_what_was_stored(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User
) -> None:
    ids = {text: core.leads.create(admin, {"last_name": text, "company": "Acme"}).id
           for text in HOSTILE}  # fmt: skip
    accounts = {text: core.accounts.create(admin, {"name": text}).id for text in HOSTILE}
    for text in HOSTILE:
        found = client.get("/api/v1/leads", params={"q": text}, headers=as_admin)
        assert found.status_code == 200, (text, found.text)
        assert ids[text] in {item["id"] for item in found.json()["items"]}, text
        found = client.get("/api/v1/accounts", params={"q": text}, headers=as_admin)
        assert accounts[text] in {item["id"] for item in found.json()["items"]}, text
    assert client.get("/api/v1/leads", params={"limit": 100}, headers=as_admin).json()["items"]


@pytest.mark.parametrize("url", ["/api/v1/leads", "/api/v1/accounts", "/api/v1/opportunities"])
def test_hostile_filters_and_sorts_are_refused_with_the_parameter_named(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User, url: str
) -> None:
    core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    before = db_snapshot(core)
    for text in HOSTILE[:7]:
        for name in ("sort", "owner"):
            response = client.get(url, params={name: text}, headers=as_admin)
            assert_error(response, 422, field=name)
        response = client.get(url, params={"sort": "last_name", "cursor": text}, headers=as_admin)
        assert response.status_code == 422, response.text
    for text in HOSTILE[:7]:
        response = client.get("/api/v1/leads", params={"status": text}, headers=as_admin)
        assert_error(response, 422, "INVALID_FILTER", "status")
    assert db_snapshot(core) == before


@pytest.mark.parametrize("url", ["/api/v1/leads", "/api/v1/accounts", "/api/v1/contacts"])
def test_a_search_of_thousands_of_words_is_refused_not_a_database_error(
    client: TestClient, as_admin: Headers, url: str
) -> None:
    for word in ("a", "abc"):  # short words scan, long ones use the trigram index
        response = client.get(url, params={"q": " ".join([word] * 3000)}, headers=as_admin)
        assert_error(response, 422, "INVALID_FILTER", "q")
    fine = client.get(url, params={"q": " ".join(["abc"] * MAX_SEARCH_WORDS)}, headers=as_admin)
    assert fine.status_code == 200, fine.text


@SQLITE_ONLY
def test_an_export_guards_formula_cells(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User
) -> None:
    for text in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")'):
        core.leads.create(admin, {"last_name": text, "company": text, "city": text})
    response = client.get("/api/v1/leads/export.csv", headers=as_admin)
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")], cells
    assert cells.count("'=cmd|' /C calc'!A0") == 3


WHERE = "SELECT Id FROM Lead WHERE "  # SOQL sent to the API, never SQL run here
SOQL_ATTACKS = [
    "SELECT Id FROM Lead WHERE LastName = '' OR 1=1 --'",
    "SELECT Id FROM Lead; DROP TABLE leads",
    "SELECT Id, (SELECT password_hash FROM users) FROM Lead",
    "SELECT password_hash FROM users",
    "SELECT Id FROM Lead WHERE LastName = 'x' UNION SELECT id FROM users",
    WHERE + "NOT " * 3000 + "LastName = 'x'",
    WHERE + " AND ".join(["LastName = 'x'"] * 1000),
    WHERE + " OR ".join(["LastName = 'x'"] * 1000),
]


def test_soql_injection_is_a_malformed_query_and_quoted_text_is_data(
    client: TestClient, core: Opportune, rep: User
) -> None:
    headers = bearer(core, rep, "read")
    core.leads.create(rep, {"last_name": "O'Brien", "company": "'; DROP TABLE leads; --"})
    before = db_snapshot(core)
    url = "/services/data/v59.0/query"
    for soql in SOQL_ATTACKS:
        response = client.get(url, params={"q": soql}, headers=headers)
        assert response.status_code == 400, (soql[:80], response.text)
        assert response.json()[0]["errorCode"] in ("MALFORMED_QUERY", "INVALID_TYPE")
    for soql in (
        "SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'",
        "SELECT Id FROM Lead WHERE Company = '\\'; DROP TABLE leads; --'",
        "SELECT Id FROM Lead WHERE LastName = '\\' OR 1=1 --' OR LastName = 'O\\'Brien'",
        WHERE + "(" * 40 + "LastName LIKE 'O%'" + ")" * 40,
    ):
        response = client.get(url, params={"q": soql}, headers=headers)
        assert response.status_code == 200, (soql, response.text)
        assert response.json()["totalSize"] == 1, (soql, response.text)
    assert db_snapshot(core) == before


# --- bodies --------------------------------------------------------------------------------


@pytest.fixture
def small_limit_client(core: Opportune) -> Iterator[TestClient]:
    """The application with the smallest request body limit (64 KiB)."""
    core.settings.request_max_bytes = 64 * 1024
    with TestClient(create_app(core=core)) as test_client:
        yield test_client


@SQLITE_ONLY
def test_an_oversized_body_is_413_in_the_error_format_and_changes_nothing(
    small_limit_client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    client = small_limit_client
    before = db_snapshot(core)
    big = {"last_name": "Ng", "company": "Acme", "description": "x" * 70_000}
    response = client.post("/api/v1/leads", json=big, headers=as_admin)
    body = assert_error(response, 413, "REQUEST_TOO_LARGE")
    assert "64 KB" in body["message"] and "OPPORTUNE_REQUEST_MAX_BYTES" in body["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"last_name": "Ng", "company": "Acme", "description": "'
        yield from (b"x" * 8192 for _ in range(20))
        yield b'"}'

    headers = {**as_admin, "Content-Type": "application/json"}
    streamed = client.post("/api/v1/leads", content=chunks(), headers=headers)
    assert "content-length" not in streamed.request.headers
    assert_error(streamed, 413, "REQUEST_TOO_LARGE")
    sf = client.post(
        "/services/data/v59.0/sobjects/Lead", json={"LastName": "x" * 70_000}, headers=as_admin
    )
    assert sf.status_code == 413, sf.text
    assert sf.json()[0]["errorCode"] == "REQUEST_TOO_LARGE"
    assert db_snapshot(core) == before


@SQLITE_ONLY
def test_import_uploads_and_bulk_data_are_not_held_to_the_request_limit(
    small_limit_client: TestClient, as_admin: Headers
) -> None:
    client = small_limit_client
    text = "LastName,Company\r\n" + "Ng,Acme\r\n" * 10_000  # 90 KB, over 64 KiB
    files = {"file": ("big.csv", text.encode(), "text/csv")}
    response = client.post(
        "/api/v1/imports/preview", headers=as_admin, data={"object_type": "lead"}, files=files
    )
    assert response.status_code == 200, response.text
    jobs = "/services/data/v59.0/jobs/ingest"
    job = client.post(jobs, json={"object": "Lead", "operation": "insert"}, headers=as_admin)
    assert job.status_code == 200, job.text
    batches = f"{jobs}/{job.json()['id']}/batches"
    headers = {**as_admin, "Content-Type": "text/csv"}
    assert client.put(batches, content=text, headers=headers).status_code == 201


@SQLITE_ONLY
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_clear_parser_error(
    client: TestClient, as_admin: Headers, core: Opportune, depth: int
) -> None:
    before = db_snapshot(core)
    headers = {**as_admin, "Content-Type": "application/json"}
    nested = "[" * depth + "]" * depth
    body = '{"last_name": "Ng", "company": "Acme", "title": ' + nested + "}"
    response = client.post("/api/v1/leads", content=body, headers=headers)
    error = assert_error(response, 422, field="title" if depth < 900 else "body")
    if depth > 1000:
        assert "nested too deeply" in error["message"]
    response = client.post("/api/v1/leads", content=nested, headers=headers)
    assert_error(response, 422, field="body")
    sf = client.post("/services/data/v59.0/sobjects/Lead", content=nested, headers=headers)
    assert 400 <= sf.status_code < 500, sf.text
    assert db_snapshot(core) == before


@SQLITE_ONLY
def test_invalid_utf8_in_a_body_or_query_string_is_named(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    before = db_snapshot(core)
    headers = {**as_admin, "Content-Type": "application/json"}
    raw = b'{"last_name": "M\xfcller", "company": "Acme"}'
    body = assert_error(client.post("/api/v1/leads", content=raw, headers=headers), 422)
    assert body["fields"][0] == {
        "field": "body",
        "code": "INVALID_ENCODING",
        "message": "The body is not valid UTF-8 (byte 16 cannot start a character)",
    }
    for query in ("q=M%FCller", "q=%C3%28", "status=%FF", "q=%ED%A0%80"):
        url = "/api/v1/leads?" + query
        assert_error(client.get(url, headers=as_admin), 422, "INVALID_ENCODING", "query")
    ok = client.get("/api/v1/leads?q=M%C3%BCller", headers=as_admin)
    assert ok.status_code == 200
    sf = client.get("/services/data/v59.0/query?q=SELECT+Id+FROM+Lead+WHERE+LastName+%3D+%27%FF%27",
                    headers=as_admin)  # fmt: skip
    assert sf.status_code == 400 and sf.json()[0]["errorCode"] == "INVALID_ENCODING"
    assert db_snapshot(core) == before


# --- CSV uploads ---------------------------------------------------------------------------


def preview(client: TestClient, headers: Headers, data: bytes, **fields: str) -> Any:
    files = {"file": ("hostile.csv", data, "text/csv")}
    form = {"object_type": "lead", **fields}
    return client.post("/api/v1/imports/preview", headers=headers, data=form, files=files)


def upload(client: TestClient, headers: Headers, data: bytes, **fields: str) -> Any:
    files = {"file": ("hostile.csv", data, "text/csv")}
    return client.post(
        "/api/v1/imports", headers=headers, data={"object_type": "lead", **fields}, files=files
    )


@SQLITE_ONLY
def test_a_csv_with_a_million_columns_is_refused_at_upload(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    before = db_snapshot(core)
    wide = b"Last Name,Company," + b"ab," * 1_000_000 + b"\r\nNg,Acme\r\n"
    for send in (preview, upload):
        body = assert_error(send(client, as_admin, wide), 422, "TOO_MANY_COLUMNS", "file")
        assert f"at most {MAX_COLUMNS:,}" in body["message"]
    assert db_snapshot(core) == before


@SQLITE_ONLY
def test_a_csv_line_longer_than_the_limit_is_refused_naming_the_line(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    before = db_snapshot(core)
    field = b"x" * (MAX_LINE_CHARS + 10)
    for data, line in (
        (b"Last Name,Company," + field + b"\r\nNg,Acme\r\n", 1),
        (b"Last Name,Company,Description\r\nNg,Acme," + field + b"\r\n", 2),
    ):
        body = assert_error(preview(client, as_admin, data), 422, "LINE_TOO_LONG", "file")
        assert f"Line {line} is longer than" in body["message"]
    assert db_snapshot(core) == before


def test_reading_a_csv_with_one_enormous_line_holds_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    with path.open("wb") as stream:
        stream.write(b"Last Name,Company,Description\r\nNg,Acme,")
        for _ in range(48):  # a 48 MiB cell with no line break after it
            stream.write(b"x" * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as caught, CsvSource(path, "utf-8") as source:
            list(source.rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.fields[0].code == "LINE_TOO_LONG"
    assert peak < 16 * 1024 * 1024, peak  # the line is refused after 4 Mi characters


@SQLITE_ONLY
def test_a_csv_that_is_not_utf8_names_the_encoding_and_imports_in_the_right_one(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User
) -> None:
    latin = "Last Name,Company\r\nMüller,Société Générale\r\n".encode("latin-1")
    body = assert_error(preview(client, as_admin, latin), 422, "INVALID_ENCODING", "encoding")
    assert "latin-1" in body["message"]
    rows = preview(client, as_admin, latin, encoding="latin-1").json()["rows"]
    assert rows == [{"Last Name": "Müller", "Company": "Société Générale"}]


@SQLITE_ONLY
def test_a_hostile_upload_file_name_never_reaches_a_header_or_a_path(
    client: TestClient, as_admin: Headers
) -> None:
    text = b"Last Name,Company\r\nNg,\r\n"  # one rejected row: an error file to download
    files = {"file": ('..\\..\\"; filename=evil.sh\r\nX-Evil: 1.csv', text, "text/csv")}
    response = client.post(
        "/api/v1/imports", headers=as_admin, data={"object_type": "lead"}, files=files
    )
    assert response.status_code == 202, response.text
    name = response.json()["file_name"]
    assert not set(name) & set('/\\"\r\n;') and not name.startswith("."), name
