"""Pipeline board benchmark: the /pipeline page's server time with 10,000 open opportunities.

Run by hand (``.venv/bin/python bench/board.py --n 10000``); results go into
docs/benchmarks.md with the machine and date. Creates N open opportunities (and N/10 closed
ones, for the won and lost zones) through OpportunityService in a fresh SQLite database,
then times:

- ``OpportunityService.board``: every open column's first 25 cards, the totals of every
  column and zone (one grouped query) and the cards' account names;
- the whole ``GET /pipeline`` through the ASGI app (FastAPI, session, template), signed in,
  in-process with Starlette's TestClient, so no network time is counted;
- a column's "Load more" and a card move (POST, answered with every header);
- the raw limit: the same SQL through the stdlib sqlite3 driver (psycopg on PostgreSQL).

``--database postgresql`` runs it in a fresh PostgreSQL database on ``--postgres URL``'s
server (dropped at the end); ``--json FILE`` also writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from fresh_db import PG_SERVER, fresh_postgres
from opportune import Opportune, OpportunityFilters, Settings, User
from opportune.api import create_app

CARDS = 25
SIGN_IN = {"password": "bench-password"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MORE = re.compile(r'hx-get="(/pipeline/columns/[^"]+)"')


def seed(core: Opportune, users: list[User], n: int, today: date) -> None:
    """N open opportunities over 200 accounts, every open stage and three owners, closing
    within a year from a month ago; N/10 closed as won or lost."""
    open_stages = [s.label for s in core.pipeline.stages() if s.is_active and not s.is_closed]
    accounts = [core.accounts.create(users[0], {"name": f"Account {i}"}) for i in range(200)]
    rnd = random.Random(11)
    for i in range(n + n // 10):
        data: dict[str, object] = {
            "name": f"Deal {i}", "account_id": accounts[i % 200].id,
            "owner_id": users[i % len(users)].id, "amount": str(rnd.randrange(1_000, 250_000)),
            "close_date": (today + timedelta(days=rnd.randrange(-30, 335))).isoformat(),
            "stage": rnd.choice(open_stages),
        }  # fmt: skip
        if i >= n:
            data["stage"] = "Closed Won" if i % 2 else "Closed Lost"
            data["lost_reason"] = None if i % 2 else "Price"
        core.opportunities.create(users[0], data)


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` runs (after one warm-up run)."""
    action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def signed_in(core: Opportune, user: User) -> tuple[TestClient, str]:
    """A client of the whole app with a session for ``user``; and its CSRF token."""
    client = TestClient(create_app(core=core), follow_redirects=False)
    token = _csrf(client.get("/login").text)
    form = {"email": user.email, "csrf_token": token, **SIGN_IN}
    assert client.post("/login", data=form).status_code == 303
    return client, _csrf(client.get("/leads/new").text)


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def get_ok(client: TestClient, url: str, **headers: str) -> Callable[[], str]:
    """A request that must answer 200, returning the body."""

    def run() -> str:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text[:500]
        return response.text

    return run


def mover(core: Opportune, client: TestClient, token: str, user: User) -> Callable[[], None]:
    """Move one card back and forth between the first two open stages, as board.js does."""
    stages = [s for s in core.pipeline.stages() if s.is_active and not s.is_closed][:2]
    opp = core.opportunities.board(user, per_column=1).columns[0].page.items[0]
    state = {"version": opp.version, "turn": 1}
    headers = {"HX-Request": "true", "X-CSRF-Token": token}

    def run() -> None:
        data = {"stage_id": str(stages[state["turn"] % 2].id), "version": str(state["version"])}
        response = client.post(f"/pipeline/opportunities/{opp.id}/move", data=data,
                               headers=headers)  # fmt: skip
        assert response.status_code == 200, response.text[:500]
        state["version"] += 1
        state["turn"] += 1

    return run


RAW_TOTALS = (
    "SELECT stage_id, count(*), sum(amount), sum(round(amount * probability * 0.01, 2)) "
    "FROM opportunities GROUP BY stage_id"
)
RAW_PAGE = "SELECT * FROM opportunities WHERE stage_id = ? ORDER BY close_date, id LIMIT ?"
RAW_NAMES = "SELECT id, name FROM accounts WHERE id IN (SELECT value FROM json_each(?))"
RAW_NAMES_PG = "SELECT id, name FROM accounts WHERE id = ANY(%s)"


def raw_connect(url: str) -> Any:
    """A driver connection to ``url``: stdlib sqlite3, or psycopg (autocommit)."""
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def raw_totals(url: str) -> Callable[[], object]:
    """The grouped totals statement alone through the driver."""
    conn = raw_connect(url)
    return lambda: conn.execute(RAW_TOTALS).fetchall()


def raw_board(url: str, stage_ids: list[int]) -> Callable[[], None]:
    """The board's statements through the driver: grouped totals, each column's first
    page, and the cards' account names."""
    conn = raw_connect(url)
    sqlite = url.startswith("sqlite")
    page = RAW_PAGE if sqlite else RAW_PAGE.replace("?", "%s")

    def run() -> None:
        conn.execute(RAW_TOTALS).fetchall()
        account_ids: set[int] = set()
        for stage_id in stage_ids:
            rows = conn.execute(page, (stage_id, CARDS + 1)).fetchall()
            account_ids.update(row[2] for row in rows)
        if sqlite:
            conn.execute(RAW_NAMES, (json.dumps(sorted(account_ids)),)).fetchall()
        else:
            conn.execute(RAW_NAMES_PG, (sorted(account_ids),)).fetchall()

    return run


def report(rows: list[tuple[str, list[float]]]) -> None:
    """Print a Markdown table of median and p95 milliseconds."""
    print("| board with N open opportunities | median ms | p95 ms |\n|---|---|---|")
    for name, times in rows:
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"| {name} | {statistics.median(times):.2f} | {p95:.2f} |")


def measure(core: Opportune, url: str, user: User, repeat: int) -> dict[str, dict[str, float]]:
    """Time the pages, the service and the raw limit; print the table; return the figures
    by a short key."""
    stage_ids = [s.id for s in core.pipeline.stages() if s.is_active and not s.is_closed]
    soon = OpportunityFilters(owner=["me"], close_from=date.today(),
                              close_to=date.today() + timedelta(days=90))  # fmt: skip
    client, token = signed_in(core, user)
    more_url = MORE.findall(get_ok(client, "/pipeline")())[0].replace("&amp;", "&")
    board = core.opportunities.board
    driver = "stdlib sqlite3" if url.startswith("sqlite") else "psycopg"
    cases: list[tuple[str, Callable[[], object]]] = [
        ("**`GET /pipeline`, the whole page** (goal: under 100 ms)", get_ok(client, "/pipeline")),
        ("`GET /pipeline?owner=me&period=this-quarter`",
         get_ok(client, "/pipeline?owner=me&period=this-quarter")),
        ("`OpportunityService.board()`, 25 cards a column", lambda: board(user)),
        ("`board()`, owner me, next 90 days", lambda: board(user, soon)),
        (f"before: `board_column` for each of the {len(stage_ids)} columns",
         lambda: [core.opportunities.board_column(user, s, limit=CARDS) for s in stage_ids]),
        ("`GET` a column's Load more (htmx fragment)",
         get_ok(client, more_url, **{"HX-Request": "true"})),
        ("`POST` a card move, answered with every header", mover(core, client, token, user)),
        (f"raw: the board's SQL through {driver}", raw_board(url, stage_ids)),
        ("raw: of which the grouped totals statement", raw_totals(url)),
    ]  # fmt: skip
    rows = [(name, timed(action, repeat)) for name, action in cases]
    report(rows)
    client.close()
    keys = ("page", "page_filtered", "board", "board_filtered", "board_columns", "load_more",
            "move", "raw_board", "raw_totals")  # fmt: skip
    return {key: {"label": name, "median_ms": round(statistics.median(times), 3),
                  "p95_ms": round(statistics.quantiles(times, n=20)[-1], 3)}
            for key, (name, times) in zip(keys, rows, strict=True)}  # fmt: skip


def main() -> None:
    """Seed, measure, print the machine and a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="open opportunities")
    parser.add_argument("--repeat", type=int, default=200, help="samples per figure")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=PG_SERVER, metavar="URL",
                        help="the PostgreSQL server for --database postgresql: a fresh "
                        "database is created on it and dropped at the end")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            run(args, f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
        else:
            with fresh_postgres(args.postgres, "bench_board") as url:
                run(args, url, Path(tmp))


def run(args: argparse.Namespace, url: str, tmp: Path) -> None:
    """Seed, measure and print on the database at ``url``."""
    core = Opportune(Settings(env="test", database_url=url, data_dir=tmp / "data"))
    core.migrate()
    users = [core.users.create(None, {"name": f"Owner {i}", "email": f"o{i}@example.com",
                                      "role": "admin", **SIGN_IN})
             for i in range(3)]  # fmt: skip
    started = time.perf_counter()
    seed(core, users, args.n, date.today())
    seeding = time.perf_counter() - started
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    print(f"Machine: {platform.node()} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version} · "
          f"{when}\n")  # fmt: skip
    print(f"Seeded {args.n:,} open + {args.n // 10:,} closed opportunities in "
          f"{seeding:.1f} s\n")  # fmt: skip
    figures = measure(core, url, users[0], args.repeat)
    core.close()
    if args.json:
        out = {"benchmark": "board", "database": args.database, "n": args.n,
               "closed": args.n // 10, "seed_seconds": round(seeding, 2),
               "meta": {"machine": platform.node(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "date": when},
               "figures": figures}  # fmt: skip
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
