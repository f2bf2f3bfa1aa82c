"""Killing an operation mid-way: a child process runs it and the test SIGKILLs it.

Each child is a separate process with its own database connections, killed with a real
SIGKILL. Children are forked from a ``multiprocessing`` fork server that imported Opportune
once, so a trial costs a fork rather than a two-second interpreter start.

A child counts the SQL statements and commits it executes (SQLAlchemy events registered by
the child itself, nothing inside Opportune) into memory it shares with the test, which can
then kill it after a random number of statements: somewhere inside the operation, never
before it started or after it ended. Nothing pauses the child: the kill lands wherever the
child happens to be a few milliseconds after that statement.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from opportune import Opportune, Settings
from opportune.services.filters import LeadFilters

# Slots of the shared counters.
STARTED, STATEMENTS, WRITES, COMMITS, FINISHED, FIRST_WRITE = range(6)
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "COPY")
# Slots of the shared times (time.monotonic() in the child).
T_STARTED, T_FINISHED, T_CPU = range(3)
POLL_SECONDS = 0.002
CHILD_TIMEOUT = 300.0


@dataclass(frozen=True)
class Operation:
    """What a child does: ``name`` is a function of this module taking the installation and
    ``params``; ``settings`` are overrides of the child's settings."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KillPoint:
    """When to SIGKILL a child: after this many SQL statements, or seconds from its start."""

    statements: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Run:
    """How a child ended: killed or not, and what it had done when it ended."""

    killed: bool
    finished: bool
    statements: int
    first_write: int  # the number of the first statement that wrote
    writes: int
    commits: int
    seconds: float
    cpu_seconds: float
    exitcode: int | None
    pid: int | None


_context: ForkServerContext | None = None


def context() -> ForkServerContext:
    """The fork server context, preloaded with this module (and so with Opportune)."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload([__name__])
    return _context


def run_child(
    operation: Operation,
    database_url: str,
    data_dir: Path,
    now: datetime,
    kill: KillPoint | None = None,
) -> Run:
    """Run ``operation`` in a child on ``database_url``; SIGKILL it at ``kill`` (if it is
    still running then)."""
    ctx = context()
    counters = ctx.RawArray("q", 6)
    times = ctx.RawArray("d", 3)
    child = ctx.Process(
        target=_child, args=(operation, database_url, str(data_dir), now, counters, times)
    )
    child.start()
    killed = _wait_and_kill(child, counters, times, kill) if kill else False
    child.join(CHILD_TIMEOUT)
    assert child.exitcode is not None, f"{operation.name} did not end"
    seconds = (times[T_FINISHED] or time.monotonic()) - times[T_STARTED]
    return Run(killed, bool(counters[FINISHED]), counters[STATEMENTS], counters[FIRST_WRITE],
               counters[WRITES],
               counters[COMMITS], seconds, times[T_CPU], child.exitcode, child.pid)  # fmt: skip


def _wait_and_kill(child: Any, counters: Any, times: Any, kill: KillPoint) -> bool:
    deadline = time.monotonic() + CHILD_TIMEOUT
    while child.is_alive() and not counters[STARTED] and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    if kill.seconds is not None:
        time.sleep(max(0.0, times[T_STARTED] + kill.seconds - time.monotonic()))
    else:
        while child.is_alive() and counters[STATEMENTS] < (kill.statements or 0):
            time.sleep(POLL_SECONDS)
    if not child.is_alive():
        return False
    child.kill()  # SIGKILL
    return True


def random_kill_point(rng: random.Random, reference: Run, *, by_time: bool = False) -> KillPoint:
    """Where to kill a trial: after a random one of the statements the uninterrupted run
    executed from its first write on (the operation is writing then), or (``by_time``, for
    work done outside SQLAlchemy, such as SQLite's backup API) after a random part of the
    time it took."""
    if by_time:
        return KillPoint(seconds=rng.uniform(0.0, reference.seconds))
    first = max(1, reference.first_write)
    return KillPoint(statements=rng.randint(first, max(first, reference.statements - 1)))


# --- the child ------------------------------------------------------------------------------


def _child(
    operation: Operation, url: str, data_dir: str, now: datetime, counters: Any, times: Any
) -> None:
    _count_statements(counters)
    settings = Settings(env="test", database_url=url, data_dir=Path(data_dir),
                        **operation.settings)  # fmt: skip
    core = Opportune(settings, clock=lambda: now)
    times[T_STARTED] = time.monotonic()
    counters[STARTED] = 1
    try:
        OPERATIONS[operation.name](core, **operation.params)
    finally:
        core.close()
    times[T_FINISHED] = time.monotonic()
    times[T_CPU] = time.process_time()
    counters[FINISHED] = 1


def _count_statements(counters: Any) -> None:
    def executed(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        counters[STATEMENTS] += 1
        if statement.lstrip().upper().startswith(WRITE_VERBS):
            counters[WRITES] += 1
            counters[FIRST_WRITE] = counters[FIRST_WRITE] or counters[STATEMENTS]

    def committed(*_: object) -> None:
        counters[COMMITS] += 1

    event.listen(Engine, "before_cursor_execute", executed)
    event.listen(Engine, "commit", committed)


def _admin(core: Opportune, email: str) -> Any:
    return core.users.get_by_email(email)


def import_leads(core: Opportune, *, admin: str, path: str) -> None:
    """``opportune import leads FILE``: start the import (the same file's unfinished import
    comes back as it is) and run it to its end."""
    job = core.imports.start(_admin(core, admin), "lead", Path(path))
    core.imports.run(job.id)


def unconverted_leads(core: Opportune, actor: Any) -> list[int]:
    """The leads ``lead convert --where all`` converts, in its order (oldest first)."""
    ids: list[int] = []
    cursor = None
    while True:
        filters = LeadFilters(sort="created_at", limit=core.settings.page_size_max, cursor=cursor)
        page = core.leads.list(actor, filters).page
        ids.extend(lead.id or 0 for lead in page.items)
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


def convert_all(core: Opportune, *, admin: str, batch_size: int, status: str) -> None:
    """``opportune lead convert --where all --yes``: every unconverted lead, in batches."""
    from opportune.services.conversions import ConvertRequest

    actor = _admin(core, admin)
    core.conversions.batch_size = batch_size
    options = {"converted_status": status}
    requests = [ConvertRequest(i, options) for i in unconverted_leads(core, actor)]
    core.conversions.convert_many(actor, requests)


def merge_accounts(core: Opportune, *, admin: str, master_id: int, ids: list[int]) -> None:
    """``opportune merge accounts IDS --master ID --yes``."""
    core.merges.merge(_admin(core, admin), "account", master_id, ids)


def restore_from_bin(core: Opportune, *, admin: str, entry_id: int) -> None:
    """``opportune recycle-bin restore ID``."""
    core.recycle_bin.restore(_admin(core, admin), entry_id)


def restore_backup(core: Opportune, *, path: str) -> None:
    """``opportune restore FILE``."""
    core.backups.restore(Path(path))


OPERATIONS: dict[str, Callable[..., None]] = {
    "import_leads": import_leads,
    "convert_all": convert_all,
    "merge_accounts": merge_accounts,
    "restore_from_bin": restore_from_bin,
    "restore_backup": restore_backup,
}
