"""Every report gives the same answer through the library, the REST API and the CLI.

One hand-made data set (leads of two sources and two owners, some converted with and some
without an opportunity, opportunities won, lost, reopened and open, moved through stages
while a fixed clock advances); then, for each report and several sets of filters, the
library's ``as_dict()``, the API's JSON and ``opportune report --format json`` must be
identical, and the API's CSV must be the CLI's CSV byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, Settings, User
from opportune.api import create_app
from opportune.domain.reports.catalog import REPORTS, ReportDefinition
from opportune.domain.reports.model import ReportRequest
from tests.conftest import add_user
from tests.e2e.cli.conftest import invoke

FISCAL_START = 4  # April: quarters and years of the fiscal calendar differ from the calendar's
TODAY = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
CONVERTED = {"converted_status": "Closed - Converted"}


@dataclass
class SteppingClock:
    """A fixed clock that the data set moves forward by hand."""

    now: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        """Move to ``day`` at nine in the morning (UTC)."""
        self.now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


@dataclass
class World:
    """The data set and the three ways to ask for a report."""

    core: Opportune
    clock: SteppingClock
    database_url: str
    admin: User
    rae: User
    sam: User
    client: TestClient
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The data set on each engine, with the API and the CLI on the same clock."""
    clock = SteppingClock()
    settings = Settings(env="test", database_url=database_url, data_dir=tmp_path / "data",
                        fiscal_year_start_month=FISCAL_START)  # fmt: skip
    core = Opportune(settings, clock=clock)
    # The CLI opens its own installation from the environment: give it the same clock.
    monkeypatch.setattr("opportune.cli.state.Opportune", lambda s: Opportune(s, clock=clock))
    admin = add_user(core, "Ada Admin", "admin")
    rae, sam = add_user(core, "Rae Rep", "rep"), add_user(core, "Sam Seller", "rep")
    DataSet(core, clock, rae, sam).build()
    clock.now = TODAY  # reports measure ages and stuck deals from here
    token = core.auth.create_token(None, admin.id or 0, "agreement").token
    with TestClient(create_app(core=core)) as client:
        yield World(core, clock, database_url, admin, rae, sam, client,
                    {"Authorization": f"Bearer {token}"})  # fmt: skip
    core.close()


# --- the data set ---------------------------------------------------------------------


@dataclass
class DataSet:
    """Builds the records in the order of the days they happen on (the clock only advances)."""

    core: Opportune
    clock: SteppingClock
    rae: User
    sam: User
    ids: dict[str, int] = field(default_factory=dict)

    def build(self) -> None:
        """Leads of Web and Partner Referral (and one of none) for Rae and Sam; their deals."""
        self.january()
        self.february()
        self.march_and_april()

    def january(self) -> None:
        rae, sam = self.rae, self.sam
        self.lead(date(2026, 1, 5), rae, "Web", "Apex")
        self.lead(date(2026, 1, 6), sam, "Web", "Birch")
        self.lead(date(2026, 1, 10), rae, "Partner Referral", "Cedar")
        self.clock.on(date(2026, 1, 15))  # converted without an opportunity
        options = {**CONVERTED, "do_not_create_opportunity": True}
        self.core.conversions.convert(sam, self.ids["Birch"], options)
        self.convert(date(2026, 1, 20), rae, "Apex", amount="10000")
        self.convert(date(2026, 1, 22), rae, "Cedar", amount="5000")
        self.move(date(2026, 1, 25), rae, "Apex", "Qualification")

    def february(self) -> None:
        rae, sam = self.rae, self.sam
        self.lead(date(2026, 2, 1), sam, "Partner Referral", "Dune")
        self.clock.on(date(2026, 2, 2))
        self.core.leads.update(sam, self.ids["Dune"], {"status": "Working - Contacted"})
        self.lead(date(2026, 2, 3), rae, "Web", "Elm")
        self.clock.on(date(2026, 2, 4))
        closed = {"status": "Closed - Not Converted", "close_reason": "No budget"}
        self.core.leads.update(rae, self.ids["Elm"], closed)
        self.move(date(2026, 2, 5), rae, "Cedar", "Needs Analysis")
        self.move(date(2026, 2, 10), rae, "Apex", "Negotiation/Review")
        self.deal(date(2026, 2, 15), sam, "Renewal", "Proposal/Price Quote", amount="20000",
                  lead_source="Web", close_date="2026-04-30")  # fmt: skip
        self.move(date(2026, 2, 20), rae, "Cedar", "Closed Lost", lost_reason="Price")

    def march_and_april(self) -> None:
        rae, sam = self.rae, self.sam
        self.lead(date(2026, 3, 1), sam, None, "Fjord")
        self.move(date(2026, 3, 1), rae, "Cedar", "Needs Analysis")  # reopened after losing
        self.move(date(2026, 3, 2), rae, "Apex", "Closed Won")
        self.deal(date(2026, 3, 3), rae, "Pilot", "Value Proposition", close_date="2026-05-29")
        self.lead(date(2026, 3, 5), sam, "Partner Referral", "Grove")
        self.convert(date(2026, 3, 6), sam, "Grove", amount="8000")
        self.deal(date(2026, 3, 10), rae, "Expansion", "Prospecting", amount="3000.50",
                  lead_source="Partner Referral", forecast_category="Commit",
                  close_date="2026-06-30")  # fmt: skip
        self.move(date(2026, 3, 20), sam, "Grove", "Closed Lost", lost_reason="Competitor")
        self.move(date(2026, 4, 1), rae, "Expansion", "Negotiation/Review")
        self.move(date(2026, 4, 10), sam, "Renewal", "Closed Won")

    def lead(self, day: date, owner: User, source: str | None, name: str) -> None:
        self.clock.on(day)
        data = {"last_name": name, "company": f"{name} Ltd", "owner_id": owner.id,
                "email": f"info@{name.lower()}.example", "lead_source": source}  # fmt: skip
        self.ids[name] = self.core.leads.create(owner, data, assign=False).id or 0

    def convert(self, day: date, actor: User, name: str, amount: str) -> None:
        """Convert a lead with a new opportunity (named as the lead) and give it an amount."""
        self.clock.on(day)
        result = self.core.conversions.convert(actor, self.ids[name], CONVERTED)
        assert result.opportunity_id is not None
        self.ids[name] = result.opportunity_id
        self.core.opportunities.update(actor, result.opportunity_id, {"amount": amount})

    def deal(self, day: date, owner: User, name: str, stage: str, **data: object) -> None:
        """An opportunity created without a lead, on Harbor Inc's account."""
        self.clock.on(day)
        if "Harbor" not in self.ids:
            self.ids["Harbor"] = self.core.accounts.create(owner, {"name": "Harbor Inc"}).id or 0
        record = {"name": f"Harbor {name}", "account_id": self.ids["Harbor"], "stage": stage}
        self.ids[name] = self.core.opportunities.create(owner, record | data).id or 0

    def move(self, day: date, actor: User, name: str, stage: str, **data: object) -> None:
        """Move an opportunity to a stage; closing it sets its close date to the day."""
        self.clock.on(day)
        if stage.startswith("Closed"):
            data["close_date"] = day.isoformat()
        self.core.opportunities.update(actor, self.ids[name], {"stage": stage, **data})


# --- the requests ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One set of filters, as the library, the API and the CLI each take it."""

    date_from: str | None = None
    date_to: str | None = None
    owner: tuple[str, ...] = ()
    lead_source: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    by: str | None = None
    period: str | None = None
    days: int | None = None

    def library(self) -> ReportRequest:
        return ReportRequest(
            date_from=date.fromisoformat(self.date_from) if self.date_from else None,
            date_to=date.fromisoformat(self.date_to) if self.date_to else None,
            owner=self.owner, lead_source=self.lead_source, stage=self.stage, by=self.by,
            period=self.period, days=self.days,
        )  # fmt: skip

    def query(self, **extra: str) -> str:
        pairs = [(k, str(v)) for k, v in asdict(self).items() if isinstance(v, str | int)]
        pairs += [(k, v) for k in ("owner", "lead_source", "stage") for v in getattr(self, k)]
        return urlencode([*pairs, *extra.items()])

    def args(self) -> list[str]:
        flags = {"date_from": "--from", "date_to": "--to", "by": "--by", "period": "--period",
                 "days": "--days"}  # fmt: skip
        args = [x for k, f in flags.items() if (v := getattr(self, k)) is not None
                for x in (f, str(v))]  # fmt: skip
        lists = {"owner": "--owner", "lead_source": "--source", "stage": "--stage"}
        return args + [x for k, f in lists.items() for v in getattr(self, k) for x in (f, v)]


def asks_for(definition: ReportDefinition, rae: User, sam: User) -> list[Ask]:
    """No filters; every filter the report takes; each of its groupings and periods."""
    filtered = Ask(
        date_from="2026-01-01", date_to="2026-03-31", owner=("me", f"{rae.email},{sam.id}"),
        lead_source=("Web", "Partner Referral"),
        stage=("Needs Analysis,Closed Won", "Negotiation/Review") if definition.uses_stage else (),
        days=10 if definition.days_label else None,
    )  # fmt: skip
    owners_only = Ask(owner=(str(sam.id),), lead_source=("web",))  # labels in any case
    asks = [Ask(), filtered, owners_only]
    asks += [Ask(by=by) for by in definition.groupings[1:]]
    if definition.uses_period:
        asks += [Ask(period=p, by="period" if "period" in definition.groupings else None)
                 for p in ("quarter", "year")]  # fmt: skip
    return asks


# --- the comparison -------------------------------------------------------------------


def three_answers(world: World, name: str, ask: Ask) -> tuple[Any, Any, Any, str, str]:
    """The library's, the API's and the CLI's JSON, then the API's and the CLI's CSV."""
    library = world.core.reports.run(world.admin, name, ask.library()).as_dict()
    api = world.client.get(f"/api/v1/reports/{name}?{ask.query()}", headers=world.headers)
    assert api.status_code == 200, api.text
    api_csv = world.client.get(
        f"/api/v1/reports/{name}?{ask.query()}", headers={**world.headers, "Accept": "text/csv"}
    )
    assert api_csv.status_code == 200, api_csv.text
    cli = cli_run(world, name, ask, "json")
    return library, api.json(), json.loads(cli), api_csv.text, cli_run(world, name, ask, "csv")


def cli_run(world: World, name: str, ask: Ask, fmt: str) -> str:
    env = {"OPPORTUNE_FISCAL_YEAR_START_MONTH": str(FISCAL_START)}
    result = invoke(world.database_url, ["report", name, *ask.args(), "--format", fmt], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")  # as written: CSV keeps its CRLF line ends


def test_library_api_and_cli_give_the_same_report(world: World, subtests: pytest.Subtests) -> None:
    # One data set for every report (building it is most of the time), each report its
    # own subtest so that a failure names it.
    for name in REPORTS:
        with subtests.test(report=name):
            assert_three_ways_agree(world, name)


def assert_three_ways_agree(world: World, name: str) -> None:
    """The library, API and CLI give the same answers to report ``name``'s filter sets."""
    for ask in asks_for(REPORTS[name], world.rae, world.sam):
        library, api, cli, api_csv, cli_csv = three_answers(world, name, ask)
        assert api == library, ask
        assert cli == library, ask
        assert api_csv == cli_csv, ask
        header = api_csv.split("\r\n")[0]
        assert header == ",".join(c["label"] for c in library["columns"]), ask
    unfiltered = world.core.reports.run(world.admin, name, ReportRequest())
    assert unfiltered.rows, "the data set gives every report something to show"


def test_the_catalog_is_the_same_in_the_library_the_api_and_the_cli(world: World) -> None:
    library = [asdict(d) | {"groupings": list(d.groupings)} for d in world.core.reports.catalog()]
    api = world.client.get("/api/v1/reports", headers=world.headers).json()
    result = invoke(world.database_url, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert api == library
    assert json.loads(result.stdout) == library
