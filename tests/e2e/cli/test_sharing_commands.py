"""``opportune sharing`` and ``opportune user create/update --manager`` on both databases."""

from __future__ import annotations

from opportune import Opportune, User
from tests.conftest import PASSWORD, add_user
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_the_defaults_are_shown_and_an_admin_changes_one(
    run: Run, core: Opportune, admin: User
) -> None:
    assert ok_json(run("sharing", "defaults", "--json")) == {
        "lead": "private", "account": "read", "contact": "read", "opportunity": "private",
    }  # fmt: skip
    assert ok_json(run("sharing", "set-default", "leads", "read_write", "--json")) == {
        "object_type": "lead",
        "access": "read_write",
    }
    assert core.sharing.org_defaults()["lead"].value == "read_write"
    table = run("sharing", "defaults")
    assert "read_write" in table.stdout and "opportunity" in table.stdout


def test_a_rep_cannot_change_a_default_and_bad_values_name_the_field(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    refused = run("--user", rep.email, "sharing", "set-default", "lead", "read")
    assert "administrator" in one_error_line(refused, 4).lower()
    assert "access" in one_error_line(run("sharing", "set-default", "lead", "public"), 2)
    assert "object_type" in one_error_line(run("sharing", "set-default", "task", "read"), 2)
    assert core.sharing.org_defaults()["lead"].value == "private"


def test_an_owner_shares_a_lead_with_a_user_lists_and_removes_the_share(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    other = add_user(core, "Olga Other", "rep")
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    lead_id = str(lead.id)
    hidden = run("--user", other.email, "lead", "show", lead_id)
    one_error_line(hidden, 3)
    share = ok_json(run("--user", rep.email, "sharing", "add", "lead", lead_id,
                        "--user", other.email, "--access", "read", "--json"))  # fmt: skip
    assert (share["user_id"], share["access"]) == (other.id, "read")
    assert run("--user", other.email, "lead", "show", lead_id).exit_code == 0
    listed = ok_json(run("--user", rep.email, "sharing", "list", "lead", lead_id, "--json"))
    assert [s["grantee"] for s in listed] == ["Olga Other"]
    assert "Olga Other" in run("sharing", "list", "lead", lead_id).stdout
    refused = run("--user", other.email, "sharing", "remove", str(share["id"]))
    one_error_line(refused, 4)
    assert run("--user", rep.email, "sharing", "remove", str(share["id"])).exit_code == 0
    one_error_line(run("--user", other.email, "lead", "show", lead_id), 3)


def test_a_record_is_shared_with_a_queue_by_name(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    queue = core.assignment.create_queue(admin, "Renewals")
    account = core.accounts.create(rep, {"name": "Acme"})
    share = ok_json(run("--user", rep.email, "sharing", "add", "account", str(account.id),
                        "--queue", "renewals", "--access", "edit", "--json"))  # fmt: skip
    assert (share["queue_id"], share["grantee"]) == (queue.id, "Queue: Renewals")


def test_bad_shares_are_refused_naming_the_option_and_change_nothing(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    base = ("--user", rep.email, "sharing", "add", "lead", str(lead.id))
    assert "user" in one_error_line(run(*base, "--access", "read"), 2)
    assert "user" in one_error_line(run(*base, "--user", "nobody@example.com",
                                        "--access", "read"), 2)  # fmt: skip
    assert "queue" in one_error_line(run(*base, "--queue", "Nope", "--access", "read"), 2)
    assert "access" in one_error_line(run(*base, "--user", admin.email, "--access", "all"), 2)
    one_error_line(run("--user", rep.email, "sharing", "list", "lead", "999999"), 3)
    assert core.sharing.shares(rep, "lead", lead.id or 0) == []


def test_users_get_a_manager_on_create_and_update(
    run: Run, core: Opportune, admin: User, manager: User
) -> None:
    created = ok_json(run("user", "create", "--name", "Rae Rep", "--email", "rae@example.com",
                          "--role", "rep", "--password", PASSWORD, "--manager", manager.email,
                          "--json"))  # fmt: skip
    assert created["manager_id"] == manager.id
    cleared = ok_json(run("user", "update", "rae@example.com", "--manager", "", "--json"))
    assert cleared["manager_id"] is None
    moved = ok_json(run("user", "update", "rae@example.com", "--manager", admin.email,
                        "--role", "manager", "--json"))  # fmt: skip
    assert (moved["manager_id"], moved["role"]) == (admin.id, "manager")
    loop = run("user", "update", admin.email, "--manager", "rae@example.com")
    assert "manager_id" in one_error_line(loop, 2)
    unknown = run("user", "update", "rae@example.com", "--manager", "who@example.com")
    assert "manager" in one_error_line(unknown, 2)
    assert core.users.get_by_email("rae@example.com").manager_id == admin.id
