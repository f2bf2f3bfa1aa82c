"""Pipeline board benchmark: the first page of every open column, with column totals.

Run by hand (``python bench/pipeline.py --n 10000``); results go into docs/benchmarks.md.
Creates N open opportunities through OpportunityService in a fresh SQLite database, then
times ``board_column`` for every open stage (25 cards and the column's count, amount and
expected revenue), which is what the board page needs from the library. The raw limit is
the same two statements per column through the stdlib driver (psycopg on PostgreSQL).

``--database postgresql`` runs it in a fresh PostgreSQL database on ``--postgres URL``'s
server (dropped at the end); ``--json FILE`` also writes the figures as JSON.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from sqlalchemy.engine import make_url

from fresh_db import PG_SERVER, fresh_postgres
from opportune import Opportune, Settings, User

CARDS = 25


def seed(core: Opportune, actor: User, n: int) -> list[int]:
    """N open opportunities over 200 accounts and every open stage; return open stage ids."""
    stages = [s for s in core.pipeline.stages() if s.is_active and not s.is_closed]
    accounts = [core.accounts.create(actor, {"name": f"Account {i}"}) for i in range(200)]
    rnd = random.Random(11)
    start = date(2027, 1, 1)
    for i in range(n):
        core.opportunities.create(actor, {
            "name": f"Deal {i}", "account_id": accounts[i % 200].id,
            "stage": rnd.choice(stages).label, "amount": str(rnd.randrange(1_000, 250_000)),
            "close_date": (start + timedelta(days=rnd.randrange(365))).isoformat(),
        })  # fmt: skip
    return [s.id for s in stages]


def board_ms(core: Opportune, actor: User, stage_ids: list[int]) -> float:
    """Milliseconds to build every open column's first page and totals."""
    started = time.perf_counter()
    for stage_id in stage_ids:
        core.opportunities.board_column(actor, stage_id, limit=CARDS)
    return (time.perf_counter() - started) * 1000


def raw_connect(url: str) -> Any:
    """A driver connection to ``url``: stdlib sqlite3, or psycopg (autocommit)."""
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def raw_board_ms(url: str, stage_ids: list[int]) -> float:
    """The same page and totals statements through the driver, all columns."""
    conn = raw_connect(url)
    mark = "?" if url.startswith("sqlite") else "%s"
    page = (f"SELECT * FROM opportunities WHERE stage_id = {mark} "  # noqa: S608
            f"ORDER BY close_date, id LIMIT {mark}")  # fmt: skip
    totals = ("SELECT count(*), sum(amount), sum(round(amount * probability / 100.0, 2)) "  # noqa: S608
              f"FROM opportunities WHERE stage_id = {mark}")  # fmt: skip
    started = time.perf_counter()
    for stage_id in stage_ids:
        conn.execute(page, (stage_id, CARDS + 1)).fetchall()
        conn.execute(totals, (stage_id,)).fetchone()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return elapsed


def main() -> None:
    """Seed, measure, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="open opportunities")
    parser.add_argument("--repeat", type=int, default=50, help="board samples")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=PG_SERVER, metavar="URL",
                        help="the PostgreSQL server for --database postgresql: a fresh "
                        "database is created on it and dropped at the end")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            seeding, stage_ids, service, raw = run(args, f"sqlite:///{Path(tmp) / 'bench.db'}")
        else:
            with fresh_postgres(args.postgres, "bench_pipeline") as url:
                seeding, stage_ids, service, raw = run(args, url)
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    print(f"Machine: {platform.node()} · {os.cpu_count()} cores · Python "
          f"{platform.python_version()} · SQLite {sqlite3.sqlite_version} · {when}\n")  # fmt: skip
    print(f"Seeded {args.n:,} opportunities one by one in {seeding:.1f} s "
          f"({args.n / seeding:,.0f}/s, each with its first stage-history snapshot)\n")  # fmt: skip
    print(f"| whole board, {len(stage_ids)} open columns, {CARDS} cards + totals | median ms "
          "| p95 ms |\n|---|---|---|")  # fmt: skip
    raw_label = "raw sqlite3" if args.database == "sqlite" else "raw psycopg"
    for name, times in (("OpportunityService.board_column", service), (raw_label, raw)):
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"| {name} | {statistics.median(times):.2f} | {p95:.2f} |")
    if args.json:
        out = {"benchmark": "pipeline", "database": args.database, "n": args.n,
               "columns": len(stage_ids), "seed_seconds": round(seeding, 2),
               "meta": {"machine": platform.node(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "date": when},
               "board_column_ms": round(statistics.median(service), 3),
               "raw_ms": round(statistics.median(raw), 3)}  # fmt: skip
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace, url: str) -> tuple[float, list[int], list[float], list[float]]:
    """Seed and measure on the database at ``url``: seconds seeding, the open stages, and
    the service's and the raw statements' milliseconds."""
    core = Opportune(Settings(env="test", database_url=url))
    core.migrate()
    actor = core.users.create(None, {"name": "Owner", "email": "o@example.com",
                                     "role": "admin", "password": "bench-password"})  # fmt: skip
    started = time.perf_counter()
    stage_ids = seed(core, actor, args.n)
    seeding = time.perf_counter() - started
    service = [board_ms(core, actor, stage_ids) for _ in range(args.repeat)]
    raw = [raw_board_ms(url, stage_ids) for _ in range(args.repeat)]
    core.close()
    return seeding, stage_ids, service, raw


if __name__ == "__main__":
    main()
