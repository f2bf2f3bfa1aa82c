"""Writers colliding: several processes on one SQLite file never see "database is locked";
on both engines, of N simultaneous conversions of one lead or stage moves from one version
exactly one wins and the others get a conflict, and overlapping imports create no duplicates.

Jobs are never taken twice: tests/integration/test_jobs_service.py (threads) and
tests/e2e/cli/test_job_commands.py (several ``opportune worker`` processes) check that.
``OPPORTUNE_RELIABILITY_TRIALS`` raises the number of rounds (default 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from opportune import ConflictError, Opportune, StaleRecordError, User
from opportune.db import tables as t
from tests.conftest import add_user, make_settings

CONVERTED = "Closed - Converted"
TRIALS = int(os.environ.get("OPPORTUNE_RELIABILITY_TRIALS", "3"))
CONTENDERS = 6

WRITER = textwrap.dedent(
    """
    import sys
    from opportune import Opportune, Settings
    core = Opportune(Settings(env="test", database_url=sys.argv[1], embedded_worker=False))
    actor = core.users.get_by_email("ada.admin@example.com")
    account = core.accounts.create(actor, {"name": f"Account {sys.argv[3]}"})
    for i in range(int(sys.argv[2])):
        lead = core.leads.create(actor, {"last_name": f"P{sys.argv[3]}-{i}", "company": "Co"})
        core.leads.update(actor, lead.id, {"title": "Buyer"})
        opp = core.opportunities.create(actor, {"name": f"Deal {sys.argv[3]}-{i}",
            "account_id": account.id, "close_date": "2026-06-30"})
        core.opportunities.update(actor, opp.id, {"stage": "Negotiation/Review"})
    """
)


def count(core: Opportune, table: object) -> int:
    """Rows in ``table``."""
    with core.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_several_processes_writing_one_sqlite_file_never_see_database_is_locked(
    sqlite_url: str, tmp_path: Path
) -> None:
    core = Opportune(make_settings(sqlite_url, tmp_path))
    add_user(core, "Ada Admin", "admin")
    per_process, processes = 5 * TRIALS, 4
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, sqlite_url, str(per_process), str(n)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    errors = [w.communicate(timeout=300)[1] for w in writers]
    assert [w.returncode for w in writers] == [0] * processes, errors
    assert not any("locked" in e for e in errors)
    assert count(core, t.leads) == count(core, t.opportunities) == processes * per_process
    core.close()


def at_once(action: Callable[[], object], n: int = CONTENDERS) -> list[object]:
    """Run ``action`` in ``n`` threads released together; each one's result or error."""
    barrier, outcomes, lock = threading.Barrier(n), [], threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome: object = action()
        except Exception as exc:  # kept: the test looks at every outcome
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def test_of_simultaneous_conversions_of_one_lead_exactly_one_wins(
    core: Opportune, rep: User
) -> None:
    for trial in range(TRIALS):
        lead = core.leads.create(rep, {"last_name": "Ng", "company": f"Acme {trial}"})

        def convert(lead_id: int = lead.id or 0) -> object:
            return core.conversions.convert(rep, lead_id, {"converted_status": CONVERTED})

        outcomes = at_once(convert)
        failures = [o for o in outcomes if isinstance(o, Exception)]
        assert len(failures) == CONTENDERS - 1, failures
        assert all(isinstance(f, ConflictError) for f in failures), failures
    assert count(core, t.lead_conversions) == TRIALS
    assert count(core, t.accounts) == count(core, t.contacts) == TRIALS
    assert count(core, t.opportunities) == TRIALS


def test_of_simultaneous_stage_moves_from_one_version_one_wins_the_others_are_stale(
    core: Opportune, rep: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    stages = ["Needs Analysis", "Value Proposition", "Proposal/Price Quote"]
    for trial in range(TRIALS):
        opp = core.opportunities.create(
            rep, {"name": f"Deal {trial}", "account_id": account.id, "close_date": "2026-06-30"}
        )
        history_before = len(core.opportunities.stage_history(rep, opp.id or 0))
        moves = iter(stages * CONTENDERS)

        def move(version: int = opp.version, opp_id: int = opp.id or 0, to: Any = moves) -> object:
            return core.opportunities.update(
                rep, opp_id, {"stage": next(to)}, expected_version=version
            )

        outcomes = at_once(move)
        stale = [o for o in outcomes if isinstance(o, StaleRecordError)]
        assert len(stale) == CONTENDERS - 1, outcomes
        (winner,) = [o for o in outcomes if not isinstance(o, Exception)]
        now = core.opportunities.get(rep, opp.id or 0)
        assert now.version == opp.version + 1 and now.stage_id == winner.stage_id  # type: ignore[attr-defined]
        assert len(core.opportunities.stage_history(rep, opp.id or 0)) == history_before + 1


def test_overlapping_imports_at_the_same_time_create_no_duplicate_leads(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    header = "First Name,Last Name,Company,Email\n"
    files = []
    for n in range(3):  # each shares rows 0-59 with the others, and has 20 of its own
        rows = [f"Ada,Shared{i},Acme,shared{i}@acme.example" for i in range(60)]
        rows += [f"Bo,Own{n}-{i},Acme,own{n}-{i}@acme.example" for i in range(20)]
        path = tmp_path / f"leads-{n}.csv"
        path.write_text(header + "\n".join(rows) + "\n")
        files.append(path)
    jobs = [core.imports.start(admin, "lead", path, duplicates="skip") for path in files]
    pending = iter(jobs)
    outcomes = at_once(lambda: core.imports.run(next(pending).id), n=len(jobs))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with core.engine.connect() as conn:
        emails = list(conn.execute(select(t.leads.c.email)).scalars())
    assert len(emails) == len(set(emails)) == 60 + 3 * 20
