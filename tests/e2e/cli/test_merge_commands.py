"""``opportune merge lead|contact|account``, ``merge show`` and ``merge undo``."""

from __future__ import annotations

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def test_merge_shows_the_records_side_by_side_and_asks(
    run: Run, core: Opportune, admin: User
) -> None:
    a = lead(core, admin, "Quinn", city="Rome")
    b = lead(core, admin, "Quinn", city="Oslo", email="q@example.com")
    core.activities.create(admin, {"kind": "note", "title": "Call back", "lead_id": b})
    refused = run("merge", "lead", str(a), str(b), "--take", "city=" + str(b), input="n\n")
    assert refused.exit_code == 1
    assert "Rome" in refused.stdout and "✔ Oslo" in refused.stdout
    assert f"Moves to the master from #{b}: 1 activities" in refused.stdout
    assert core.leads.get(admin, b).merged_into_id is None  # nothing merged

    done = run("merge", "lead", str(a), str(b), "--take", f"city={b}", input="y\n")
    assert done.exit_code == 0, done.output
    assert f"Merged lead {b} into lead {a}" in done.stdout
    master = core.leads.get(admin, a, mark_read=False)
    assert (master.city, master.email) == ("Oslo", "q@example.com")


def test_merge_yes_json_then_show_and_undo(run: Run, core: Opportune, admin: User) -> None:
    a = core.accounts.create(admin, {"name": "Acme"}).id or 0
    b = core.accounts.create(admin, {"name": "Acme Inc", "phone": "555"}).id or 0
    c = core.accounts.create(admin, {"name": "ACME"}).id or 0
    merge = ok_json(
        run(
            "merge",
            "account",
            str(a),
            str(b),
            str(c),
            "--master",
            str(c),
            "--take",
            f"name={a}",
            "--yes",
            "--json",
        )
    )
    assert merge["master_id"] == c and merge["merged_ids"] == [a, b]
    assert merge["changes"] == {
        "name": {"old_value": "ACME", "new_value": "Acme"},
        "phone": {"old_value": None, "new_value": "555"},
    }
    shown = run("merge", "show", str(merge["id"]))
    assert shown.exit_code == 0 and "Name changed" in shown.stdout and "ACME → Acme" in shown.stdout
    assert ok_json(run("merge", "show", str(merge["id"]), "--json"))["id"] == merge["id"]

    undone = run("merge", "undo", str(merge["id"]))
    assert undone.exit_code == 0, undone.output
    assert core.accounts.get(admin, c).name == "ACME"
    assert core.accounts.get(admin, a).merged_into_id is None


def test_bad_takes_and_refusals_print_one_error_line(
    run: Run, core: Opportune, admin: User
) -> None:
    a, b = lead(core, admin, "Reed"), lead(core, admin, "Reed")
    line = one_error_line(run("merge", "lead", str(a), str(b), "--take", "nick=1", "--yes"), 2)
    assert "No such lead field to merge: 'nick'" in line
    line = one_error_line(run("merge", "lead", str(a), str(b), "--take", "email", "--yes"), 2)
    assert "'email' is not FIELD=ID" in line
    assert "Merge 2 or 3 leads" in one_error_line(run("merge", "lead", str(a), "--yes"), 2)
    assert "does not exist" in one_error_line(run("merge", "undo", "999"), 3)
