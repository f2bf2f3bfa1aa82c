"""``opportune account add|list|show|update|delete`` on every database engine."""

from __future__ import annotations

import pytest

from opportune import AccountFilters, Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def account_count(core: Opportune, actor: User) -> int | None:
    """How many accounts there are."""
    return core.accounts.list(actor, AccountFilters(with_total=True)).total


def test_add_creates_the_account_the_library_then_returns(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    parent = core.accounts.create(admin, {"name": "Acme Holdings"})
    record = ok_json(
        run(
            "account", "add", "--name", "Acme Corp", "--industry", "technology", "--rating", "hot",
            "--employees", "120", "--annual-revenue", "1,500,000", "--source", "web",
            "--billing-city", "Austin", "--owner", rep.email, "--parent", str(parent.id),
            "--json",
        )
    )  # fmt: skip
    stored = core.accounts.get(admin, record["id"])
    assert (stored.name, stored.industry, stored.rating) == ("Acme Corp", "Technology", "Hot")
    assert stored.number_of_employees == 120 and record["annual_revenue"] == "1500000.00"
    assert stored.owner_id == rep.id and record["owner_name"] == rep.name
    assert record["account_source"] == "Web" and record["billing_city"] == "Austin"
    assert record["parent_account_id"] == parent.id
    assert record["parent_account_name"] == "Acme Holdings"
    assert record["created_at"] == stored.created_at.isoformat()


def test_add_prints_the_new_account_as_a_panel(run: Run, admin: User) -> None:
    result = run(
        "account", "add", "--name", "Acme", "--billing-city", "Lyon", "--billing-country",
        "France", "--website", "https://acme.example",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created account" in result.stdout and "Acme" in result.stdout
    assert "Lyon, France" in result.stdout and "https://acme.example" in result.stdout
    assert admin.name in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "name: Is required"),
        (["--name", "Acme", "--industry", "Knitting"], "industry: Must be one of"),
        (["--name", "Acme", "--annual-revenue", "-5"], "annual_revenue: Must be zero or more"),
        (["--name", "Acme", "--employees", "many"], "number_of_employees:"),
        (["--name", "Acme", "--owner", "nobody@example.com"], "owner: No user with email"),
        (["--name", "Acme", "--parent", "999"], "parent_account_id: No account with id 999"),
        (["--name", "Acme", "--source", "Carrier pigeon"], "account_source:"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_saves_nothing(
    run: Run, core: Opportune, admin: User, args: list[str], needle: str
) -> None:
    assert needle in one_error_line(run("account", "add", *args), 2)
    assert account_count(core, admin) == 0


def test_show_lists_the_contacts_and_the_open_opportunities_under_the_account(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme", "billing_city": "Austin"})
    core.contacts.create(admin, {"first_name": "Mei", "last_name": "Ng", "account_id": acme.id,
                                 "email": "mei@acme.example"})  # fmt: skip
    base = {"account_id": acme.id, "close_date": "2026-09-30"}
    core.opportunities.create(admin, {**base, "name": "Renewal", "amount": "25000"})
    core.opportunities.create(admin, {**base, "name": "Old deal", "stage": "Closed Won"})
    result = run("account", "show", str(acme.id))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Account {acme.id} · Acme" in out and "Austin" in out
    assert "Contacts (1)" in out and "Mei Ng" in out and "mei@acme.example" in out
    assert "Open opportunities (1)" in out and "Renewal" in out and "25,000.00 USD" in out
    assert "Old deal" not in out


def test_show_json_is_the_record_and_a_missing_account_is_not_found(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    record = ok_json(run("account", "show", str(acme.id), "--json"))
    assert (record["id"], record["name"], record["version"]) == (acme.id, "Acme", 1)
    assert record["owner_name"] == admin.name
    assert one_error_line(run("account", "show", "999"), 3) == "Error: Account 999 does not exist"


def test_update_changes_only_what_is_given_and_set_clears_a_field(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme", "website": "https://a.example",
                                        "phone": "+1 555"})  # fmt: skip
    record = ok_json(
        run("account", "update", str(acme.id), "--rating", "warm", "--set", "website=",
            "--set", "billing-city=Denver", "--json")
    )  # fmt: skip
    assert (record["rating"], record["website"], record["billing_city"]) == (
        "Warm", None, "Denver",
    )  # fmt: skip
    assert record["phone"] == "+1 555" and record["version"] == 2
    history = core.accounts.history(admin, acme.id)
    assert {c.field for c in history} == {"rating", "website", "billing_city"}


def test_update_refuses_a_stale_version_nothing_to_change_and_bad_values(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    core.accounts.update(admin, acme.id, {"rating": "Hot"})
    stale = run("account", "update", str(acme.id), "--name", "Other", "--expect-version", "1")
    assert "changed by someone else" in one_error_line(stale, 5)
    nothing = one_error_line(run("account", "update", str(acme.id)), 2)
    assert "Nothing to change" in nothing
    bad = one_error_line(run("account", "update", str(acme.id), "--set", "colour=red"), 2)
    assert "colour: No such account field" in bad
    cycle = one_error_line(run("account", "update", str(acme.id), "--parent", str(acme.id)), 2)
    assert "parent_account_id:" in cycle
    assert core.accounts.get(admin, acme.id).name == "Acme"
    assert core.accounts.get(admin, acme.id).version == 2


def test_delete_asks_first_and_takes_the_accounts_contacts_to_the_bin(
    run: Run, core: Opportune, admin: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    declined = run("account", "delete", str(acme.id), input="n\n")
    assert declined.exit_code == 1 and "Delete account" in declined.stdout
    assert account_count(core, admin) == 1
    core.contacts.create(admin, {"last_name": "Ng", "account_id": acme.id})
    result = run("account", "delete", str(acme.id), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Deleted account {acme.id} · Acme." in result.stdout
    assert account_count(core, admin) == 0
    assert core.recycle_bin.find(admin, "account", acme.id).related_count == 1


def test_a_rep_cannot_delete_someone_elses_account(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    result = run("--user", rep.email, "account", "delete", str(acme.id), "--yes")
    one_error_line(result, 4)
    assert account_count(core, admin) == 1


def test_list_filters_sorts_and_pages_like_the_api(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    for name, industry, owner in [
        ("Acme", "Banking", admin),
        ("Bluefin", "Banking", rep),
        ("Cedar", "Retail", rep),
        ("Dune", "Banking", rep),
    ]:
        core.accounts.create(admin, {"name": name, "industry": industry, "owner_id": owner.id,
                                     "billing_city": "Austin"})  # fmt: skip
    page = ok_json(run("account", "list", "--owner", rep.email, "--industry", "banking",
                       "--sort", "name", "--limit", "1", "--total", "--json"))  # fmt: skip
    assert [r["name"] for r in page["items"]] == ["Bluefin"] and page["total"] == 2
    rest = ok_json(run("account", "list", "--owner", rep.email, "--industry", "banking",
                       "--sort", "name", "--cursor", page["next_cursor"], "--json"))  # fmt: skip
    assert [r["name"] for r in rest["items"]] == ["Dune"] and rest["next_cursor"] is None
    table = run("account", "list", "-q", "cedar")
    assert table.exit_code == 0, table.output
    assert "Cedar" in table.stdout and "Retail" in table.stdout and "Acme" not in table.stdout
    assert "1 account" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--created-from", "2026-13-01"], "created_from: Must be a date (YYYY-MM-DD)"),
        (["--rating", "lukewarm"], "rating: Unknown rating 'lukewarm'"),
        (["--owner", "nobody@example.com"], "owner: Unknown owner"),
        (["--sort", "colour"], "sort: Sort by one of"),
        (["--limit", "0"], "limit: Must be between 1 and"),
    ],
)
def test_list_refuses_bad_filters_in_one_line(
    run: Run, admin: User, args: list[str], needle: str
) -> None:
    assert needle in one_error_line(run("account", "list", *args), 2)


def test_list_filters_by_creation_day(run: Run, core: Opportune, admin: User) -> None:
    core.accounts.create(admin, {"name": "Acme"})
    found = ok_json(run("account", "list", "--created-from", "2000-01-01", "--created-to",
                        "2999-12-31", "--json"))  # fmt: skip
    assert [r["name"] for r in found["items"]] == ["Acme"]
    none = ok_json(run("account", "list", "--created-to", "2000-01-01", "--json"))
    assert none["items"] == []
