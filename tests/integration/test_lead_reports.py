"""The lead-funnel, lead-conversion, lead-aging and source-to-revenue reports on a hand-built
set of leads, through the library, on every database engine.

Today is Monday 30 June 2025 (UTC). R = Rae Rep, M = Max Manager. The data set:

    lead  owner source   created        status now                what happened
    L1    R     Web      Jun 28 09:00   Open - Not Contacted
    L2    R     Web      Jun 10 23:30   Working - Contacted       L10 merged into it (Jun 30)
    L3    R     Phone    May 01 09:00   Open - Not Contacted      a note logged on May 10
    L4    M     Web      Jan 15 09:00   Working - Contacted       a task of Feb 01, done Jun 20
    L5    M     —        Jun 29 09:00   Open - Not Contacted
    L6    R     Web      Jun 01 09:00   Closed - Converted        converted Jun 01 into O1
    L7    M     Partner  Jun 05 09:00   Closed - Converted        converted without opportunity
    L8    R     Web      Jun 02 09:00   Working - Contacted       converted, then undone (Jun 02)
    L9    R     Web      Jun 03 09:00   Closed - Not Converted
    L10   R     Web      Jun 04 09:00   (merged into L2: left out of every report)

    opportunity  source   created   state
    O1 (L6's)    Web      Jun 01    won Jun 25, 1,000.00
    O3           Web      Jun 15    open (Prospecting), 500.00
    O4           Phone    Mar 01    won, 250.50
    O5           —        Jun 20    won, 99.00

Nine leads count (L10 is merged). Ages in days on Jun 30: L1 2, L2 20, L3 60, L4 166, L5 1,
L8 28.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from opportune import LeadFilters, Opportune, User, ValidationError
from opportune.domain.reports.model import Drill, ReportRequest, ReportResult, ReportRow
from opportune.services.opportunities import OpportunityFilters
from tests.conftest import add_user

TODAY_NOON = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
WORKING = "Working - Contacted"
CONVERTED = {"converted_status": "Closed - Converted"}


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(text: str) -> datetime:
    """A moment of 2025 in UTC, from "MM-DD HH:MM"."""
    return datetime.fromisoformat(f"2025-{text}").replace(tzinfo=UTC)


class World:
    """The data set of the module docstring, and the ids of its records."""

    def __init__(self, core: Opportune, admin: User, rae: User, max_: User) -> None:
        self.core, self.admin, self.rae, self.max = core, admin, rae, max_
        self.clock = Clock(TODAY_NOON)
        for service in (core.leads, core.conversions, core.activities, core.merges,
                        core.opportunities, core.accounts, core.reports):  # fmt: skip
            service.clock = self.clock
        self.ids: dict[str, int] = {}

    def lead(self, name: str, owner: User, source: str | None, when: str, **data: object) -> int:
        self.clock.now = at(when)
        values = {"last_name": name, "company": f"{name} Ltd", "owner_id": owner.id, **data}
        if source:
            values["lead_source"] = source
        lead = self.core.leads.create(self.admin, values)
        assert lead.id is not None
        self.ids[name] = lead.id
        return lead.id

    def opportunity(self, name: str, source: str | None, when: str, **data: object) -> int:
        self.clock.now = at(when)
        account = self.core.accounts.create(self.admin, {"name": f"{name} account"})
        values = {"name": name, "account_id": account.id, "owner_id": self.rae.id,
                  "close_date": "2025-09-30", "stage": "Prospecting", **data}  # fmt: skip
        if source:
            values["lead_source"] = source
        opp = self.core.opportunities.create(self.admin, values)
        assert opp.id is not None
        return opp.id

    def build(self) -> World:
        core, rae, max_ = self.core, self.rae, self.max
        self.lead("L1", rae, "Web", "06-28 09:00")
        self.lead("L2", rae, "Web", "06-10 23:30", status=WORKING)
        l3 = self.lead("L3", rae, "Phone Inquiry", "05-01 09:00")
        self.clock.now = at("05-10 09:00")
        core.activities.create(rae, {"kind": "note", "title": "Called back", "lead_id": l3})
        l4 = self.lead("L4", max_, "Web", "01-15 09:00", status=WORKING)
        self.clock.now = at("02-01 09:00")
        task = core.activities.create(max_, {"kind": "task", "subject": "Demo", "lead_id": l4})
        self.clock.now = at("06-20 09:00")
        core.activities.complete(max_, task.id or 0)
        self.lead("L5", max_, None, "06-29 09:00")
        l6 = self.lead("L6", rae, "Web", "06-01 09:00")
        self.clock.now = at("06-01 14:00")
        o1 = core.conversions.convert(rae, l6, CONVERTED).opportunity_id
        l7 = self.lead("L7", max_, "Partner Referral", "06-05 09:00")
        self.clock.now = at("06-05 14:00")
        core.conversions.convert(max_, l7, {**CONVERTED, "do_not_create_opportunity": True})
        l8 = self.lead("L8", rae, "Web", "06-02 09:00", status=WORKING)
        self.clock.now = at("06-02 10:00")
        core.conversions.convert(rae, l8, CONVERTED)
        self.clock.now = at("06-02 11:00")
        core.conversions.unconvert(rae, l8)
        l9 = self.lead("L9", rae, "Web", "06-03 09:00")
        self.clock.now = at("06-03 10:00")
        core.leads.update(
            rae, l9, {"status": "Closed - Not Converted", "close_reason": "No budget"}
        )
        l10 = self.lead("L10", rae, "Web", "06-04 09:00", status=WORKING)
        self.clock.now = at("06-30 10:00")
        core.merges.merge(rae, "lead", self.ids["L2"], [self.ids["L2"], l10])
        assert o1 is not None
        self.clock.now = at("06-25 09:00")
        core.opportunities.update(self.admin, o1, {"stage": "Closed Won", "amount": "1000"})
        self.opportunity("O3", "Web", "06-15 09:00", amount="500")
        self.opportunity("O4", "Phone Inquiry", "03-01 09:00", amount="250.50", stage="Closed Won")
        self.opportunity("O5", None, "06-20 09:00", amount="99", stage="Closed Won")
        self.clock.now = TODAY_NOON
        return self


@pytest.fixture
def rae(core: Opportune) -> User:
    return add_user(core, "Rae Rep", "rep")


@pytest.fixture
def max_(core: Opportune) -> User:
    return add_user(core, "Max Manager", "manager")


@pytest.fixture
def world(core: Opportune, admin: User, rae: User, max_: User) -> World:
    return World(core, admin, rae, max_)


@pytest.fixture
def data(world: World) -> World:
    """The data set of the module docstring."""
    return world.build()


def run(core: Opportune, actor: User, name: str, **request: object) -> ReportResult:
    return core.reports.run(actor, name, ReportRequest(**request))  # type: ignore[arg-type]


def table(report: ReportResult, *keys: str) -> list[tuple[object, ...]]:
    """The report's rows as tuples of the given columns (the first column first)."""
    first = report.columns[0].key
    return [tuple(r.values[k] for k in (first, *keys)) for r in report.rows]


def row(report: ReportResult, label: str) -> ReportRow:
    first = report.columns[0].key
    return next(r for r in report.rows if r.values[first] == label)


def totals(report: ReportResult, *keys: str) -> tuple[object, ...]:
    assert report.totals is not None
    return tuple(report.totals.values[k] for k in keys)


def leads_listed(core: Opportune, actor: User, drill: Drill) -> int:
    """How many leads the drill's list shows."""
    assert drill.records == "leads"
    filters: dict[str, object] = {}
    for key, value in drill.filters.items():
        if key in ("created_from", "created_to"):
            filters[key] = date.fromisoformat(str(value))
        elif key in ("include_converted", "converted_only"):
            filters[key] = value == "true"
        elif key == "untouched_days":
            filters[key] = int(str(value))
        else:
            filters[key] = value
    page = core.leads.list(actor, LeadFilters(**filters, with_total=True)).page  # type: ignore[arg-type]
    assert page.total is not None
    return page.total


def opportunities_listed(core: Opportune, actor: User, drill: Drill) -> tuple[int, Decimal]:
    """How many opportunities the drill's list shows, and their amounts summed."""
    assert drill.records == "opportunities"
    filters: dict[str, object] = dict(drill.filters)
    for key in ("created_from", "created_to"):
        if key in filters:
            filters[key] = date.fromisoformat(str(filters[key]))
    page = core.opportunities.list(
        actor,
        OpportunityFilters(**filters, with_total=True, limit=500),  # type: ignore[arg-type]
    ).page
    assert page.total is not None
    return page.total, sum((o.amount or Decimal(0) for o in page.items), Decimal(0))


# --- no data ---------------------------------------------------------------------------------


def test_every_lead_report_answers_without_data(core: Opportune, admin: User) -> None:
    funnel = run(core, admin, "lead-funnel")
    # The four default statuses at zero, and nobody's share (nothing to divide by).
    assert table(funnel, "leads", "reached", "share") == [
        ("Open - Not Contacted", 0, 0, None),
        ("Working - Contacted", 0, 0, None),
        ("Closed - Converted", 0, 0, None),
        ("Closed - Not Converted", 0, None, None),
    ]
    conversion = run(core, admin, "lead-conversion")
    assert [r[1:] for r in table(conversion, "leads", "converted", "rate")] == [(0, 0, None)] * 5
    aging = run(core, admin, "lead-aging")
    assert aging.rows == () and totals(aging, "open", "untouched") == (0, 0)
    revenue = run(core, admin, "source-to-revenue")
    assert [r[0] for r in table(revenue)] == [
        "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
    ]  # fmt: skip
    assert totals(revenue, "leads", "opportunities", "won_amount") == (0, 0, Decimal("0.00"))


# --- lead funnel -----------------------------------------------------------------------------


def test_the_funnel_counts_leads_per_status_and_the_share_reaching_each_step(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-funnel")
    assert table(report, "step", "leads", "reached", "share") == [
        # Every one of the 9 leads reached the first step: 9 / 9.
        ("Open - Not Contacted", "Step 1", 3, 9, Decimal("100.0")),  # L1 L3 L5
        # Working or beyond: L2 L4 L8 (L8's conversion was undone) + L6 L7 = 5; 5 / 9 = 55.6 %.
        (WORKING, "Step 2", 3, 5, Decimal("55.6")),
        # L6, and L7 converted without an opportunity: 2 / 9 = 22.2 %.
        ("Closed - Converted", "Step 3", 2, 2, Decimal("22.2")),
        ("Closed - Not Converted", "Exit", 1, None, None),  # L9
    ]
    assert totals(report, "leads") == (9,)  # L10 is merged


def test_the_funnel_filters_by_owner_source_and_creation_date(
    core: Opportune, admin: User, rae: User, data: World
) -> None:
    mine = run(core, admin, "lead-funnel", owner=[rae.email])
    # Rae's 6: L1 L3 open; L2 L8 working; L6 converted; L9 closed. Working+: 2 + 1 = 3 of 6.
    assert table(mine, "leads", "reached", "share") == [
        ("Open - Not Contacted", 2, 6, Decimal("100.0")),
        (WORKING, 2, 3, Decimal("50.0")),
        ("Closed - Converted", 1, 1, Decimal("16.7")),  # 1 / 6 = 16.67 %
        ("Closed - Not Converted", 1, None, None),
    ]
    june_web = run(core, admin, "lead-funnel", lead_source=["web"],
                   date_from=date(2025, 6, 1), date_to=date(2025, 6, 10))  # fmt: skip
    # Web, created Jun 1-10 (both days whole): L2 (Jun 10 23:30), L6, L8, L9 = 4.
    assert [r[1] for r in table(june_web, "leads")] == [0, 2, 1, 1]
    assert totals(june_web, "leads") == (4,)


def test_a_status_renamed_and_deactivated_later_keeps_its_leads_under_its_new_label(
    core: Opportune, admin: User, data: World
) -> None:
    working = next(s for s in core.picklists.lead_picklists().statuses if s.label == WORKING)
    core.picklists.save_status(admin, {"label": "Working"}, working.id)
    core.picklists.save_status(admin, {"is_active": False}, working.id)
    report = run(core, admin, "lead-funnel")
    assert table(report, "leads", "reached")[1] == ("Working (inactive)", 3, 5)
    # Its list finds the three leads by the new label.
    assert leads_listed(core, admin, row(report, "Working (inactive)").drills["leads"]) == 3


def test_funnel_numbers_drill_to_exactly_the_leads_behind_them(
    core: Opportune, admin: User, rae: User, data: World
) -> None:
    report = run(core, admin, "lead-funnel", owner=[rae.email])
    working = row(report, WORKING)
    assert leads_listed(core, admin, working.drills["leads"]) == 2
    assert leads_listed(core, admin, working.drills["reached"]) == 3
    assert leads_listed(core, admin, row(report, "Closed - Converted").drills["reached"]) == 1
    assert leads_listed(core, admin, row(report, "Closed - Not Converted").drills["leads"]) == 1
    assert report.totals is not None
    assert leads_listed(core, admin, report.totals.drills["leads"]) == 6


# --- lead conversion -------------------------------------------------------------------------


def test_conversion_rate_by_source_counts_undone_conversions_as_not_converted(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-conversion")
    assert table(report, "leads", "converted", "rate") == [
        # L1 L2 L4 L6 L8 L9: only L6 is converted (L8's was undone); 1 / 6 = 16.7 %.
        ("Web", 6, 1, Decimal("16.7")),
        ("Phone Inquiry", 1, 0, Decimal("0.0")),  # L3
        # L7 converted without an opportunity still counts: 1 / 1.
        ("Partner Referral", 1, 1, Decimal("100.0")),
        ("Purchased List", 0, 0, None),
        ("Other", 0, 0, None),
        ("(none)", 1, 0, Decimal("0.0")),  # L5
    ]
    assert totals(report, "leads", "converted", "rate") == (9, 2, Decimal("22.2"))  # 2 / 9
    assert row(report, "(none)").drills == {}  # no list filter picks leads without a source


def test_conversion_rate_by_owner_with_a_source_filter(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-conversion", by="owner")
    # M: L4 L5 L7, L7 converted: 1 / 3. R: L1 L2 L3 L6 L8 L9, L6 converted: 1 / 6.
    assert table(report, "leads", "converted", "rate") == [
        ("Max Manager", 3, 1, Decimal("33.3")),
        ("Rae Rep", 6, 1, Decimal("16.7")),
    ]
    web = run(core, admin, "lead-conversion", by="owner", lead_source=["Web"])
    # Web only: M has L4 (0 of 1); R has L1 L2 L6 L8 L9 (1 of 5 = 20 %).
    assert table(web, "leads", "converted", "rate") == [
        ("Max Manager", 1, 0, Decimal("0.0")),
        ("Rae Rep", 5, 1, Decimal("20.0")),
    ]


def test_conversion_numbers_drill_to_exactly_the_leads_behind_them(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-conversion", date_from=date(2025, 6, 1))
    # Created from Jun 1: Web L1 L2 L6 L8 L9 (L6 converted), Partner L7 (converted).
    web = row(report, "Web")
    assert (web.values["leads"], web.values["converted"]) == (5, 1)
    assert leads_listed(core, admin, web.drills["leads"]) == 5
    assert leads_listed(core, admin, web.drills["converted"]) == 1
    assert report.totals is not None
    assert leads_listed(core, admin, report.totals.drills["converted"]) == 2  # L6 L7


# --- lead aging ------------------------------------------------------------------------------


def test_aging_counts_open_leads_per_owner_and_age_and_the_untouched_ones(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-aging")
    keys = ("age_0_7", "age_8_30", "age_31_90", "age_over_90", "open", "untouched")
    assert table(report, *keys) == [
        # L5 (1 day), L4 (166 days). L4's task was completed on Jun 20: touched 10 days ago.
        ("Max Manager", 1, 0, 0, 1, 2, 0),
        # L1 (2), L2 (20), L8 (28), L3 (60). Untouched for 30 days (since before May 31):
        # L3 only, its note of May 10 being older.
        ("Rae Rep", 1, 2, 1, 0, 4, 1),
    ]
    assert totals(report, *keys) == (2, 2, 1, 1, 6, 1)
    # Untouched since before Jun 5: L3 (May 10) and L8 (Jun 2); L2 was created Jun 10.
    assert table(run(core, admin, "lead-aging", days=25), "untouched") == [
        ("Max Manager", 0), ("Rae Rep", 2),
    ]  # fmt: skip


def test_aging_filters_by_owner_source_and_creation_date(
    core: Opportune, admin: User, max_: User, data: World
) -> None:
    keys = ("age_0_7", "age_8_30", "age_31_90", "age_over_90")
    assert table(run(core, admin, "lead-aging", owner=[max_.email]), *keys) == [
        ("Max Manager", 1, 0, 0, 1),
    ]
    # Web open leads: L1 L2 L8 (R), L4 (M).
    assert table(run(core, admin, "lead-aging", lead_source=["Web"]), *keys) == [
        ("Max Manager", 0, 0, 0, 1),
        ("Rae Rep", 1, 2, 0, 0),
    ]
    # Created Jun 1-30: L1 L2 L8 (R), L5 (M).
    june = run(core, admin, "lead-aging", date_from=date(2025, 6, 1), date_to=date(2025, 6, 30))
    assert table(june, *keys) == [("Max Manager", 1, 0, 0, 0), ("Rae Rep", 1, 2, 0, 0)]
    # No day of June is 31 days old or more: those buckets have no list to open.
    assert set(row(june, "Rae Rep").drills) == {"age_0_7", "age_8_30", "open", "untouched"}


def test_aging_numbers_drill_to_exactly_the_leads_behind_them(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "lead-aging")
    rae = row(report, "Rae Rep")
    assert leads_listed(core, admin, rae.drills["age_8_30"]) == 2  # L2 L8
    assert leads_listed(core, admin, rae.drills["age_31_90"]) == 1  # L3
    assert leads_listed(core, admin, rae.drills["open"]) == 4
    assert leads_listed(core, admin, rae.drills["untouched"]) == 1  # L3
    assert report.totals is not None
    assert leads_listed(core, admin, report.totals.drills["age_over_90"]) == 1  # L4


# --- source to revenue -----------------------------------------------------------------------


def test_source_to_revenue_follows_each_source_from_leads_to_won_amount(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "source-to-revenue")
    assert table(report, "leads", "converted", "opportunities", "won_amount") == [
        # O1 (from L6, won 1,000.00) and O3 (open); L8's opportunity went with the undo.
        ("Web", 6, 1, 2, Decimal("1000.00")),
        ("Phone Inquiry", 1, 0, 1, Decimal("250.50")),  # O4 won
        ("Partner Referral", 1, 1, 0, Decimal("0.00")),  # L7: converted, no opportunity
        ("Purchased List", 0, 0, 0, Decimal("0.00")),
        ("Other", 0, 0, 0, Decimal("0.00")),
        ("(none)", 1, 0, 1, Decimal("99.00")),  # L5; O5 won
    ]
    # 1000.00 + 250.50 + 99.00 = 1349.50
    assert totals(report, "leads", "converted", "opportunities", "won_amount") == (
        9, 2, 4, Decimal("1349.50"),
    )  # fmt: skip


def test_source_to_revenue_filters_leads_and_opportunities_by_their_creation(
    core: Opportune, admin: User, rae: User, data: World
) -> None:
    report = run(core, admin, "source-to-revenue", owner=[rae.email],
                 date_from=date(2025, 6, 1), date_to=date(2025, 6, 10))  # fmt: skip
    # Rae's leads created Jun 1-10: Web L2 L6 L8 L9 (L6 converted). Opportunities created
    # then: O1 (Jun 1, at conversion); O3 (Jun 15) and O5 (Jun 20) are later.
    assert [r for r in table(report, "leads", "converted", "opportunities", "won_amount")
            if r[1] or r[3]] == [("Web", 4, 1, 1, Decimal("1000.00"))]  # fmt: skip
    web = run(core, admin, "source-to-revenue", lead_source=["Web"])
    assert table(web, "leads", "opportunities") == [("Web", 6, 2)]


def test_source_to_revenue_numbers_drill_to_exactly_the_records_behind_them(
    core: Opportune, admin: User, data: World
) -> None:
    report = run(core, admin, "source-to-revenue")
    web = row(report, "Web")
    assert leads_listed(core, admin, web.drills["leads"]) == 6
    assert leads_listed(core, admin, web.drills["converted"]) == 1
    assert opportunities_listed(core, admin, web.drills["opportunities"]) == (
        2, Decimal("1500.00"),
    )  # fmt: skip
    assert opportunities_listed(core, admin, web.drills["won_amount"]) == (1, Decimal("1000.00"))
    assert row(report, "(none)").drills == {}
    assert report.totals is not None
    assert opportunities_listed(core, admin, report.totals.drills["won_amount"]) == (
        3, Decimal("1349.50"),
    )  # fmt: skip


# --- bad filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "request_", "field"),
    [
        ("lead-funnel", {"lead_source": ["Carrier pigeon"]}, "lead_source"),
        ("lead-conversion", {"by": "bogus"}, "by"),
        ("lead-aging", {"days": 0}, "days"),
        ("lead-aging", {"owner": ["nobody@example.com"]}, "owner"),
        ("source-to-revenue", {"date_from": date(2025, 7, 1), "date_to": date(2025, 6, 1)},
         "date_to"),
        ("lead-funnel", {"by": "owner"}, "by"),
    ],
)  # fmt: skip
def test_bad_filters_are_refused_naming_the_filter(
    core: Opportune, admin: User, name: str, request_: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        run(core, admin, name, **request_)
    assert [f.field for f in exc.value.fields] == [field]
