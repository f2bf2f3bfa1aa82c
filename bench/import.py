"""CSV import benchmark: a generated lead file through ``ImportService`` with every check on.

Run by hand (``.venv/bin/python bench/import.py --rows 1000000``, add
``--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` for PostgreSQL);
results go into docs/benchmarks.md with the machine and date.

For each database it generates the file once, then in fresh databases times:

- the import: validation by the lead rules, assignment by an active rule with a
  round-robin entry over three users, duplicate checks by the standard lead rule (against
  saved leads and within each batch), batches committed with the import's progress;
- the raw limit: the same rows (already parsed, as tuples) inserted with no checks by the
  stdlib sqlite3 ``executemany`` in one transaction, or psycopg ``COPY`` on PostgreSQL,
  into the same schema (same indexes and triggers);
- peak memory: each import runs in a child process; reported is its ``ru_maxrss`` plus
  that of the duplicate check process it starts for large files (an upper bound of what
  both held at once).

``--profile`` runs the SQLite import under cProfile instead and prints the top entries;
``--json FILE`` also writes the results as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opportune import Opportune, Settings
from opportune.db.match_keys import with_keys

HEADER = ["First Name", "Last Name", "Company", "Email", "Phone", "Title", "City",
          "Country", "Lead Source", "Industry", "Annual Revenue", "Employees", "Rating",
          "Description"]  # fmt: skip
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vo",
    "zi",
    "ba",
    "da",
    "fe",
    "go",
    "hu",
    "ji",
    "ko",
    "la",
    "mo",
    "nu",
    "pe",
    "qui",
    "ri",
    "so",
    "tu",
    "wa",
    "xe",
    "yo",
    "ze",
    "bra",
    "cle",
    "dro",
    "fli",
    "gra",
    "pla",
    "stu",
    "tri",
]
_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Monarch",
    "Nakatomi",
    "Pied",
    "Piper",
    "Dunder",
    "Mifflin",
    "Sterling",
    "Cooper",
    "Massive",
    "Dynamic",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Litware",
    "Adatum",
    "Tailspin",
]
_SOURCES = ["Web", "phone inquiry", "Partner Referral", "PURCHASED LIST", "Other"]
_INDUSTRIES = ["Banking", "technology", "Retail", "Energy", "Healthcare", ""]


def _word(rnd: random.Random, parts: int) -> str:
    return "".join(rnd.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def generate(path: Path, rows: int, seed: int = 5) -> None:
    """A lead CSV of ``rows`` distinct people (made-up names and companies, unique emails
    and phones), written the way Excel writes CSV."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = _word(rnd, 2), _word(rnd, 3)
            company = (
                f"{rnd.choice(_WORDS)} {_word(rnd, 3)} {rnd.choice(['Inc.', 'Ltd', 'GmbH', 'LLC'])}"
            )
            writer.writerow([
                first, last, company, f"{first}.{last}{i}@{company.split()[1].lower()}.com",
                f"+1 {rnd.randrange(200, 999)} {i:07d}", "Buyer", "Springfield", "USA",
                rnd.choice(_SOURCES), rnd.choice(_INDUSTRIES),
                f"{rnd.randrange(10_000, 9_000_000)}", str(rnd.randrange(1, 5000)),
                rnd.choice(["Hot", "warm", "Cold", ""]), 'Met at the fair, "keen"',
            ])  # fmt: skip


def setup(url: str, data_dir: Path) -> dict[str, Any]:
    """Migrate a database, create three users and activate a round-robin rule."""
    core = Opportune(Settings(env="test", database_url=url, data_dir=data_dir))
    core.migrate()
    users = [
        core.users.create(None, {"name": f"User {i}", "email": f"u{i}@example.com",
                                 "role": "admin" if i == 0 else "rep",
                                 "password": "bench-password-1"})
        for i in range(3)
    ]  # fmt: skip
    group = core.assignment.create_group(users[0], "Everyone")
    for user in users:
        core.assignment.set_group_member(users[0], group.id, user.id or 0, 1)
    rule = core.assignment.create_rule(users[0], {"name": "Round robin", "entries": [
        {"criteria": [], "assignee_type": "round_robin", "group_id": group.id}]})  # fmt: skip
    core.assignment.activate(users[0], rule.id or 0)
    core.close()
    return {"actor_email": users[0].email}


def _import_child(url: str, data_dir: str, path: str, email: str, queue: Any) -> None:
    core = Opportune(Settings(env="test", database_url=url, data_dir=Path(data_dir)))
    actor = core.users.get_by_email(email)
    started = time.perf_counter()
    job = core.imports.start(actor, "lead", path)
    job = core.imports.run(job.id)
    elapsed = time.perf_counter() - started
    # The import's own peak plus its duplicate check process's (ended by now): together
    # they never hold more than this at once.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    checks = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_mb = own + checks
    queue.put({"seconds": elapsed, "created": job.created_count, "errors": job.error_count,
               "skipped": job.skipped_count, "status": job.status, "peak_mb": peak_mb})  # fmt: skip
    core.close()


def timed_import(url: str, data_dir: Path, path: Path, email: str) -> dict[str, Any]:
    """The import in a child process (so its peak memory is its own)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(
        target=_import_child, args=(url, str(data_dir), str(path), email, queue)
    )
    child.start()
    result: dict[str, Any] = queue.get()
    child.join()
    return result


def parsed_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as lead column values (the raw path gets them for free)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    out = []
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        for r in reader:
            out.append(with_keys("lead", {
                "first_name": r[0], "last_name": r[1], "company": r[2], "email": r[3],
                "phone": r[4], "title": r[5], "city": r[6], "country": r[7],
                "annual_revenue": r[10], "number_of_employees": int(r[11]),
                "description": r[13], "status_id": 1, "owner_id": 1, "created_at": now,
                "created_by_id": 1, "updated_at": now, "updated_by_id": 1, "version": 1,
                "is_unread_by_owner": False, "do_not_call": False,
                "has_opted_out_of_email": False, "is_converted": False,
            }))  # fmt: skip
    return out


def raw_sqlite(db: Path, rows: list[dict[str, Any]]) -> float:
    """Plain executemany in one transaction; rows per second."""
    import sqlite3

    columns = list(rows[0])
    tuples = [tuple(r.values()) for r in rows]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = f"INSERT INTO leads ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(sql, tuples)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


def raw_postgres(url: str, rows: list[dict[str, Any]]) -> float:
    """psycopg COPY in one transaction; rows per second."""
    import psycopg

    columns = list(rows[0])
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY leads ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(tuple(row.values()))
        conn.commit()
        elapsed = time.perf_counter() - started
    return len(rows) / elapsed


def _pg_database(admin_url: str) -> tuple[str, str]:
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _pg_drop(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def bench_sqlite(work: Path, csv_path: Path, rows: int) -> dict[str, Any]:
    db = work / "import.db"
    info = setup(f"sqlite:///{db}", work / "data")
    result = timed_import(f"sqlite:///{db}", work / "data", csv_path, info["actor_email"])
    raw_db = work / "raw.db"
    setup(f"sqlite:///{raw_db}", work / "raw-data")
    raw = raw_sqlite(raw_db, parsed_rows(csv_path))
    return _summary("sqlite", rows, result, raw)


def bench_postgres(admin_url: str, csv_path: Path, work: Path, rows: int) -> dict[str, Any]:
    name, url = _pg_database(admin_url)
    raw_name, raw_url = _pg_database(admin_url)
    try:
        info = setup(url, work / "pg-data")
        result = timed_import(url, work / "pg-data", csv_path, info["actor_email"])
        setup(raw_url, work / "pg-raw-data")
        raw = raw_postgres(raw_url, parsed_rows(csv_path))
    finally:
        _pg_drop(admin_url, name)
        _pg_drop(admin_url, raw_name)
    return _summary("postgresql", rows, result, raw)


def _summary(database: str, rows: int, result: dict[str, Any], raw: float) -> dict[str, Any]:
    rate = rows / result["seconds"]
    return {
        "database": database, "rows": rows, "import_seconds": round(result["seconds"], 1),
        "import_rows_per_s": round(rate), "raw_rows_per_s": round(raw),
        "ratio": round(rate / raw, 3), "peak_memory_mb": round(result["peak_mb"]),
        "created": result["created"], "skipped": result["skipped"],
        "errors": result["errors"], "status": result["status"],
    }  # fmt: skip


def profile(work: Path, csv_path: Path) -> None:
    """The SQLite import under cProfile, top 30 by cumulative and own time."""
    import cProfile
    import pstats

    db = work / "profile.db"
    info = setup(f"sqlite:///{db}", work / "data")
    core = Opportune(Settings(env="test", database_url=f"sqlite:///{db}", data_dir=work / "data"))
    actor = core.users.get_by_email(info["actor_email"])
    job = core.imports.start(actor, "lead", csv_path)
    profiler = cProfile.Profile()
    profiler.runcall(core.imports.run, job.id)
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default="", help="Admin URL of a PostgreSQL server.")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only.")
    parser.add_argument("--json", metavar="FILE", help="Also write the results as JSON.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        csv_path = work / "leads.csv"
        generate(csv_path, args.rows)
        if args.profile:
            profile(work, csv_path)
            return
        results = [] if args.skip_sqlite else [bench_sqlite(work, csv_path, args.rows)]
        if args.postgres:
            results.append(bench_postgres(args.postgres, csv_path, work, args.rows))
    meta = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }
    print(json.dumps({"meta": meta, "results": results}, indent=2))
    if args.json:
        out = {"benchmark": "import", "meta": meta, "results": results}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
