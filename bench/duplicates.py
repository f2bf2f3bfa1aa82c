"""Duplicate check benchmark: one new lead screened against 1,000,000 existing leads.

Run by hand (``.venv/bin/python bench/duplicates.py --n 1000000``, add ``--postgres
postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` for PostgreSQL too); results go into
docs/benchmarks.md with the machine and date.

For each database it creates a fresh, migrated database, loads N leads with set-based
inserts (``executemany`` in one transaction on SQLite, ``COPY`` on PostgreSQL), with their
duplicate keys computed exactly as the application stores them, and realistic collisions:
names from a few hundred first names and some twenty thousand last names (so a sound key
such as "Smith, J." is shared by hundreds of leads), companies from fifty thousand. Then it
times ``screen_duplicates`` (the check ``LeadService.create`` runs before saving, with the
standard lead rule comparing with leads and contacts) for P probe leads, each in its own
read transaction: half near-duplicates of a random existing lead (spelling, case, legal
form, phone format changed), half new people. Reported: median, p99 and max in ms, how many
probes matched, and the raw limit in the same run: the median of the same probes' four
indexed key lookups among leads (email, phone, name sound, company; the newest 200 of each)
in one statement through the driver. ``--json FILE`` also writes the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from opportune import Opportune, Settings
from opportune.db import tables as t
from opportune.db.match_keys import keys_of, with_keys
from opportune.services.duplicates import screen_duplicates
from opportune.services.uow import UnitOfWork

_FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
          "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
          "Thomas", "Sarah", "Charles", "Karen", "Ana", "Luis", "Mei", "Wei", "Hiroshi",
          "Yuki", "Olga", "Ivan", "Fatima", "Omar", "Priya", "Raj", "Sven", "Ingrid", "Pierre",
          "Claire", "Hans", "Greta", "Marco", "Giulia"]  # fmt: skip
_SYLLABLES = ["son", "man", "ley", "ton", "berg", "ski", "ez", "ov", "ini", "er", "well",
              "ford", "wood", "ham", "ner", "ich", "ard", "in", "ay", "o"]  # fmt: skip
_STEMS = ["Smith", "John", "Will", "Brown", "Jones", "Garc", "Mill", "Dav", "Rodr", "Mart",
          "Hern", "Lop", "Gonz", "Wils", "And", "Thom", "Tayl", "Moor", "Jack", "Lee", "Per",
          "Whit", "Harr", "Sanch", "Clark", "Ram", "Lew", "Rob", "Walk", "Young", "Allen",
          "King", "Wright", "Scott", "Torr", "Nguy", "Hill", "Flor", "Green", "Adam", "Nel",
          "Bak", "Hall", "Riv", "Camp", "Mitch", "Cart", "Rob", "Gom", "Phill", "Evan", "Turn",
          "Diaz", "Park", "Cruz", "Edw", "Coll", "Reyes", "Stew", "Morr", "Mor", "Murph",
          "Cook", "Rog", "Gut", "Ortiz", "Morg", "Coop", "Peter", "Bail", "Reed", "Kell",
          "How", "Ram", "Kim", "Cox", "Ward", "Rich", "Wats", "Brook", "Chav", "Wood", "Jam",
          "Benn", "Gray", "Mend", "Ruiz", "Hugh", "Pric", "Alv", "Cast", "Sand", "Pat", "Myer",
          "Long", "Ross", "Fost", "Jim", "Mull", "Ross", "Dub", "Kowal", "Tanak", "Schm",
          "Fisch", "Weber", "Wagn", "Beck", "Hoff", "Koch", "Rich", "Klein", "Wolf",
          "Neum"]  # fmt: skip
_LEGAL = ["", " Inc.", " Ltd", " GmbH", " LLC", " S.A.", " plc", ", Inc."]
_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell",
          "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Massive", "Dynamic", "Blue", "North",
          "Summit", "Apex", "Vertex", "Nova", "Quantum", "Pioneer", "Atlas", "Zenith", "Orion",
          "Silver", "Golden", "Bright", "Rapid", "Prime", "United", "Global", "Metro", "Urban",
          "Green", "Red", "Alpha", "Omega", "Delta", "Sigma"]  # fmt: skip
_KINDS = ["Systems", "Foods", "Logistics", "Labs", "Partners", "Energy", "Media", "Capital",
          "Health", "Software", "Motors", "Textiles", "Consulting", "Retail",
          "Foundry"]  # fmt: skip


def last_names(rnd: random.Random, count: int = 20_000) -> list[str]:
    """About ``count`` distinct surnames made of common stems and endings."""
    names = {f"{rnd.choice(_STEMS)}{rnd.choice(_SYLLABLES)}{rnd.choice(['', *_SYLLABLES])}"
             for _ in range(count * 2)}  # fmt: skip
    return sorted(names)[:count]


def companies(rnd: random.Random, count: int = 50_000) -> list[str]:
    """Company names (without legal forms; a lead adds one at random)."""
    found = {f"{rnd.choice(_WORDS)} {rnd.choice(_WORDS)} {rnd.choice(_KINDS)}"
             for _ in range(count * 3)}  # fmt: skip
    extra = [f"{rnd.choice(_WORDS)} {rnd.choice(_KINDS)} {i}" for i in range(count)]
    return (sorted(found) + extra)[:count]


_TITLES = ["CEO", "CTO", "Buyer", "Head of Sales", "Engineer", None]


class People:
    """Deterministic generated people (lead i is always the same)."""

    def __init__(self, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.last, self.companies = last_names(rnd), companies(rnd)

    def lead(self, i: int) -> dict[str, Any]:
        """Lead number ``i``'s fields (unique email and phone); picks by hashing ``i``."""
        h = (i * 2_654_435_761) % 4_294_967_296
        first = _FIRST[h % len(_FIRST)]
        last = self.last[(h >> 6) % len(self.last)]
        company = self.companies[(i * 40_503 + 7) % len(self.companies)] + _LEGAL[h % 8]
        domain = company.split()[0].lower()
        return {
            "first_name": first, "last_name": last, "company": company,
            "email": f"{first.lower()}.{last.lower()}.{i}@{domain}.example",
            "phone": f"+1 {200 + i // 10**7 % 800:03d} {i // 10**4 % 1000:03d} {i % 10**4:04d}",
            "title": _TITLES[(h >> 3) % len(_TITLES)],
        }  # fmt: skip

    def probe(self, rnd: random.Random, existing: int, n: int) -> dict[str, Any]:
        """A near-duplicate of a random existing lead, or (odd probes) a new person."""
        if rnd.random() < 0.5:
            person = self.lead(rnd.randrange(existing))
            digits = "".join(c for c in person["phone"] if c.isdigit())[-10:]
            company = person["company"].upper().replace(" INC.", "").replace(" GMBH", " gmbh")
            return {**person, "email": person["email"].upper(), "company": company,
                    "first_name": person["first_name"][:-1] + person["first_name"][-1].upper(),
                    "phone": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"}  # fmt: skip
        return {**self.lead(n + rnd.randrange(1_000_000)), "email": f"new{rnd.random()}@x.example"}


def rows(
    people: People, start: int, stop: int, owner_id: int, now: datetime
) -> Iterator[dict[str, Any]]:
    """Insert rows of leads ``start`` to ``stop`` with their duplicate keys."""
    stamps = {"status_id": 1, "owner_id": owner_id, "created_by_id": owner_id,
              "updated_by_id": owner_id, "created_at": now, "updated_at": now}  # fmt: skip
    for i in range(start, stop):
        yield with_keys("lead", {**people.lead(i), **stamps})


def load(core: Opportune, people: People, n: int, owner_id: int) -> float:
    """Insert N leads set-based; seconds taken."""
    now, started, chunk = datetime.now(UTC), time.perf_counter(), 20_000
    columns = list(next(rows(people, 0, 1, owner_id, now)))
    with core.engine.begin() as conn:
        if core.engine.dialect.name == "postgresql":
            raw = conn.connection.dbapi_connection
            names = ", ".join(columns)
            with raw.cursor() as cursor, cursor.copy(f"COPY leads ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in rows(people, 0, n, owner_id, now):
                    copy.write_row([row[c] for c in columns])
        else:
            for start in range(0, n, chunk):
                conn.execute(
                    insert(t.leads), list(rows(people, start, min(n, start + chunk), owner_id, now))
                )
    with core.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def measure(core: Opportune, people: People, n: int, probes: int) -> dict[str, Any]:
    """Time ``screen_duplicates`` on ``probes`` leads."""
    rnd, times, matched = random.Random(3), [], 0
    for index in range(probes + 20):
        values = people.probe(rnd, n, n)
        with UnitOfWork(core.engine) as uow:
            started = time.perf_counter()
            screen = screen_duplicates(uow, "lead", values, event="create")
            elapsed = (time.perf_counter() - started) * 1000
        if index >= 20:  # the first few warm the caches and connection pool
            times.append(elapsed)
            matched += bool(screen.candidates)
    times.sort()
    return {"probes": probes, "matched": matched,
            "median_ms": round(statistics.median(times), 2),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
            "max_ms": round(times[-1], 2)}  # fmt: skip


RAW_KEYS = ("email_key", "phone_key", "sound_key", "company_key")


def measure_raw(core: Opportune, people: People, n: int, probes: int) -> float:
    """Median ms of the same probes' indexed key lookups among leads, one statement each,
    through the driver (keys computed beforehand)."""
    mark = "?" if core.engine.dialect.name == "sqlite" else "%s"
    sql = " UNION ALL ".join(
        f"SELECT * FROM (SELECT id FROM leads WHERE {key} = {mark} "  # noqa: S608
        f"ORDER BY id DESC LIMIT 200) AS k{i}"
        for i, key in enumerate(RAW_KEYS)
    )
    rnd = random.Random(3)
    params = []
    for _ in range(probes + 20):
        keys = keys_of("lead", people.probe(rnd, n, n))
        params.append(tuple(keys[k] for k in RAW_KEYS))
    conn = core.engine.raw_connection()
    times = []
    try:
        for index, values in enumerate(params):
            started = time.perf_counter()
            cursor = conn.cursor()
            cursor.execute(sql, values)
            cursor.fetchall()
            cursor.close()
            if index >= 20:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return round(statistics.median(times), 3)


def run(url: str, n: int, probes: int, people: People) -> dict[str, Any]:
    """Migrate and load (unless the database already holds the leads), then measure."""
    core = Opportune(Settings(database_url=url, env="test"))
    core.migrate()
    with core.engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM leads")).scalar_one()
    loaded = None
    if present != n:
        user = {"name": "Bench Admin", "email": "bench@example.com", "role": "admin",
                "password": "bench-password-1"}  # fmt: skip
        admin = core.users.create(None, user)
        loaded = round(load(core, people, n, admin.id or 0), 1)
    result = {"database": core.engine.dialect.name, "leads": n, "load_s": loaded,
              **measure(core, people, n, probes),
              "raw_median_ms": measure_raw(core, people, n, probes)}  # fmt: skip
    core.close()
    return result


def postgres_database(base: str, name: str | None) -> tuple[str, Any]:
    """A database on the server of ``base``: ``name`` (kept, created if missing) or a new
    one dropped afterwards; its URL and a function to call at the end."""
    url = make_url(base)
    admin_url = url.set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    wanted = name or f"bench_dups_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": wanted})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{wanted}"'))

    def finish() -> None:
        if name is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{wanted}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=wanted).render_as_string(hide_password=False), finish


def main() -> None:
    """Run the benchmark and print one JSON line per database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="existing leads")
    parser.add_argument("--probes", type=int, default=1_000, help="leads checked")
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL; a fresh database is made on its server"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", metavar="DIR_OR_NAME",
                        help="keep the databases (SQLite file in DIR, PostgreSQL database "
                        "named bench_dups_keep) and reuse them on the next run")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    people = People()
    today = datetime.now(UTC).date().isoformat()
    meta = {"machine": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "date": today}  # fmt: skip
    print(json.dumps(meta))
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(args.keep or folder) / f"bench-duplicates-{args.n}.db"
            results.append(run(f"sqlite:///{path}", args.n, args.probes, people))
            print(json.dumps(results[-1]), flush=True)
    if args.postgres:
        url, drop = postgres_database(args.postgres, "bench_dups_keep" if args.keep else None)
        try:
            results.append(run(url, args.n, args.probes, people))
            print(json.dumps(results[-1]), flush=True)
        finally:
            drop()
    if args.json:
        out = {"benchmark": "duplicates", "meta": meta, "results": results}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
