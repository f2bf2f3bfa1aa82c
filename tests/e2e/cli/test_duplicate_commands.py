"""``opportune duplicates``: rules, checking a record, scanning, the report, dismissing."""

from __future__ import annotations

import json

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line

JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "555-010-0200"}
JON = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.",
       "phone": "+1 555 010 0200"}  # fmt: skip


def test_rules_can_be_listed_shown_and_changed(run: Run, core: Opportune, admin: User) -> None:
    rules = ok_json(run("duplicates", "rules", "--json"))
    assert [r["object_type"] for r in rules] == ["account", "contact", "lead"]
    lead_rule = rules[2]
    table = run("duplicates", "rules", "--object", "lead")
    assert "first_name~85 + last_name~90 + email" in table.stdout
    shown = ok_json(run("duplicates", "rule-show", str(lead_rule["id"]), "--json"))
    assert shown == lead_rule
    changed = ok_json(run("duplicates", "rule-set", str(lead_rule["id"]), "--on-create", "block",
                          "--inactive", "--json"))  # fmt: skip
    assert (changed["action_on_create"], changed["is_active"]) == ("block", False)
    line = one_error_line(run("duplicates", "rule-set", str(lead_rule["id"]), "--on-edit",
                              "shout"), 2)  # fmt: skip
    assert "action_on_edit" in line
    alternatives = json.dumps([[{"field": "email", "method": "exact"}]])
    args = ["--name", "Same email", "--alternatives", alternatives, "--on-create", "block"]
    added = ok_json(run("duplicates", "rule-add", "lead", *args, "--json"))
    assert added["alternatives"] == [[{"field": "email", "method": "exact", "threshold": 100}]]
    run("duplicates", "rule-delete", str(added["id"]))
    assert one_error_line(run("duplicates", "rule-show", str(added["id"])), 3)


def test_check_scan_report_and_dismiss(run: Run, core: Opportune, admin: User) -> None:
    first = core.leads.create(admin, JOHN)
    second = core.leads.create(admin, JON)
    found = ok_json(run("duplicates", "check", "lead", str(second.id), "--json"))
    assert [(c["object_type"], c["record_id"]) for c in found] == [("lead", first.id)]
    assert "John Smith" in run("duplicates", "check", "lead", str(second.id)).stdout
    assert one_error_line(run("duplicates", "check", "lead", "999999"), 3)
    assert ok_json(run("duplicates", "scan", "--json")) == {"scanned": 2, "reported": 1}
    report = ok_json(run("duplicates", "report", "--json"))
    assert report["total"] == 1
    assert {report["items"][0]["record_name"], report["items"][0]["other_name"]} == {
        "John Smith", "Jon Smyth"}  # fmt: skip
    run("duplicates", "dismiss", str(report["items"][0]["id"]))
    assert ok_json(run("duplicates", "report", "--json"))["total"] == 0
    assert "1 pair(s)" in run("duplicates", "report", "--status", "all").stdout
    assert "created_from" in one_error_line(run("duplicates", "scan", "--created-from", "soon"), 2)
