"""Record-level access beyond the record services: reports, SOQL, Salesforce records,
activities, conversion, merges, duplicates, imports and name lookups, on both databases.

Rep A (Ann) and rep B (Bob) report to a manager (Max); Bob's leads and opportunities are
private to Bob, Max and the admin. Whatever A does, B's private records are not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from opportune import Opportune, User
from opportune.domain.reports.model import ReportRequest
from opportune.errors import (
    DuplicateRecordError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tests.conftest import add_user

CONVERTED = {"converted_status": "Closed - Converted"}
ANN = {"first_name": "Al", "email": "al@ames.example", "phone": "555-010-0100"}
BEA = {"first_name": "Bea", "email": "bea@baker.example", "phone": "555-010-0300"}


@dataclass
class Team:
    """An admin; a manager with two reps below."""

    admin: User
    boss: User
    ann: User
    bob: User


@pytest.fixture
def team(core: Opportune) -> Team:
    admin = add_user(core, "Ada Admin", "admin")
    boss = add_user(core, "Max Manager", "manager")
    ann, bob = add_user(core, "Ann Rep", "rep"), add_user(core, "Bob Rep", "rep")
    for user in (ann, bob):
        core.users.update(admin, user.id or 0, {"manager_id": boss.id})
    return Team(admin, boss, core.users.get(ann.id or 0), core.users.get(bob.id or 0))


@dataclass
class World:
    """Each rep's lead, account and opportunity."""

    ann_lead: int
    bob_lead: int
    ann_account: int
    bob_account: int
    ann_deal: int
    bob_deal: int


def _lead(core: Opportune, owner: User, last: str, company: str, **more: object) -> int:
    lead = core.leads.create(owner, {"last_name": last, "company": company, **more})
    assert lead.id is not None
    return lead.id


def _deal(core: Opportune, owner: User, account_id: int, name: str) -> int:
    deal = core.opportunities.create(
        owner, {"name": name, "account_id": account_id, "close_date": "2026-12-31",
                "amount": "1000"},
    )  # fmt: skip
    assert deal.id is not None
    return deal.id


@pytest.fixture
def world(core: Opportune, team: Team) -> World:
    ann_account = core.accounts.create(team.ann, {"name": "Ann Industries"}).id or 0
    bob_account = core.accounts.create(team.bob, {"name": "Bob Holdings"}).id or 0
    return World(
        _lead(core, team.ann, "Ames", "Ames Ltd", **ANN),
        _lead(core, team.bob, "Baker", "Baker Ltd", **BEA),
        ann_account,
        bob_account,
        _deal(core, team.ann, ann_account, "Ann deal"),
        _deal(core, team.bob, bob_account, "Bob deal"),
    )


def total(core: Opportune, user: User, report: str, column: str) -> object:
    result = core.reports.run(user, report, ReportRequest())
    assert result.totals is not None
    return result.totals.values[column]


# --- reports -----------------------------------------------------------------------------


def test_report_totals_count_only_the_records_each_user_can_see(
    core: Opportune, team: Team, world: World
) -> None:
    expected = [(team.ann, 1), (team.bob, 1), (team.boss, 2), (team.admin, 2)]
    for user, count in expected:
        assert total(core, user, "lead-conversion", "leads") == count
        assert total(core, user, "lead-aging", "open") == count
        assert total(core, user, "pipeline", "count") == count
    core.sharing.share(team.bob, "opportunity", world.bob_deal, access="read", user_id=team.ann.id)
    assert total(core, team.ann, "pipeline", "count") == 2


def test_the_dashboard_shows_a_rep_only_their_own_numbers(
    core: Opportune, team: Team, world: World
) -> None:
    reports = {r.name: r for r in core.reports.dashboard(team.ann, ReportRequest())}
    pipeline = reports["pipeline"].totals
    assert pipeline is not None and pipeline.values["count"] == 1
    assert str(pipeline.values["amount"]) == "1000.00"
    funnel = reports["lead-conversion"].totals
    assert funnel is not None and funnel.values["leads"] == 1


# --- SOQL and Salesforce records ---------------------------------------------------------


def test_soql_returns_and_counts_only_visible_rows(
    core: Opportune, team: Team, world: World
) -> None:
    def ids(user: User, soql: str) -> set[str]:
        return {r["Id"] for r in core.soql.query(user, soql)["records"]}

    assert len(ids(team.ann, "SELECT Id FROM Lead")) == 1
    assert len(ids(team.boss, "SELECT Id FROM Lead")) == 2
    assert core.soql.query(team.ann, "SELECT COUNT() FROM Lead")["totalSize"] == 1
    assert core.soql.query(team.admin, "SELECT COUNT() FROM Opportunity")["totalSize"] == 2
    grouped = core.soql.query(team.ann, "SELECT COUNT(Id) n FROM Opportunity")["records"]
    assert grouped[0]["n"] == 1
    names = {
        r["Name"] for r in core.soql.query(team.ann, "SELECT Name FROM Opportunity")["records"]
    }
    assert names == {"Ann deal"}


def test_a_hidden_parent_comes_back_null_through_a_relationship(
    core: Opportune, team: Team, world: World
) -> None:
    core.sharing.set_org_default(team.admin, "account", "private")
    contact = core.contacts.create(team.bob, {"last_name": "Cole", "account_id": world.bob_account})
    core.sharing.share(team.bob, "contact", contact.id or 0, access="read", user_id=team.ann.id)
    rows = core.soql.query(team.ann, "SELECT LastName, Account.Name FROM Contact")["records"]
    assert [(r["LastName"], r["Account"]) for r in rows] == [("Cole", None)]
    filtered = "SELECT Id FROM Contact WHERE Account.Name = 'Bob Holdings'"
    assert core.soql.query(team.ann, filtered)["totalSize"] == 0
    seen = core.soql.query(team.boss, "SELECT LastName, Account.Name FROM Contact")["records"]
    assert seen[0]["Account"]["Name"] == "Bob Holdings"


def test_salesforce_record_reads_and_writes_of_a_hidden_record_are_not_found(
    core: Opportune, team: Team, world: World
) -> None:
    from opportune.domain.salesforce.ids import sf_id

    hidden = sf_id("Lead", world.bob_lead)
    for call in (
        lambda: core.sobjects.get(team.ann, "Lead", hidden),
        lambda: core.sobjects.update(team.ann, "Lead", hidden, {"Rating": "Hot"}),
        lambda: core.sobjects.delete(team.ann, "Lead", hidden),
        lambda: core.sobjects.upsert(team.ann, "Lead", "Id", hidden, {"Rating": "Hot"}),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.message == "The requested resource does not exist"
    assert core.leads.get(team.bob, world.bob_lead).rating is None
    assert core.sobjects.get(team.boss, "Lead", hidden)["LastName"] == "Baker"


def test_a_hidden_records_external_id_is_not_found_and_not_named(
    core: Opportune, team: Team, world: World
) -> None:
    core.sobjects.update(team.bob, "Lead", _sf("Lead", world.bob_lead), {"External_Id__c": "B-1"})
    with pytest.raises(NotFoundError):
        core.sobjects.get_by_key(team.ann, "Lead", "External_Id__c", "B-1")
    with pytest.raises(ValidationError) as caught:  # the key is taken: by a record not named
        core.sobjects.upsert(team.ann, "Lead", "External_Id__c", "B-1",
                             {"LastName": "X", "Company": "Y"})  # fmt: skip
    assert "another record" in caught.value.fields[0].message
    assert _sf("Lead", world.bob_lead) not in caught.value.message


def _sf(name: str, number: int) -> str:
    from opportune.domain.salesforce.ids import sf_id

    return sf_id(name, number)


# --- activities --------------------------------------------------------------------------


def test_activities_follow_their_record(core: Opportune, team: Team, world: World) -> None:
    task = core.activities.create(team.bob, {"kind": "task", "subject": "Call",
                                             "lead_id": world.bob_lead})  # fmt: skip
    with pytest.raises(NotFoundError):
        core.activities.for_record(team.ann, lead_id=world.bob_lead)
    for call in (
        lambda: core.activities.get(team.ann, task.id or 0),
        lambda: core.activities.update(team.ann, task.id or 0, {"subject": "x"}),
        lambda: core.activities.complete(team.ann, task.id or 0),
        lambda: core.activities.delete(team.ann, task.id or 0),
    ):
        with pytest.raises(NotFoundError):
            call()
    with pytest.raises(ValidationError) as caught:  # refused exactly as a missing lead
        core.activities.create(team.ann, {"kind": "note", "title": "Hi",
                                          "lead_id": world.bob_lead})  # fmt: skip
    assert caught.value.fields[0].field == "lead_id"
    assert caught.value.fields[0].message == f"No unconverted lead with id {world.bob_lead}"
    assert not core.activities.my_tasks(team.ann).open
    page = core.activities.for_record(team.boss, lead_id=world.bob_lead)
    assert [a.id for a in page.items] == [task.id]


def test_an_activity_on_a_readable_record_is_seen_but_not_changed(
    core: Opportune, team: Team, world: World
) -> None:
    task = core.activities.create(team.bob, {"kind": "task", "subject": "Visit",
                                             "account_id": world.bob_account})  # fmt: skip
    assert core.activities.get(team.ann, task.id or 0).subject == "Visit"
    with pytest.raises(PermissionDeniedError):
        core.activities.update(team.ann, task.id or 0, {"subject": "x"})
    names = core.activities.related_names(team.ann, [task])
    assert names == {("account_id", world.bob_account): "Bob Holdings"}
    core.sharing.set_org_default(team.admin, "account", "private")
    assert core.activities.related_names(team.ann, [task]) == {}


# --- conversion and merges ---------------------------------------------------------------


def test_converting_needs_edit_on_the_lead_and_read_on_what_it_merges_into(
    core: Opportune, team: Team, world: World
) -> None:
    with pytest.raises(NotFoundError):
        core.conversions.convert(team.ann, world.bob_lead, CONVERTED)
    core.sharing.share(team.bob, "lead", world.bob_lead, access="read", user_id=team.ann.id)
    with pytest.raises(PermissionDeniedError):
        core.conversions.convert(team.ann, world.bob_lead, CONVERTED)
    core.sharing.set_org_default(team.admin, "account", "private")
    with pytest.raises(ValidationError) as caught:
        core.conversions.convert(team.ann, world.ann_lead,
                                 {**CONVERTED, "account_id": world.bob_account})  # fmt: skip
    assert [(f.field, f.message) for f in caught.value.fields] == [
        ("account_id", f"No account with id {world.bob_account}")
    ]
    assert not core.leads.get(team.ann, world.ann_lead).is_converted
    done = core.conversions.convert(team.ann, world.ann_lead,
                                    {**CONVERTED, "account_id": world.ann_account})  # fmt: skip
    assert done.account_id == world.ann_account


def test_conversion_suggestions_leave_out_hidden_accounts(
    core: Opportune, team: Team, world: World
) -> None:
    lead_id = _lead(core, team.ann, "Hart", "Bob Holdings")
    assert [s.account.id for s in core.conversions.suggestions(team.ann, lead_id).accounts] == [
        world.bob_account
    ]
    core.sharing.set_org_default(team.admin, "account", "private")
    assert core.conversions.suggestions(team.ann, lead_id).accounts == []
    with pytest.raises(NotFoundError):
        core.conversions.suggestions(team.ann, world.bob_lead)


def test_undoing_a_conversion_needs_edit_on_what_it_created(
    core: Opportune, team: Team, world: World
) -> None:
    options = {**CONVERTED, "owner_id": team.bob.id}
    core.conversions.convert(team.ann, world.ann_lead, options)
    with pytest.raises(PermissionDeniedError):  # the new contact is Bob's, read-only to Ann
        core.conversions.unconvert(team.ann, world.ann_lead)
    core.conversions.unconvert(team.boss, world.ann_lead)
    assert not core.leads.get(team.ann, world.ann_lead).is_converted


def test_merging_needs_edit_on_every_record(core: Opportune, team: Team, world: World) -> None:
    twin = _lead(core, team.ann, "Baker", "Baker Ltd", **BEA)
    with pytest.raises(NotFoundError):
        core.merges.merge(team.ann, "lead", twin, [twin, world.bob_lead])
    with pytest.raises(NotFoundError):
        core.merges.preview(team.ann, "lead", [twin, world.bob_lead])
    merged = core.merges.merge(team.boss, "lead", twin, [twin, world.bob_lead])
    assert merged.merge.master_id == twin
    other = _lead(core, team.bob, "Baker", "Baker Ltd", **BEA)
    bobs = _lead(core, team.bob, "Baker", "Baker Ltd", **BEA)
    hidden = core.merges.merge(team.boss, "lead", bobs, [bobs, other]).merge
    assert [m.id for m in core.merges.history(team.ann)] == [merged.merge.id]
    assert {m.id for m in core.merges.history(team.boss)} == {merged.merge.id, hidden.id}
    with pytest.raises(NotFoundError):
        core.merges.get(team.ann, hidden.id or 0)


# --- duplicates, assignment, imports -----------------------------------------------------


def test_duplicate_panels_and_reports_list_only_readable_records(
    core: Opportune, team: Team, world: World
) -> None:
    twin = _lead(core, team.ann, "Baker", "Baker Ltd", **BEA)
    assert core.duplicates.possible_duplicates(team.ann, "lead", twin) == []
    seen = core.duplicates.possible_duplicates(team.boss, "lead", twin)
    assert [c.record_id for c in seen] == [world.bob_lead]
    with pytest.raises(NotFoundError):
        core.duplicates.possible_duplicates(team.ann, "lead", world.bob_lead)
    from opportune.services.duplicates import ReportFilters

    core.duplicates.scan_leads(team.admin)
    assert core.duplicates.report(team.ann, ReportFilters()).total == 0
    assert core.duplicates.report(team.admin, ReportFilters()).total >= 1


def test_a_hidden_duplicate_blocks_without_being_named(
    core: Opportune, team: Team, world: World
) -> None:
    rule = core.duplicates.rules(team.admin, "lead")[0]
    core.duplicates.update_rule(team.admin, rule.id, {"action_on_create": "block"})
    with pytest.raises(DuplicateRecordError) as caught:
        core.leads.create(team.ann, {"last_name": "Baker", "company": "Baker Ltd", **BEA})
    assert "a record you cannot see" in caught.value.message
    assert "Baker" not in caught.value.message and str(world.bob_lead) not in caught.value.message
    assert caught.value.matches[0]["record_id"] is None
    with pytest.raises(DuplicateRecordError) as seen:
        core.leads.create(team.boss, {"last_name": "Baker", "company": "Baker Ltd", **BEA})
    assert seen.value.matches[0]["record_id"] == world.bob_lead


def test_reassignment_touches_only_leads_the_manager_can_edit(
    core: Opportune, team: Team, world: World
) -> None:
    other = add_user(core, "Oli Other", "manager")
    outside = _lead(core, other, "Outside", "Elsewhere")
    rule = core.assignment.create_rule(team.admin, {"name": "All to Ann",
                                                    "default_owner_id": team.ann.id})  # fmt: skip
    core.assignment.activate(team.admin, rule.id)
    from opportune.services.filters import LeadFilters

    result = core.assignment.reassign(team.boss, LeadFilters())
    assert result.matched == 2  # Ann's and Bob's; not the other team's
    assert core.leads.get(team.admin, outside, mark_read=False).owner_id == other.id


def test_an_import_updates_only_records_the_importer_may_edit(
    core: Opportune, team: Team, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "first_name,last_name,company,email,title\n"
        "Al,Ames,Ames Ltd,al@ames.example,CEO\nBea,Baker,Baker Ltd,bea@baker.example,CTO\n"
    )
    job = core.imports.start(team.ann, "lead", path, duplicates="update")
    job = core.imports.run(job.id)
    assert (job.updated_count, job.error_count) == (1, 1)
    assert core.leads.get(team.ann, world.ann_lead).title == "CEO"
    assert core.leads.get(team.bob, world.bob_lead).title is None
    assert job.error_file is not None
    text = Path(job.error_file).read_text(encoding="utf-8-sig")
    assert "No access" in text and str(world.bob_lead) not in text


# --- name lookups and related lists -------------------------------------------------------


def test_names_and_related_lists_leave_hidden_records_out(
    core: Opportune, team: Team, world: World
) -> None:
    assert core.accounts.names(team.ann, [world.bob_account]) == {world.bob_account: "Bob Holdings"}
    core.sharing.set_org_default(team.admin, "account", "private")
    assert core.accounts.names(team.ann, [world.bob_account, world.ann_account]) == {
        world.ann_account: "Ann Industries"
    }
    core.sharing.set_org_default(team.admin, "account", "read")
    core.sharing.set_org_default(team.admin, "contact", "private")
    core.contacts.create(team.bob, {"last_name": "Cole", "account_id": world.bob_account})
    assert core.accounts.contacts_of(team.ann, world.bob_account) == []
    assert len(core.accounts.contacts_of(team.boss, world.bob_account)) == 1
