"""``opportune opportunity`` (records, stage moves, history, contact roles) and
``opportune stage`` on every database engine."""

from __future__ import annotations

from typing import Any

import pytest

from opportune import Account, Opportune, Opportunity, OpportunityFilters, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


@pytest.fixture
def acme(core: Opportune, admin: User) -> Account:
    """An account to sell to."""
    return core.accounts.create(admin, {"name": "Acme"})


@pytest.fixture
def deal(core: Opportune, admin: User, acme: Account) -> Opportunity:
    """An opportunity of 25,000 on the first stage."""
    data = {"name": "Acme renewal", "account_id": acme.id, "close_date": "2026-09-30",
            "amount": "25000"}  # fmt: skip
    return core.opportunities.create(admin, data)


def unchanged(core: Opportune, admin: User, deal: Opportunity) -> bool:
    """True when the opportunity is still as it was created."""
    now = core.opportunities.get(admin, deal.id)
    return now.version == deal.version and now.stage_id == deal.stage_id


# --- records ------------------------------------------------------------------------------


def test_add_starts_on_the_first_stage_with_its_probability(
    run: Run, core: Opportune, admin: User, acme: Account
) -> None:
    record = ok_json(
        run("opportunity", "add", "--name", "Acme renewal", "--account", str(acme.id),
            "--close-date", "2026-09-30", "--amount", "25,000", "--type", "new business",
            "--source", "web", "--next-step", "Demo", "--json")
    )  # fmt: skip
    assert (record["stage"], record["probability"], record["forecast_category"]) == (
        "Prospecting", 10, "Pipeline",
    )  # fmt: skip
    assert (record["amount"], record["expected_revenue"], record["currency_code"]) == (
        "25000.00", "2500.00", "USD",
    )  # fmt: skip
    assert (record["type"], record["lead_source"]) == ("New Business", "Web")
    stored = core.opportunities.get(admin, record["id"])
    assert stored.account_id == acme.id and str(stored.close_date) == "2026-09-30"
    assert len(core.opportunities.stage_history(admin, record["id"])) == 1


def test_show_prints_amount_with_currency_expected_revenue_and_contact_roles(
    run: Run, core: Opportune, admin: User, acme: Account, deal: Opportunity
) -> None:
    mei = core.contacts.create(admin, {"first_name": "Mei", "last_name": "Ng",
                                       "account_id": acme.id})  # fmt: skip
    core.opportunities.add_contact_role(
        admin, deal.id, {"contact_id": mei.id, "role": "Decision Maker", "is_primary": True}
    )
    result = run("opportunity", "show", str(deal.id))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Opportunity {deal.id} · Acme renewal" in out and f"Acme ({acme.id})" in out
    assert "25,000.00 USD" in out and "2,500.00 USD" in out and "10%" in out
    assert "Contact roles" in out and "Mei Ng" in out and "Decision Maker" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--close-date", "2026-13-01"], "close_date: Must be a date (YYYY-MM-DD)"),
        (["--amount", "-5"], "amount: Must be zero or more"),
        (["--probability", "150"], "probability: Must be at most 100"),
        (["--stage", "Dreaming"], "stage: Must be one of: Prospecting"),
        (["--currency", "EUR"], "currency_code: Only USD is enabled"),
        (["--stage", "Closed Lost"], "lost_reason: A lost reason is required"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_saves_nothing(
    run: Run, core: Opportune, admin: User, acme: Account, args: list[str], needle: str
) -> None:
    base = ["--name", "Deal", "--account", str(acme.id), "--close-date", "2026-09-30"]
    assert needle in one_error_line(run("opportunity", "add", *base, *args), 2)
    assert core.opportunities.list(admin, OpportunityFilters(with_total=True)).page.total == 0


def test_add_names_every_missing_required_field(run: Run, admin: User) -> None:
    line = one_error_line(run("opportunity", "add", "--amount", "5"), 2)
    assert "name: Is required" in line and "account_id: Is required" in line
    assert "close_date: Is required" in line


def test_update_refuses_a_bad_date_a_negative_amount_and_probability_150_at_once(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    result = run("opportunity", "update", str(deal.id), "--close-date", "someday",
                 "--amount", "-1", "--probability", "150")  # fmt: skip
    line = one_error_line(result, 2)
    assert "close_date:" in line and "amount:" in line and "probability:" in line
    assert unchanged(core, admin, deal)


def test_update_overrides_probability_and_refuses_a_stale_version(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    record = ok_json(run("opportunity", "update", str(deal.id), "--probability", "40",
                         "--set", "next_step=Send the quote", "--json"))  # fmt: skip
    assert (record["probability"], record["expected_revenue"]) == (40, "10000.00")
    assert record["next_step"] == "Send the quote"
    stale = run("opportunity", "update", str(deal.id), "--amount", "1", "--expect-version", "1")
    assert "changed by someone else" in one_error_line(stale, 5)
    assert str(core.opportunities.get(admin, deal.id).amount) == "25000.00"


def test_delete_asks_and_a_rep_cannot_delete_someone_elses(
    run: Run, core: Opportune, admin: User, rep: User, deal: Opportunity
) -> None:
    # Opportunities open to all for read and write: the rep may edit the admin's
    # opportunity, and the delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "opportunity", "read_write")
    assert run("opportunity", "delete", str(deal.id), input="n\n").exit_code == 1
    one_error_line(run("--user", rep.email, "opportunity", "delete", str(deal.id), "--yes"), 4)
    result = run("opportunity", "delete", str(deal.id), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Deleted opportunity {deal.id} · Acme renewal." in result.stdout
    assert one_error_line(run("opportunity", "show", str(deal.id)), 3).endswith("does not exist")


# --- stage moves and history --------------------------------------------------------------


def test_move_takes_the_stages_defaults(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    result = run("opportunity", "move", str(deal.id), "negotiation/review")
    assert result.exit_code == 0, result.output
    assert "is in Negotiation/Review: probability 90%, forecast Pipeline" in result.stdout
    assert "expected revenue 22,500.00 USD" in result.stdout
    record = ok_json(run("opportunity", "move", str(deal.id), "Closed Won", "--json"))
    assert (record["is_closed"], record["is_won"], record["probability"]) == (True, True, 100)


def test_closing_as_lost_needs_a_reason_and_reopening_clears_it(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    line = one_error_line(run("opportunity", "move", str(deal.id), "Closed Lost"), 2)
    assert line == "Error: lost_reason: A lost reason is required to close as 'Closed Lost'"
    assert unchanged(core, admin, deal)
    bad = run("opportunity", "move", str(deal.id), "Closed Lost", "--lost-reason", "Bad luck")
    assert "lost_reason: Must be one of: Price" in one_error_line(bad, 2)
    lost = ok_json(run("opportunity", "move", str(deal.id), "Closed Lost", "--lost-reason",
                       "competitor", "--json"))  # fmt: skip
    assert (lost["stage"], lost["lost_reason"], lost["is_closed"]) == (
        "Closed Lost", "Competitor", True,
    )  # fmt: skip
    reopened = ok_json(run("opportunity", "move", str(deal.id), "Qualification", "--json"))
    assert (reopened["is_closed"], reopened["lost_reason"]) == (False, None)


def test_move_refuses_an_unknown_stage_a_stale_version_and_a_missing_opportunity(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    line = one_error_line(run("opportunity", "move", str(deal.id), "Dreaming"), 2)
    assert line.startswith("Error: stage: Must be one of: Prospecting, Qualification")
    stale = run("opportunity", "move", str(deal.id), "Qualification", "--expect-version", "9")
    one_error_line(stale, 5)
    assert unchanged(core, admin, deal)
    missing = one_error_line(run("opportunity", "move", "999", "Qualification"), 3)
    assert missing == "Error: Opportunity 999 does not exist"


def test_history_shows_each_change_with_who_and_when_and_the_metrics(
    run: Run, core: Opportune, admin: User, manager: User, deal: Opportunity
) -> None:
    # The admin shares the deal with the manager, who may then move it along.
    core.sharing.share(admin, "opportunity", deal.id or 0, access="edit", user_id=manager.id)
    moved = run("--user", manager.email, "opportunity", "move", str(deal.id), "Qualification")
    assert moved.exit_code == 0, moved.output
    core.opportunities.update(admin, deal.id, {"close_date": "2026-12-31"})
    core.opportunities.update(admin, deal.id, {"stage": "Closed Won"})
    data = ok_json(run("opportunity", "history", str(deal.id), "--json"))
    snapshots = data["snapshots"]
    assert [s["stage"] for s in snapshots] == [
        "Prospecting", "Qualification", "Qualification", "Closed Won",
    ]  # fmt: skip
    assert snapshots[1]["changed_by_name"] == manager.name
    assert snapshots[2]["close_date"] == "2026-12-31" and snapshots[3]["expected_revenue"]
    metrics = data["metrics"]
    assert [t["stage"] for t in metrics["time_in_stages"]] == [
        "Prospecting", "Qualification", "Closed Won",
    ]  # fmt: skip
    assert metrics["close_date_pushes"] == 1 and metrics["days_to_close"] == 0
    table = run("opportunity", "history", str(deal.id))
    assert table.exit_code == 0, table.output
    assert "Stage history" in table.stdout and manager.name in table.stdout
    assert "Time in stage" in table.stdout and "Close date pushed out: 1 time" in table.stdout
    assert "Days to close: 0" in table.stdout
    assert one_error_line(run("opportunity", "history", "999"), 3)


# --- lists ---------------------------------------------------------------------------------


def _add(core: Opportune, admin: User, account: Account, **fields: Any) -> Opportunity:
    return core.opportunities.create(admin, {"account_id": account.id, **fields})


def test_list_filters_by_state_stage_account_and_close_period(
    run: Run, core: Opportune, admin: User, rep: User, acme: Account
) -> None:
    globex = core.accounts.create(admin, {"name": "Globex"})
    _add(core, admin, acme, name="A", close_date="2026-03-01", amount="100")
    _add(core, admin, acme, name="B", close_date="2026-04-01", amount="300", owner_id=rep.id)
    _add(core, admin, globex, name="C", close_date="2026-05-01", stage="Closed Won")
    _add(core, admin, globex, name="D", close_date="2026-06-01", stage="Closed Lost",
         lost_reason="Price")  # fmt: skip

    def names(*args: str) -> list[str]:
        return [r["name"] for r in ok_json(run("opportunity", "list", *args, "--json"))["items"]]

    assert names("--state", "open") == ["A", "B"]
    assert names("--state", "lost") == ["D"]
    assert names("--stage", "Closed Won,Closed Lost") == ["C", "D"]
    assert names("--account", str(globex.id)) == ["C", "D"]
    assert names("--close-from", "2026-04-01", "--close-to", "2026-05-01") == ["B", "C"]
    assert names("--owner", rep.email) == ["B"]
    assert names("--sort", "-amount", "--state", "open") == ["B", "A"]
    assert names("-q", "c") == ["C"]


def test_list_pages_with_a_cursor_and_prints_a_table_with_money(
    run: Run, core: Opportune, admin: User, acme: Account
) -> None:
    for n in range(3):
        _add(core, admin, acme, name=f"Deal {n}", close_date=f"2026-0{n + 1}-15", amount="1500")
    first = ok_json(run("opportunity", "list", "--limit", "2", "--total", "--json"))
    assert [r["name"] for r in first["items"]] == ["Deal 0", "Deal 1"] and first["total"] == 3
    rest = ok_json(run("opportunity", "list", "--cursor", first["next_cursor"], "--json"))
    assert [r["name"] for r in rest["items"]] == ["Deal 2"]
    table = run("opportunity", "list", "--limit", "2")
    assert table.exit_code == 0, table.output
    assert "Deal 0" in table.stdout and "Acme" in table.stdout and "1,500.00 USD" in table.stdout
    assert "150.00 USD" in table.stdout and "More: add --cursor" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--stage", "Dreaming"], "stage: Unknown stage 'Dreaming'"),
        (["--state", "sleeping"], "state: State must be one of"),
        (["--close-from", "2026-02-30"], "close_from: Must be a date (YYYY-MM-DD)"),
        (["--close-from", "2026-06-01", "--close-to", "2026-01-01"], "close_to:"),
    ],
)
def test_list_refuses_bad_filters_in_one_line(
    run: Run, admin: User, args: list[str], needle: str
) -> None:
    assert needle in one_error_line(run("opportunity", "list", *args), 2)


# --- contact roles -------------------------------------------------------------------------


def test_contact_roles_can_be_added_listed_changed_and_removed(
    run: Run, core: Opportune, admin: User, acme: Account, deal: Opportunity
) -> None:
    mei, raj = (
        core.contacts.create(admin, {"first_name": f, "last_name": "Ng", "account_id": acme.id})
        for f in ("Mei", "Raj")
    )
    added = run("opportunity", "role", "add", str(deal.id), "--contact", str(mei.id),
                "--role", "decision maker", "--primary")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Mei Ng as Decision Maker (primary)" in added.stdout
    role = ok_json(run("opportunity", "role", "add", str(deal.id), "--contact", str(raj.id),
                       "--role", "Evaluator", "--json"))  # fmt: skip
    assert role["is_primary"] is False and role["opportunity_id"] == deal.id
    listed = ok_json(run("opportunity", "role", "list", str(deal.id), "--json"))
    assert [(r["contact_id"], r["is_primary"]) for r in listed] == [(mei.id, True), (raj.id, False)]
    changed = ok_json(run("opportunity", "role", "update", str(deal.id), str(role["id"]),
                          "--role", "Influencer", "--json"))  # fmt: skip
    assert changed["role"] == "Influencer"
    removed = run("opportunity", "role", "remove", str(deal.id), str(role["id"]))
    assert removed.exit_code == 0, removed.output
    assert [r.contact_id for r in core.opportunities.contact_roles(admin, deal.id)] == [mei.id]
    table = run("opportunity", "role", "list", str(deal.id))
    assert "Mei Ng" in table.stdout and "Raj" not in table.stdout


def test_a_second_primary_role_and_a_contact_of_another_account_are_refused(
    run: Run, core: Opportune, admin: User, acme: Account, deal: Opportunity
) -> None:
    mei, raj = (
        core.contacts.create(admin, {"first_name": f, "last_name": "Ng", "account_id": acme.id})
        for f in ("Mei", "Raj")
    )
    outsider = core.contacts.create(admin, {"last_name": "Partner"})
    first = run("opportunity", "role", "add", str(deal.id), "--contact", str(mei.id), "--primary")
    assert first.exit_code == 0, first.output
    second = run("opportunity", "role", "add", str(deal.id), "--contact", str(raj.id), "--primary")
    assert one_error_line(second, 2) == "Error: is_primary: Only one contact role can be primary"
    other = run("opportunity", "role", "add", str(deal.id), "--contact", str(outsider.id))
    assert "contact_id: The contact belongs to another account" in one_error_line(other, 2)
    bad_role = run("opportunity", "role", "add", str(deal.id), "--contact", str(raj.id),
                   "--role", "Cheerleader")  # fmt: skip
    assert "role: Must be one of: Decision Maker" in one_error_line(bad_role, 2)
    assert len(core.opportunities.contact_roles(admin, deal.id)) == 1
    partner = run("opportunity", "role", "add", str(deal.id), "--contact", str(outsider.id),
                  "--other-account", "--role", "Influencer")  # fmt: skip
    assert partner.exit_code == 0, partner.output
    missing = run("opportunity", "role", "remove", str(deal.id), "999")
    assert one_error_line(missing, 3) == "Error: Contact role 999 does not exist"


# --- stages --------------------------------------------------------------------------------


def test_stage_list_shows_the_pipeline_with_its_defaults(run: Run, admin: User) -> None:
    stages = ok_json(run("stage", "list", "--json"))
    assert [s["label"] for s in stages][:2] == ["Prospecting", "Qualification"]
    won = next(s for s in stages if s["label"] == "Closed Won")
    assert (won["probability"], won["forecast_category"], won["is_closed"], won["is_won"]) == (
        100, "Closed", True, True,
    )  # fmt: skip
    table = run("stage", "list")
    assert table.exit_code == 0, table.output
    assert "Negotiation/Review" in table.stdout and "90%" in table.stdout
    assert "Forecast category" in table.stdout and "Omitted" in table.stdout
    reasons = ok_json(run("stage", "lost-reasons", "--json"))
    assert "Competitor" in [r["label"] for r in reasons]
    assert "No budget" in run("stage", "lost-reasons").stdout
