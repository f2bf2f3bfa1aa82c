"""Lead conversion benchmark: bulk conversion against the raw limit, and single conversions.

Run by hand (``.venv/bin/python bench/convert.py --n 100000``, add ``--postgres URL`` for
PostgreSQL); results go into docs/benchmarks.md with the machine and date.

For each engine it creates N leads (each a new company: every conversion creates an
account, a contact and an opportunity), copies the database, then

- converts all N through ``ConversionService.convert_many`` (batches of 500, every rule,
  duplicate checks, conversion records);
- on the copy, does the same inserts and updates with plain SQLAlchemy Core executemany and
  no rules (the raw limit): accounts, contacts, opportunities, stage snapshots, contact
  roles, field history, conversion records, and the lead updates;
- (SQLite) converts M more leads one at a time through ``POST /api/v1/leads/{id}/convert``
  to ``opportune serve`` in its own process, over loopback.

``--json FILE`` also writes the figures as JSON; ``--skip-sqlite`` runs PostgreSQL alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

import httpx
import sqlalchemy as sa
from sqlalchemy import Engine, insert, select, update

from opportune import Opportune, Settings, User
from opportune.db import tables as t
from opportune.domain.conversion import fiscal_quarter_end
from opportune.services.conversions import ConvertRequest

BATCH = 500
CONVERTED = {"converted_status": "Closed - Converted"}
CITIES = ("Boston", "Lyon", "Munich", "Austin", "Toronto", "Osaka")


def lead_rows(start: int, n: int) -> list[dict[str, object]]:
    """N leads of N different companies, with the fields people fill in."""
    return [
        {"first_name": "Ada", "last_name": f"Last{i}", "company": f"Company {i}",
         "email": f"ada{i}@company{i}.example", "phone": f"+1 555 {i:07d}", "title": "CTO",
         "website": f"company{i}.example", "city": CITIES[i % 6], "country": "USA",
         "lead_source": "Web", "industry": "Technology", "rating": "Warm"}
        for i in range(start, start + n)
    ]  # fmt: skip


def setup(url: str, n: int, extra: int) -> tuple[Opportune, User, list[int]]:
    """A migrated database with a user and N + ``extra`` leads; their ids in order."""
    core = Opportune(Settings(env="test", database_url=url))
    core.migrate()
    user = core.users.create(None, {"name": "Bench", "email": "bench@example.com",
                                    "role": "admin", "password": "bench-password"})  # fmt: skip
    for start in range(0, n + extra, 10_000):
        core.leads.create_many(user, lead_rows(start, min(10_000, n + extra - start)))
    with core.engine.connect() as conn:
        ids = list(conn.execute(select(t.leads.c.id).order_by(t.leads.c.id)).scalars())
    return core, user, ids


def bulk(core: Opportune, user: User, ids: Sequence[int]) -> float:
    """Seconds to convert ``ids`` with convert_many; every lead must succeed."""
    requests = [ConvertRequest(i, CONVERTED) for i in ids]
    started = time.perf_counter()
    results = core.conversions.convert_many(user, requests)
    elapsed = time.perf_counter() - started
    failed = [r for r in results if not r.success]
    assert not failed, failed[:3]
    return elapsed


def chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """``ids`` in slices of ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _stamps(user_id: int, now: datetime) -> dict[str, object]:
    return {"created_at": now, "created_by_id": user_id, "updated_at": now,
            "updated_by_id": user_id, "version": 1}  # fmt: skip


def _returning(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, rows).scalars())


def raw(engine: Engine, user_id: int, ids: Sequence[int]) -> float:
    """Seconds for the same writes as bulk conversion, in plain Core, without rules."""
    now = datetime.now(UTC)
    close = fiscal_quarter_end(date.today())
    started = time.perf_counter()
    for batch in chunks(ids, BATCH):
        with engine.begin() as conn:
            _raw_batch(conn, user_id, batch, now, close)
    return time.perf_counter() - started


def _raw_batch(
    conn: sa.Connection, user_id: int, batch: Sequence[int], now: datetime, close: date
) -> None:
    leads = conn.execute(select(t.leads).where(t.leads.c.id.in_(batch))).mappings().all()
    stamps = _stamps(user_id, now)
    accounts = _returning(conn, t.accounts, [
        {"name": x["company"], "website": x["website"], "phone": x["phone"],
         "billing_city": x["city"], "billing_country": x["country"], "industry": x["industry"],
         "rating": x["rating"], "source_id": x["source_id"], "owner_id": x["owner_id"], **stamps}
        for x in leads])  # fmt: skip
    contacts = _returning(conn, t.contacts, [
        {"first_name": x["first_name"], "last_name": x["last_name"], "email": x["email"],
         "phone": x["phone"], "title": x["title"], "mailing_city": x["city"],
         "mailing_country": x["country"], "source_id": x["source_id"], "account_id": a,
         "owner_id": x["owner_id"], **stamps}
        for x, a in zip(leads, accounts, strict=True)])  # fmt: skip
    opps = _returning(conn, t.opportunities, [
        {"name": x["company"], "account_id": a, "stage_id": 1, "close_date": close,
         "currency_code": "USD", "probability": 10, "forecast_category": "Pipeline",
         "lead_source_id": x["source_id"], "owner_id": x["owner_id"], **stamps}
        for x, a in zip(leads, accounts, strict=True)])  # fmt: skip
    conn.execute(insert(t.opportunity_history), [
        {"opportunity_id": o, "stage_id": 1, "probability": 10, "close_date": close,
         "forecast_category": "Pipeline", "is_closed": False, "changed_by_id": user_id,
         "changed_at": now} for o in opps])  # fmt: skip
    conn.execute(insert(t.opportunity_stage_periods), [
        {"opportunity_id": o, "stage_id": 1, "is_closed_stage": False, "entered_at": now}
        for o in opps])  # fmt: skip
    conn.execute(insert(t.opportunity_contact_roles), [
        {"opportunity_id": o, "contact_id": c, "is_primary": True}
        for o, c in zip(opps, contacts, strict=True)])  # fmt: skip
    _raw_lead_writes(conn, user_id, leads, list(zip(accounts, contacts, opps, strict=True)), now)


def _raw_lead_writes(
    conn: sa.Connection, user_id: int, leads: Sequence[Any], made: list[tuple[int, int, int]],
    now: datetime,
) -> None:  # fmt: skip
    history, records, updates = [], [], []
    for lead, (a, c, o) in zip(leads, made, strict=True):
        for field, old, new in (("status_id", lead["status_id"], 3), ("is_converted", 0, 1),
                                ("converted_date", None, now.date()),
                                ("converted_account_id", None, a),
                                ("converted_contact_id", None, c),
                                ("converted_opportunity_id", None, o)):  # fmt: skip
            history.append({"object_type": "lead", "record_id": lead["id"], "field": field,
                            "old_value": None if old is None else str(old), "new_value": str(new),
                            "changed_by_id": user_id, "changed_at": now})  # fmt: skip
        details = {"created": {"account": [a, 1], "contact": [c, 1], "opportunity": [o, 1]},
                   "merged": {}, "activities": [], "unmapped": {}, "options": CONVERTED,
                   "stamps": {"lead": {"version": lead["version"]}}}  # fmt: skip
        records.append({"lead_id": lead["id"], "converted_at": now, "converted_by_id": user_id,
                        "status_before_id": lead["status_id"], "account_id": a, "contact_id": c,
                        "opportunity_id": o, "details": details})  # fmt: skip
        updates.append({"b_id": lead["id"], "b_a": a, "b_c": c, "b_o": o})
    conn.execute(insert(t.field_history), history)
    conn.execute(insert(t.lead_conversions), records)
    c = t.leads.c
    conn.execute(
        update(t.leads).where(c.id == sa.bindparam("b_id")).values(
            status_id=3, is_converted=True, converted_date=now.date(), updated_at=now,
            converted_account_id=sa.bindparam("b_a"), converted_contact_id=sa.bindparam("b_c"),
            converted_opportunity_id=sa.bindparam("b_o"), version=c.version + 1),
        updates,
    )  # fmt: skip


def singles(core: Opportune, user: User, url: str, ids: Sequence[int]) -> float:
    """Conversions per second, one lead per ``POST /api/v1/leads/{id}/convert``, sent over
    loopback with keep-alive to ``opportune serve`` running in its own process."""
    token = core.auth.create_token(None, user.id or 0, "bench").token
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "OPPORTUNE_DATABASE_URL": url, "OPPORTUNE_ENV": "test"}
    server = subprocess.Popen(  # noqa: S603 - our own command
        [str(Path(sys.executable).parent / "opportune"), "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1",
                          headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
            _wait_for(client)
            started = time.perf_counter()
            for lead_id in ids:
                response = client.post(f"/leads/{lead_id}/convert", json=CONVERTED)
                assert response.status_code == 200, response.text
            return len(ids) / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(client: httpx.Client) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client.get("/me")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def run_engine(name: str, url: str, raw_url: str, n: int, single: int) -> dict[str, Any]:
    """Bulk against raw on one engine (and singles through the API on SQLite)."""
    core, user, ids = setup(url, n, single)
    core.close()
    clone(url, raw_url)
    core = Opportune(Settings(env="test", database_url=url))
    ours = bulk(core, user, ids[:n])
    raw_engine = sa.create_engine(raw_url)
    limit = raw(raw_engine, user.id or 0, ids[:n])
    raw_engine.dispose()
    print(f"{name}: convert_many {n / ours:,.0f} leads/s ({ours:.1f} s); raw {n / limit:,.0f} "
          f"leads/s ({limit:.1f} s); ratio {limit / ours:.2f}")  # fmt: skip
    result: dict[str, Any] = {
        "database": name, "n": n, "bulk_seconds": round(ours, 3),
        "bulk_leads_per_s": round(n / ours, 1), "raw_seconds": round(limit, 3),
        "raw_leads_per_s": round(n / limit, 1), "ratio": round(limit / ours, 3),
    }  # fmt: skip
    if single:
        rate = singles(core, user, url, ids[n:])
        print(f"{name}: single conversions through the API (HTTP, loopback): {rate:,.0f}/s")
        result |= {"single": single, "single_per_s": round(rate, 1)}
    core.close()
    return result


def clone(url: str, raw_url: str) -> None:
    """Copy the database ``url`` to ``raw_url`` (file copy, or PostgreSQL's TEMPLATE)."""
    if url.startswith("sqlite"):
        shutil.copy(url.removeprefix("sqlite:///"), raw_url.removeprefix("sqlite:///"))
        return
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{raw_url.rsplit("/", 1)[1]}" '
                             f'TEMPLATE "{url.rsplit("/", 1)[1]}"'))  # fmt: skip
    admin.dispose()


def pg_databases(base: str) -> tuple[str, str, sa.Engine]:
    """Two fresh database URLs on the server of ``base``, and an admin engine to drop them."""
    server = base.rsplit("/", 1)[0]
    admin = sa.create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    names = (f"bench_convert_{os.getpid()}", f"bench_convert_raw_{os.getpid()}")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{names[0]}"'))
    return f"{server}/{names[0]}", f"{server}/{names[1]}", admin


def main() -> None:
    """Parse arguments and run the benchmark on SQLite, and PostgreSQL if asked."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="leads converted in bulk")
    parser.add_argument("--single", type=int, default=1_000, help="leads converted one by one")
    parser.add_argument(
        "--postgres",
        help="a PostgreSQL URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    print(f"{platform.node()} · {platform.platform()} · Python {platform.python_version()} · "
          f"{os.cpu_count()} CPUs · {datetime.now(UTC):%Y-%m-%d}")  # fmt: skip
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_engine("SQLite", f"sqlite:///{Path(tmp) / 'ours.db'}",
                                      f"sqlite:///{Path(tmp) / 'raw.db'}", args.n,
                                      args.single))  # fmt: skip
    if args.postgres:
        ours, raw_url, admin = pg_databases(args.postgres)
        try:
            results.append(run_engine("PostgreSQL", ours, raw_url, args.n, 0))
        finally:
            with admin.connect() as conn:
                for url in (ours, raw_url):
                    name = url.rsplit("/", 1)[1]
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    if args.json:
        meta = {"machine": platform.node(), "platform": platform.platform(),
                "python": platform.python_version(), "cpus": os.cpu_count(),
                "date": datetime.now(UTC).date().isoformat()}  # fmt: skip
        out = {"benchmark": "convert", "meta": meta, "results": results}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
