"""Crash safety: SIGKILL in the middle of long operations loses nothing and half-does nothing.

Each test seeds a database, runs the operation once uninterrupted in a child process (the
reference), then, per trial, runs it on a fresh copy of the seeded database and SIGKILLs the
child after a random number of its SQL statements (see :mod:`tests.crash`). The killed
database must pass the engine's integrity checks, keep every row committed before, show the
operation whole or not at all (for batch operations: whole batches, each record whole), and
a re-run (resume) must finish the work with exactly the reference's records, no duplicates.

``OPPORTUNE_CRASH_TRIALS`` sets the trials per operation and engine (default 2),
``OPPORTUNE_CRASH_SCALE`` multiplies the sizes of the inputs, ``OPPORTUNE_CRASH_SEED`` replays
a run's random kill points, and ``OPPORTUNE_CRASH_LOG`` names a file that gets one JSON line
per trial (what was done when the kill came).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    ForeignKey,
    Select,
    create_engine,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import make_url

from opportune import Opportune, Settings, User
from opportune.db import tables as t
from opportune.db.backup import SCRATCH_PREFIX, require_empty
from opportune.errors import ConflictError
from tests.crash import KillPoint, Operation, Run, random_kill_point, run_child, unconverted_leads
from tests.integration.test_import_resume import word
from tests.snapshots import every_row

TRIALS = int(os.environ.get("OPPORTUNE_CRASH_TRIALS", "2"))
SCALE = float(os.environ.get("OPPORTUNE_CRASH_SCALE", "1"))
SEED = int(os.environ.get("OPPORTUNE_CRASH_SEED") or random.SystemRandom().randrange(2**32))
ADMIN = "ada.admin@example.com"
Snapshot = dict[str, list[dict[str, Any]]]


def scaled(number: int) -> int:
    """``number`` times OPPORTUNE_CRASH_SCALE."""
    return max(1, round(number * SCALE))


# --- copies of a seeded database ------------------------------------------------------------


class Copies:
    """Copies of a seeded database (and empty databases), one per run; dropped at the end."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.sqlite = url.startswith("sqlite")
        self.made: list[str] = []

    def copy(self) -> str:
        """A new database holding what the seeded one holds."""
        name = f"crash_{uuid.uuid4().hex[:12]}"
        if self.sqlite:
            path = self.folder / f"{name}.db"
            shutil.copy(make_url(self.url).database or "", path)
            return self._made(f"sqlite:///{path}")
        _pg(self.url, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(self.url).database}"')
        return self._made(make_url(self.url).set(database=name).render_as_string(False))

    def empty(self) -> str:
        """A new database with no tables at all."""
        name = f"crash_{uuid.uuid4().hex[:12]}"
        if self.sqlite:
            return self._made(f"sqlite:///{self.folder / name}.db")
        _pg(self.url, f'CREATE DATABASE "{name}"')
        return self._made(make_url(self.url).set(database=name).render_as_string(False))

    def _made(self, url: str) -> str:
        self.made.append(url)
        return url

    def drop_all(self) -> None:
        """Drop every PostgreSQL copy (SQLite ones go with the test's folder)."""
        for url in self.made if not self.sqlite else ():
            _pg(self.url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _pg(url: str, sql: str) -> None:
    admin_url = make_url(url).set(database="postgres")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def wait_for_disconnect(url: str) -> None:
    """After a kill on PostgreSQL: wait until the server has ended the killed client's
    session (rolling back what it had not committed), so nothing changes behind the checks."""
    if url.startswith("sqlite"):
        return
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
    engine = create_engine(make_url(url).set(database="postgres"))
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while conn.execute(text(query), {"db": make_url(url).database}).scalar_one():
            assert time.monotonic() < deadline, "the killed client's session never ended"
            conn.rollback()
            time.sleep(0.01)
    engine.dispose()


def settle(core: Opportune) -> None:
    """Close the seeding connections so the database can be copied (SQLite: everything in
    the main file; PostgreSQL: no session left on the template)."""
    if core.engine.dialect.name == "sqlite":
        with core.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    core.engine.dispose()


@dataclass
class Opened:
    """An installation opened on a copy, for checking it."""

    url: str
    folder: Path

    def __enter__(self) -> Opportune:
        self.core = Opportune(Settings(env="test", database_url=self.url, data_dir=self.folder))
        return self.core

    def __exit__(self, *_: object) -> None:
        self.core.close()


# --- checks every operation shares ----------------------------------------------------------


def check_integrity(core: Opportune) -> None:
    """The engine's own checks: on SQLite, its integrity and foreign key checks and the
    search index against its table; on PostgreSQL, no row pointing at a missing one (the
    server checks that itself; this says no constraint is missing or switched off)."""
    with core.engine.connect() as conn:
        if core.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            conn.exec_driver_sql(
                "INSERT INTO leads_search(leads_search) VALUES ('integrity-check')"
            )
        else:
            assert conn.execute(ORPHANS).all() == []
        conn.rollback()


def orphans(fk: ForeignKey) -> Select[Any]:
    """The column's name if a row refers through ``fk`` to a row that does not exist."""
    target = fk.column.table.alias()  # an alias: the table may refer to itself
    found = select(target.c[fk.column.name]).where(target.c[fk.column.name] == fk.parent)
    missing = select(literal(str(fk.parent))).select_from(fk.parent.table)
    return missing.where(fk.parent.is_not(None), ~found.exists()).limit(1)


# Every foreign key at once: one query instead of a hundred.
ORPHANS = union_all(
    *(orphans(fk).subquery().select() for table in t.metadata.sorted_tables
      for fk in table.foreign_keys)
)  # fmt: skip


def check_kept(before: Snapshot, after: Snapshot, changing: frozenset[str] = frozenset()) -> None:
    """Every row committed before is still there: unchanged, or (in ``changing`` tables)
    at least still there."""
    for table, rows in before.items():
        keys = list(t.metadata.tables[table].primary_key.columns.keys())
        now = {tuple(r[k] for k in keys): r for r in after[table]}
        for row in rows:
            key = tuple(row[k] for k in keys)
            assert key in now, f"{table} {key} was lost"
            assert table in changing or now[key] == row, f"{table} {key} changed"


def table_counts(snapshot: Snapshot) -> dict[str, int]:
    """Rows per table."""
    return {table: len(rows) for table, rows in snapshot.items()}


# --- the trials -----------------------------------------------------------------------------


@dataclass
class Scenario:
    """One operation to kill: how to run it, and what its killed and finished states must be.

    ``killed(core, before, reference)`` checks a killed copy and names what it found
    ("nothing", "partial" or "all"); ``finished(core, before, reference)`` checks a copy the
    operation (or its re-run) completed.
    """

    name: str
    operation: Operation
    killed: Callable[[Opportune, Snapshot, Snapshot], str]
    finished: Callable[[Opportune, Snapshot, Snapshot], None]
    target: Callable[[Copies], str] = Copies.copy
    by_time: bool = False
    # Files a killed child may leave (a glob, ``{pid}`` its process id) that a re-run removes.
    leftovers: str | None = None
    outcomes: Counter[str] = field(default_factory=Counter)


def run_trials(scenario: Scenario, copies: Copies, data_dir: Path, before: Snapshot) -> None:
    """The reference run, then TRIALS killed-and-resumed runs (more attempts when a kill
    came too late, after the child had finished)."""
    now = datetime.now(UTC)
    url = scenario.target(copies)
    reference_run = run_child(scenario.operation, url, data_dir, now)
    assert reference_run.finished, f"the uninterrupted {scenario.name} failed"
    engine = make_url(url).get_backend_name()
    log({"operation": scenario.name, "engine": engine, "reference_seconds": reference_run.seconds,
         "reference_statements": reference_run.statements,
         "cpu_seconds": reference_run.cpu_seconds})  # fmt: skip
    with Opened(url, data_dir) as core:
        reference = every_row(core)
    rng = random.Random(f"{SEED}-{scenario.name}-{url.split(':')[0]}")
    attempts = 0
    while sum(scenario.outcomes.values()) < TRIALS:
        attempts += 1
        assert attempts <= 3 * TRIALS + 3, f"{scenario.name}: kills kept missing the operation"
        trial(scenario, copies, data_dir, now, before, reference, reference_run, rng)


def trial(
    scenario: Scenario, copies: Copies, data_dir: Path, now: datetime, before: Snapshot,
    reference: Snapshot, reference_run: Run, rng: random.Random,
) -> None:  # fmt: skip
    """One trial: kill at a random point, check the remains, resume, check the end."""
    url = scenario.target(copies)
    point = random_kill_point(rng, reference_run, by_time=scenario.by_time)
    killed = run_child(scenario.operation, url, data_dir, now, point)
    if not killed.killed:
        return  # the child finished before the kill point: not a trial
    wait_for_disconnect(url)
    with Opened(url, data_dir) as core:
        outcome = scenario.killed(core, before, reference)
    resumed = run_child(scenario.operation, url, data_dir, now) if outcome != "all" else None
    assert resumed is None or resumed.finished, f"{scenario.name}: the re-run failed"
    with Opened(url, data_dir) as core:
        scenario.finished(core, before, reference)
    if resumed and scenario.leftovers:
        pattern = scenario.leftovers.format(pid=killed.pid)
        assert not list(Path(tempfile.gettempdir()).glob(pattern)), "the killed run's files stay"
    scenario.outcomes[outcome] += 1
    log(trial_line(scenario, url, point, killed, outcome, resumed))


def log(line: dict[str, Any]) -> None:
    """One JSON line into OPPORTUNE_CRASH_LOG, when set."""
    path = os.environ.get("OPPORTUNE_CRASH_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps({**line, "seed": SEED}) + "\n")


def trial_line(
    scenario: Scenario, url: str, point: KillPoint, killed: Run, outcome: str,
    resumed: Run | None,
) -> dict[str, Any]:  # fmt: skip
    """What a trial did, for the log."""
    cpu = killed.cpu_seconds + (resumed.cpu_seconds if resumed else 0)
    kill = {f"kill_after_{k}": v for k, v in dataclasses.asdict(point).items() if v is not None}
    return {"operation": scenario.name, "engine": make_url(url).get_backend_name(), **kill,
            "statements_done": killed.statements, "writes_done": killed.writes,
            "commits_done": killed.commits, "outcome": outcome, "cpu_seconds": cpu}  # fmt: skip


@pytest.fixture
def copies(database_url: str, tmp_path: Path) -> Iterator[Copies]:
    """Copies of this test's database (seed it first, then :func:`settle`)."""
    made = Copies(database_url, tmp_path)
    yield made
    made.drop_all()


# --- seeding --------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV file with this header and rows."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def people(first: int, count: int) -> list[list[str]]:
    """Distinct leads (no duplicate rule sees two of them alike) numbered from ``first``."""
    rows = []
    for i in range(first, first + count):
        firm = word(i * 17 + 1, 5)
        rows.append([word(i, 2), word(i * 31 + 5, 5), f"{firm} Ltd", f"p{i}@{firm.lower()}.io"])
    return rows


LEAD_HEADER = ["First Name", "Last Name", "Company", "Email"]


def imported(core: Opportune, admin: User, kind: str, path: Path) -> None:
    """Import a file completely (creating even look-alikes)."""
    job = core.imports.start(admin, kind, path, duplicates="create", assign=False)
    done = core.imports.run(job.id)
    assert (done.status, done.error_count) == ("completed", 0), done.message


def keyed(rows: list[dict[str, Any]], key: str = "id") -> dict[Any, dict[str, Any]]:
    """Rows by one column."""
    return {row[key]: row for row in rows}


def new_rows(before: Snapshot, after: Snapshot, table: str) -> list[dict[str, Any]]:
    """The rows of ``table`` that were not there before, oldest first."""
    old = {row["id"] for row in before[table]}
    return [row for row in after[table] if row["id"] not in old]


# --- a bulk import --------------------------------------------------------------------------

IMPORT_BATCH = 100


def test_a_killed_import_keeps_whole_batches_and_its_resume_adds_the_rest_once(
    core: Opportune, admin: User, copies: Copies, tmp_path: Path
) -> None:
    earlier = people(0, scaled(100))
    imported(core, admin, "lead", write_csv(tmp_path / "earlier.csv", LEAD_HEADER, earlier))
    path = write_csv(tmp_path / "leads.csv", LEAD_HEADER, people(100_000, scaled(1500)))
    before = every_row(core)
    settle(core)
    operation = Operation("import_leads", {"admin": ADMIN, "path": str(path)},
                          {"import_batch_size": IMPORT_BATCH})  # fmt: skip
    scenario = Scenario("bulk import", operation, import_killed, import_finished)
    run_trials(scenario, copies, tmp_path / "data", before)


def import_killed(core: Opportune, before: Snapshot, reference: Snapshot) -> str:
    """Whole batches only: the import's progress counts exactly the leads saved, which are
    the file's first rows; nothing committed before changed."""
    check_integrity(core)
    after = every_row(core)
    check_kept(before, after)
    jobs, leads = new_rows(before, after, "imports"), new_rows(before, after, "leads")
    if not jobs:
        assert leads == []
        return "nothing"
    [job] = jobs
    assert job["created_count"] == len(leads) == job["rows_done"]
    assert job["rows_done"] % IMPORT_BATCH == 0 or job["rows_done"] == job["rows_total"]
    expected = [lead["email"] for lead in new_rows(before, reference, "leads")]
    assert [lead["email"] for lead in leads] == expected[: len(leads)]
    return "all" if job["status"] == "completed" else "partial" if leads else "nothing"


def import_finished(core: Opportune, before: Snapshot, reference: Snapshot) -> None:
    """The resumed import did the whole file once: the reference's leads, no duplicates."""
    check_integrity(core)
    after = every_row(core)
    check_kept(before, after)
    [job] = new_rows(before, after, "imports")
    [expected] = new_rows(before, reference, "imports")
    assert {k: v for k, v in job.items() if k != "id"} == {
        k: v for k, v in expected.items() if k != "id"
    }
    assert same_new_rows(before, after, reference, "leads")
    assert table_counts(after) == table_counts(reference)


def same_new_rows(before: Snapshot, after: Snapshot, reference: Snapshot, table: str) -> bool:
    """Whether ``after`` added the same rows as ``reference`` (ids aside: PostgreSQL does
    not give back the ids a killed transaction took)."""

    def values(snapshot: Snapshot) -> Counter[str]:
        rows = new_rows(before, snapshot, table)
        return Counter(json.dumps({**r, "id": None}, default=str, sort_keys=True) for r in rows)

    return values(after) == values(reference)


# --- a bulk conversion ----------------------------------------------------------------------

CONVERT_BATCH = 25
CONVERTED = "Closed - Converted"


def test_a_killed_bulk_conversion_converts_whole_leads_in_whole_batches_and_redoes_the_rest(
    core: Opportune, admin: User, copies: Copies, tmp_path: Path
) -> None:
    leads = people(0, scaled(300))
    imported(core, admin, "lead", write_csv(tmp_path / "leads.csv", LEAD_HEADER, leads))
    order = unconverted_leads(core, admin)
    before = every_row(core)
    settle(core)
    operation = Operation(
        "convert_all", {"admin": ADMIN, "batch_size": CONVERT_BATCH, "status": CONVERTED}
    )
    scenario = Scenario(
        "bulk conversion", operation,
        killed=lambda c, b, r: conversion_killed(c, b, r, order),
        finished=conversion_finished,
    )  # fmt: skip
    run_trials(scenario, copies, tmp_path / "data", before)


def conversion_killed(
    core: Opportune, before: Snapshot, reference: Snapshot, order: list[int]
) -> str:
    """Each lead converted whole or not at all, whole batches in order, nothing lost."""
    check_integrity(core)
    after = every_row(core)
    check_kept(before, after, changing=frozenset({"leads"}))
    converted = check_conversions(before, after)
    meant = {lead["id"] for lead in reference["leads"] if lead["is_converted"]}
    boundaries = [*range(0, len(order), CONVERT_BATCH), len(order)]
    assert any(converted == meant & set(order[:k]) for k in boundaries), "not whole batches"
    return "nothing" if not converted else "all" if converted == meant else "partial"


CONVERTED_INTO = {"accounts": "converted_account_id", "contacts": "converted_contact_id",
                  "opportunities": "converted_opportunity_id"}  # fmt: skip


def check_conversions(before: Snapshot, after: Snapshot) -> set[int]:
    """Check that every lead is either converted whole (its account, contact, opportunity
    and conversion record all there and agreeing) or untouched; return the converted ids.
    Every record created since ``before`` belongs to a converted lead."""
    old_leads = keyed(before["leads"])
    records = {name: keyed(after[name]) for name in ("accounts", "contacts", "opportunities")}
    conversions = Counter(row["lead_id"] for row in after["lead_conversions"])
    converted = set()
    for lead in after["leads"]:
        if not lead["is_converted"]:
            assert lead == old_leads[lead["id"]] and not conversions[lead["id"]]
            continue
        converted.add(lead["id"])
        assert conversions[lead["id"]] == 1
        account = records["accounts"][lead["converted_account_id"]]
        assert records["contacts"][lead["converted_contact_id"]]["account_id"] == account["id"]
        opportunity = records["opportunities"][lead["converted_opportunity_id"]]
        assert opportunity["account_id"] == account["id"]
    for name, column in CONVERTED_INTO.items():
        made = {row["id"] for row in new_rows(before, after, name)}
        assert made == {lead[column] for lead in after["leads"] if lead["is_converted"]}, name
    return converted


def conversion_finished(core: Opportune, before: Snapshot, reference: Snapshot) -> None:
    """The re-run converted the rest: the reference's leads, each once, nothing more."""
    check_integrity(core)
    after = every_row(core)
    check_kept(before, after, changing=frozenset({"leads"}))
    converted = check_conversions(before, after)
    assert converted == {lead["id"] for lead in reference["leads"] if lead["is_converted"]}
    assert table_counts(after) == table_counts(reference)


# --- one-transaction operations: a merge, a restore from the recycle bin ----------------------


def whole_or_nothing(core: Opportune, before: Snapshot, reference: Snapshot) -> str:
    """A killed one-transaction operation left the database exactly as before, or exactly
    as the uninterrupted run left it (the child's clock is frozen, so nothing differs)."""
    check_integrity(core)
    after = every_row(core)
    if after == before:
        return "nothing"
    differing = sorted(name for name in after if after[name] != reference[name])
    assert not differing, f"half done: {differing} are neither as before nor as after"
    return "all"


def done_once(core: Opportune, before: Snapshot, reference: Snapshot) -> None:
    """The re-run left what the uninterrupted run left: every row committed before as it
    was, and the same new rows (ids aside, which PostgreSQL does not give back)."""
    check_integrity(core)
    after = every_row(core)
    for name, rows in reference.items():
        old = {row["id"] for row in before[name]} if "id" in t.metadata.tables[name].c else None
        if old is None or name == "audit_log":
            assert table_counts({name: after[name]}) == table_counts({name: rows}), name
            continue
        assert [r for r in after[name] if r["id"] in old] == [r for r in rows if r["id"] in old]
        assert same_new_rows(before, after, reference, name), name


def account_family(
    core: Opportune, admin: User, tmp_path: Path, names: list[str], size: int = 300
) -> None:
    """Accounts named ``names`` and, spread over all but the last, ``size`` contacts and
    half as many open opportunities (with their stage history)."""
    imported(core, admin, "account", write_csv(tmp_path / "a.csv", ["Account Name"],
                                                [[n] for n in names]))  # fmt: skip
    owners = names[:-1]
    contacts = [[word(i, 2), word(i * 31 + 5, 5), owners[i % len(owners)], f"c{i}@x{i}.io"]
                for i in range(scaled(size))]  # fmt: skip
    header = ["First Name", "Last Name", "Account", "Email"]
    imported(core, admin, "contact", write_csv(tmp_path / "c.csv", header, contacts))
    deals = [[f"Deal {i}", owners[i % len(owners)], "Prospecting", "2027-01-15", str(i)]
             for i in range(scaled(size // 2))]  # fmt: skip
    header = ["Opportunity Name", "Account Name", "Stage", "Close Date", "Amount"]
    imported(core, admin, "opportunity", write_csv(tmp_path / "o.csv", header, deals))


def account_id(core: Opportune, name: str) -> int:
    """The id of the account named ``name``."""
    with core.engine.connect() as conn:
        found = conn.execute(select(t.accounts.c.id).where(t.accounts.c.name == name))
        return int(found.scalar_one())


def test_a_killed_merge_is_whole_or_not_started_and_can_be_redone(
    core: Opportune, admin: User, copies: Copies, tmp_path: Path
) -> None:
    account_family(core, admin, tmp_path, ["Acme", "Acme Inc", "ACME Corp", "Other"])
    ids = [account_id(core, name) for name in ("Acme", "Acme Inc", "ACME Corp")]
    before = every_row(core)
    settle(core)
    operation = Operation("merge_accounts", {"admin": ADMIN, "master_id": ids[0], "ids": ids})
    scenario = Scenario("merge", operation, whole_or_nothing, done_once)
    run_trials(scenario, copies, tmp_path / "data", before)


def test_a_killed_restore_from_the_recycle_bin_is_whole_or_not_started_and_can_be_redone(
    core: Opportune, admin: User, copies: Copies, tmp_path: Path
) -> None:
    account_family(core, admin, tmp_path, ["Acme", "Other"], size=100)
    core.accounts.delete(admin, account_id(core, "Acme"))
    [entry] = core.recycle_bin.list(admin).entries
    assert entry.related_count > scaled(100)
    before = every_row(core)
    settle(core)
    operation = Operation("restore_from_bin", {"admin": ADMIN, "entry_id": entry.id})
    scenario = Scenario("restore from the recycle bin", operation, whole_or_nothing, done_once)
    run_trials(scenario, copies, tmp_path / "data", before)


# --- a backup restore -----------------------------------------------------------------------


def test_a_killed_backup_restore_leaves_the_empty_database_or_the_whole_backup(
    core: Opportune, admin: User, copies: Copies, tmp_path: Path
) -> None:
    account_family(core, admin, tmp_path, ["Acme", "Other"], size=600)
    leads = people(0, scaled(600))
    imported(core, admin, "lead", write_csv(tmp_path / "leads.csv", LEAD_HEADER, leads))
    source = every_row(core)
    backup = core.backups.backup(admin, tmp_path / "crm.backup").path
    settle(core)
    operation = Operation("restore_backup", {"path": str(backup)})
    scenario = Scenario("backup restore", operation, restore_killed, restored_whole,
                        target=Copies.empty, by_time=True,
                        leftovers=f"{SCRATCH_PREFIX}{{pid}}-*")  # fmt: skip
    run_trials(scenario, copies, tmp_path / "data", source)


def restore_killed(core: Opportune, source: Snapshot, reference: Snapshot) -> str:
    """Either still the empty database (a restore may start again) or the whole backup."""
    with core.engine.connect() as conn:
        try:
            require_empty(conn)
        except ConflictError:
            empty = False
        else:
            empty = True
        conn.rollback()
    if empty:
        return "nothing"
    restored_whole(core, source, reference)
    return "all"


def restored_whole(core: Opportune, source: Snapshot, reference: Snapshot) -> None:
    """The database holds exactly what was backed up, and the restore's audit entry."""
    check_integrity(core)
    after = every_row(core)
    assert {**after, "audit_log": []} == {**source, "audit_log": []}
    restores = [row for row in after["audit_log"] if row["action"] == "backup.restored"]
    assert len(restores) == 1, "the restore is not in the audit log"
    assert [row for row in after["audit_log"] if row not in restores] == source["audit_log"]
