"""The CLI acts as the user of ``--user``: a rep's lists, exports, reports, activities and
conversions leave another rep's private leads out, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest

from opportune import Opportune, User
from tests.conftest import add_user
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


@dataclass
class Reps:
    """Rep A and rep B, each with a private lead and an opportunity."""

    ann: User
    bob: User
    ann_lead: int
    bob_lead: int


@pytest.fixture
def reps(core: Opportune, admin: User) -> Reps:
    ann, bob = add_user(core, "Ann Rep", "rep"), add_user(core, "Bob Rep", "rep")
    ann_lead = core.leads.create(ann, {"last_name": "Ames", "company": "Ames Ltd"}).id or 0
    bob_lead = core.leads.create(bob, {"last_name": "Baker", "company": "Baker Ltd"}).id or 0
    for owner, name in ((ann, "Ann deal"), (bob, "Bob deal")):
        account = core.accounts.create(owner, {"name": f"{name} Co"})
        core.opportunities.create(owner, {"name": name, "account_id": account.id,
                                          "close_date": "2026-12-31"})  # fmt: skip
    return Reps(ann, bob, ann_lead, bob_lead)


def test_a_reps_lists_and_exports_leave_out_another_reps_leads(run: Run, reps: Reps) -> None:
    listed = ok_json(run("--user", reps.ann.email, "lead", "list", "--json"))
    assert {item["last_name"] for item in listed["items"]} == {"Ames"}
    exported = run("--user", reps.ann.email, "export", "leads")
    assert exported.exit_code == 0, exported.output
    assert [r["last_name"] for r in csv.DictReader(io.StringIO(exported.stdout))] == ["Ames"]
    deals = ok_json(run("--user", reps.ann.email, "opportunity", "list", "--json"))
    assert [item["name"] for item in deals["items"]] == ["Ann deal"]
    everything = ok_json(run("lead", "list", "--json"))  # the first admin
    assert {item["last_name"] for item in everything["items"]} == {"Ames", "Baker"}


def test_a_reps_report_counts_only_their_records(run: Run, reps: Reps) -> None:
    result = ok_json(run("--user", reps.ann.email, "report", "pipeline", "--format", "json"))
    assert result["totals"]["values"]["count"] == 1
    admin = ok_json(run("report", "pipeline", "--format", "json"))
    assert admin["totals"]["values"]["count"] == 2


def test_another_reps_lead_is_not_found_for_activities_and_conversion(run: Run, reps: Reps) -> None:
    as_ann = ("--user", reps.ann.email)
    line = one_error_line(run(*as_ann, "task", "list", "--lead", str(reps.bob_lead)), 3)
    assert f"Lead {reps.bob_lead} does not exist" in line
    line = one_error_line(run(*as_ann, "lead", "convert", str(reps.bob_lead)), 3)
    assert f"Lead {reps.bob_lead}" in line and "Baker" not in line
