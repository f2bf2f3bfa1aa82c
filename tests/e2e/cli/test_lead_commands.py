"""``opportune lead add|show|update|delete`` on every database engine."""

from __future__ import annotations

import pytest

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_add_creates_the_lead_the_library_then_returns(
    run: Run, core: Opportune, admin: User
) -> None:
    record = ok_json(
        run(
            "lead", "add", "--first-name", "Ada", "--last-name", "Ng", "--company", "Acme",
            "--email", "ada@acme.example", "--source", "web", "--rating", "hot",
            "--employees", "120", "--annual-revenue", "1,500,000", "--do-not-call", "--json",
        )
    )  # fmt: skip
    stored = core.leads.lookups().record(core.leads.get(admin, record["id"]))
    assert record["name"] == "Ada Ng"
    assert (stored["lead_source"], stored["rating"], stored["status"]) == (
        "Web", "Hot", "Open - Not Contacted",
    )  # fmt: skip
    assert stored["number_of_employees"] == 120
    assert stored["annual_revenue"] == record["annual_revenue"] == "1500000.00"
    assert stored["do_not_call"] is True
    assert record["created_at"] == stored["created_at"].isoformat()


def test_add_prints_the_new_lead_as_a_panel(run: Run, admin: User) -> None:
    result = run("lead", "add", "--last-name", "Ng", "--company", "Acme", "--city", "Lyon")
    assert result.exit_code == 0, result.output
    assert "Created lead" in result.stdout
    assert "Lyon" in result.stdout
    assert "Open - Not Contacted" in result.stdout


def test_add_assigns_an_owner_by_email_and_leaves_the_lead_unread(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    record = ok_json(
        run("lead", "add", "--last-name", "Ng", "--company", "Acme", "--owner", rep.email, "--json")
    )
    assert record["owner_id"] == rep.id
    assert record["is_unread_by_owner"] is True


def test_add_with_bad_input_prints_one_line_naming_each_field_and_saves_nothing(
    run: Run, core: Opportune, admin: User
) -> None:
    line = one_error_line(run("lead", "add", "--first-name", "Ada"), 2)
    assert line == "Error: last_name: Is required; company: Is required"
    line = one_error_line(run("lead", "add", "--last-name", "Ng", "--company", "Acme",
                              "--email", "not-an-email", "--rating", "Lukewarm"), 2)  # fmt: skip
    assert "email: Invalid email" in line and "rating: Must be one of" in line
    assert core.leads.list(admin, _all()).page.total == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--status", "Closed - Converted"], "status:"),
        (["--status", "Closed - Not Converted"], "close_reason:"),
        (["--source", "Carrier pigeon"], "lead_source:"),
        (["--owner", "nobody@example.com"], "owner:"),
        (["--employees", "many"], "number_of_employees:"),
        (["--last-name", "x" * 81], "last_name:"),
    ],
)
def test_add_refuses_invalid_values_with_the_field_named(
    run: Run, core: Opportune, admin: User, args: list[str], needle: str
) -> None:
    result = run("lead", "add", "--last-name", "Ng", "--company", "Acme", *args)
    assert needle in one_error_line(result, 2)
    assert core.leads.list(admin, _all()).page.total == 0


def test_show_prints_every_field_and_json_matches_the_library(
    run: Run, core: Opportune, admin: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme", "city": "Oslo"})
    table = run("lead", "show", str(lead.id))
    assert table.exit_code == 0, table.output
    assert "Oslo" in table.stdout and "Postal code" in table.stdout
    record = ok_json(run("lead", "show", str(lead.id), "--json"))
    expected = core.leads.lookups().record(core.leads.get(admin, lead.id or 0))
    assert record["city"] == expected["city"] == "Oslo"
    assert record["version"] == expected["version"]


def test_the_owner_showing_an_unread_lead_marks_it_read(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme", "owner_id": rep.id})
    assert ok_json(run("lead", "show", str(lead.id), "--json"))["is_unread_by_owner"] is True
    run("--user", rep.email, "lead", "show", str(lead.id))
    assert core.leads.get(admin, lead.id or 0).is_unread_by_owner is False


def test_show_of_a_missing_lead_exits_with_not_found(run: Run, admin: User) -> None:
    assert "Lead 404 does not exist" in one_error_line(run("lead", "show", "404"), 3)


def test_update_changes_only_the_given_fields(run: Run, core: Opportune, admin: User) -> None:
    lead = core.leads.create(
        admin, {"last_name": "Ng", "company": "Acme", "city": "Oslo", "title": "CTO"}
    )
    record = ok_json(
        run("lead", "update", str(lead.id), "--rating", "Warm", "--status",
            "Working - Contacted", "--json")
    )  # fmt: skip
    stored = core.leads.lookups().record(core.leads.get(admin, lead.id or 0))
    assert (stored["rating"], stored["status"]) == ("Warm", "Working - Contacted")
    assert (stored["city"], stored["title"], stored["company"]) == ("Oslo", "CTO", "Acme")
    assert record["version"] == stored["version"] == 2


def test_update_clears_a_field_given_an_empty_value_or_set(
    run: Run, core: Opportune, admin: User
) -> None:
    lead = core.leads.create(
        admin, {"last_name": "Ng", "company": "Acme", "city": "Oslo", "fax": "123", "title": "CTO"}
    )
    result = run(
        "lead", "update", str(lead.id), "--city", "", "--set", "fax=", "--set", "title=CEO"
    )
    assert result.exit_code == 0, result.output
    stored = core.leads.get(admin, lead.id or 0)
    assert (stored.city, stored.fax, stored.title) == (None, None, "CEO")


def test_update_closes_a_lead_with_a_reason(run: Run, core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    record = ok_json(
        run("lead", "update", str(lead.id), "--status", "Closed - Not Converted",
            "--close-reason", "No budget", "--json")
    )  # fmt: skip
    assert (record["status"], record["close_reason"]) == ("Closed - Not Converted", "No budget")


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--company", ""], 2, "company: Is required"),
        (["--set", "is_converted=true"], 2, "is_converted:"),
        (["--set", "colour=blue"], 2, "colour: No such lead field"),
        (["--status", "Closed - Not Converted"], 2, "close_reason:"),
        (["--owner", ""], 2, "owner"),
        (["--expect-version", "7", "--city", "Rome"], 5, "changed by someone else"),
        ([], 2, "Nothing to change"),
    ],
)
def test_update_refusals_print_one_line_and_leave_the_lead_unchanged(
    run: Run, core: Opportune, admin: User, args: list[str], code: int, needle: str
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    assert needle in one_error_line(run("lead", "update", str(lead.id), *args), code)
    assert core.leads.get(admin, lead.id or 0) == lead


def test_update_of_a_missing_lead_exits_with_not_found(run: Run, admin: User) -> None:
    one_error_line(run("lead", "update", "999", "--city", "Rome"), 3)


def test_a_malformed_set_option_is_a_usage_error(run: Run, core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    result = run("lead", "update", str(lead.id), "--set", "city")
    assert result.exit_code == 2
    assert "FIELD=VALUE" in result.output
    assert core.leads.get(admin, lead.id or 0) == lead


def test_delete_asks_first_and_keeps_the_lead_when_declined(
    run: Run, core: Opportune, admin: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    result = run("lead", "delete", str(lead.id), input="n\n")
    assert result.exit_code == 1
    assert "Delete lead" in result.stdout
    assert core.leads.get(admin, lead.id or 0) == lead


def test_delete_removes_the_lead_when_confirmed(run: Run, core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    result = run("lead", "delete", str(lead.id), input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Deleted lead {lead.id}" in result.stdout
    assert core.leads.list(admin, _all()).page.total == 0


def test_delete_with_yes_does_not_ask(run: Run, core: Opportune, admin: User) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    assert ok_json(run("lead", "delete", str(lead.id), "--yes", "--json")) == {"deleted": lead.id}
    assert core.leads.list(admin, _all()).page.total == 0


def test_a_rep_cannot_delete_someone_elses_lead(
    run: Run, core: Opportune, manager: User, rep: User
) -> None:
    # Leads open to all for read and write: the rep may edit the manager's lead, and the
    # delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "lead", "read_write")
    lead = core.leads.create(manager, {"last_name": "Ng", "company": "Acme"})
    result = run("--user", rep.email, "lead", "delete", str(lead.id), "--yes")
    assert "owner" in one_error_line(result, 4)
    assert core.leads.get(manager, lead.id or 0) == lead


def test_commands_act_as_the_user_given_by_option_or_environment(
    run: Run, admin: User, rep: User, manager: User
) -> None:
    by_option = ok_json(run("--user", rep.email, "lead", "add", "--last-name", "A",
                            "--company", "B", "--json"))  # fmt: skip
    by_env = ok_json(
        run("lead", "add", "--last-name", "C", "--company", "D", "--json",
            env={"OPPORTUNE_USER": manager.email})
    )  # fmt: skip
    by_default = ok_json(run("lead", "add", "--last-name", "E", "--company", "F", "--json"))
    assert by_option["owner_id"] == by_option["created_by_id"] == rep.id
    assert by_env["owner_id"] == manager.id
    assert by_default["owner_id"] == admin.id


def test_an_unknown_or_inactive_acting_user_is_refused(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    assert "nobody@example.com" in one_error_line(
        run("--user", "nobody@example.com", "lead", "list"), 3
    )
    core.users.update(None, rep.id or 0, {"is_active": False})
    assert "inactive" in one_error_line(run("--user", rep.email, "lead", "list"), 4)


def test_lead_commands_without_any_user_say_how_to_create_one(run: Run) -> None:
    line = one_error_line(run("lead", "list"), 1)
    assert "opportune user create" in line and "opportune demo" in line


def _all():  # type: ignore[no-untyped-def]
    from opportune import LeadFilters

    return LeadFilters(with_total=True, include_converted=True)
