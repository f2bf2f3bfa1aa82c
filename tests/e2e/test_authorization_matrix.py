"""The authorization matrix: role x org-wide default x object x interface x operation.

One small data set per database (module-scoped): an owner (a rep) who reports to a
manager, another rep, an admin, and one lead, opportunity, account and contact owned by
the owner. For each org-wide default, every role reads, lists and edits every record
through the library, the REST API, the web pages, the CLI and the Salesforce-compatible
API, and the outcome must be what :func:`expected` (the rules, restated) says: hidden
records are 404 (never 403) and missing from lists and counts, read-only records refuse
edits with 403, and everything else succeeds. Shares, queue shares and leads in a queue
are then checked on the library and the REST API.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from fastapi.testclient import TestClient
from sqlalchemy import update

from opportune import Opportune, User
from opportune.api import create_app
from opportune.cli import app as cli_app
from opportune.cli.state import CliState
from opportune.db import tables as t
from opportune.domain.salesforce.ids import sf_id
from opportune.errors import NotFoundError, PermissionDeniedError
from opportune.services.accounts import AccountFilters
from opportune.services.contacts import ContactFilters
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityFilters
from tests.conftest import ENGINES, PASSWORD, _pg_execute, add_user, make_settings, pg_url_for
from tests.e2e.cli.conftest import invoke
from tests.e2e.web.conftest import csrf_of

ROLES = ("admin", "manager", "owner", "other")
DEFAULTS = ("private", "read", "read_write")
OBJECTS = ("lead", "opportunity", "account", "contact")
INTERFACES = ("library", "rest", "web", "cli", "salesforce")
OPERATIONS = ("read", "list", "edit")
PLURAL = {"lead": "leads", "opportunity": "opportunities", "account": "accounts",
          "contact": "contacts"}  # fmt: skip
SOBJECT = {"lead": "Lead", "opportunity": "Opportunity", "account": "Account",
           "contact": "Contact"}  # fmt: skip
FILTERS: dict[str, Callable[..., Any]] = {
    "lead": LeadFilters, "opportunity": OpportunityFilters, "account": AccountFilters,
    "contact": ContactFilters,
}  # fmt: skip
# Outcomes: "ok" (read or edited), "listed"/"absent" (lists and counts), "404", "403".
Outcome = str


def expected(role: str, default: str, operation: str) -> Outcome:
    """The rules, restated: admins, the owner and the owner's manager see and edit; anyone
    else gets the org-wide default (private: nothing, read: read only, read_write: all)."""
    access = 2 if role != "other" else {"private": 0, "read": 1, "read_write": 2}[default]
    if operation == "list":
        return "listed" if access else "absent"
    if access == 0:
        return "404"
    return "403" if operation == "edit" and access == 1 else "ok"


# --- the data, once per database ----------------------------------------------------------


@dataclass
class World:
    """The installation, its users, their credentials, and the records."""

    core: Opportune
    url: str
    users: dict[str, User]
    records: dict[str, int]
    api: TestClient
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    browsers: dict[str, tuple[TestClient, str]] = field(default_factory=dict)
    edits: Iterator[int] = field(default_factory=itertools.count)

    def set_defaults(self, access: str) -> None:
        """Every object's org-wide default to ``access``."""
        current = self.core.sharing.org_defaults()
        for name in OBJECTS:
            if current[name].value != access:
                self.core.sharing.set_org_default(None, name, access)

    def text(self) -> str:
        """A fresh value to write, so every edit really changes the record."""
        return f"edited {next(self.edits)}"


@pytest.fixture(scope="module", params=ENGINES)
def world_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database of each engine, for this module only."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("matrix") / "opportune.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"opp_m_{template_name[-12:]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield pg_url_for(name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", autouse=True)
def cli_built_once() -> Iterator[None]:
    """Build the ``opportune`` command tree once (Typer rebuilds it on every invoke)."""
    built = typer.main.get_command(cli_app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda app: built)
        yield


@pytest.fixture(scope="module")
def world(world_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Users, records, API tokens and signed-in browser sessions, built once."""
    core = Opportune(make_settings(world_url, tmp_path_factory.mktemp("matrix-data")))
    users = _users(core)
    app = create_app(core=core)
    with TestClient(app) as api, pytest.MonkeyPatch.context() as patch:
        # The CLI runs in-process on this installation instead of opening the database
        # anew for each of its ~150 invocations (what it does with it is unchanged).
        patch.setattr(CliState, "open", lambda self, migrated=True: core)
        patch.setattr(CliState, "close", lambda self: None)
        world = World(core, world_url, users, _records(core, users["owner"]), api)
        for role, user in users.items():
            assert user.id is not None
            token = core.auth.create_token(None, user.id, "matrix").token
            world.tokens[role] = {"Authorization": f"Bearer {token}"}
            world.browsers[role] = _signed_in(TestClient(app, follow_redirects=False), user)
        yield world
    core.close()


def _users(core: Opportune) -> dict[str, User]:
    admin = add_user(core, "Ada Admin", "admin")
    manager = add_user(core, "Max Manager", "manager")
    owner = add_user(core, "Rae Rep", "rep")
    owner = core.users.update(admin, owner.id or 0, {"manager_id": manager.id})
    return {"admin": admin, "manager": manager, "owner": owner,
            "other": add_user(core, "Olga Other", "rep")}  # fmt: skip


def _records(core: Opportune, owner: User) -> dict[str, int]:
    account = core.accounts.create(owner, {"name": "Acme"})
    contact = core.contacts.create(owner, {"last_name": "Adams", "account_id": account.id})
    deal = core.opportunities.create(
        owner, {"name": "Big deal", "account_id": account.id, "close_date": "2027-01-31"}
    )
    lead = core.leads.create(owner, {"last_name": "Ng", "company": "Ng Ltd"}, assign=False)
    ids = {"account": account.id, "contact": contact.id, "opportunity": deal.id,
           "lead": lead.id}  # fmt: skip
    return {name: value for name, value in ids.items() if value is not None}


def _signed_in(browser: TestClient, user: User) -> tuple[TestClient, str]:
    token = csrf_of(browser.get("/login").text)
    signed = browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": token})  # fmt: skip
    assert signed.status_code == 303, signed.text
    return browser, csrf_of(browser.get("/leads/new").text)


# --- each interface's three operations ----------------------------------------------------


def _status(code: int) -> Outcome:
    return {200: "ok", 204: "ok", 403: "403", 404: "404"}.get(code, f"HTTP {code}")


def via_library(w: World, role: str, obj: str, operation: str) -> Outcome:
    """The services, as a Python program uses them."""
    user, record_id = w.users[role], w.records[obj]
    service = getattr(w.core, PLURAL[obj])
    try:
        if operation == "read":
            service.get(user, record_id)
        elif operation == "edit":
            service.update(user, record_id, {"description": w.text()})
        else:
            listed = service.list(user, FILTERS[obj](limit=200, with_total=True))
            page = getattr(listed, "page", listed)
            found = record_id in [r.id for r in page.items]
            assert page.total == len(page.items), "the count agrees with the list"
            return "listed" if found else "absent"
    except NotFoundError:
        return "404"
    except PermissionDeniedError:
        return "403"
    return "ok"


def via_rest(w: World, role: str, obj: str, operation: str) -> Outcome:
    """The REST API with the user's token."""
    url, headers = f"/api/v1/{PLURAL[obj]}", w.tokens[role]
    record_id = w.records[obj]
    if operation == "list":
        body = w.api.get(url, params={"limit": 200, "with_total": "true"}, headers=headers).json()
        return "listed" if record_id in [r["id"] for r in body["items"]] else "absent"
    if operation == "read":
        return _status(w.api.get(f"{url}/{record_id}", headers=headers).status_code)
    edit = w.api.patch(f"{url}/{record_id}", json={"description": w.text()}, headers=headers)
    return _status(edit.status_code)


def via_web(w: World, role: str, obj: str, operation: str) -> Outcome:
    """The web pages, with the user's session cookie (and CSRF token on edits)."""
    browser, csrf = w.browsers[role]
    page = f"/{PLURAL[obj]}/{w.records[obj]}"
    if operation == "list":
        listing = browser.get(f"/{PLURAL[obj]}")
        assert listing.status_code == 200
        return "listed" if f'href="{page}"' in listing.text else "absent"
    if operation == "read":
        return _status(browser.get(page).status_code)
    saved = browser.post(f"{page}/fields/description", data={"description": w.text()},
                         headers={"HX-Request": "true", "X-CSRF-Token": csrf})  # fmt: skip
    return _status(saved.status_code)


def via_cli(w: World, role: str, obj: str, operation: str) -> Outcome:
    """The ``opportune`` command acting as the user (``--user``)."""
    record_id = str(w.records[obj])
    acting = ("--user", w.users[role].email, obj)
    if operation == "list":
        result = invoke(w.url, [*acting, "list", "--json", "--limit", "200"])
        assert result.exit_code == 0, result.output
        listed = [r["id"] for r in json.loads(result.stdout)["items"]]
        return "listed" if w.records[obj] in listed else "absent"
    if operation == "read":
        result = invoke(w.url, [*acting, "show", record_id, "--json"])
    else:
        result = invoke(w.url, [*acting, "update", record_id, "--set",
                                f"description={w.text()}", "--json"])  # fmt: skip
    return {0: "ok", 3: "404", 4: "403"}.get(result.exit_code, f"exit {result.exit_code}")


def via_salesforce(w: World, role: str, obj: str, operation: str) -> Outcome:
    """The Salesforce-compatible API: sobject by id, a SOQL count, a PATCH."""
    name, ident = SOBJECT[obj], sf_id(SOBJECT[obj], w.records[obj])
    base, headers = "/services/data/v59.0", w.tokens[role]
    if operation == "list":
        soql = f"SELECT COUNT() FROM {name} WHERE Id = '{ident}'"  # noqa: S608 (SOQL, our ids)
        answer = w.api.get(f"{base}/query", params={"q": soql}, headers=headers)
        assert answer.status_code == 200, answer.text
        return "listed" if answer.json()["totalSize"] == 1 else "absent"
    url = f"{base}/sobjects/{name}/{ident}"
    if operation == "read":
        return _status(w.api.get(url, headers=headers).status_code)
    return _status(w.api.patch(url, json={"Description": w.text()}, headers=headers).status_code)


VIA: dict[str, Callable[[World, str, str, str], Outcome]] = {
    "library": via_library, "rest": via_rest, "web": via_web, "cli": via_cli,
    "salesforce": via_salesforce,
}  # fmt: skip


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("default", DEFAULTS)
def test_every_role_reads_lists_and_edits_every_object_as_the_rules_say(
    world: World, default: str, interface: str
) -> None:
    world.set_defaults(default)
    wrong = []
    for role, obj, operation in itertools.product(ROLES, OBJECTS, OPERATIONS):
        want = expected(role, default, operation)
        got = VIA[interface](world, role, obj, operation)
        if got != want:
            wrong.append(f"{role} {operation} {obj}: expected {want}, got {got}")
    assert not wrong, f"{interface} with org-wide default {default}:\n" + "\n".join(wrong)


# --- shares, queue shares and leads in a queue (library and REST API) ---------------------


@dataclass(frozen=True)
class Shared:
    """Private leads: one shared read and one edit with the other rep, one shared with a
    queue the other rep is in, one sitting in that queue, and one not shared at all."""

    read: int
    edit: int
    queue_share: int
    in_queue: int
    unshared: int


@pytest.fixture(scope="module")
def shared(world: World) -> Shared:
    core, owner, other = world.core, world.users["owner"], world.users["other"]
    admin = world.users["admin"]
    queue = core.assignment.create_queue(admin, "Inbound")
    core.assignment.add_queue_member(admin, queue.id, other.id or 0)
    ids = [core.leads.create(owner, {"last_name": f"Lead {n}", "company": "Co"},
                             assign=False).id or 0 for n in range(5)]  # fmt: skip
    core.sharing.share(owner, "lead", ids[0], access="read", user_id=other.id)
    core.sharing.share(owner, "lead", ids[1], access="edit", user_id=other.id)
    core.sharing.share(owner, "lead", ids[2], access="read", queue_id=queue.id)
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == ids[3]).values(queue_id=queue.id))
    return Shared(*ids)


SHARE_CASES = [("read", {"read": "ok", "list": "listed", "edit": "403"}),
               ("edit", {"read": "ok", "list": "listed", "edit": "ok"}),
               ("queue_share", {"read": "ok", "list": "listed", "edit": "403"}),
               ("in_queue", {"read": "ok", "list": "listed", "edit": "ok"}),
               ("unshared", {"read": "404", "list": "absent", "edit": "404"})]  # fmt: skip


@pytest.mark.parametrize("interface", ["library", "rest"])
def test_shares_and_queues_grant_the_other_rep_exactly_their_access(
    world: World, shared: Shared, interface: str
) -> None:
    world.set_defaults("private")
    wrong = []
    for case, outcomes in SHARE_CASES:
        world.records["lead"] = getattr(shared, case)
        for operation, want in outcomes.items():
            got = VIA[interface](world, "other", "lead", operation)
            if got != want:
                wrong.append(f"{case} {operation}: expected {want}, got {got}")
    world.records["lead"] = _first_lead(world)
    assert not wrong, "\n".join(wrong)


def test_a_removed_share_hides_the_record_again(world: World, shared: Shared) -> None:
    world.set_defaults("private")
    core, owner, other = world.core, world.users["owner"], world.users["other"]
    lead = core.leads.create(owner, {"last_name": "Later", "company": "Co"}, assign=False)
    share = core.sharing.share(owner, "lead", lead.id or 0, access="edit", user_id=other.id)
    url = f"/api/v1/leads/{lead.id}"
    assert world.api.get(url, headers=world.tokens["other"]).status_code == 200
    core.sharing.unshare(owner, share.id)
    assert world.api.get(url, headers=world.tokens["other"]).status_code == 404


def _first_lead(world: World) -> int:
    found = world.core.leads.list(world.users["owner"], LeadFilters(q="Ng", limit=5))
    return next(lead.id for lead in found.page.items if lead.id is not None)
