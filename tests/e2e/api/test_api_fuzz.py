"""Schemathesis fuzzes the whole REST API from its own OpenAPI document.

Every operation gets generated requests, valid and invalid, against a small demo database
(its own throwaway file or PostgreSQL database, its data directory in ``tmp_path``); a
stateful run chains operations through the links schemathesis infers (create a lead, then
read, change, convert and delete it). Whatever comes back must be: never a 500, a documented
status code, a body and headers matching the declared schema, and every error in the error
format of docs/api.md. The destructive operations (delete users' tokens, empty the recycle
bin, revert imports...) run too: they can only reach this test's database.

CI runs a few examples per operation; raise them by hand, for example::

    OPPORTUNE_FUZZ_EXAMPLES=100 OPPORTUNE_FUZZ_STATEFUL=50 pytest tests/e2e/api/test_api_fuzz.py
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, Case, CheckContext, GenerationMode, Response
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from opportune import Opportune
from opportune.api import create_app
from opportune.api.schemas import DAY_MESSAGE
from opportune.demo import load_demo
from opportune.domain.security import allowed_scopes
from opportune.domain.users import Role
from tests.conftest import ENGINES, _pg_execute, make_settings, pg_url_for

# Examples per operation and generation mode (valid, invalid), and stateful scenarios.
EXAMPLES = int(os.environ.get("OPPORTUNE_FUZZ_EXAMPLES", "1"))
STATEFUL_SCENARIOS = int(os.environ.get("OPPORTUNE_FUZZ_STATEFUL", "3"))
STATEFUL_STEPS = int(os.environ.get("OPPORTUNE_FUZZ_STATEFUL_STEPS", "10"))
BY_HAND = "OPPORTUNE_FUZZ_EXAMPLES" in os.environ

# Every engine in CI, or SQLite only in CI (and every engine by hand), for the costlier runs.
ON_EVERY_ENGINE = pytest.mark.parametrize("fuzz_url", ENGINES, indirect=True)
ON_SQLITE_IN_CI = pytest.mark.parametrize(
    "fuzz_url", ENGINES if BY_HAND else ["sqlite"], indirect=True
)

# A request valid by the schema may still break a business rule the schema cannot state (a
# picklist value an admin configured, an owner who must be an active user, a page cursor, an
# If-Match version): 422 is then the right answer, so "valid data is accepted" is not checked.
# "Invalid data is refused" is, by the narrower check below.
EXCLUDED_CHECKS = [positive_data_acceptance, negative_data_rejection]

# Operations that answer some invalid data with success, as documented in docs/api.md.
PER_ITEM_RESULTS = {
    # A bulk conversion answers 200 with one result per lead: an invalid item is a failed
    # result naming its fields, while the other leads convert.
    "POST /api/v1/leads/convert",
    # A queued bulk conversion (202) checks each lead when the job runs, into the job's result.
    "POST /api/v1/jobs/conversions",
}


def _is_error_body(body: Any) -> bool:
    if not isinstance(body, dict) or set(body) - {"code", "message", "fields", "matches"}:
        return False
    fields = body.get("fields")
    return (
        isinstance(body.get("code"), str)
        and isinstance(body.get("message"), str)
        and isinstance(fields, list)
        and all(_is_field_error(f) for f in fields)
    )


def _is_field_error(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == {"field", "code", "message"}
        and all(isinstance(v, str) for v in item.values())
    )


def invalid_data_refused(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Schemathesis' negative_data_rejection, less the invalid data the API accepts on purpose:
    the items of a bulk operation, and text over ``maxLength`` only until its surrounding
    spaces are trimmed (as every text field is)."""
    if case.operation.label in PER_ITEM_RESULTS:
        return None
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        if _too_long_only_with_spaces(case):
            return None
        raise


def _too_long_only_with_spaces(case: Case) -> bool:
    description = str(getattr(case.meta.phase.data, "description", "")) if case.meta else ""
    return "`maxLength`" in description and _has_padded_text([case.body, case.query])


def _has_padded_text(value: Any) -> bool:
    if isinstance(value, str):
        return value != value.strip()
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, list) and any(_has_padded_text(v) for v in value)


def error_format(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx answer under /api is JSON ``{"code", "message", "fields"}``."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not content_type.startswith("application/json") or not _is_error_body(body):
        raise AssertionError(
            f"Error not in the error format: {response.status_code} {content_type}: "
            f"{response.content[:300]!r}"
        )
    return True


@dataclass
class Tokens:
    """API tokens of an active user of one role, minted again when the fuzzer revoked one
    (logout everywhere, deleting its own token) or changed its user."""

    core: Opportune
    role: Role
    headers: dict[str, str] = field(default_factory=dict)
    requests: int = 0  # sent with these tokens, for the record in docs/reliability.md

    def current(self) -> dict[str, str]:
        """Headers with a token, minting the first one."""
        return self.headers or self.renew()

    def renew(self) -> dict[str, str]:
        """Headers with a new token of any active user of the role (the fuzzer may have
        deactivated or demoted the one before; the last administrator always stays)."""
        user = next(u for u in self.core.users.list() if u.is_active and u.role == self.role)
        assert user.id is not None
        issued = self.core.auth.create_token(
            None, user.id, "fuzz", scopes=list(allowed_scopes(user))
        )
        self.headers = {"Authorization": f"Bearer {issued.token}"}
        return self.headers


def call(case: Case, tokens: Tokens) -> Response:
    """Send ``case`` as the tokens' user; once more with a new token if the old one was revoked
    by an earlier request (so a 401 that is left is a real refusal)."""
    tokens.requests += 1
    response = case.call(headers=tokens.current())
    if response.status_code == 401:
        response = case.call(headers=tokens.renew())
    return response


def validate(case: Case, response: Response, tokens: Tokens) -> None:
    """Run every schemathesis check but one (see EXCLUDED_CHECKS) and the error format check."""
    case.validate_response(
        response,
        headers=tokens.current(),
        excluded_checks=EXCLUDED_CHECKS,
        additional_checks=[invalid_data_refused, error_format],
    )


def without_lifespan(app: Any) -> Callable[..., Any]:
    """The app for schemathesis: the test's TestClient runs its lifespan (start-up and the
    shut-down schemathesis would otherwise leave to the end of the process)."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("lifespan runs in the test's TestClient")  # = "not supported"
        await app(scope, receive, send)

    return asgi


@pytest.fixture(scope="module")
def fuzz_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of the engine in ``request.param``, shared by this module's tests
    (setting one up with demo data costs more than a fuzz run in CI)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "opportune.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    name = f"opp_fuzz_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("pg_template")}"')
    yield pg_url_for(name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def fuzz_core(fuzz_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opportune]:
    """An installation with a little demo data: users of each role, leads, accounts, contacts,
    opportunities and activities for the generated ids to find. Its data directory (uploads,
    exports) is a temporary directory: nothing the fuzzer does reaches outside it."""
    core = Opportune(make_settings(fuzz_url, tmp_path_factory.mktemp("fuzz-data")))
    load_demo(core, leads=20, accounts=4)
    yield core
    core.close()


@pytest.fixture(scope="module")
def fuzz_client(fuzz_core: Opportune) -> Iterator[TestClient]:
    """The application, started (job worker, import runner) for the module."""
    with TestClient(create_app(core=fuzz_core)) as client:
        yield client


@pytest.fixture(scope="module")
def schema(fuzz_client: TestClient) -> OpenApiSchema:
    """The served OpenAPI document as a schemathesis schema over the running app."""
    loaded = schemathesis.openapi.from_asgi("/api/openapi.json", without_lifespan(fuzz_client.app))
    # The fuzzer signs in with a real token; it does not fuzz the Authorization header.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


def operations(schema: OpenApiSchema) -> list[APIOperation]:
    """Every operation of the schema (none left out for being unreadable)."""
    return [result.ok() for result in schema.get_all_operations()]


def fuzz_operation(operation: APIOperation, mode: GenerationMode, tokens: Tokens) -> None:
    """Run EXAMPLES generated requests of one kind against one operation."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=EXAMPLES <= 5,  # CI: the same examples every run
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=False,
    )
    def run(case: Case) -> None:
        validate(case, call(case, tokens), tokens)

    run()


def fuzz_all(
    schema: OpenApiSchema, tokens: Tokens, modes: tuple[GenerationMode, ...] = tuple(GenerationMode)
) -> dict[str, str]:
    """Fuzz every operation; the failures, by operation and mode."""
    failures = {}
    for operation in operations(schema):
        for mode in modes:
            try:
                fuzz_operation(operation, mode, tokens)
            except (Exception, BaseExceptionGroup) as exc:  # reported for every operation at once
                if "Unable to satisfy assumptions" not in str(exc):  # nothing invalid to send
                    failures[f"{operation.label} ({mode.value})"] = str(exc)
    return failures


def report(failures: dict[str, str]) -> str:
    """The failures, one block per operation."""
    return f"{len(failures)} failing:\n" + "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())


@ON_SQLITE_IN_CI
def test_the_fuzzer_covers_every_operation_of_the_openapi_document(
    schema: OpenApiSchema, fuzz_client: TestClient
) -> None:
    document = fuzz_client.get("/api/openapi.json").json()
    declared = {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
    assert {op.label for op in operations(schema)} == declared
    assert len(declared) > 150


@ON_EVERY_ENGINE
def test_every_operation_answers_valid_and_invalid_requests_of_an_admin_as_documented(
    schema: OpenApiSchema, fuzz_core: Opportune
) -> None:
    tokens = Tokens(fuzz_core, Role.ADMIN)
    failures = fuzz_all(schema, tokens)
    print(f"{tokens.requests} requests as an administrator")
    assert not failures, report(failures)


@ON_SQLITE_IN_CI
def test_every_operation_answers_a_rep_as_documented(
    schema: OpenApiSchema, fuzz_core: Opportune
) -> None:
    tokens = Tokens(fuzz_core, Role.REP)
    # In CI only valid requests: what a rep adds is the refusals (403) of what reps may not do.
    modes = tuple(GenerationMode) if BY_HAND else (GenerationMode.POSITIVE,)
    failures = fuzz_all(schema, tokens, modes)
    print(f"{tokens.requests} requests as a rep")
    assert not failures, report(failures)


@ON_SQLITE_IN_CI
def test_chains_of_operations_following_the_inferred_links_answer_as_documented(
    schema: OpenApiSchema, fuzz_core: Opportune
) -> None:
    tokens = Tokens(fuzz_core, Role.ADMIN)

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Case, **kwargs: Any) -> Response:
            return call(case, tokens)

        def validate_response(self, response: Response, case: Case, **kwargs: Any) -> None:
            validate(case, response, tokens)

    Scenario.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
    )


# --- what the fuzzer found, pinned --------------------------------------------------------


def test_a_number_is_not_taken_for_a_day_in_a_filter_or_a_body(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    # Pydantic alone reads 20260531 as seconds since 1970: the filter would silently match
    # everything from January 1970 on.
    response = client.get("/api/v1/opportunities?close_to=20260531", headers=as_admin)
    assert response.status_code == 422
    assert response.json()["fields"] == [
        {"field": "close_to", "code": "INVALID_TYPE", "message": DAY_MESSAGE}
    ]
    body = {"name": "Renewal", "account_id": 1, "close_date": 1780000000}
    response = client.post("/api/v1/opportunities", json=body, headers=as_admin)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["close_date"]
    ok = client.get("/api/v1/opportunities?close_to=2026-05-31", headers=as_admin)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", f"/api/v1/duplicate-reports?offset={2**70}", None, "offset"),
        ("POST", "/api/v1/leads/1/shares", {"user_id": 2**70, "access": "read"}, "user_id"),
        ("POST", "/api/v1/leads/reassign", {"rule_id": 2**70}, "rule_id"),
        ("POST", "/api/v1/web-forms", {"name": "Contact us", "owner_id": 2**70}, "owner_id"),
        ("POST", "/api/v1/assignment-rules", {"default_owner_id": 2**70}, "default_owner_id"),
    ],
)
def test_an_id_or_offset_too_large_for_the_database_is_refused_naming_it(
    client: TestClient,
    as_admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    field: str,
) -> None:
    # These reached the database and failed there with a 500 ("Python int too large").
    response = client.request(method, path, json=body, headers=as_admin)
    assert response.status_code == 422
    fields = [f["field"] for f in response.json()["fields"]]
    assert field in fields


def test_a_malformed_multipart_upload_is_refused_naming_the_file(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    # A header line with a "[" in its name made the multipart parser raise: 500.
    part = b'Content-Disposition: form-data; name="file"\r\nBad[Header: x\r\n\r\nx'
    body = b"--b\r\n" + part + b"\r\n--b--\r\n"
    headers = {**as_admin, "Content-Type": "multipart/form-data; boundary=b"}
    response = client.post("/api/v1/imports", content=body, headers=headers)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["file"]
