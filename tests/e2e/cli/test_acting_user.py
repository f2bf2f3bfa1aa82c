"""The CLI acts as a user, chosen by ``--user`` or ``--token``, and sees what they may see."""

from __future__ import annotations

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def names(result_json: dict[str, list[dict[str, str]]]) -> set[str]:
    return {item["last_name"] for item in result_json["items"]}


def test_a_reps_token_lists_only_the_leads_the_rep_may_see(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    core.leads.create(admin, {"last_name": "Private", "company": "Admin Co"})
    core.leads.create(rep, {"last_name": "Mine", "company": "Rep Co"})
    token = core.auth.create_token(rep, rep.id or 0, "cli").token
    assert names(ok_json(run("--token", token, "lead", "list", "--json"))) == {"Mine"}
    assert names(ok_json(run("lead", "list", "--json", env={"OPPORTUNE_TOKEN": token}))) == {"Mine"}
    assert names(ok_json(run("lead", "list", "--json"))) == {"Mine", "Private"}  # the admin


def test_a_hidden_lead_is_not_found_through_the_cli(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    lead = core.leads.create(admin, {"last_name": "Private", "company": "Admin Co"})
    line = one_error_line(run("--user", rep.email, "lead", "show", str(lead.id)), 3)
    assert f"Lead {lead.id} does not exist" in line


def test_a_revoked_or_made_up_token_is_refused(run: Run, core: Opportune, rep: User) -> None:
    issued = core.auth.create_token(rep, rep.id or 0, "cli")
    core.auth.revoke_token(rep, rep.id or 0, issued.id)
    for token in (issued.token, "opp_not-a-real-token"):
        line = one_error_line(run("--token", token, "lead", "list"), 4)
        assert "expired or invalid" in line


def test_user_and_token_together_are_refused(run: Run, core: Opportune, rep: User) -> None:
    token = core.auth.create_token(rep, rep.id or 0, "cli").token
    line = one_error_line(run("--user", rep.email, "--token", token, "lead", "list"), 1)
    assert "not both" in line
