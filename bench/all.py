"""Every benchmark in bench/ at every size on every database; ``make bench`` runs it.

``.venv/bin/python bench/all.py --write`` runs leads.py, duplicates.py, convert.py,
import.py, reports.py, board.py and pipeline.py at 10,000, 100,000 and 1,000,000 leads on
SQLite and PostgreSQL, each as a child process of this interpreter with ``--json``, then
release_compare.py with this checkout and with the previous release when one is installed
(``make bench-previous``), and bench/load.py once at the end when it exists. Each
PostgreSQL run gets a database of its own on the ``--postgres`` server, dropped afterwards.
Sizes are leads; board.py and pipeline.py get one open opportunity per ten leads,
reports.py one opportunity per five (as its own default data set has).

Every child's JSON and log are kept in ``--json-dir`` (default ``.bench/results``), with
``summary.json`` holding the normalised figures. ``--write`` replaces the generated section
of docs/benchmarks.md (between the ``bench/all.py`` markers; the hand-written sections stay):
the machine, versions, how long each size took, the growth table (each latency beside its
raw limit from the same run, classified flat, logarithmic or linear by bench/growth.py),
bulk rates against their raw limits, and the previous-release comparison. ``--merge`` adds
the figures of earlier runs kept in ``--json-dir`` (for sizes or benchmarks not run now), so
a 1,000,000-lead run can be added to an earlier 10,000 and 100,000 one.

Measured runs never overlap another benchmark: each child runs holding an exclusive
``flock`` on /tmp/opportune-bench.lock (``--no-lock`` when the caller already holds it).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from growth import (
    Figure,
    GrowthRow,
    growth,
    growth_rows,
    growth_table,
    replace_section,
    size_label,
    steps_text,
    verdict,
)
from growth import ms as fmt_ms

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOCS = REPO / "docs" / "benchmarks.md"
LOCK = Path("/tmp/opportune-bench.lock")  # noqa: S108 - shared with the other benchmarks
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DATABASES = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RELEASE_N = 300
HEADING = "## Every benchmark at every size (`make bench`)"


# --- the benchmarks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    """A benchmark script: its command line for a size and a database, how its JSON turns
    into figures, and the prefix of the PostgreSQL databases it creates."""

    name: str
    script: str
    args: Callable[[int, str, str], list[str]]  # size, database, server URL
    extract: Callable[[dict[str, Any], int, str], list[dict[str, Any]]]
    pg_prefix: str


def _pg(database: str, server: str, *, flag: str = "--skip-sqlite") -> list[str]:
    """Options for scripts that run SQLite and add PostgreSQL with ``--postgres``."""
    return [flag, "--postgres", server] if database == "postgresql" else []


def _db(database: str, server: str) -> list[str]:
    """Options for scripts with ``--database`` and ``--postgres``."""
    return ["--database", database, "--postgres", server]


def latency(
    bench: str,
    operation: str,
    database: str,
    size: int,
    value: float | None,
    raw: float | None = None,
    raw_label: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """A latency figure (ms) as summary.json keeps it."""
    return {
        "benchmark": bench,
        "kind": "latency",
        "operation": operation,
        "database": database,
        "size": size,
        "value": value,
        "raw": raw,
        "raw_label": raw_label,
        **extra,
    }


def rate(
    bench: str,
    operation: str,
    database: str,
    size: int,
    value: float | None,
    raw: float | None,
    raw_label: str,
    **extra: Any,
) -> dict[str, Any]:
    """A throughput figure (items per second) as summary.json keeps it."""
    return {
        "benchmark": bench,
        "kind": "rate",
        "operation": operation,
        "database": database,
        "size": size,
        "value": value,
        "raw": raw,
        "raw_label": raw_label,
        **extra,
    }


def _leads(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    pages, create = data["pages"], data["create"]
    page_raw = "status + owner SELECT through the driver"

    def page(name: str) -> float:
        return float(pages[name]["median_ms"])

    return [
        latency(
            "leads",
            "list page: status + owner, 50 rows",
            db,
            size,
            page("status + owner, by created date, 50 rows"),
            data["raw_page_ms"],
            page_raw,
        ),
        latency(
            "leads",
            "list page: next page (keyset cursor)",
            db,
            size,
            page("same, next page (keyset cursor)"),
            data["raw_page_ms"],
            page_raw,
        ),
        latency(
            "leads",
            "list page: all open leads, 50 rows",
            db,
            size,
            page("all open leads, by created date, 50 rows"),
        ),
        latency(
            "leads",
            "list page: search by name, company, email",
            db,
            size,
            page("search 'Last4242', 50 rows"),
        ),
        latency(
            "leads",
            "list page: status + owner with total count",
            db,
            size,
            page("status + owner with total count"),
        ),
        latency(
            "leads",
            "view one lead (`LeadService.get`)",
            db,
            size,
            data["view"]["median_ms"],
            data["raw_view_ms"],
            "SELECT by id through the driver",
        ),
        rate(
            "leads",
            "bulk lead create (`create_many`)",
            db,
            size,
            create["leads_per_s"],
            create["raw_leads_per_s"],
            "sqlite3 executemany" if db == "sqlite" else "COPY",
        ),
    ]


def _duplicates(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    (result,) = [r for r in data["results"] if r["database"] == db]
    return [
        latency(
            "duplicates",
            "duplicate check of one lead (`screen_duplicates`)",
            db,
            size,
            result["median_ms"],
            result.get("raw_median_ms"),
            "its four key lookups through the driver",
            p99_ms=result["p99_ms"],
            matched=result["matched"],
        )
    ]


def _convert(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    (result,) = [r for r in data["results"] if r["database"] == NAMES[db]]
    n = result["n"]
    figures = [
        latency(
            "convert",
            "convert one lead (bulk `convert_many`, per lead)",
            db,
            size,
            1000 * result["bulk_seconds"] / n,
            1000 * result["raw_seconds"] / n,
            "the same writes in plain Core, per lead",
        ),
        rate(
            "convert",
            "bulk conversion (`convert_many`)",
            db,
            size,
            result["bulk_leads_per_s"],
            result["raw_leads_per_s"],
            "plain Core executemany",
        ),
    ]
    if result.get("single_per_s"):
        figures.append(
            latency(
                "convert",
                "convert one lead (`POST /api/v1/leads/{id}/convert`)",
                db,
                size,
                1000 / result["single_per_s"],
            )
        )
    return figures


def _import(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    (result,) = [r for r in data["results"] if r["database"] == db]
    return [
        rate(
            "import",
            "CSV import, every check on (`ImportService`)",
            db,
            size,
            result["import_rows_per_s"],
            result["raw_rows_per_s"],
            "sqlite3 executemany" if db == "sqlite" else "COPY",
            peak_memory_mb=result["peak_memory_mb"],
        )
    ]


LEAD_RAW, DEAL_RAW = "raw: leads by status", "raw: opportunities by stage"


def _reports(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    timings = data["databases"][db]["timings"]
    raws = {k: timings[k]["median_ms"] for k in (LEAD_RAW, DEAL_RAW)}
    figures = []
    for label, timing in timings.items():
        if label.startswith("raw:") or timing["median_ms"] is None:
            continue
        if " · " in label and not label.startswith("dashboard"):
            continue  # each report filtered: in the run's JSON; the table keeps the dashboard's
        if label.startswith("dashboard"):
            raw = (raws[LEAD_RAW] or 0) + (raws[DEAL_RAW] or 0)
            raw_label = "leads by status + opportunities by stage"
        elif label.startswith(("lead-", "source-")):
            raw, raw_label = raws[LEAD_RAW], "leads by status (GROUP BY over the table)"
        else:
            raw, raw_label = raws[DEAL_RAW], "opportunities by stage (GROUP BY over the table)"
        operation = f"report: {label}" if not label.startswith("dashboard") else label
        figures.append(
            latency(
                "reports",
                operation.replace("dashboard", "dashboard page", 1),
                db,
                size,
                timing["median_ms"],
                raw,
                raw_label,
            )
        )
    return figures


def _board(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    f = data["figures"]
    raw, raw_label = f["raw_board"]["median_ms"], "the board's SQL through the driver"
    return [
        latency(
            "board",
            "board: `GET /pipeline` page",
            db,
            size,
            f["page"]["median_ms"],
            raw,
            raw_label,
            opportunities=data["n"],
        ),
        latency(
            "board",
            "board: `OpportunityService.board()`",
            db,
            size,
            f["board"]["median_ms"],
            raw,
            raw_label,
        ),
        latency("board", "board: a column's Load more", db, size, f["load_more"]["median_ms"]),
        latency("board", "board: move a card (`POST`)", db, size, f["move"]["median_ms"]),
    ]


def _pipeline(data: dict[str, Any], size: int, db: str) -> list[dict[str, Any]]:
    return [
        latency(
            "pipeline",
            "board: `board_column` for each open column (REST path)",
            db,
            size,
            data["board_column_ms"],
            data["raw_ms"],
            "the columns' statements through the driver",
        )
    ]


BENCHES = {
    b.name: b
    for b in (
        Bench(
            "leads",
            "leads.py",
            lambda n, db, pg: ["--n", str(n), *_db(db, pg)],
            _leads,
            "bench_leads_",
        ),
        Bench(
            "duplicates",
            "duplicates.py",
            lambda n, db, pg: ["--n", str(n), "--probes", "1000", *_pg(db, pg)],
            _duplicates,
            "bench_dups_",
        ),
        Bench(
            "convert",
            "convert.py",
            lambda n, db, pg: ["--n", str(n), "--single", "1000", *_pg(db, pg)],
            _convert,
            "bench_convert_",
        ),
        Bench(
            "import",
            "import.py",
            lambda n, db, pg: ["--rows", str(n), *_pg(db, pg)],
            _import,
            "bench_import_",
        ),
        Bench(
            "reports",
            "reports.py",
            lambda n, db, pg: ["--leads", str(n), "--opportunities", str(n // 5), *_db(db, pg)],
            _reports,
            "bench_reports_",
        ),
        Bench(
            "board",
            "board.py",
            lambda n, db, pg: ["--n", str(max(n // 10, 500)), *_db(db, pg)],
            _board,
            "bench_board_",
        ),
        Bench(
            "pipeline",
            "pipeline.py",
            lambda n, db, pg: ["--n", str(max(n // 10, 500)), *_db(db, pg)],
            _pipeline,
            "bench_pipeline_",
        ),
    )
}
EXTRA = ("release", "load")  # run once at the end, not per size
# The operations whose cost must not grow linearly with the number of leads.
MUST_STAY_FLAT = (
    "list page: status + owner",
    "list page: next page",
    "view one lead",
    "duplicate check",
    "convert one lead",
    "report:",
    "dashboard page",
    "board:",
)


# --- running children ------------------------------------------------------------------------


@contextlib.contextmanager
def bench_lock(enabled: bool) -> Iterator[float]:
    """Hold the shared benchmark lock (yields the seconds spent waiting for it)."""
    if not enabled:
        yield 0.0
        return
    with LOCK.open("a") as handle:
        started = time.monotonic()
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pg_databases(server: str) -> set[str]:
    """The databases on the PostgreSQL server (empty when it cannot be reached)."""
    import psycopg

    try:
        with psycopg.connect(_dsn(server), autocommit=True) as conn:
            return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
    except psycopg.Error:
        return set()


def drop_leftovers(server: str, before: set[str], prefix: str) -> list[str]:
    """Drop databases named ``prefix...`` that a failed child created and left behind."""
    import psycopg

    left = sorted(n for n in pg_databases(server) - before if n.startswith(prefix))
    if left:
        with psycopg.connect(_dsn(server), autocommit=True) as conn:
            for name in left:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return left


def _dsn(server: str) -> str:
    """A SQLAlchemy or libpq URL as a libpq one (admin database ``postgres``)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", server)


def sqlalchemy_url(server: str) -> str:
    """The server URL with the psycopg 3 driver named, as the scripts expect."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", server)


@dataclass
class Child:
    """How one child benchmark ended."""

    status: str  # ok, failed (exit N), timed out
    seconds: float
    waited: float
    log: Path
    tail: str


def run_child(
    command: list[str],
    log: Path,
    *,
    lock: bool,
    timeout: float | None,
    cleanup: Callable[[], list[str]] | None = None,
) -> Child:
    """Run ``command`` (holding the lock), its output to ``log``; stop its process group
    after ``timeout`` seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    (log.parent.parent / "runs").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPPORTUNE_BENCH_LOCK_HELD": "1"}
    with bench_lock(lock) as waited, log.open("w", encoding="utf-8") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        started = time.monotonic()
        proc = subprocess.Popen(  # noqa: S603 - our own scripts
            command,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=timeout)
            status = "ok" if code == 0 else f"failed (exit {code})"
        except subprocess.TimeoutExpired:
            _stop(proc)
            status = f"timed out after {timeout:,.0f} s"
        except BaseException:  # stopped (SIGTERM, Ctrl-C): the child's group goes too
            _stop(proc)
            if cleanup:
                cleanup()
            raise
        seconds = time.monotonic() - started
    left = cleanup() if cleanup and status != "ok" else []
    if left:
        status += f"; dropped leftover {', '.join(left)}"
    return Child(status, seconds, waited, log, _tail(log))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the child's process group (this child and what it started), gently first."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " / ".join(line.strip() for line in text[-lines:])[:400]


def say(message: str) -> None:
    """A progress line with the time."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Options:
    """The parsed command line."""

    sizes: list[int]
    databases: list[str]
    only: list[str]
    postgres: str
    write: bool
    json_dir: Path
    merge: bool
    lock: bool
    timeout: float | None
    previous_python: str | None
    render_only: bool


def run_benchmarks(opts: Options, summary: dict[str, Any]) -> None:
    """Every selected benchmark at every size on every database; figures into ``summary``."""
    server = sqlalchemy_url(opts.postgres)
    for size in opts.sizes:
        size_started = time.monotonic()
        for db in opts.databases:
            for name in (n for n in BENCHES if n in opts.only):
                bench = BENCHES[name]
                key = f"{name}-{db}-{size}"
                out = opts.json_dir / "runs" / f"{key}.json"
                out.unlink(missing_ok=True)
                command = [
                    sys.executable,
                    str(HERE / bench.script),
                    *bench.args(size, db, server),
                    "--json",
                    str(out),
                ]
                before = pg_databases(server) if db == "postgresql" else set()
                cleanup = (
                    (lambda b=before, p=bench.pg_prefix: drop_leftovers(server, b, p))
                    if db == "postgresql"
                    else None
                )
                say(f"{name} · {NAMES[db]} · {size:,} leads ...")
                child = run_child(
                    command,
                    opts.json_dir / "logs" / f"{key}.log",
                    lock=opts.lock,
                    timeout=opts.timeout,
                    cleanup=cleanup,
                )
                record = {
                    "benchmark": name,
                    "database": db,
                    "size": size,
                    "seconds": round(child.seconds, 1),
                    "waited": round(child.waited, 1),
                    "status": child.status,
                    "command": command[1:],
                    "log": str(child.log),
                    "finished": _now(),
                    "figures": [],
                }
                if child.status == "ok":
                    try:
                        data = json.loads(out.read_text(encoding="utf-8"))
                        record["figures"] = bench.extract(data, size, db)
                    except (OSError, ValueError, KeyError, TypeError) as exc:
                        record["status"] = f"no figures: {type(exc).__name__}: {exc}"
                else:
                    record["tail"] = child.tail
                summary["runs"][key] = record
                save_summary(opts.json_dir, summary)
                say(
                    f"  {child.status} in {child.seconds:,.1f} s"
                    + (f" (waited {child.waited:,.0f} s for the lock)" if child.waited > 1 else "")
                )
        took = time.monotonic() - size_started
        summary["sizes"][str(size)] = {
            "seconds": round(took, 1),
            "finished": _now(),
            "databases": opts.databases,
            "benchmarks": [n for n in BENCHES if n in opts.only],
        }
        say(f"size {size:,} done in {took / 60:,.1f} min")
        save_summary(opts.json_dir, summary)
        if opts.write:
            write_docs(summary)


def run_release(opts: Options, summary: dict[str, Any]) -> None:
    """The lead-create and lead-convert workload with this code and the previous release."""
    previous = find_previous(opts.previous_python)
    server = sqlalchemy_url(opts.postgres)
    results: dict[str, Any] = {
        "previous_python": str(previous) if previous else None,
        "previous_release": _release_label(previous),
        "runs": [],
    }
    pythons = [("this checkout", sys.executable)]
    if previous:
        pythons.append(("previous release", str(previous)))
    for db in opts.databases:
        for who, python in pythons:
            key = f"release-{db}-{'current' if who == 'this checkout' else 'previous'}"
            out = opts.json_dir / "runs" / f"{key}.json"
            out.unlink(missing_ok=True)
            command = [
                python,
                str(HERE / "release_compare.py"),
                "--n",
                str(RELEASE_N),
                *_db(db, server),
                "--json",
                str(out),
            ]
            say(f"release workload · {who} · {NAMES[db]} ...")
            before = pg_databases(server) if db == "postgresql" else set()
            child = run_child(
                command,
                opts.json_dir / "logs" / f"{key}.log",
                lock=opts.lock,
                timeout=opts.timeout,
                cleanup=(lambda b=before: drop_leftovers(server, b, "bench_release_"))
                if db == "postgresql"
                else None,
            )
            entry: dict[str, Any] = {
                "who": who,
                "database": db,
                "status": child.status,
                "seconds": round(child.seconds, 1),
            }
            if child.status == "ok":
                entry["result"] = json.loads(out.read_text(encoding="utf-8"))
            else:
                entry["tail"] = child.tail
            results["runs"].append(entry)
            say(f"  {child.status} in {child.seconds:,.1f} s")
    summary["release"] = results
    save_summary(opts.json_dir, summary)


def run_load(opts: Options, summary: dict[str, Any]) -> None:
    """bench/load.py once (another helper's HTTP load benchmark), when it exists."""
    script = HERE / "load.py"
    if not script.exists():
        summary["load"] = {"status": "bench/load.py does not exist yet"}
        return
    out = opts.json_dir / "runs" / "load.json"
    out.unlink(missing_ok=True)
    # A script that takes the shared lock itself must not wait for ours.
    locks_itself = LOCK.name in script.read_text(encoding="utf-8")
    say("load.py ...")
    child = run_child(
        [
            sys.executable,
            str(script),
            "--postgres",
            sqlalchemy_url(opts.postgres),
            "--json",
            str(out),
        ],
        opts.json_dir / "logs" / "load.log",
        lock=opts.lock and not locks_itself,
        timeout=opts.timeout,
    )
    table = [
        line for line in child.log.read_text(encoding="utf-8").splitlines() if line.startswith("|")
    ]
    summary["load"] = {
        "status": child.status,
        "seconds": round(child.seconds, 1),
        "json": str(out) if out.exists() else None,
        "table": table,
        "tail": child.tail,
    }
    say(f"  {child.status} in {child.seconds:,.1f} s")
    save_summary(opts.json_dir, summary)


def find_previous(given: str | None) -> Path | None:
    """The previous release's interpreter: ``--previous-python``, else
    ``$OPPORTUNE_PREVIOUS_PYTHON``, else .bench/previous/bin/python when it exists."""
    for candidate in (given, os.environ.get("OPPORTUNE_PREVIOUS_PYTHON")):
        if candidate:
            path = Path(candidate)
            if not path.exists():
                raise SystemExit(f"previous release interpreter {path} does not exist")
            return path
    default = REPO / ".bench" / "previous" / "bin" / "python"
    return default if default.exists() else None


def _release_label(python: Path | None) -> str | None:
    """What bench-previous installed (its RELEASE file), or the interpreter's path."""
    if python is None:
        return None
    marker = python.parent.parent / "RELEASE"
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    return str(python)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the summary and the docs --------------------------------------------------------------


def load_summary(json_dir: Path, merge: bool) -> dict[str, Any]:
    """A new summary, or with ``merge`` the one kept in ``json_dir``."""
    path = json_dir / "summary.json"
    if merge and path.exists():
        kept: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        kept["machine"] = machine()
        return kept
    return {"machine": machine(), "runs": {}, "sizes": {}, "release": None, "load": None}


def save_summary(json_dir: Path, summary: dict[str, Any]) -> None:
    """Write summary.json (after every child, so an interrupted run keeps what it measured)."""
    json_dir.mkdir(parents=True, exist_ok=True)
    (json_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")


def machine() -> dict[str, Any]:
    """CPU, cores, memory, OS and the versions the figures depend on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory_gib = round(kb / 1024 / 1024, 1)
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _pg_version(),
        "packages": _versions(),
        "commit": _commit(),
    }


def _pg_version() -> str | None:
    import psycopg

    try:
        with psycopg.connect(_dsn(PG_ADMIN), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]).split()[0] if row else None
    except psycopg.Error:
        return None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("opportune", "sqlalchemy", "psycopg", "fastapi", "uvicorn"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def _commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head} (with uncommitted changes)" if dirty else head


def all_figures(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of every successful run, in benchmark order."""
    order = {name: i for i, name in enumerate(BENCHES)}
    runs = sorted(
        summary["runs"].values(), key=lambda r: (order.get(r["benchmark"], 99), r["size"])
    )
    return [f for r in runs for f in r.get("figures", [])]


def render(summary: dict[str, Any]) -> str:
    """The generated section of docs/benchmarks.md."""
    m = summary["machine"]
    figures = all_figures(summary)
    sizes = sorted({f["size"] for f in figures})
    versions = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [
        "Generated by `bench/all.py` (`make bench`); everything between the `bench/all.py`",
        "markers is replaced on each run, so edit the script, not this text. Each benchmark ran",
        "as its own process holding the shared benchmark lock, at each size on each database,",
        "each PostgreSQL run in a fresh database. Sizes are leads (board and pipeline: one open",
        "opportunity per ten leads; reports: one opportunity per five). Raw figures: the",
        "`--json-dir` folder (default `.bench/results`).",
        "",
        f"**{m['date']}**: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}; "
        f"Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '—'}; "
        f"{versions}; commit {m['commit']}.",
        "",
        durations(summary),
        "",
        "### How cost grows with data size",
        "",
        "Median ms of one operation at each size, the raw limit measured in the same run in",
        "brackets. *Per 10x data* is each step's cost ratio brought to a tenfold step; the",
        "worst step classifies the operation: **flat** under 2x, **logarithmic** under 3x,",
        "otherwise **linear or worse**. Goal: no operation's cost grows linearly with the",
        "number of leads except exports and imports.",
        "",
    ]
    latencies = [_figure(f) for f in figures if f["kind"] == "latency" and f["value"]]
    rows = growth_rows(latencies)
    first = {op: i for i, op in reversed(list(enumerate(r.operation for r in rows)))}
    rows.sort(key=lambda r: (first[r.operation], DATABASES.index(r.database)))
    lines += [growth_table(rows, sizes, NAMES), "", *flagged(rows), ""]
    lines += [
        "### Bulk work against its raw limit",
        "",
        "Rates per second; cost per item grows with the data only where the *per item*",
        "column says so (imports may grow; they are bound by the rows they bring).",
        "",
        rates_table([f for f in figures if f["kind"] == "rate"], sizes),
        "",
    ]
    lines += ["### Against the previous release", "", release_text(summary.get("release")), ""]
    load = summary.get("load")
    if load and load.get("table"):
        lines += ["### HTTP load (`bench/load.py`, run once)", "", *load["table"], ""]
    elif load and load.get("status") != "bench/load.py does not exist yet":
        lines += ["### HTTP load (`bench/load.py`, run once)", "", f"{load['status']}.", ""]
    failures = [r for r in summary["runs"].values() if r["status"] != "ok"]
    if failures:
        lines += ["### Runs that did not finish", ""]
        lines += [
            f"- {r['benchmark']} · {NAMES[r['database']]} · {r['size']:,}: {r['status']}"
            f"{' — ' + r['tail'] if r.get('tail') else ''}"
            for r in failures
        ]
    return "\n".join(lines).rstrip() + "\n"


def _figure(f: dict[str, Any]) -> Figure:
    return Figure(
        f["operation"],
        f["database"],
        f["size"],
        float(f["value"]),
        None if f["raw"] is None else float(f["raw"]),
        f["raw_label"],
    )


def durations(summary: dict[str, Any]) -> str:
    """How long each size took, and each benchmark at it."""
    parts = []
    for size, info in sorted(summary["sizes"].items(), key=lambda kv: int(kv[0])):
        runs = [r for r in summary["runs"].values() if r["size"] == int(size)]
        each = ", ".join(
            f"{r['benchmark']} {NAMES[r['database']]} {_minutes(r['seconds'])}" for r in runs
        )
        parts.append(f"{int(size):,} leads: {_minutes(info['seconds'])} ({each})")
    return "Time taken: " + "; ".join(parts) + "." if parts else ""


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def flagged(rows: list[GrowthRow]) -> list[str]:
    """The must-stay-flat operations that grew linearly, as a sentence each."""
    bad = [r for r in rows if r.growth.flagged and r.operation.startswith(MUST_STAY_FLAT)]
    other = [r for r in rows if r.growth.flagged and r not in bad]
    lines = []
    if bad:
        lines.append(
            "**Linear or worse where the goal says flat or logarithmic:** "
            + "; ".join(
                f"{r.operation} ({NAMES[r.database]}, worst step "
                f"{r.growth.worst:.1f}x per 10x; raw limit "
                f"{r.raw_growth.kind or 'not measured'})"
                for r in bad
            )
            + "."
        )
    else:
        lines.append("No operation that must stay flat grew linearly at these sizes.")
    if other:
        lines.append("")
        names = "; ".join(f"{r.operation} ({NAMES[r.database]})" for r in other)
        lines.append(f"Also linear (not among the operations the goal names): {names}.")
    return lines


def rates_table(figures: list[dict[str, Any]], sizes: list[int]) -> str:
    """Markdown: each bulk operation's rate, raw rate and ratio at each size, and how the
    cost of one item grows."""
    groups: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for f in figures:
        groups.setdefault((f["operation"], f["database"]), {})[f["size"]] = f
    head = " | ".join(f"{size_label(s)}: /s (raw, ratio)" for s in sizes)
    lines = [
        f"| work | database | {head} | per item, per 10x data | per item grows |",
        "|---|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for (operation, db), by_size in groups.items():
        cells = []
        for size in sizes:
            f = by_size.get(size)
            if f is None or not f["value"]:
                cells.append("—")
                continue
            ratio = f" {f['value'] / f['raw']:.2f}" if f["raw"] else ""
            cells.append(
                f"{f['value']:,.0f} ({f['raw']:,.0f},{ratio})" if f["raw"] else f"{f['value']:,.0f}"
            )
        per_item = growth({s: 1 / f["value"] for s, f in by_size.items() if f["value"]})
        raw_label = next(iter(by_size.values()))["raw_label"]
        lines.append(
            f"| {operation} (raw: {raw_label}) | {NAMES[db]} | {' | '.join(cells)} | "
            f"{steps_text(per_item)} | {verdict(per_item)} |"
        )
    return "\n".join(lines)


def release_text(release: dict[str, Any] | None) -> str:
    """The comparison table, or why there is none."""
    if not release:
        return "Not run this time (`--only` left it out)."
    runs = release["runs"]
    ok = {(r["who"], r["database"]): r["result"] for r in runs if r["status"] == "ok"}
    intro = (
        f"`bench/release_compare.py`: {RELEASE_N} leads created one by one "
        "(`leads.create`), then converted one by one (`conversions.convert`), through the "
        "public library API, in a fresh database each."
    )
    if not release["previous_python"]:
        return (
            f"{intro} **No previous release installed**: `make bench-previous` installs "
            "the newest release tag older than HEAD into .bench/previous (there was none "
            "to compare with), so only this checkout's figures are shown.\n\n"
            + _release_rows(ok, with_previous=False)
        )
    return (
        f"{intro} Previous: {release['previous_release']} "
        f"(`{release['previous_python']}`).\n\n" + _release_rows(ok, with_previous=True)
    )


def _release_rows(ok: dict[tuple[str, str], dict[str, Any]], *, with_previous: bool) -> str:
    lines = [
        "| workload | database | this checkout: median ms (per s) |"
        + (" previous release: median ms (per s) | change |" if with_previous else ""),
        "|---|---|---|" + ("---|---|" if with_previous else ""),
    ]
    for db in DATABASES:
        for op, label in (("create", "create one lead"), ("convert", "convert one lead")):
            now = ok.get(("this checkout", db))
            before = ok.get(("previous release", db))
            if now is None and before is None:
                continue
            cell_now = _release_cell(now, op)
            row = f"| {label} | {NAMES[db]} | {cell_now} |"
            if with_previous:
                change = "—"
                if now and before:
                    change = f"{now[op]['median_ms'] / before[op]['median_ms'] - 1:+.0%}"
                row += f" {_release_cell(before, op)} | {change} |"
            lines.append(row)
    return "\n".join(lines)


def _release_cell(result: dict[str, Any] | None, op: str) -> str:
    if result is None:
        return "failed"
    return f"{fmt_ms(result[op]['median_ms'])} ({result[op]['per_s']:,.0f})"


def write_docs(summary: dict[str, Any]) -> None:
    """Replace the generated section of docs/benchmarks.md."""
    text = replace_section(DOCS.read_text(encoding="utf-8"), render(summary), HEADING)
    DOCS.write_text(text, "utf-8")
    say(f"wrote {DOCS.relative_to(REPO)}")


# --- the command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> Options:
    """The command line."""
    every = [*BENCHES, *EXTRA]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="leads, comma-separated (default 10000,100000,1000000)",
    )
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="sqlite,postgresql (default both)"
    )
    parser.add_argument(
        "--only",
        default=",".join(every),
        help=f"benchmarks, comma-separated, of {','.join(every)} (default all)",
    )
    parser.add_argument(
        "--postgres",
        default=PG_ADMIN,
        metavar="URL",
        help="admin URL of the PostgreSQL server; every run creates a "
        "database of its own on it and drops it",
    )
    parser.add_argument(
        "--write", action="store_true", help="replace the generated section of docs/benchmarks.md"
    )
    parser.add_argument(
        "--json-dir",
        default=str(REPO / ".bench" / "results"),
        metavar="DIR",
        help="where each run's JSON, log and summary.json are kept",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the figures of earlier runs in --json-dir (other sizes)",
    )
    parser.add_argument(
        "--no-lock",
        action="store_true",
        help="do not take /tmp/opportune-bench.lock (the caller holds it)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=0,
        metavar="SECONDS",
        help="stop a benchmark running longer than this (default: never)",
    )
    parser.add_argument(
        "--previous-python",
        metavar="PATH",
        help="the python of a venv with a previous release installed "
        "(default $OPPORTUNE_PREVIOUS_PYTHON, else .bench/previous/bin/python)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="run nothing: rewrite docs/benchmarks.md from --json-dir",
    )
    args = parser.parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = [n for n in only if n not in every] + [d for d in databases if d not in DATABASES]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return Options(
        sorted(sizes),
        databases,
        only,
        args.postgres,
        args.write or args.render_only,
        Path(args.json_dir),
        args.merge or args.render_only,
        not args.no_lock,
        args.timeout or None,
        args.previous_python,
        args.render_only,
    )


def main(argv: list[str] | None = None) -> int:
    """Run everything asked for; exit 1 when a benchmark failed."""
    opts = parse_args(argv)
    # A SIGTERM stops the running benchmark (its whole process group) and drops its
    # PostgreSQL databases, as Ctrl-C does, instead of leaving them behind.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))
    summary = load_summary(opts.json_dir, opts.merge)
    if opts.render_only:
        write_docs(summary)
        return 0
    started = time.monotonic()
    say(
        f"sizes {', '.join(f'{s:,}' for s in opts.sizes)} · {', '.join(opts.databases)} · "
        f"{', '.join(opts.only)} · results in {opts.json_dir}"
    )
    run_benchmarks(opts, summary)
    if "release" in opts.only:
        run_release(opts, summary)
    if "load" in opts.only:
        run_load(opts, summary)
    summary["machine"] = machine()
    save_summary(opts.json_dir, summary)
    if opts.write:
        write_docs(summary)
    failed = [k for k, r in summary["runs"].items() if r["status"] != "ok"]
    say(
        f"all done in {(time.monotonic() - started) / 60:.1f} min"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
