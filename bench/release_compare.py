"""The same small workload for this code and a previous release: create N leads one by one,
then convert them one by one, through the long-stable public library API only.

Run by hand (``.venv/bin/python bench/release_compare.py --n 300``); bench/all.py runs it
with this checkout's interpreter and, when one is installed (``make bench-previous``), with
a previous release's, so a regression shows. It uses nothing but ``Opportune``,
``Settings`` and the services' ``users.create``, ``leads.create`` and
``conversions.convert``, which every release has had. Prints (and with ``--json FILE``
writes) one JSON object: the version and where it was imported from, and each
operation's median and p95 milliseconds and rate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

import opportune
from fresh_db import PG_SERVER, fresh_postgres
from opportune import Opportune, Settings

CONVERTED = {"converted_status": "Closed - Converted"}


def lead(i: int) -> dict[str, object]:
    """Lead number ``i``: a person at a company of their own (so converting it creates an
    account, a contact and an opportunity)."""
    return {"first_name": "Ada", "last_name": f"Release{i}", "company": f"Firm {i}",
            "email": f"ada{i}@firm{i}.example", "phone": f"+1 555 {i:07d}",
            "lead_source": "Web", "rating": "Warm"}  # fmt: skip


def timed(action: Callable[[int], object], count: int) -> list[float]:
    """Milliseconds of ``action(i)`` for each ``i`` below ``count``."""
    times = []
    for i in range(count):
        started = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    """Median, p95 and rate of one operation."""
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    return {"median_ms": round(statistics.median(times), 3), "p95_ms": round(p95, 3),
            "per_s": round(len(times) / (sum(times) / 1000), 1)}  # fmt: skip


def workload(url: str, n: int) -> dict[str, Any]:
    """Create ``n`` leads, then convert them, one call each."""
    core = Opportune(Settings(database_url=url, env="test"))
    core.migrate()
    user = core.users.create(None, {"name": "Release Bench", "email": "release@example.com",
                                    "role": "admin", "password": "bench-password-1"})  # fmt: skip
    ids: list[int] = []
    create = timed(lambda i: ids.append(core.leads.create(user, lead(i)).id or 0), n)
    convert = timed(lambda i: core.conversions.convert(user, ids[i], CONVERTED), n)
    core.close()
    return {"create": summary(create), "convert": summary(convert)}


@contextmanager
def database(kind: str, server: str) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL database, removed at the end."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'release.db'}"
    else:
        with fresh_postgres(server, "bench_release") as url:
            yield url


def main() -> None:
    """Run the workload and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="leads created, then converted")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=PG_SERVER, metavar="URL",
                        help="the PostgreSQL server for --database postgresql (a fresh "
                        "database is created on it and dropped at the end)")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the JSON to FILE")
    args = parser.parse_args()
    with database(args.database, args.postgres) as url:
        figures = workload(url, args.n)
    out = {
        "benchmark": "release_compare", "database": args.database, "n": args.n,
        "version": getattr(opportune, "__version__", "unknown"),
        "location": str(Path(opportune.__file__).resolve().parent),
        "python": sys.executable, "python_version": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(), **figures,
    }  # fmt: skip
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
