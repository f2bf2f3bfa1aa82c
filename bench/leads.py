"""Lead benchmark: bulk creation through the service layer and filtered list pages.

Run by hand (``python bench/leads.py --n 100000``, ``--database postgresql`` for a fresh
PostgreSQL database; ``make bench`` runs it at every size through bench/all.py); results go
into docs/benchmarks.md with the machine and date. Each figure is compared with the raw
limit measured in the same run: stdlib sqlite3 ``executemany`` (PostgreSQL: ``COPY``) for
writes, and the same SELECT run through the driver for list pages and for viewing one lead.
``--json FILE`` also writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from sqlalchemy.engine import make_url

from fresh_db import PG_SERVER, fresh_postgres
from opportune import LeadFilters, Opportune, Settings, User
from opportune.services.leads import LeadService

BATCH = 10_000
RAW_COLUMNS = (
    "first_name", "last_name", "company", "email", "status_id", "source_id", "rating",
    "owner_id", "city", "created_at", "updated_at", "created_by_id", "updated_by_id",
)  # fmt: skip
STATUSES = ("Open - Not Contacted", "Working - Contacted")
SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
START = datetime(2026, 1, 1, tzinfo=UTC)


def lead_rows(n: int, owner_ids: list[int], seed: int = 7) -> Iterator[dict[str, object]]:
    """Deterministic, varied lead input rows."""
    rnd = random.Random(seed)
    for i in range(n):
        company = i % 5003
        yield {
            "first_name": f"First{i % 997}",
            "last_name": f"Last{i}",
            "company": f"Company {company}",
            "email": f"lead{i}@company{company}.com",
            "status": rnd.choice(STATUSES),
            "lead_source": rnd.choice(SOURCES),
            "rating": rnd.choice(("Hot", "Warm", "Cold")),
            "owner_id": rnd.choice(owner_ids),
            "city": rnd.choice(("Paris", "Leeds", "Austin")),
        }


def create_leads(core: Opportune, actor: User, n: int, owner_ids: list[int]) -> float:
    """Create ``n`` leads in batches through LeadService.create_many; return seconds."""
    rows = lead_rows(n, owner_ids)
    started = time.perf_counter()
    for batch_no in range(0, n, BATCH):
        # Each batch is stamped a minute later, so the created-date sort has real order.
        when = START + timedelta(minutes=batch_no // BATCH)
        service = LeadService(core.engine, lambda when=when: when)  # type: ignore[misc]
        service.create_many(actor, (next(rows) for _ in range(min(BATCH, n - batch_no))))
    return time.perf_counter() - started


def raw_insert_rate(db_path: Path, n: int, owner_ids: list[int]) -> float:
    """Rows/s of stdlib sqlite3 executemany into an identical empty leads table."""
    raw_path = db_path.with_name("raw.db")
    with sqlite3.connect(db_path) as src:
        # The leads table, its search table, indexes and triggers (not FTS5's shadow tables,
        # which the virtual table creates itself), tables first.
        query = (
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND tbl_name IN ('leads', 'leads_search') ORDER BY type != 'table'"
        )
        ddl = [r[0] for r in src.execute(query)]
    conn = sqlite3.connect(raw_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in ddl:
        conn.execute(statement)  # the same work per row; no foreign keys enforced here
    columns = RAW_COLUMNS
    sql = f"INSERT INTO leads ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    stamp = START.replace(tzinfo=None).isoformat(" ")
    values = [
        (r["first_name"], r["last_name"], r["company"], r["email"], 1, 1, r["rating"],
         r["owner_id"], r["city"], stamp, stamp, 1, 1)
        for r in lead_rows(n, owner_ids)
    ]  # fmt: skip
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, values)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return n / elapsed


def _dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a psycopg connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def raw_insert_rate_pg(url: str, n: int, owner_ids: list[int]) -> float:
    """Rows/s of psycopg ``COPY`` into an identical empty table (``LIKE leads INCLUDING
    ALL``: the same columns, defaults and indexes, the search index among them)."""
    import psycopg

    columns = RAW_COLUMNS
    stamp = START
    values = [
        (r["first_name"], r["last_name"], r["company"], r["email"], 1, 1, r["rating"],
         r["owner_id"], r["city"], stamp, stamp, 1, 1)
        for r in lead_rows(n, owner_ids)
    ]  # fmt: skip
    with psycopg.connect(_dsn(url)) as conn:
        conn.execute("CREATE TABLE raw_leads (LIKE leads INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY raw_leads ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE raw_leads")
        conn.commit()
    return n / elapsed


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds for each of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def list_page_times(
    core: Opportune, actor: User, owner_ids: list[int], repeat: int
) -> dict[str, list[float]]:
    """Timings of the list pages users open most."""
    rnd = random.Random(3)
    owner = str(owner_ids[0])

    def page(**filters: object) -> Callable[[], object]:
        return lambda: core.leads.list(actor, LeadFilters(limit=50, **filters))  # type: ignore[arg-type]

    def random_status_owner() -> object:
        status, who = rnd.choice(STATUSES), str(rnd.choice(owner_ids))
        return core.leads.list(actor, LeadFilters(status=[status], owner=[who], limit=50))

    cursor = core.leads.list(actor, LeadFilters(status=[STATUSES[0]], owner=[owner])).page
    few = max(5, repeat // 10)
    return {
        "status + owner, by created date, 50 rows": timed(random_status_owner, repeat),
        "same, next page (keyset cursor)": timed(
            page(status=[STATUSES[0]], owner=[owner], cursor=cursor.next_cursor), repeat
        ),
        "all open leads, by created date, 50 rows": timed(page(), repeat),
        "search 'Last4242', 50 rows": timed(page(q="Last4242"), few),
        "status + owner with total count": timed(
            page(status=[STATUSES[0]], owner=[owner], with_total=True), few
        ),
    }


def view_times(core: Opportune, actor: User, repeat: int) -> tuple[list[int], list[float]]:
    """Random lead ids, and the ms of ``LeadService.get`` for each (not marking it read, so
    it stays a read)."""
    rnd = random.Random(5)
    with core.engine.connect() as conn:
        low, high = conn.exec_driver_sql("SELECT min(id), max(id) FROM leads").one()
    ids = [rnd.randint(low, high) for _ in range(repeat)]
    queue = iter(ids)
    return ids, timed(lambda: core.leads.get(actor, next(queue), mark_read=False), repeat)


def raw_view_ms(core: Opportune, ids: list[int]) -> float:
    """Median ms of ``SELECT * FROM leads WHERE id = ?`` through the driver."""
    conn = core.engine.raw_connection()
    mark = "?" if core.engine.dialect.name == "sqlite" else "%s"
    sql = f"SELECT * FROM leads WHERE id = {mark}"  # noqa: S608
    queue = iter(ids)

    def run() -> None:
        cursor = conn.cursor()
        cursor.execute(sql, (next(queue),))
        cursor.fetchall()
        cursor.close()

    times = timed(run, len(ids))
    conn.close()
    return statistics.median(times)


def raw_page_ms_pg(url: str, owner_id: int, repeat: int) -> float:
    """Median ms of the status + owner page's SELECT through psycopg."""
    import psycopg

    sql = (
        "SELECT * FROM leads WHERE is_converted = false AND status_id = 1 AND owner_id = %s "
        "ORDER BY created_at DESC, id DESC LIMIT 51"
    )
    with psycopg.connect(_dsn(url)) as conn:
        times = timed(lambda: conn.execute(sql, (owner_id,)).fetchall(), repeat)
    return statistics.median(times)


def raw_page_ms(db_path: Path, owner_id: int, repeat: int) -> float:
    """Median ms of the status + owner page's SELECT through the stdlib driver."""
    conn = sqlite3.connect(db_path)
    sql = (
        "SELECT * FROM leads WHERE is_converted = 0 AND status_id = 1 AND owner_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 51"
    )
    times = timed(lambda: conn.execute(sql, (owner_id,)).fetchall(), repeat)
    conn.close()
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="leads to create")
    parser.add_argument("--repeat", type=int, default=200, help="list page samples")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=PG_SERVER, metavar="URL",
                        help="the PostgreSQL server for --database postgresql: a fresh "
                        "database is created on it and dropped at the end")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            run(args, f"sqlite:///{Path(tmp) / 'bench.db'}")
        else:
            with fresh_postgres(args.postgres, "bench_leads") as url:
                run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    """Create, measure and report on the database at ``url``."""
    sqlite = url.startswith("sqlite")
    db_path = Path(url.removeprefix("sqlite:///"))
    core = Opportune(Settings(env="test", database_url=url))
    core.migrate()
    users = [make_user(core, i) for i in range(3)]
    owner_ids = [u.id or 0 for u in users]
    seconds = create_leads(core, users[0], args.n, owner_ids)
    if sqlite:
        raw_rate = raw_insert_rate(db_path, args.n, owner_ids)
    else:
        raw_rate = raw_insert_rate_pg(url, args.n, owner_ids)
    if not sqlite:
        # Right after a bulk load PostgreSQL's planner still has an empty table's statistics
        # (autovacuum analyses a minute or so later) and sorts every lead for a page: 8x
        # slower per 10x data at 100,000 leads. Measure the steady state people see.
        with core.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    pages = list_page_times(core, users[0], owner_ids, args.repeat)
    if sqlite:
        raw_ms = raw_page_ms(db_path, owner_ids[0], args.repeat)
    else:
        raw_ms = raw_page_ms_pg(url, owner_ids[0], args.repeat)
    ids, viewing = view_times(core, users[0], args.repeat)
    raw_view = raw_view_ms(core, ids)
    report(args.n, seconds, raw_rate, pages, raw_ms, (viewing, raw_view), sqlite=sqlite)
    if args.json:
        write_json(Path(args.json), args, seconds, raw_rate, pages, raw_ms, viewing, raw_view)
    core.close()


def _summary(times: list[float]) -> dict[str, float]:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    return {"median_ms": round(statistics.median(times), 3), "p95_ms": round(p95, 3)}


def write_json(
    path: Path, args: argparse.Namespace, seconds: float, raw_rate: float,
    pages: dict[str, list[float]], raw_ms: float, viewing: list[float], raw_view: float,
) -> None:  # fmt: skip
    """Every figure as JSON (for bench/all.py)."""
    rate = args.n / seconds
    out = {
        "benchmark": "leads", "database": args.database, "n": args.n,
        "meta": {"machine": platform.node(), "cpus": os.cpu_count(),
                 "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                 "date": datetime.now(UTC).date().isoformat()},
        "create": {"seconds": round(seconds, 3), "leads_per_s": round(rate, 1),
                   "raw_leads_per_s": round(raw_rate, 1), "ratio": round(rate / raw_rate, 3),
                   "batch": BATCH},
        "pages": {name: _summary(times) for name, times in pages.items()},
        "raw_page_ms": round(raw_ms, 3),
        "view": _summary(viewing), "raw_view_ms": round(raw_view, 3),
    }  # fmt: skip
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def make_user(core: Opportune, i: int) -> User:
    """An owner for the benchmark leads (the first is an admin)."""
    role = "admin" if i == 0 else "rep"
    data = {
        "name": f"Owner {i}",
        "email": f"o{i}@example.com",
        "password": "bench-password",
        "role": role,
    }
    return core.users.create(None, data)


def report(
    n: int, seconds: float, raw_rate: float, pages: dict[str, list[float]], raw_ms: float,
    view: tuple[list[float], float], *, sqlite: bool = True,
) -> None:  # fmt: skip
    """Print the results as Markdown tables."""
    rate = n / seconds
    machine = f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    print(f"Machine: {machine} · SQLite {sqlite3.sqlite_version} · {datetime.now(UTC):%Y-%m-%d}\n")
    print(f"| bulk create, N = {n:,} | leads/s | vs raw |\n|---|---|---|")
    print(
        f"| LeadService.create_many, batches of {BATCH:,} | {rate:,.0f} | {rate / raw_rate:.2f} |"
    )
    raw_write = "stdlib sqlite3 executemany" if sqlite else "PostgreSQL COPY"
    print(f"| raw: {raw_write}, one transaction | {raw_rate:,.0f} | 1.00 |\n")
    print("| list page | median ms | p95 ms |\n|---|---|---|")
    for name, times in pages.items():
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        print(f"| {name} | {statistics.median(times):.2f} | {p95:.2f} |")
    driver = "stdlib sqlite3" if sqlite else "psycopg"
    print(f"| raw: the status + owner SELECT through {driver} | {raw_ms:.2f} | |")
    viewing, raw_view = view
    p95 = statistics.quantiles(viewing, n=20)[-1] if len(viewing) >= 20 else max(viewing)
    print(f"| view one lead (`LeadService.get`) | {statistics.median(viewing):.2f} | {p95:.2f} |")
    print(f"| raw: SELECT one lead by id through the driver | {raw_view:.2f} | |")


if __name__ == "__main__":
    main()
