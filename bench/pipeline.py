"""Pipeline board benchmark: the first page of every open column, with column totals.

Run by hand (``python bench/pipeline.py --n 10000``); results go into docs/benchmarks.md.
Creates N open opportunities through OpportunityService in a fresh SQLite database, then
times ``board_column`` for every open stage (25 cards and the column's count, amount and
expected revenue), which is what the board page needs from the library. The raw limit is
the same two statements per column through the stdlib driver.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

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


def raw_board_ms(db_path: Path, stage_ids: list[int]) -> float:
    """The same page and totals statements through the stdlib driver, all columns."""
    conn = sqlite3.connect(db_path)
    page = ("SELECT * FROM opportunities WHERE stage_id = ? "
            "ORDER BY close_date, id LIMIT ?")  # fmt: skip
    totals = ("SELECT count(*), sum(amount), sum(round(amount * probability / 100.0, 2)) "
              "FROM opportunities WHERE stage_id = ?")  # fmt: skip
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        core = Opportune(Settings(env="test", database_url=f"sqlite:///{db_path}"))
        core.migrate()
        actor = core.users.create(None, {"name": "Owner", "email": "o@example.com",
                                         "role": "admin", "password": "bench-pass"})  # fmt: skip
        started = time.perf_counter()
        stage_ids = seed(core, actor, args.n)
        seeding = time.perf_counter() - started
        service = [board_ms(core, actor, stage_ids) for _ in range(args.repeat)]
        raw = [raw_board_ms(db_path, stage_ids) for _ in range(args.repeat)]
        core.close()
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    print(f"Machine: {platform.node()} · {os.cpu_count()} cores · Python "
          f"{platform.python_version()} · SQLite {sqlite3.sqlite_version} · {when}\n")  # fmt: skip
    print(f"Seeded {args.n:,} opportunities one by one in {seeding:.1f} s "
          f"({args.n / seeding:,.0f}/s, each with its first stage-history snapshot)\n")  # fmt: skip
    print(f"| whole board, {len(stage_ids)} open columns, {CARDS} cards + totals | median ms "
          "| p95 ms |\n|---|---|---|")  # fmt: skip
    for name, times in (("OpportunityService.board_column", service), ("raw sqlite3", raw)):
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"| {name} | {statistics.median(times):.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
