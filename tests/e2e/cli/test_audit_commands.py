"""``opportune audit``: the audit log, filtered, as a table or JSON (administrators only)."""

from __future__ import annotations

from opportune import Opportune, User
from tests.conftest import add_user
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_audit_lists_entries_newest_first_as_json_with_filters(
    run: Run, core: Opportune, admin: User
) -> None:
    rae = add_user(core, "Rae Rep", "rep", admin)
    core.picklists.save_value(admin, "lead_sources", {"label": "Fair"})
    page = ok_json(run("audit", "--json"))
    assert [e["action"] for e in page["items"]][:2] == ["setting.changed", "user.created"]
    assert page["items"][0]["actor_email"] == admin.email
    users = ok_json(run("audit", "--action", "user.*", "--object", f"user:{rae.id}", "--json"))
    assert [(e["action"], e["object_id"]) for e in users["items"]] == [("user.created", rae.id)]
    mine = ok_json(run("audit", "--user", admin.email, "--since", "2000-01-01", "--json"))
    assert {e["actor_id"] for e in mine["items"]} == {admin.id}
    assert ok_json(run("audit", "--until", "2000-01-01", "--json"))["items"] == []


def test_audit_pages_with_limit_and_cursor(run: Run, core: Opportune, admin: User) -> None:
    for label in ("One", "Two", "Three"):
        core.picklists.save_value(admin, "lead_sources", {"label": label})
    first = ok_json(run("audit", "--action", "setting.changed", "--limit", "2", "--json"))
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = ok_json(run("audit", "--action", "setting.changed", "--limit", "2",
                       "--cursor", first["next_cursor"], "--json"))  # fmt: skip
    assert [e["details"]["after"]["label"] for e in rest["items"]] == ["One"]


def test_audit_table_shows_who_did_what(run: Run, core: Opportune, admin: User) -> None:
    core.picklists.save_value(admin, "lead_sources", {"label": "Fair"})
    result = run("audit")
    assert result.exit_code == 0, result.output
    assert "setting.changed" in result.stdout and admin.email in result.stdout
    assert "lead_source:" in result.stdout


def test_bad_filters_are_one_error_line_naming_the_filter(run: Run, admin: User) -> None:
    assert "action" in one_error_line(run("audit", "--action", "nope"), 2)
    assert "object" in one_error_line(run("audit", "--object", "lead:x"), 2)
    assert "since" in one_error_line(run("audit", "--since", "yesterday"), 2)
    assert "ip" in one_error_line(run("audit", "--ip", "300.1.1.1"), 2)


def test_a_rep_may_not_read_the_audit_log(run: Run, admin: User, rep: User) -> None:
    line = one_error_line(run("--user", rep.email, "audit"), 4)
    assert "administrator" in line


def test_there_is_no_command_to_change_the_log(run: Run, admin: User) -> None:
    result = run("audit", "delete", "1")
    assert result.exit_code != 0
