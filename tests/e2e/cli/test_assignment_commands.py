"""``opportune assignment``, ``opportune assignment group`` and ``opportune queue``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from opportune import Opportune, User
from opportune.services.filters import LeadFilters
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def _rule_file(tmp_path: Path, body: dict[str, object]) -> str:
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def test_group_rule_and_lead_add_with_and_without_assignment(
    run: Run, core: Opportune, admin: User, rep: User, manager: User, tmp_path: Path
) -> None:
    group = ok_json(run("assignment", "group", "create", "Inbound", "--json"))
    ok_json(run("assignment", "group", "add-member", "Inbound", rep.email, "--json"))
    members = ok_json(
        run("assignment", "group", "add-member", str(group["id"]), str(manager.id),
            "--weight", "2", "--json")
    )["members"]  # fmt: skip
    assert {m["user_id"]: m["weight"] for m in members} == {rep.id: 1, manager.id: 2}
    entry = {"criteria": [{"field": "rating", "operator": "equals", "value": "hot"}],
             "assignee_type": "round_robin", "group_id": group["id"]}  # fmt: skip
    path = _rule_file(tmp_path, {"name": "Hot leads", "entries": [entry]})
    rule = ok_json(run("assignment", "create", "--file", path, "--activate", "--json"))
    assert rule["is_active"] is True and rule["entries"][0]["criteria"][0]["value"] == "Hot"
    owners = [
        ok_json(run("lead", "add", "--last-name", f"L{i}", "--company", "C", "--rating", "Hot",
                    "--json"))["owner_id"]
        for i in range(3)
    ]  # fmt: skip
    assert Counter(owners) == {manager.id: 2, rep.id: 1}
    kept = ok_json(run("lead", "add", "--last-name", "K", "--company", "C", "--rating", "Hot",
                       "--no-assign", "--json"))  # fmt: skip
    assert kept["owner_id"] == admin.id
    table = run("assignment", "show", "Hot leads")
    assert table.exit_code == 0 and "rating equals" in table.stdout and "Inbound" in table.stdout
    listed = run("assignment", "list")
    assert "Hot leads" in listed.stdout


def test_run_reassigns_the_filtered_leads(
    run: Run, core: Opportune, admin: User, rep: User, tmp_path: Path
) -> None:
    for i in range(4):
        core.leads.create(admin, {"last_name": f"L{i}", "company": "C", "lead_source": "Web"})
    core.leads.create(admin, {"last_name": "P", "company": "C", "lead_source": "Phone Inquiry"})
    entry = {"criteria": [], "assignee_type": "user", "user_id": rep.id}
    path = _rule_file(tmp_path, {"name": "All to rep", "entries": [entry]})
    ok_json(run("assignment", "create", "--file", path, "--json"))
    refused = one_error_line(run("assignment", "run", "--source", "Web"), 5)
    assert "No assignment rule is active" in refused
    ok_json(run("assignment", "activate", "All to rep", "--json"))
    result = ok_json(run("assignment", "run", "--source", "Web", "--json"))
    assert result == {"rule_name": "All to rep", "matched": 4, "changed": 4, "unchanged": 0}
    owners = Counter(x.owner_id for x in core.leads.list(admin, LeadFilters()).page.items)
    assert owners == {rep.id: 4, admin.id: 1}
    text = run("assignment", "run", "--source", "Web")
    assert "4 lead(s) matched, 0 reassigned, 4 unchanged" in text.stdout


def test_bad_rule_file_names_the_entry(run: Run, admin: User, tmp_path: Path) -> None:
    path = _rule_file(tmp_path, {"name": "Bad", "entries": [
        {"criteria": [{"field": "country", "operator": "greater_than", "value": 1}],
         "assignee_type": "user", "user_id": admin.id}]})  # fmt: skip
    line = one_error_line(run("assignment", "create", "--file", path), 2)
    assert "entries[0].criteria[0].operator" in line
    (tmp_path / "broken.json").write_text("{nope", encoding="utf-8")
    line = one_error_line(run("assignment", "create", "--file", str(tmp_path / "broken.json")), 2)
    assert "is not JSON" in line


def test_queue_members_take_and_leads(
    run: Run, core: Opportune, admin: User, rep: User, manager: User, tmp_path: Path
) -> None:
    queue = ok_json(run("queue", "create", "Web leads", "--email", "web@example.com", "--json"))
    ok_json(run("queue", "add-member", "Web leads", rep.email, "--json"))
    path = _rule_file(tmp_path, {"name": "Queue all", "default_queue_id": queue["id"]})
    ok_json(run("assignment", "create", "--file", path, "--activate", "--json"))
    lead = ok_json(run("lead", "add", "--last-name", "Q", "--company", "C", "--json"))
    assert lead["queue_name"] == "Web leads"
    as_rep = {"OPPORTUNE_USER": rep.email}
    waiting = ok_json(run("queue", "leads", "mine", "--json", env=as_rep))["items"]
    assert [x["id"] for x in waiting] == [lead["id"]]
    listing = run("lead", "list", "--queue", "Web leads")
    assert "Queue: Web leads" in listing.stdout
    denied = one_error_line(  # not a member: the queue's lead is hidden from them
        run("queue", "take", str(lead["id"]), env={"OPPORTUNE_USER": manager.email}), 3
    )
    assert "does not exist" in denied
    taken = ok_json(run("queue", "take", str(lead["id"]), "--json", env=as_rep))
    assert (taken["owner_id"], taken["queue_id"]) == (rep.id, None)
    queues = ok_json(run("queue", "list", "--json"))
    assert queues == [{"id": queue["id"], "name": "Web leads", "email": "web@example.com",
                       "member_ids": [rep.id], "lead_count": 0}]  # fmt: skip
    ok_json(run("queue", "remove-member", "Web leads", str(rep.id), "--json"))
    assert "Web leads" in run("queue", "list").stdout
