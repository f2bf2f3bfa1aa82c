"""Saving a lead, contact or account from the CLI warns of the possible duplicates that the
duplicate rules whose action is *alert* found (the standard rules alert)."""

from __future__ import annotations

from opportune import LeadFilters, Opportune, User
from tests.e2e.cli.conftest import Run, ok_json

JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "555-010-0200"}
JON = ["--first-name", "Jon", "--last-name", "Smyth", "--company", "Acme Inc.",
       "--phone", "+1 555 010 0200"]  # fmt: skip
RULE = "Standard lead duplicate rule"


def test_adding_a_look_alike_lead_saves_it_and_warns_on_stderr(
    run: Run, core: Opportune, admin: User
) -> None:
    john = core.leads.create(admin, JOHN)
    result = run("lead", "add", *JON)
    assert result.exit_code == 0, result.output
    assert "Created lead" in result.stdout and "Possible" not in result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Possible duplicate: lead {john.id} (John Smith) [{RULE}, score ")
    new_id = max(lead.id or 0 for lead in core.leads.list(admin, LeadFilters()).page.items)
    assert line.endswith(f"%]. Compare: opportune duplicates check lead {new_id}")


def test_json_output_lists_the_possible_duplicates(run: Run, core: Opportune, admin: User) -> None:
    john = core.leads.create(admin, JOHN)
    record = ok_json(run("lead", "add", *JON, "--json"))
    (match,) = record["possible_duplicates"]
    assert (match["object_type"], match["record_id"], match["name"], match["rule"]) == (
        "lead", john.id, "John Smith", RULE,
    )  # fmt: skip
    assert 0 < match["score"] <= 100
    alone = run("lead", "add", "--last-name", "Unique", "--company", "Nowhere Ltd", "--json")
    assert ok_json(alone)["possible_duplicates"] == [] and alone.stderr == ""


def test_updating_a_lead_into_a_look_alike_warns(run: Run, core: Opportune, admin: User) -> None:
    john = core.leads.create(admin, JOHN)
    other = core.leads.create(admin, {"last_name": "Other", "company": "Elsewhere"})
    result = run("lead", "update", str(other.id), *JON)
    assert result.exit_code == 0, result.output
    assert "Updated lead" in result.stdout
    assert f"Possible duplicate: lead {john.id} (John Smith)" in result.stderr
    unchanged = run("lead", "update", str(other.id), "--title", "CEO")
    assert unchanged.exit_code == 0 and f"lead {john.id}" in unchanged.stderr  # still alike


def test_contacts_and_accounts_warn_too(run: Run, core: Opportune, admin: User) -> None:
    mei = core.contacts.create(
        admin, {"first_name": "Mei", "last_name": "Ng", "email": "mei@acme.example"}
    )
    contact = run("contact", "add", "--first-name", "Mei", "--last-name", "Ng",
                  "--email", "mei@acme.example", "--json")  # fmt: skip
    assert [m["record_id"] for m in ok_json(contact)["possible_duplicates"]] == [mei.id]
    assert f"Possible duplicate: contact {mei.id} (Mei Ng)" in contact.stderr
    acme = core.accounts.create(admin, {"name": "Acme Corp", "website": "acme.example"})
    account = run("account", "add", "--name", "ACME Corp", "--website", "www.acme.example")
    assert account.exit_code == 0, account.output
    assert "Created account" in account.stdout
    assert f"Possible duplicate: account {acme.id} (Acme Corp)" in account.stderr
    changed = run("account", "update", str(acme.id), "--rating", "Hot", "--json")
    assert [m["object_type"] for m in ok_json(changed)["possible_duplicates"]] == ["account"]


def test_opportunities_have_no_duplicate_rules_and_print_as_before(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme Corp"})
    args = ["--name", "Renewal", "--account", str(acme.id), "--close-date", "2026-09-30"]
    first = ok_json(run("opportunity", "add", *args, "--json"))
    second = run("opportunity", "add", *args, "--json")
    assert "possible_duplicates" not in first and "possible_duplicates" not in ok_json(second)
    assert second.stderr == ""
