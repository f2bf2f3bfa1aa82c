"""Reports benchmark: every report and the whole dashboard over 1,000,000 leads and 200,000
opportunities with their history, on SQLite and PostgreSQL.

Run by hand (``.venv/bin/python bench/reports.py --database both``); results go into
docs/benchmarks.md with the machine and date. For each database it migrates a fresh
database, generates the data set set-based (see report_data.py: ``executemany`` on SQLite,
``COPY`` on PostgreSQL, indexes rebuilt once, then ``ANALYZE``), and times:

- every report of ``REPORTS`` through ``core.reports.run(admin, name, ReportRequest())``
  (no filters) and with a typical filter (one owner, one lead source, the last 12 months):
  the median of 5 runs after one warm-up run (just the warm-up when it took over ten times
  the goal); a report with no runner yet shows "not implemented"; one still running after
  ``--timeout`` seconds (default 120) is stopped and shown as such;
- the whole dashboard: the median of 3 ``GET /dashboard`` renders through the ASGI app,
  signed in as the admin (in process, with Starlette's TestClient, so no network time);
  while that page does not exist, ``core.reports.dashboard(...)``; while reports are
  missing, the sum of the reports' medians;
- the raw limit in the same run: the simplest aggregate over the same tables through the
  driver (leads by status, opportunities by stage with the amount summed).

``--keep PATH`` keeps the data set (SQLite file ``PATH.db``, PostgreSQL database named after
PATH's last part) and ``--reuse`` times a kept one again without generating it (migrations
added since, such as a new index, are applied, then ``ANALYZE`` runs again).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from opportune import Opportune, Settings, User
from opportune.api import create_app
from opportune.domain.reports.catalog import REPORTS
from opportune.domain.reports.model import ReportRequest
from opportune.services.reports.runners import RUNNERS
from report_data import ADMIN_EMAIL, PASSWORD, DataSpec, generate

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RUNS, PAGE_RUNS = 5, 3
REPORT_GOAL_MS, PAGE_GOAL_MS = 1000, 2000
NOT_IMPLEMENTED = "not implemented"
FILTERED = "owner, source, 12 months"
RAW = {
    "raw: leads by status": "SELECT status_id, count(*) FROM leads GROUP BY status_id",
    "raw: opportunities by stage":
        "SELECT stage_id, count(*), sum(amount) FROM opportunities GROUP BY stage_id",
}  # fmt: skip
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Timing:
    """One figure: milliseconds of each run (after a warm-up), or why there are none."""

    goal_ms: float | None
    runs: list[float] = field(default_factory=list)
    first_ms: float | None = None
    status: str = "ok"
    how: str = ""
    note: str = ""

    @property
    def median(self) -> float | None:
        """The median run, in ms."""
        return statistics.median(self.runs) if self.runs else None

    def as_dict(self) -> dict[str, Any]:
        """For the JSON output."""
        return {"median_ms": _round(self.median), "first_ms": _round(self.first_ms),
                "runs_ms": [_round(r) for r in self.runs], "goal_ms": self.goal_ms,
                "status": self.status, "how": self.how, "note": self.note}  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class Deadline:
    """``--timeout``: a statement still running that long is stopped, so one pathological
    report cannot hold up the whole run (PostgreSQL's ``statement_timeout`` per statement;
    on SQLite a progress handler that interrupts the run once it is over time)."""

    def __init__(self) -> None:
        self.seconds = 120.0
        self.at: float | None = None

    def install(self, core: Opportune) -> None:
        """Apply to every connection ``core`` opens from now on."""
        if core.engine.dialect.name == "sqlite":
            event.listen(core.engine, "connect", self._sqlite)
        else:
            event.listen(core.engine, "connect", self._postgres)
        core.engine.dispose()

    def _sqlite(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_progress_handler(self._over, 10_000)

    def _over(self) -> int:
        return int(self.at is not None and time.monotonic() > self.at)

    def _postgres(self, dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(self.seconds * 1000)}")
        dbapi_connection.commit()

    def stopped(self, exc: Exception) -> bool:
        """Whether ``exc`` is this deadline stopping a statement."""
        return any(m in str(exc) for m in ("interrupted", "statement timeout"))


DEADLINE = Deadline()


def timed(action: Callable[[], object], runs: int, goal_ms: float | None, how: str = "") -> Timing:
    """``action`` once to warm up, then ``runs`` times (just once when the warm-up took more
    than ten times the goal); an exception is reported, not raised."""
    timing = Timing(goal_ms, how=how)
    try:
        timing.first_ms = _ms(action)
        if goal_ms and timing.first_ms > 10 * goal_ms:
            timing.runs, timing.note = [timing.first_ms], "one run: over 10x the goal"
        else:
            timing.runs = [_ms(action) for _ in range(runs)]
    except Exception as exc:  # a failing report must not stop the benchmark
        timing.runs = []
        timing.status = (
            f"stopped after {DEADLINE.seconds:.0f} s"
            if DEADLINE.stopped(exc)
            else f"error: {type(exc).__name__}: {str(exc)[:300]}"
        )
    return timing


def _ms(action: Callable[[], object]) -> float:
    DEADLINE.at = time.monotonic() + DEADLINE.seconds
    started = time.perf_counter()
    try:
        action()
    finally:
        DEADLINE.at = None
    return (time.perf_counter() - started) * 1000


# --- databases ---------------------------------------------------------------------------


def sqlite_url(keep: str | None, reuse: bool, folder: Path) -> str:
    """The SQLite file: kept at ``keep`` (+ ``.db``), else in a temporary folder. A kept
    file is started afresh unless reused."""
    path = Path(keep if keep.endswith(".db") else f"{keep}.db") if keep else folder / "reports.db"
    if keep and not reuse:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


@contextmanager
def postgres_url(server: str, keep: str | None, reuse: bool) -> Iterator[str]:
    """A database on ``server``: named after ``keep`` and kept (dropped first unless
    reused), else uniquely named and dropped at the end."""
    url = make_url(server)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = _pg_name(keep) if keep else f"bench_reports_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        if keep and not reuse:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _pg_name(keep: str) -> str:
    stem = Path(keep).name.removesuffix(".db").lower()
    return re.sub(r"[^a-z0-9_]", "_", stem)[:60] or "bench_reports_keep"


# --- the data set ------------------------------------------------------------------------


def prepare(core: Opportune, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the data set, or (``--reuse``) check the kept one and analyse it again."""
    core.migrate()
    with core.engine.connect() as conn:
        leads = conn.execute(text("SELECT count(*) FROM leads")).scalar_one()
        deals = conn.execute(text("SELECT count(*) FROM opportunities")).scalar_one()
    if leads == 0 and deals == 0:
        spec = DataSpec(args.leads, args.opportunities, core.reports.clock())
        stats = generate(core, spec)
        return {"reused": False, "rows": stats.rows, "seconds": stats.seconds,
                "total_rows": stats.total_rows, "total_seconds": stats.total_seconds,
                "rows_per_s": stats.total_rows / stats.total_seconds}  # fmt: skip
    if not args.reuse or (leads, deals) != (args.leads, args.opportunities):
        raise SystemExit(
            f"The kept data set holds {leads:,} leads and {deals:,} opportunities; "
            f"asked for {args.leads:,} and {args.opportunities:,}. Run without --reuse "
            "(or with matching counts) to generate it."
        )
    return {"reused": True, "seconds": {"analyze": analyze(core)}}


def analyze(core: Opportune) -> float:
    """Gather statistics again (a reused data set may have new indexes); seconds taken."""
    started = time.perf_counter()
    if core.engine.dialect.name == "sqlite":
        with core.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with core.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- what is timed -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subjects:
    """Who runs the reports and the typical filter."""

    admin: User
    request: ReportRequest
    query: str


def subjects(core: Opportune) -> Subjects:
    """The admin; one owner, the first lead source and the last 12 months as the filter."""
    admin = core.users.get_by_email(ADMIN_EMAIL)
    owner = core.users.get_by_email("owner01@example.com")
    with core.engine.connect() as conn:
        source = conn.execute(
            text("SELECT label FROM lead_sources ORDER BY sort_order LIMIT 1")
        ).scalar_one()
    today = core.reports.today()
    start = today - timedelta(days=364)
    request = ReportRequest(date_from=start, date_to=today, owner=(str(owner.id),),
                            lead_source=(source,))  # fmt: skip
    query = urlencode({"owner": owner.id, "lead_source": source, "date_from": start.isoformat(),
                       "date_to": today.isoformat()})  # fmt: skip
    return Subjects(admin, request, query)


def measure(core: Opportune) -> dict[str, Timing]:
    """Every figure for one database, in the order the table shows them."""
    who = subjects(core)
    figures = {label: raw(core, sql) for label, sql in RAW.items()}
    for name in REPORTS:
        figures[name] = report(core, who.admin, name, ReportRequest())
        figures[f"{name} · {FILTERED}"] = report(core, who.admin, name, who.request)
    figures |= dashboard(core, who, figures)
    return figures


def raw(core: Opportune, sql: str) -> Timing:
    """The statement alone through the driver's own connection."""
    conn = core.engine.raw_connection()

    def run() -> None:
        cursor = conn.cursor()
        cursor.execute(sql)
        cursor.fetchall()
        cursor.close()

    try:
        return timed(run, RUNS, None, how="driver")
    finally:
        conn.close()


def report(core: Opportune, admin: User, name: str, request: ReportRequest) -> Timing:
    """One report through the library, or "not implemented" while it has no runner."""
    if name not in RUNNERS:
        return Timing(REPORT_GOAL_MS, status=NOT_IMPLEMENTED)
    return timed(lambda: core.reports.run(admin, name, request), RUNS, REPORT_GOAL_MS, "library")


def dashboard(core: Opportune, who: Subjects, figures: dict[str, Timing]) -> dict[str, Timing]:
    """The dashboard, unfiltered and filtered: the page when it exists and every report
    does; else the service's ``dashboard``; else the sum of the reports' medians."""
    label, filtered = "dashboard", f"dashboard · {FILTERED}"
    if any(name not in RUNNERS for name in REPORTS):
        return {label: _summed(figures, ""), filtered: _summed(figures, f" · {FILTERED}")}
    client = signed_in(create_app(core=core), who.admin)
    plain: Callable[[], object]
    chosen: Callable[[], object]
    if has_page(client, "/dashboard"):
        plain, chosen = _page(client, "/dashboard"), _page(client, f"/dashboard?{who.query}")
        how = "GET /dashboard page"
    else:
        service, how = core.reports.dashboard, "core.reports.dashboard()"
        plain = partial(service, who.admin, ReportRequest())
        chosen = partial(service, who.admin, who.request)
    return {label: timed(plain, PAGE_RUNS, PAGE_GOAL_MS, how),
            filtered: timed(chosen, PAGE_RUNS, PAGE_GOAL_MS, how)}  # fmt: skip


def _summed(figures: dict[str, Timing], suffix: str) -> Timing:
    """While reports are missing: the sum of the medians of those that exist."""
    medians = [figures[f"{name}{suffix}"].median for name in REPORTS]
    known = [m for m in medians if m is not None]
    how = f"sum of {len(known)} of {len(medians)} reports (not all implemented)"
    return Timing(PAGE_GOAL_MS, runs=[sum(known)], status="partial", how=how)


def signed_in(app: Any, user: User) -> TestClient:
    """A client of the whole app with a session for ``user`` (through the login form)."""
    client = TestClient(app, follow_redirects=False)
    token = CSRF.search(client.get("/login").text)
    assert token, "no CSRF token on the login page"
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 303, "sign-in failed"
    return client


def has_page(client: TestClient, url: str) -> bool:
    """Whether the app has a route for ``url`` (a HEAD request answers 404 when it has none,
    405 when only GET is routed, without running the page)."""
    return client.head(url).status_code != 404


def _page(client: TestClient, url: str) -> Callable[[], None]:
    def run() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    return run


# --- output --------------------------------------------------------------------------------


def run_database(kind: str, url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare the data set and time everything on one database."""
    core = Opportune(Settings(env="test", database_url=url, data_dir=data_dir))
    try:
        generation = prepare(core, args)
        print(generation_line(kind, generation, args), flush=True)
        DEADLINE.install(core)
        figures = measure(core)
    finally:
        core.close()
    return {"generation": generation, "timings": figures, "peak_memory_mb": peak_memory_mb()}


def generation_line(kind: str, g: dict[str, Any], args: argparse.Namespace) -> str:
    """How the data set was made, in one line."""
    secs = g["seconds"]
    if g["reused"]:
        return f"{NAMES[kind]}: reused the kept data set (ANALYZE {secs['analyze']:.1f} s)"
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in secs.items())
    return (f"{NAMES[kind]}: generated {args.leads:,} leads, {args.opportunities:,} "
            f"opportunities, {g['total_rows']:,} rows in all in {g['total_seconds']:.1f} s "
            f"({g['rows_per_s']:,.0f} rows/s; {phases}); peak memory so far "
            f"{peak_memory_mb():,.0f} MB")  # fmt: skip


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(results: dict[str, dict[str, Any]]) -> str:
    """The Markdown table: each figure per database, its goal, and whether it is met."""
    kinds = list(results)
    lines = ["| report | " + " | ".join(f"{NAMES[k]} ms" for k in kinds) + " | goal | ok/over |",
             "|---" * (len(kinds) + 3) + "|"]  # fmt: skip
    for label in next(iter(results.values()))["timings"]:
        cells = [results[k]["timings"][label] for k in kinds]
        shown = f"{label} ({cells[0].how})" if label.startswith("dashboard") else label
        goal = f"< {cells[0].goal_ms:,.0f} ms" if cells[0].goal_ms else "—"
        values = " | ".join(_cell(c) for c in cells)
        lines.append(f"| {shown} | {values} | {goal} | {_verdict(cells)} |")
    return "\n".join(lines)


def _cell(timing: Timing) -> str:
    if timing.status.startswith("stopped"):
        return f"> {DEADLINE.seconds * 1000:,.0f} (stopped)"
    if timing.median is None:
        return "error" if timing.status.startswith("error") else timing.status
    note = " (1 run)" if timing.note else ""
    return f"{timing.median:,.1f}{note}"


def _verdict(cells: list[Timing]) -> str:
    if any(c.status.startswith("stopped") for c in cells):
        return "over"
    measured = [c.median for c in cells if c.median is not None and c.goal_ms]
    if not measured:
        return "—"
    goal = cells[0].goal_ms or 0
    return "over" if any(m >= goal for m in measured) else "ok"


def errors(results: dict[str, dict[str, Any]]) -> list[str]:
    """The figures that failed, with their messages."""
    return [f"{NAMES[kind]} · {label}: {timing.status}"
            for kind, result in results.items()
            for label, timing in result["timings"].items()
            if timing.status.startswith(("error", "stopped"))]  # fmt: skip


def main() -> None:
    """Parse the options, run each database, print the table (and write the JSON)."""
    args = parse_args()
    DEADLINE.seconds = args.timeout
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    meta = {"machine": platform.node(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "date": datetime.now(UTC).date().isoformat(),
            "leads": args.leads, "opportunities": args.opportunities}  # fmt: skip
    print(" · ".join(f"{k} {v}" for k, v in meta.items()), flush=True)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for kind in kinds:
            if kind == "sqlite":
                url = sqlite_url(args.keep, args.reuse, work)
                results[kind] = run_database(kind, url, work / "sqlite-data", args)
            else:
                with postgres_url(args.postgres, args.keep, args.reuse) as url:
                    results[kind] = run_database(kind, url, work / "pg-data", args)
    print("\n" + table(results) + "\n")
    for line in errors(results):
        print(line)
    print(f"Peak memory: {peak_memory_mb():,.0f} MB")
    if args.json:
        write_json(Path(args.json), meta, results)


def write_json(path: Path, meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    """Every figure, with the generation details, as JSON."""
    out = {"meta": meta, "peak_memory_mb": round(peak_memory_mb()), "databases": {
        kind: {**r, "timings": {k: v.as_dict() for k, v in r["timings"].items()}}
        for kind, r in results.items()}}  # fmt: skip
    path.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=200_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default=PG_SERVER, metavar="URL",
                        help="a URL of the PostgreSQL server (trust auth); a database is "
                        "created on it and dropped at the end unless --keep")  # fmt: skip
    parser.add_argument("--keep", metavar="PATH/NAME",
                        help="keep the data set: SQLite file PATH(.db), PostgreSQL database "
                        "named after PATH's last part; replaced unless --reuse")  # fmt: skip
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the data set kept by --keep without generating it",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="stop a report (on PostgreSQL a statement) running longer "
                        "than this")  # fmt: skip
    args = parser.parse_args()
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep PATH/NAME (the data set to reuse)")
    return args


if __name__ == "__main__":
    main()
