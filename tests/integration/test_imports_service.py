"""CSV imports through the service layer, on every database engine."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opportune import Opportune, User
from opportune.db import tables as t
from opportune.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from opportune.services.imports import ImportJob, ImportProgress
from opportune.services.uow import UnitOfWork


def check_processes_of_this_test() -> list[int]:
    """Running duplicate check processes started by this process."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == str(os.getpid()) and state != "Z" and b"check_process" in command:
            found.append(int(stat.parent.name))
    return found


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def run(core: Opportune, actor: User, kind: str, path: Path, **options: Any) -> ImportJob:
    job = core.imports.start(actor, kind, path, **options)
    return job if job.already_done else core.imports.run(job.id)


def rows(core: Opportune, table: Any, *columns: str) -> list[tuple[Any, ...]]:
    with UnitOfWork(core.engine) as uow:
        stmt = select(*(table.c[c] for c in columns)).order_by(table.c.id)
        return [tuple(r) for r in uow.leads.conn.execute(stmt)]


def count(core: Opportune, table: Any) -> int:
    with UnitOfWork(core.engine) as uow:
        return int(uow.leads.conn.execute(select(func.count()).select_from(table)).scalar_one())


def error_rows(job: ImportJob) -> list[dict[str, str]]:
    assert job.error_file is not None
    with Path(job.error_file).open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


LEADS = """First Name,Last Name,Company,Email,Lead Source,Annual Revenue
Ada,Lovelace,Analytical,ada@example.com,web,"$1,200.50"
Bob,,Beta Ltd,bob@,Carrier pigeon,lots
Cy,Young,Gamma,cy@example.com,PHONE INQUIRY,
"""


def test_bad_rows_go_to_an_error_file_that_imports_once_fixed(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    job = run(core, admin, "lead", write(tmp_path / "leads.csv", LEADS))

    assert (job.status, job.created_count, job.error_count, job.rows_done) == ("completed", 2, 1, 3)
    assert rows(core, t.leads, "last_name", "annual_revenue")[0][0] == "Lovelace"
    [bad] = error_rows(job)
    assert bad["line"] == "3"
    assert bad["Email"] == "bob@" and bad["Lead Source"] == "Carrier pigeon"
    assert bad["error"].startswith("Last Name: Is required; Email: ")
    assert "Lead Source: Must be one of: Web," in bad["error"]
    assert "Annual Revenue: Must be a number" in bad["error"]

    fixed = Path(job.error_file or "").read_text(encoding="utf-8-sig")
    fixed = fixed.replace(
        ",,Beta Ltd,bob@,Carrier pigeon,lots", ",Builder,Beta Ltd,bob@b.com,Web,12"
    )
    again = run(core, admin, "lead", write(tmp_path / "fixed.csv", fixed))

    assert (again.created_count, again.error_count, again.error_file) == (1, 0, None)
    assert ("Builder", "bob@b.com") in rows(core, t.leads, "last_name", "email")


def test_excel_quoting_newlines_and_a_byte_order_mark(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    text = (
        '\ufeff"Last Name","Company","Description"\r\n'
        '"O\'Hara","Smith, Jones & Co","He said ""hello""\r\nthen left, twice"\r\n'
        '"","No name","x"\r\n'
    )
    job = run(core, admin, "lead", write(tmp_path / "excel.csv", text))

    assert job.mapping["Last Name"] == "last_name"  # the BOM is not part of the header
    assert rows(core, t.leads, "last_name", "company", "description") == [
        ("O'Hara", "Smith, Jones & Co", 'He said "hello"\r\nthen left, twice')
    ]
    assert error_rows(job)[0]["line"] == "4"  # the physical line, after a two-line row


def test_other_encodings_on_request(core: Opportune, admin: User, tmp_path: Path) -> None:
    path = write(tmp_path / "latin.csv", "Last Name,Company\nMüller,Société Générale\n", "latin-1")
    with pytest.raises(ValidationError, match="not valid utf-8 at the start"):
        core.imports.start(admin, "lead", path)

    job = run(core, admin, "lead", path, encoding="latin-1")
    assert rows(core, t.leads, "last_name", "company") == [("Müller", "Société Générale")]
    assert job.status == "completed"


def test_a_bad_byte_deep_in_the_file_fails_the_import_before_any_write(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    good = "".join(f"Name{i},Company{i}\n" for i in range(8000))
    path = tmp_path / "late.csv"
    path.write_bytes(("Last Name,Company\n" + good).encode() + "Müller,X\n".encode("latin-1"))

    job = run(core, admin, "lead", path)
    assert job.status == "failed"
    assert "not valid utf-8 near line" in (job.message or "")
    assert count(core, t.leads) == 0


def test_picklists_in_any_case_dates_and_numbers_in_common_formats(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    leads = (
        "last_name,company,status,rating,industry,no. of employees\n"
        'Ng,Acme,working - contacted,HOT,banking,"1,200"\n'
    )
    run(core, admin, "lead", write(tmp_path / "l.csv", leads))
    [(rating, industry, employees)] = rows(
        core, t.leads, "rating", "industry", "number_of_employees"
    )
    assert (rating, industry, employees) == ("Hot", "Banking", 1200)

    write(tmp_path / "a.csv", "Account Name\nAcme\n")
    run(core, admin, "account", tmp_path / "a.csv")
    opps = (
        "Opportunity Name,Account Name,Stage,Close Date,Amount\n"
        'One,acme,prospecting,13/04/2026,"$1,234.50"\n'
        "Two,Acme,Prospecting,02/05/2026,10\n"
        "Three,Acme,Prospecting,3 Apr 2026,\n"
    )
    job = run(core, admin, "opportunity", write(tmp_path / "o.csv", opps))
    assert job.options["day_first"] is True  # 13/04 only reads day first
    found = rows(core, t.opportunities, "name", "close_date", "amount")
    assert [(n, d.isoformat()) for n, d, _ in found] == [
        ("One", "2026-04-13"),
        ("Two", "2026-05-02"),
        ("Three", "2026-04-03"),
    ]
    assert str(found[0][2]) == "1234.50"
    assert count(core, t.opportunity_history) == 3  # each starts its stage history

    month_first = "name,account,close date\nFour,Acme,02/05/2026\n"
    run(core, admin, "opportunity", write(tmp_path / "m.csv", month_first), date_format="mdy")
    assert rows(core, t.opportunities, "close_date")[-1][0].isoformat() == "2026-02-05"


def test_mapping_overrides_and_saved_mappings(core: Opportune, admin: User, tmp_path: Path) -> None:
    text = "Nom,Société,Remarque,Phone\nDupont,Acme,vip,123\n"
    path = write(tmp_path / "fr.csv", text)
    with pytest.raises(ValidationError) as missing:
        core.imports.start(admin, "lead", path)
    assert "No column for last_name" in missing.value.message

    overrides = {"Nom": "last_name", "Société": "company", "Phone": None}
    core.imports.save_mapping(admin, "lead", "French", overrides)
    run(core, admin, "lead", path, saved_mapping="French", mapping={"Remarque": "description"})

    assert rows(core, t.leads, "last_name", "company", "description", "phone") == [
        ("Dupont", "Acme", "vip", None)
    ]
    assert [m.name for m in core.imports.mappings("lead")] == ["French"]
    with pytest.raises(NotFoundError):
        core.imports.start(admin, "lead", path, saved_mapping="German")
    with pytest.raises(ValidationError, match="no field 'surname'"):
        core.imports.start(admin, "lead", path, mapping={"Nom": "surname"}, again=True)


PEOPLE = "first_name,last_name,company,email,title\n"


def test_duplicates_skipped_against_saved_records_and_within_the_file(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    core.leads.create(admin, {"first_name": "Ada", "last_name": "Ng", "company": "Acme",
                              "email": "ada@acme.com"})  # fmt: skip
    text = PEOPLE + (
        "Ada,Ng,Acme,ADA@acme.com,CEO\n"  # like the saved lead
        "Bo,Li,Beta,bo@beta.com,\n"
        "Bo,Li,Beta,bo@beta.com,CTO\n"  # like the row before
    )
    job = run(core, admin, "lead", write(tmp_path / "d.csv", text))

    assert (job.created_count, job.skipped_count, job.updated_count) == (1, 2, 0)
    assert count(core, t.leads) == 2


def test_duplicates_update_the_match_with_the_rows_values(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    lead = core.leads.create(admin, {"first_name": "Ada", "last_name": "Ng", "company": "Acme",
                                     "email": "ada@acme.com", "phone": "555"})  # fmt: skip
    text = PEOPLE + (
        "Ada,Ng,Acme,ada@acme.com,CEO\nBo,Li,Beta,bo@beta.com,\nBo,Li,Beta,bo@beta.com,CTO\n"
    )
    job = run(core, admin, "lead", write(tmp_path / "u.csv", text), duplicates="update")

    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 2, 0)
    updated = core.leads.get(admin, lead.id or 0)
    assert (updated.title, updated.phone, updated.version) == ("CEO", "555", 2)
    assert [c.field for c in core.leads.history(admin, lead.id or 0)] == ["title"]
    assert ("Li", "CTO") in rows(core, t.leads, "last_name", "title")


@pytest.mark.parametrize("choice", ["skip", "update"])
@pytest.mark.parametrize("checks", ["in this process", "in a second process"])
def test_duplicates_in_the_previous_batch_are_found_while_it_is_being_saved(
    core: Opportune, admin: User, tmp_path: Path, choice: str, checks: str
) -> None:
    # Batches of two: each row repeats a person of the batch before, which the next
    # batch is checked against while that batch is still being written.
    core.settings.import_batch_size = 2
    core.settings.import_check_process_min_rows = 0 if checks == "in a second process" else 10**9
    people = [f"P{i},Q{i},Co{i},p{i}@x.example" for i in range(6)]
    lines = [people[0], people[1], people[0], people[2], people[3], people[2] + "x",
             people[4], people[5], people[4], people[5]]  # fmt: skip
    text = "first_name,last_name,company,email,title\n" + "".join(
        f"{line},T{n}\n" for n, line in enumerate(lines)
    )
    job = run(core, admin, "lead", write(tmp_path / "b.csv", text), duplicates=choice)

    saved = rows(core, t.leads, "email", "title")
    assert len(saved) == 7 and job.created_count == 7
    expected = (7, 0, 3) if choice == "skip" else (7, 3, 0)
    assert (job.created_count, job.updated_count, job.skipped_count) == expected
    titles = dict(saved)
    assert titles["p0@x.example"] == ("T0" if choice == "skip" else "T2")
    assert titles["p4@x.example"] == ("T6" if choice == "skip" else "T8")
    assert not check_processes_of_this_test()  # the check process ended with the import


def test_opportunities_repeated_in_the_next_batch_are_one(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    core.settings.import_batch_size = 2
    account = core.accounts.create(admin, {"name": "Acme"})
    text = "name,account_id,stage,close_date,amount\n" + "".join(
        f"Deal {n % 3},{account.id},Prospecting,2027-01-{n + 1:02d},{n}00\n" for n in range(6)
    )
    job = run(core, admin, "opportunity", write(tmp_path / "o.csv", text))
    assert (job.created_count, job.skipped_count) == (3, 3)
    assert sorted(r[0] for r in rows(core, t.opportunities, "name")) == [
        "Deal 0", "Deal 1", "Deal 2"]  # fmt: skip


def test_duplicates_created_anyway_on_request(core: Opportune, admin: User, tmp_path: Path) -> None:
    core.leads.create(admin, {"last_name": "Ng", "company": "Acme", "email": "ada@acme.com"})
    text = PEOPLE + "Ada,Ng,Acme,ada@acme.com,\nAda,Ng,Acme,ada@acme.com,\n"
    job = run(core, admin, "lead", write(tmp_path / "c.csv", text), duplicates="create")
    assert (job.created_count, count(core, t.leads)) == (2, 3)


def test_all_or_none_writes_nothing_when_a_row_is_bad(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    job = run(core, admin, "lead", write(tmp_path / "a.csv", LEADS), all_or_none=True)

    assert job.status == "failed" and "nothing was imported" in (job.message or "")
    assert (count(core, t.leads), job.created_count, job.error_count) == (0, 0, 1)
    assert error_rows(job)[0]["line"] == "3"
    good = run(core, admin, "lead", write(tmp_path / "b.csv", PEOPLE + "A,B,C,,\n"),
               all_or_none=True)  # fmt: skip
    assert (good.status, count(core, t.leads)) == ("completed", 1)


def test_the_same_file_again_imports_nothing_unless_asked(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    path = write(tmp_path / "leads.csv", LEADS)
    first = run(core, admin, "lead", path)
    second = core.imports.start(admin, "lead", path)

    assert second.already_done and second.id == first.id
    assert count(core, t.leads) == 2
    forced = run(core, admin, "lead", path, again=True)
    assert forced.id != first.id
    assert (forced.created_count, forced.skipped_count, count(core, t.leads)) == (0, 2, 2)


def test_progress_is_reported_after_each_batch(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    core.settings.import_batch_size = 2
    seen: list[ImportProgress] = []
    text = PEOPLE + "".join(f"F{i},L{i},C{i},,\n" for i in range(5))
    job = core.imports.start(admin, "lead", write(tmp_path / "p.csv", text))
    core.imports.run(job.id, progress=seen.append)
    assert [(p.rows_done, p.rows_total, p.created) for p in seen] == [
        (2, 5, 2),
        (4, 5, 4),
        (5, 5, 5),
    ]
    assert seen[-1].eta == 0


def test_revert_deletes_what_the_import_created_but_keeps_changed_records(
    core: Opportune, admin: User, rep: User, tmp_path: Path
) -> None:
    text = PEOPLE + "A,One,C1,,\nB,Two,C2,,\nC,Three,C3,,\n"
    job = run(core, admin, "lead", write(tmp_path / "r.csv", text))
    [one, two, _] = [r[0] for r in rows(core, t.leads, "id")]
    core.leads.update(admin, one, {"title": "Edited"})
    core.activities.create(admin, {"kind": "task", "subject": "Call", "lead_id": two})

    with pytest.raises(PermissionDeniedError):
        core.imports.revert(rep, job.id)
    reverted = core.imports.revert(admin, job.id)

    assert reverted.status == "reverted"
    assert [r[0] for r in rows(core, t.leads, "id")] == [one, two]
    assert (
        reverted.message
        == f"Deleted 1 leads; kept 2 changed or used since the import (#{one}, #{two})"
    )
    with pytest.raises(ConflictError):
        core.imports.revert(admin, job.id)


def test_accounts_contacts_and_opportunities_refer_to_accounts_by_name_or_id(
    core: Opportune, admin: User, rep: User, tmp_path: Path
) -> None:
    accounts = "Account Name,Website,Owner\nAcme,acme.com,RAE.REP@example.com\nBeta,,\n"
    job = run(core, admin, "account", write(tmp_path / "a.csv", accounts))
    assert job.created_count == 2
    [(acme, acme_owner), (beta, _)] = rows(core, t.accounts, "id", "owner_id")
    assert acme_owner == rep.id

    contacts = f"First Name,Last Name,Account\nAl,One,acme\nBo,Two,{beta}\nCy,Three,Nowhere\n"
    job = run(core, admin, "contact", write(tmp_path / "c.csv", contacts))
    assert rows(core, t.contacts, "last_name", "account_id") == [("One", acme), ("Two", beta)]
    assert "Account: No account with id or name 'Nowhere'" in error_rows(job)[0]["error"]

    opps = "Name,Account,Stage,Close Date,Owner\nBig,Acme,Closed Won,2026-06-30,nobody@x.com\n"
    job = run(core, admin, "opportunity", write(tmp_path / "o.csv", opps))
    assert "Owner: No active user with email nobody@x.com" in error_rows(job)[0]["error"]
    opps = (
        "Name,Account,Stage,Close Date\n"
        "Big,Acme,closed won,2026-06-30\nBig,ACME,Closed Won,2026-07-30\n"
    )
    job = run(core, admin, "opportunity", write(tmp_path / "o2.csv", opps))
    assert (job.created_count, job.skipped_count) == (1, 1)  # same name on the same account
    [(won, closed)] = rows(core, t.opportunities, "is_won", "is_closed")
    assert won and closed


def test_assignment_rule_gives_leads_without_an_owner_their_owner(
    core: Opportune, admin: User, rep: User, manager: User, tmp_path: Path
) -> None:
    group = core.assignment.create_group(admin, "Inbound")
    for user in (rep, manager):
        core.assignment.set_group_member(admin, group.id, user.id or 0, 1)
    rule = core.assignment.create_rule(admin, {"name": "RR", "entries": [
        {"criteria": [], "assignee_type": "round_robin", "group_id": group.id}]})  # fmt: skip
    core.assignment.activate(admin, rule.id or 0)
    text = "last_name,company,owner_id\n" + "".join(f"L{i},C{i},\n" for i in range(4))
    text += f"Mine,Co,{admin.email}\n"

    run(core, admin, "lead", write(tmp_path / "as.csv", text))
    owners = [r[0] for r in rows(core, t.leads, "owner_id")]
    assert sorted(owners[:4]) == sorted([rep.id, rep.id, manager.id, manager.id])
    assert owners[4] == admin.id

    run(core, admin, "lead", write(tmp_path / "no.csv", text.replace("L", "M")), assign=False)
    assert {r[0] for r in rows(core, t.leads, "owner_id")[5:]} == {admin.id}


def test_bad_choices_and_missing_files_are_refused(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    path = write(tmp_path / "x.csv", LEADS)
    with pytest.raises(ValidationError, match="duplicates"):
        core.imports.start(admin, "lead", path, duplicates="merge")
    with pytest.raises(ValidationError):
        core.imports.start(admin, "widget", path)
    with pytest.raises(NotFoundError):
        core.imports.start(admin, "lead", tmp_path / "none.csv")


def test_preview_shows_the_mapping_and_the_first_rows_problems(
    core: Opportune, tmp_path: Path
) -> None:
    preview = core.imports.preview("lead", write(tmp_path / "p.csv", "Surname;Firm;Junk\nNg;;x\n"),
                                   mapping={"Firm": "company"})  # fmt: skip
    assert preview.delimiter == ";"
    assert preview.mapping == {"Surname": "last_name", "Firm": "company", "Junk": None}
    assert preview.row_errors == [(2, "Firm: Is required")]
    assert count(core, t.imports) == 0

    broken = core.imports.preview("lead", write(tmp_path / "b.csv", "Junk\n1\n"))
    assert {p.field for p in broken.problems} == {"last_name", "company"}
