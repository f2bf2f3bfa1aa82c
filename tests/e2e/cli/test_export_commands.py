"""``opportune export`` on every database engine: filtered lists to CSV, stdout or a file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, one_error_line


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_leads_writes_the_filtered_list_to_stdout(
    run: Run, core: Opportune, admin: User, rep: User
) -> None:
    core.leads.create(rep, {"last_name": "Ng", "company": "Acme", "rating": "Hot"})
    core.leads.create(rep, {"last_name": "Ode", "company": "Beta", "rating": "Cold"})
    core.leads.create(admin, {"last_name": "Pim", "company": "Gamma", "rating": "Hot"})
    result = run("export", "leads", "--rating", "hot", "--owner", rep.email)
    assert result.exit_code == 0, result.output
    (row,) = rows_of(result.stdout)
    assert (row["last_name"], row["rating"], row["owner_id"]) == ("Ng", "Hot", rep.email)
    assert result.stdout.startswith("id,salutation,first_name,last_name,company,")


def test_export_to_a_file_says_how_many(
    run: Run, core: Opportune, admin: User, tmp_path: Path
) -> None:
    core.leads.create(admin, {"last_name": "Ng", "company": "Acme"})
    core.leads.create(admin, {"last_name": "Ode", "company": "Beta"})
    target = tmp_path / "out.csv"
    result = run("export", "leads", "-o", str(target), "--sort", "last_name")
    assert result.exit_code == 0, result.output
    assert f"Exported 2 leads to {target}" in result.stdout.replace("\n", "")
    assert [r["last_name"] for r in rows_of(target.read_text(encoding="utf-8"))] == ["Ng", "Ode"]


def test_accounts_contacts_and_opportunities_export(run: Run, core: Opportune, admin: User) -> None:
    bank = core.accounts.create(admin, {"name": "Bank", "industry": "Banking"})
    core.accounts.create(admin, {"name": "Shop", "industry": "Retail"})
    core.contacts.create(admin, {"last_name": "Ng", "account_id": bank.id})
    core.opportunities.create(
        admin, {"name": "Deal", "account_id": bank.id, "close_date": "2026-09-30"}
    )
    accounts = rows_of(run("export", "accounts", "--industry", "Banking").stdout)
    assert [a["name"] for a in accounts] == ["Bank"]
    contacts = rows_of(run("export", "contacts", "--account", str(bank.id)).stdout)
    assert [(c["last_name"], c["account_id"]) for c in contacts] == [("Ng", str(bank.id))]
    deals = rows_of(run("export", "opportunities", "--state", "open").stdout)
    assert [(d["name"], d["close_date"]) for d in deals] == [("Deal", "2026-09-30")]


def test_bad_filters_are_one_error_line_and_leave_no_file(
    run: Run, core: Opportune, admin: User, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    line = one_error_line(run("export", "leads", "--status", "Nope", "-o", str(target)), 2)
    assert "status" in line and "Nope" in line
    assert not target.exists()
    one_error_line(run("export", "opportunities", "--close-from", "someday"), 2)
