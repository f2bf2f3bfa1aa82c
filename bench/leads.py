"""Lead benchmark: bulk creation through the service layer and filtered list pages.

Run by hand (``make bench`` or ``python bench/leads.py --n 100000``); results go into
docs/benchmarks.md with the machine and date. Each figure is compared with the raw limit
measured in the same run: stdlib sqlite3 ``executemany`` for writes, and the same SELECT
run through the stdlib driver for list pages.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        core = Opportune(Settings(env="test", database_url=f"sqlite:///{db_path}"))
        core.migrate()
        users = [make_user(core, i) for i in range(3)]
        owner_ids = [u.id or 0 for u in users]
        seconds = create_leads(core, users[0], args.n, owner_ids)
        raw_rate = raw_insert_rate(db_path, args.n, owner_ids)
        pages = list_page_times(core, users[0], owner_ids, args.repeat)
        raw_ms = raw_page_ms(db_path, owner_ids[0], args.repeat)
        report(args.n, seconds, raw_rate, pages, raw_ms)
        core.close()


def make_user(core: Opportune, i: int) -> User:
    """An owner for the benchmark leads (the first is an admin)."""
    role = "admin" if i == 0 else "rep"
    data = {
        "name": f"Owner {i}",
        "email": f"o{i}@example.com",
        "password": "bench-pass",
        "role": role,
    }
    return core.users.create(None, data)


def report(
    n: int, seconds: float, raw_rate: float, pages: dict[str, list[float]], raw_ms: float
) -> None:
    """Print the results as Markdown tables."""
    rate = n / seconds
    machine = f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    print(f"Machine: {machine} · SQLite {sqlite3.sqlite_version} · {datetime.now(UTC):%Y-%m-%d}\n")
    print(f"| bulk create, N = {n:,} | leads/s | vs raw |\n|---|---|---|")
    print(
        f"| LeadService.create_many, batches of {BATCH:,} | {rate:,.0f} | {rate / raw_rate:.2f} |"
    )
    print(f"| raw: stdlib sqlite3 executemany, one transaction | {raw_rate:,.0f} | 1.00 |\n")
    print("| list page | median ms | p95 ms |\n|---|---|---|")
    for name, times in pages.items():
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        print(f"| {name} | {statistics.median(times):.2f} | {p95:.2f} |")
    print(f"| raw: the status + owner SELECT through stdlib sqlite3 | {raw_ms:.2f} | |")


if __name__ == "__main__":
    main()
