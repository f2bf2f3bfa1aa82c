"""``opportune recycle-bin list|restore|purge|empty|purge-expired``."""

from __future__ import annotations

from opportune import Opportune, User
from tests.conftest import add_user
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_a_deleted_account_is_listed_and_restored_with_its_contact(
    run: Run, core: Opportune, admin: User
) -> None:
    account = core.accounts.create(admin, {"name": "Acme"}).id or 0
    contact = core.contacts.create(admin, {"last_name": "Ng", "account_id": account}).id or 0
    deleted = run("account", "delete", str(account), "--yes")
    assert deleted.exit_code == 0, deleted.output

    table = run("recycle-bin", "list")
    assert table.exit_code == 0, table.output
    assert "Acme" in table.stdout and "account" in table.stdout
    entries = ok_json(run("recycle-bin", "list", "--json"))["items"]
    assert [(e["object_type"], e["record_id"], e["related_count"]) for e in entries] == [
        ("account", account, 1)
    ]

    restored = run("recycle-bin", "restore", str(entries[0]["id"]))
    assert restored.exit_code == 0, restored.output
    assert f"Restored account {account} (Acme) and 1 related rows" in restored.stdout
    assert core.contacts.get(admin, contact).account_id == account
    assert ok_json(run("recycle-bin", "list", "--json"))["items"] == []


def test_purge_and_empty_are_for_admins(run: Run, core: Opportune, admin: User) -> None:
    rep = add_user(core, "Rita Rep", "rep", admin)
    for name in ("One", "Two"):
        lead = core.leads.create(rep, {"last_name": name, "company": "Acme"}).id or 0
        core.leads.delete(rep, lead)
    entries = ok_json(run("recycle-bin", "list", "--json"))["items"]
    as_rep = {"OPPORTUNE_USER": rep.email}
    refused = run("recycle-bin", "purge", str(entries[0]["id"]), "--yes", env=as_rep)
    assert "Only an admin can purge the recycle bin" in one_error_line(refused, 4)

    purged = run("recycle-bin", "purge", str(entries[0]["id"]), "--yes")
    assert purged.exit_code == 0, purged.output
    emptied = run("recycle-bin", "empty", "--yes")
    assert "Purged 1 entries" in emptied.stdout
    expired = run("recycle-bin", "purge-expired")
    assert "Purged 0 entries older than 30 days" in expired.stdout


def test_a_bad_type_is_refused_naming_the_option(run: Run, core: Opportune, admin: User) -> None:
    result = run("recycle-bin", "list", "--type", "user")
    assert "object_type" in one_error_line(result, 2)
