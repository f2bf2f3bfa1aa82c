"""``opportune contact add|list|show|update|delete`` on every database engine."""

from __future__ import annotations

import pytest

from opportune import ContactFilters, Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def contact_count(core: Opportune, actor: User) -> int | None:
    """How many contacts there are."""
    return core.contacts.list(actor, ContactFilters(with_total=True)).total


def test_add_puts_the_contact_at_its_account(run: Run, core: Opportune, admin: User) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    record = ok_json(
        run("contact", "add", "--first-name", "Mei", "--last-name", "Ng", "--account",
            str(acme.id), "--email", "Mei@Acme.Example", "--salutation", "dr.", "--source",
            "web", "--do-not-call", "--mailing-city", "Lyon", "--json")
    )  # fmt: skip
    stored = core.contacts.get(admin, record["id"])
    assert stored.account_id == acme.id and record["account_name"] == "Acme"
    assert (record["name"], record["email"], record["salutation"]) == (
        "Mei Ng", "Mei@acme.example", "Dr.",
    )  # fmt: skip
    assert record["lead_source"] == "Web" and stored.do_not_call is True
    assert [c.id for c in core.accounts.contacts_of(admin, acme.id)] == [record["id"]]


def test_show_prints_the_contact_with_its_account(run: Run, core: Opportune, admin: User) -> None:
    acme = core.accounts.create(admin, {"name": "Acme"})
    mei = core.contacts.create(admin, {"first_name": "Mei", "last_name": "Ng", "title": "CFO",
                                       "account_id": acme.id})  # fmt: skip
    result = run("contact", "show", str(mei.id))
    assert result.exit_code == 0, result.output
    assert f"Contact {mei.id} · Mei Ng" in result.stdout
    assert f"Acme ({acme.id})" in result.stdout and "CFO" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--first-name", "Mei"], "last_name: Is required"),
        (["--last-name", "Ng", "--email", "not-an-email"], "email:"),
        (["--last-name", "Ng", "--account", "999"], "account_id: No account with id 999"),
        (["--last-name", "Ng", "--salutation", "Sir"], "salutation: Must be one of"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_saves_nothing(
    run: Run, core: Opportune, admin: User, args: list[str], needle: str
) -> None:
    assert needle in one_error_line(run("contact", "add", *args), 2)
    assert contact_count(core, admin) == 0


def test_update_moves_and_detaches_the_contact(run: Run, core: Opportune, admin: User) -> None:
    acme, globex = (core.accounts.create(admin, {"name": n}) for n in ("Acme", "Globex"))
    mei = core.contacts.create(admin, {"last_name": "Ng", "account_id": acme.id})
    moved = ok_json(run("contact", "update", str(mei.id), "--account", str(globex.id),
                        "--set", "title=Head of IT", "--json"))  # fmt: skip
    assert (moved["account_name"], moved["title"]) == ("Globex", "Head of IT")
    detached = ok_json(run("contact", "update", str(mei.id), "--account", "", "--json"))
    assert detached["account_id"] is None and detached["version"] == 3
    stale = run("contact", "update", str(mei.id), "--title", "CEO", "--expect-version", "1")
    assert "changed by someone else" in one_error_line(stale, 5)
    assert core.contacts.get(admin, mei.id).title == "Head of IT"


def test_list_filters_by_account_and_search_and_pages(
    run: Run, core: Opportune, admin: User
) -> None:
    acme, globex = (core.accounts.create(admin, {"name": n}) for n in ("Acme", "Globex"))
    for last, account in [("Adams", acme), ("Baker", acme), ("Clark", globex)]:
        core.contacts.create(admin, {"last_name": last, "account_id": account.id})
    page = ok_json(run("contact", "list", "--account", str(acme.id), "--sort", "last_name",
                       "--limit", "1", "--total", "--json"))  # fmt: skip
    assert [r["last_name"] for r in page["items"]] == ["Adams"] and page["total"] == 2
    rest = ok_json(run("contact", "list", "--account", str(acme.id), "--sort", "last_name",
                       "--cursor", page["next_cursor"], "--json"))  # fmt: skip
    assert [r["last_name"] for r in rest["items"]] == ["Baker"]
    table = run("contact", "list", "-q", "clark")
    assert table.exit_code == 0, table.output
    assert "Clark" in table.stdout and "Globex" in table.stdout and "Adams" not in table.stdout
    assert "account: Unknown account '999'" in one_error_line(
        run("contact", "list", "--account", "999"), 2
    )


def test_delete_asks_then_deletes_and_a_missing_contact_is_not_found(
    run: Run, core: Opportune, admin: User
) -> None:
    mei = core.contacts.create(admin, {"first_name": "Mei", "last_name": "Ng"})
    declined = run("contact", "delete", str(mei.id), input="n\n")
    assert declined.exit_code == 1 and contact_count(core, admin) == 1
    deleted = ok_json(run("contact", "delete", str(mei.id), "--yes", "--json"))
    assert deleted == {"deleted": mei.id} and contact_count(core, admin) == 0
    assert "Contact 999 does not exist" in one_error_line(run("contact", "show", "999"), 3)
