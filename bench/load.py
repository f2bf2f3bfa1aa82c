"""Load test: a mixed workload through HTTP on loopback against ``opportune serve``.

Run by hand (``.venv/bin/python bench/load.py --write``) under the shared benchmark lock:
``flock`` on the lock file named in bench/all.py, which runs this script under that lock
(this script does not take it itself). Needs the ``bench`` extra (aiohttp). For each setup
(SQLite with one worker; PostgreSQL with N workers) the script makes an installation of its
own (a temporary data dir; on PostgreSQL a freshly created database, dropped at the end),
seeds it (the demo loader plus two more reps), issues API tokens through the library, starts
``opportune serve --workers N`` and drives it from several client processes (aiohttp,
keep-alive connections, a fixed number of connections each, closed loop), every request
timed, after a warm-up. The mix (percent of requests): 60 reading (list and view leads and
opportunities), 20 creating or updating leads, 10 stage moves (PATCH with If-Match; a 409
is an expected conflict, counted apart), 5 lead conversions (each of a fresh lead from a
pool made beforehand), 5 reports (pipeline, lead funnel). The trivial endpoint (``GET
/healthz``) is measured by the same clients, at the same concurrency, against the same
server, in the same run; so is each operation alone, for its ratio to the trivial rate.
Results: Markdown on stdout, ``--write`` into docs/benchmarks.md, ``--json FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib.metadata
import itertools
import json
import math
import multiprocessing as mp
import os
import platform
import queue as queues
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ARGON2_ENV = {"OPPORTUNE_ARGON2_TIME_COST": "1", "OPPORTUNE_ARGON2_MEMORY_COST": "1024"}
os.environ.update(ARGON2_ENV)

import aiohttp  # noqa: E402 - after the argon2 costs, like the other imports below
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from opportune import Opportune, Settings, User  # noqa: E402
from opportune.demo import load_demo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
HEADING = "## Load test (bench/load.py)"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
API = "/api/v1"
HEALTH = "/healthz"
FALLBACK_TRIVIAL = f"{API}/me"  # until /healthz exists: the cheapest authenticated request
# Operation -> percent of the mixed workload's requests.
MIX: dict[str, float] = {
    "list leads": 15, "view lead": 15, "list opportunities": 15, "view opportunity": 15,
    "create lead": 10, "update lead": 10, "stage move": 10, "convert lead": 5,
    "report: pipeline": 2.5, "report: lead funnel": 2.5,
}  # fmt: skip
READS = ("list leads", "view lead", "list opportunities", "view opportunity")
REREAD = "re-read after 409"  # the GET a stage move makes after a version conflict
TRIVIAL = "trivial"
POOL_COMPANY = "Loadpool"
TITLES = ("CTO", "Head of Sales", "Buyer", "Operations Manager", "VP Finance", None)
P99_GOAL_MS = 100.0
READ_GOAL = 0.40


# --- what a run needs and what it returns -----------------------------------------------------


@dataclass
class UserPlan:
    """One user's token and the records the load generator may use as that user."""

    label: str
    token: str
    view_leads: list[int]
    edit_leads: list[int]
    view_opps: list[int]
    moves: dict[int, list[Any]] = field(default_factory=dict)  # opp id -> [version, stage]
    pool: list[int] = field(default_factory=list)  # fresh leads to convert

    @property
    def headers(self) -> dict[str, str]:
        """The request headers that sign in as this user."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class ClientPlan:
    """Everything one client process needs: where, what, when and as whom."""

    base_url: str
    trivial_path: str
    weights: dict[str, float]
    users: list[UserPlan]
    concurrency: int
    first_slot: int  # global index of this process's first connection (picks its user)
    index: int
    start_wall: float
    warmup: float
    duration: float
    lead_statuses: list[str]
    open_stages: list[str]
    sources: list[str]
    converted_status: str
    tag: str


@dataclass
class Fixture:
    """The seeded installation as the load generator sees it."""

    users: list[tuple[str, int, str, int | None]]  # label, id, role, manager id
    tokens: dict[int, str]
    lead_statuses: list[str]
    open_stages: list[str]
    sources: list[str]
    converted_status: str
    counts: dict[str, int]
    seed_seconds: float


@dataclass
class OpStats:
    """Requests of one operation in one run."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)


# --- seeding ----------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr (stdout carries the Markdown)."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def server_env(url: str, data_dir: Path, port: int | None = None) -> dict[str, str]:
    """The environment of ``opportune`` commands for this installation."""
    env = {**os.environ, **ARGON2_ENV}
    env.update(OPPORTUNE_DATABASE_URL=url, OPPORTUNE_DATA_DIR=str(data_dir))
    if port is not None:
        env.update(OPPORTUNE_PORT=str(port), OPPORTUNE_HOST="127.0.0.1")
    return env


def opportune_command() -> str:
    """The ``opportune`` entry point of this virtualenv."""
    return str(Path(sys.executable).parent / "opportune")


def db_upgrade(url: str, data_dir: Path) -> None:
    """Run ``opportune db upgrade`` for the installation."""
    subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [opportune_command(), "db", "upgrade"],
        env=server_env(url, data_dir),
        cwd=data_dir,
        check=True,
        capture_output=True,
    )


def seed(url: str, data_dir: Path, leads: int, accounts: int) -> Fixture:
    """Migrate and seed an installation; return what the load generator needs."""
    started = time.perf_counter()
    db_upgrade(url, data_dir)
    core = open_core(url, data_dir)
    try:
        demo = load_demo(core, leads=round(leads * 0.6), accounts=accounts)
        admin, manager, rep = demo.users
        reps = [rep, *(make_rep(core, manager, n) for n in (2, 3))]
        core.users.update(None, rep.id or 0, {"manager_id": manager.id})
        for extra in reps[1:]:
            add_leads(core, admin, extra, round(leads * 0.2))
            add_opportunities(core, admin, extra, max(20, accounts * 2 // 5))
        people = [
            ("rep 1", reps[0]),
            ("manager", manager),
            ("rep 2", reps[1]),
            ("admin", admin),
            ("rep 3", reps[2]),
        ]
        tokens = {u.id or 0: issue_token(core, u) for _, u in people}
        fixture = describe(core, people, tokens)
    finally:
        core.close()
    fixture.seed_seconds = time.perf_counter() - started
    return fixture


def open_core(url: str, data_dir: Path) -> Opportune:
    """The library's view of the installation."""
    return Opportune(Settings(database_url=url, data_dir=data_dir))


def make_rep(core: Opportune, manager: User, n: int) -> User:
    """Another rep, reporting to the manager."""
    data = {
        "name": f"Load Rep {n}",
        "email": f"rep{n}@load.example.com",
        "role": "rep",
        "password": "load-test-password",
        "manager_id": manager.id,
    }
    return core.users.create(None, data)


def add_leads(core: Opportune, actor: User, owner: User, n: int, prefix: str = "Seed") -> None:
    """``n`` leads of ``owner`` (distinct people and companies) through create_many."""
    lists = core.picklists.lead_picklists()
    statuses = [s.label for s in lists.statuses if s.is_active and not s.is_closed]
    sources = [s.label for s in lists.sources if s.is_active]
    rnd = random.Random(f"{prefix}{owner.id}{n}")
    tag = uuid.uuid4().hex[:6]
    rows = (
        {
            "first_name": f"First{i % 997}",
            "last_name": f"{prefix} {tag} {i}",
            "company": f"{prefix} {owner.id}-{tag}-{i}",
            "email": f"p{i}@{prefix}{tag}x{i}.com",
            "status": rnd.choice(statuses) if prefix == "Seed" else statuses[0],
            "lead_source": rnd.choice(sources),
            "rating": rnd.choice(("Hot", "Warm", "Cold")),
            "owner_id": owner.id,
        }
        for i in range(n)
    )
    for _ in range(0, n, 5000):
        core.leads.create_many(actor, (row for _, row in zip(range(5000), rows, strict=False)))


def add_opportunities(core: Opportune, actor: User, owner: User, n: int) -> None:
    """``n`` open opportunities of ``owner`` on existing accounts, one by one."""
    stages = [s.label for s in core.pipeline.stages() if s.is_active and not s.is_closed]
    with core.engine.connect() as conn:
        accounts = [r[0] for r in conn.execute(text("SELECT id FROM accounts ORDER BY id"))]
    rnd = random.Random(owner.id)
    for i in range(n):
        data = {
            "name": f"Load deal {owner.id}-{i}",
            "account_id": rnd.choice(accounts),
            "close_date": date.today() + timedelta(days=rnd.randint(5, 200)),
            "amount": rnd.randint(1, 200) * 1000,
            "stage": rnd.choice(stages),
            "owner_id": owner.id,
        }
        core.opportunities.create(actor, data)


def issue_token(core: Opportune, user: User) -> str:
    """A read-write API token for ``user``, issued as the installation (like the CLI)."""
    return core.auth.create_token(None, user.id or 0, "load test", scopes=["read", "write"]).token


def table_counts(core: Opportune) -> dict[str, int]:
    """Rows in the tables the workload reads and writes."""
    queries = {
        "leads": "SELECT count(*) FROM leads",
        "pool leads": "SELECT count(*) FROM leads WHERE company LIKE 'Loadpool %'",
        "converted": "SELECT count(*) FROM leads WHERE is_converted = true",
        "accounts": "SELECT count(*) FROM accounts",
        "contacts": "SELECT count(*) FROM contacts",
        "opportunities": "SELECT count(*) FROM opportunities",
        "users": "SELECT count(*) FROM users",
    }
    with core.engine.connect() as conn:
        return {k: int(conn.execute(text(q)).scalar_one()) for k, q in queries.items()}


def describe(core: Opportune, people: list[tuple[str, User]], tokens: dict[int, str]) -> Fixture:
    """The picklists and counts of the seeded installation."""
    lists = core.picklists.lead_picklists()
    open_statuses = [s.label for s in lists.statuses if s.is_active and not s.is_closed]
    counts = table_counts(core)
    return Fixture(
        users=[(label, u.id or 0, u.role.value, u.manager_id) for label, u in people],
        tokens=tokens,
        lead_statuses=[s for s in open_statuses if not s.lower().startswith("closed")],
        open_stages=[s.label for s in core.pipeline.stages() if s.is_active and not s.is_closed],
        sources=[s.label for s in lists.sources if s.is_active],
        converted_status=next(s.label for s in lists.statuses if s.is_converted),
        counts=counts,
        seed_seconds=0.0,
    )


# --- the records each user works on -----------------------------------------------------------


def visible_owners(fixture: Fixture, user_id: int) -> set[int] | None:
    """Whose records the user sees: all (admin), theirs and their reports' (manager), theirs."""
    _, _, role, _ = next(u for u in fixture.users if u[1] == user_id)
    if role == "admin":
        return None
    return {user_id} | {u[1] for u in fixture.users if u[3] == user_id}


def user_plans(core: Opportune, fixture: Fixture) -> list[UserPlan]:
    """Every user's records as of now (opportunity versions and stages included)."""
    with core.engine.connect() as conn:
        leads = conn.execute(
            text("SELECT id, owner_id, is_converted, company FROM leads ORDER BY id")
        ).all()
        opps = conn.execute(
            text(
                "SELECT o.id, o.owner_id, o.is_closed, o.version, s.label FROM opportunities o "
                "JOIN opportunity_stages s ON s.id = o.stage_id ORDER BY o.id"
            )
        ).all()
    plans = []
    for label, user_id, _, _ in fixture.users:
        owners = visible_owners(fixture, user_id)
        seen = [r for r in leads if owners is None or r.owner_id in owners]
        mine = [r for r in seen if r.owner_id == user_id and not r.is_converted]
        pool = [r.id for r in mine if r.company.startswith(POOL_COMPANY)]
        open_mine = [r for r in opps if r.owner_id == user_id and not r.is_closed]
        plans.append(
            UserPlan(
                label=label,
                token=fixture.tokens[user_id],
                view_leads=[r.id for r in seen],
                edit_leads=[r.id for r in mine if not r.company.startswith(POOL_COMPANY)],
                view_opps=[r.id for r in opps if owners is None or r.owner_id in owners],
                moves={r.id: [r.version, r.label] for r in open_mine},
                pool=pool,
            )
        )
    return plans


def slot_ranges(concurrency: int, clients: int) -> list[range]:
    """The connections (global slots) of each client process."""
    ranges, first = [], 0
    for index in range(clients):
        share = concurrency // clients + (index < concurrency % clients)
        ranges.append(range(first, first + share))
        first += share
    return ranges


def split_plans(plans: list[UserPlan], ranges: list[range]) -> list[list[UserPlan]]:
    """Each client process's copy of the users: a user's stage moves and pool leads are
    shared out between the processes that have connections of that user, so no two
    processes move the same opportunity (each keeps its versions) or convert the same lead."""
    hosts = [
        [i for i, slots in enumerate(ranges) if any(s % len(plans) == u for s in slots)]
        for u in range(len(plans))
    ]
    split = []
    for index in range(len(ranges)):
        mine = []
        for u, plan in enumerate(plans):
            k, n = (hosts[u].index(index), len(hosts[u])) if index in hosts[u] else (0, 0)
            moves = list(plan.moves.items())[k::n] if n else []
            pool = plan.pool[k::n] if n else []
            mine.append(dataclasses.replace(plan, moves=dict(moves), pool=pool))
        split.append(mine)
    return split


def top_up_pool(core: Opportune, fixture: Fixture, per_user: dict[int, int]) -> None:
    """Make sure each user owns at least ``per_user[id]`` unconverted pool leads."""
    with core.engine.connect() as conn:
        have = Counter(
            r.owner_id
            for r in conn.execute(
                text("SELECT owner_id FROM leads WHERE is_converted = false AND company LIKE :p"),
                {"p": f"{POOL_COMPANY} %"},
            )
        )
    admin = core.users.get(next(u[1] for u in fixture.users if u[2] == "admin"))
    for user_id, need in per_user.items():
        if need > have[user_id]:
            add_leads(core, admin, core.users.get(user_id), need - have[user_id], POOL_COMPANY)


def pool_needs(fixture: Fixture, concurrency: int, conversions: float) -> dict[int, int]:
    """Pool leads per user for ``conversions`` conversions spread over the connections."""
    slots = Counter(fixture.users[i % len(fixture.users)][1] for i in range(concurrency))
    return {uid: math.ceil(conversions * n / concurrency) + 20 for uid, n in slots.items()}


# --- the client: one process, many keep-alive connections -------------------------------------


class Recorder:
    """Times of the requests that started after the warm-up and ended within the run."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.ops: dict[str, OpStats] = {}
        self.exhausted = 0

    def add(self, op: str, began: float, ended: float, status: int, body: bytes) -> None:
        """Record one request (ignored when outside the measured window)."""
        if began < self.start or ended > self.end:
            return
        stats = self.ops.setdefault(op, OpStats())
        stats.latencies.append((ended - began) * 1000)
        stats.statuses[status] += 1
        if not 200 <= status < 300 and status != 409 and len(stats.samples) < 3:
            stats.samples.append(f"{status}: {body[:300].decode(errors='replace')}")


@dataclass
class Ctx:
    """One connection's loop: its session, plan, user, random stream and recorder."""

    session: aiohttp.ClientSession
    plan: ClientPlan
    user: UserPlan
    rng: random.Random
    rec: Recorder
    counter: Iterator[int]

    async def call(
        self,
        op: str,
        method: str,
        path: str,
        body: object = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """Send one request as this connection's user, timed and recorded."""
        headers = {**self.user.headers, **extra} if extra else self.user.headers
        began = time.perf_counter()
        try:
            async with self.session.request(method, path, json=body, headers=headers) as resp:
                data, status = await resp.read(), resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            data, status = repr(exc).encode(), 0
        self.rec.add(op, began, time.perf_counter(), status, data)
        return status, data


async def nothing_to_do(ctx: Ctx) -> None:
    """The user has no record left for this operation (counted, shown as a warning)."""
    ctx.rec.exhausted += 1
    await asyncio.sleep(0.01)


async def op_trivial(ctx: Ctx) -> None:
    """The trivial endpoint."""
    await ctx.call(TRIVIAL, "GET", ctx.plan.trivial_path)


async def op_list_leads(ctx: Ctx) -> None:
    """A filtered page: one open status, the user's own leads, newest first."""
    status = quote(ctx.rng.choice(ctx.plan.lead_statuses))
    await ctx.call("list leads", "GET", f"{API}/leads?status={status}&owner=me&limit=50")


async def op_view_lead(ctx: Ctx) -> None:
    """One lead the user may see."""
    await ctx.call("view lead", "GET", f"{API}/leads/{ctx.rng.choice(ctx.user.view_leads)}")


async def op_list_opportunities(ctx: Ctx) -> None:
    """The user's open opportunities by close date."""
    await ctx.call("list opportunities", "GET", f"{API}/opportunities?state=open&owner=me&limit=50")


async def op_view_opportunity(ctx: Ctx) -> None:
    """One opportunity the user may see."""
    opp = ctx.rng.choice(ctx.user.view_opps)
    await ctx.call("view opportunity", "GET", f"{API}/opportunities/{opp}")


async def op_create_lead(ctx: Ctx) -> None:
    """A new lead of a new person at a new company."""
    tag = f"{ctx.plan.tag}-{ctx.plan.index}-{next(ctx.counter)}"
    body = {
        "first_name": "Load",
        "last_name": f"Created {tag}",
        "company": f"Loadnew {tag}",
        "email": f"new.{tag}@loadnew{tag.replace('-', '')}.com",
        "lead_source": ctx.rng.choice(ctx.plan.sources),
        "rating": ctx.rng.choice(("Hot", "Warm", "Cold")),
    }
    await ctx.call("create lead", "POST", f"{API}/leads", body)


async def op_update_lead(ctx: Ctx) -> None:
    """A small change to one of the user's open leads."""
    if not ctx.user.edit_leads:
        return await nothing_to_do(ctx)
    lead = ctx.rng.choice(ctx.user.edit_leads)
    body = {"title": ctx.rng.choice(TITLES), "rating": ctx.rng.choice(("Hot", "Warm", "Cold"))}
    await ctx.call("update lead", "PATCH", f"{API}/leads/{lead}", body)


async def op_stage_move(ctx: Ctx) -> None:
    """Move one of the user's open opportunities to another open stage, with If-Match; on
    409 (someone moved it since) read it again for its version."""
    if not ctx.user.moves:
        return await nothing_to_do(ctx)
    opp = ctx.rng.choice(list(ctx.user.moves))
    version, stage = ctx.user.moves[opp]
    target = ctx.rng.choice([s for s in ctx.plan.open_stages if s != stage])
    path = f"{API}/opportunities/{opp}"
    status, data = await ctx.call(
        "stage move", "PATCH", path, {"stage": target}, {"If-Match": f'"{version}"'}
    )
    if status == 409:
        status, data = await ctx.call(REREAD, "GET", path)
    if status == 200:
        record = json.loads(data)
        ctx.user.moves[opp] = [record["version"], record["stage"]]


async def op_convert_lead(ctx: Ctx) -> None:
    """Convert a fresh lead of the pool (account, contact and opportunity)."""
    if not ctx.user.pool:
        return await nothing_to_do(ctx)
    lead = ctx.user.pool.pop()
    body = {"converted_status": ctx.plan.converted_status}
    await ctx.call("convert lead", "POST", f"{API}/leads/{lead}/convert", body)


async def op_report_pipeline(ctx: Ctx) -> None:
    """The pipeline report."""
    await ctx.call("report: pipeline", "GET", f"{API}/reports/pipeline")


async def op_report_funnel(ctx: Ctx) -> None:
    """The lead funnel report."""
    await ctx.call("report: lead funnel", "GET", f"{API}/reports/lead-funnel")


OPS: dict[str, Callable[[Ctx], Awaitable[None]]] = {
    TRIVIAL: op_trivial, "list leads": op_list_leads, "view lead": op_view_lead,
    "list opportunities": op_list_opportunities, "view opportunity": op_view_opportunity,
    "create lead": op_create_lead, "update lead": op_update_lead, "stage move": op_stage_move,
    "convert lead": op_convert_lead, "report: pipeline": op_report_pipeline,
    "report: lead funnel": op_report_funnel,
}  # fmt: skip


async def connection_loop(ctx: Ctx, end: float) -> None:
    """Closed loop: the next request as soon as the previous one is answered. A bug in the
    generator itself is recorded as status -1 (and fails the run if it is most of an op)."""
    names = list(ctx.plan.weights)
    cumulative = list(itertools.accumulate(ctx.plan.weights.values()))
    while (now := time.perf_counter()) < end:
        op = names[0] if len(names) == 1 else ctx.rng.choices(names, cum_weights=cumulative)[0]
        try:
            await OPS[op](ctx)
        except Exception as exc:
            ctx.rec.add(op, now, time.perf_counter(), -1, repr(exc).encode())


async def run_client(plan: ClientPlan) -> dict[str, Any]:
    """Drive the server from this process until the end of the run."""
    start = time.perf_counter() + (plan.start_wall - time.time())
    window = (start + plan.warmup, start + plan.warmup + plan.duration)
    rec = Recorder(*window)
    connector = aiohttp.TCPConnector(limit=plan.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    cpu: list[float] = []
    async with aiohttp.ClientSession(plan.base_url, connector=connector, timeout=timeout) as s:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        loops = [
            connection_loop(client_ctx(s, plan, rec, slot), window[1])
            for slot in range(plan.concurrency)
        ]
        await asyncio.gather(cpu_window(cpu, window), *loops)
    return {
        "ops": {k: (v.latencies, dict(v.statuses), v.samples) for k, v in rec.ops.items()},
        "cpu": cpu[1] - cpu[0],
        "exhausted": rec.exhausted,
    }


def client_ctx(session: aiohttp.ClientSession, plan: ClientPlan, rec: Recorder, slot: int) -> Ctx:
    """The context of one connection: its user follows from its global slot."""
    user = plan.users[(plan.first_slot + slot) % len(plan.users)]
    rng = random.Random(f"{plan.tag}-{plan.index}-{slot}")
    return Ctx(session, plan, user, rng, rec, iter(range(slot * 10**7, (slot + 1) * 10**7)))


async def cpu_window(cpu: list[float], window: tuple[float, float]) -> None:
    """This process's CPU seconds at the start and the end of the measured window."""
    for moment in window:
        await asyncio.sleep(max(0.0, moment - time.perf_counter()))
        cpu.append(time.process_time())


def client_main(plan: ClientPlan, queue: Any) -> None:
    """A client process: run and hand the figures back."""
    queue.put(asyncio.run(run_client(plan)))


# --- measuring one run ------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run: a workload at a concurrency against one server."""

    workload: str
    concurrency: int
    duration: float
    ops: dict[str, OpStats]
    cpu: dict[str, float]
    exhausted: int
    load_before: float

    def total(self) -> OpStats:
        """Every request of the run together."""
        merged = OpStats()
        for stats in self.ops.values():
            merged.latencies.extend(stats.latencies)
            merged.statuses.update(stats.statuses)
        merged.latencies.sort()  # the percentiles read sorted lists
        return merged

    def rate(self, op: str | None = None) -> float:
        """Requests per second of one operation, or of all."""
        stats = self.total() if op is None else self.ops.get(op, OpStats())
        return len(stats.latencies) / self.duration


@dataclass
class Server:
    """A running ``opportune serve`` and how to reach it."""

    process: subprocess.Popen[bytes]
    base_url: str
    trivial_path: str = HEALTH


def measure(
    server: Server,
    users: list[UserPlan],
    weights: dict[str, float],
    concurrency: int,
    clients: int,
    timing: tuple[float, float],
    fixture: Fixture,
) -> dict[str, Any]:
    """Run the client processes; gather their figures and the CPU each side used."""
    warmup, duration = timing
    ranges = slot_ranges(concurrency, max(1, min(clients, concurrency)))
    per_process = split_plans(users, ranges)
    start_wall = time.time() + 1.5
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs, tag = [], uuid.uuid4().hex[:8]
    for index, slots in enumerate(ranges):
        plan = ClientPlan(
            server.base_url,
            server.trivial_path,
            weights,
            per_process[index],
            len(slots),
            slots.start,
            index,
            start_wall,
            warmup,
            duration,
            fixture.lead_statuses,
            fixture.open_stages,
            fixture.sources,
            fixture.converted_status,
            tag,
        )
        procs.append(ctx.Process(target=client_main, args=(plan, queue), daemon=True))
    for proc in procs:
        proc.start()
    busy = sample_cpu(server, start_wall + warmup, start_wall + warmup + duration)
    results = collect(queue, procs, deadline=time.time() + warmup + duration + 180)
    busy["client"] = sum(r["cpu"] for r in results) / duration
    return {"results": results, "cpu": busy}


def collect(queue: Any, procs: list[Any], deadline: float) -> list[dict[str, Any]]:
    """Each client process's figures; fail if one died without them."""
    results: list[dict[str, Any]] = []
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=2))
        except queues.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead or time.time() > deadline:
                raise RuntimeError(f"a client process failed (exit codes {dead})") from None
    for proc in procs:
        proc.join(timeout=30)
    return results


def sample_cpu(server: Server, begin: float, end: float) -> dict[str, float]:
    """Cores busy during the window: the server's processes, PostgreSQL's, the machine."""
    time.sleep(max(0.0, begin - time.time()))
    before = cpu_seconds(server.process.pid)
    time.sleep(max(0.0, end - time.time()))
    after = cpu_seconds(server.process.pid)
    return {k: cpu_delta(before[k], after[k]) / (end - begin) for k in after}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two samples by the processes alive at the second (one
    that started in between counts whole; one that ended in between is lost)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def cpu_seconds(server_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far by pid: the server's process tree, every ``postgres`` process,
    and the whole machine (as pid 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                raw = (entry / "stat").read_text()
                comm, rest = (
                    raw[raw.index("(") + 1 : raw.rindex(")")],
                    raw[raw.rindex(")") + 2 :].split(),
                )
                stats[int(entry.name)] = (
                    comm,
                    int(rest[1]),
                    (int(rest[11]) + int(rest[12])) / tick,
                )
    tree, grew = {server_pid}, True
    while grew:
        more = {pid for pid, (_, ppid, _) in stats.items() if ppid in tree} - tree
        tree, grew = tree | more, bool(more)
    busy = Path("/proc/stat").read_text().split("\n")[0].split()[1:]
    idle = int(busy[3]) + int(busy[4])
    return {
        "server": {p: stats[p][2] for p in tree if p in stats},
        "postgres": {p: s for p, (comm, _, s) in stats.items() if comm == "postgres"},
        "machine": {0: (sum(int(v) for v in busy[:8]) - idle) / tick},
    }


def make_run(workload: str, concurrency: int, duration: float, raw: dict[str, Any]) -> Run:
    """Merge the client processes' figures into one run."""
    ops: dict[str, OpStats] = {}
    for result in raw["results"]:
        for name, (latencies, statuses, samples) in result["ops"].items():
            stats = ops.setdefault(name, OpStats())
            stats.latencies.extend(latencies)
            stats.statuses.update(statuses)
            stats.samples.extend(samples)
    for stats in ops.values():
        stats.latencies.sort()
    exhausted = sum(r["exhausted"] for r in raw["results"])
    return Run(workload, concurrency, duration, ops, raw["cpu"], exhausted, os.getloadavg()[0])


def check(run: Run) -> list[str]:
    """Fail loudly when an operation mostly failed; return warnings for any errors."""
    if not run.total().latencies:
        raise RuntimeError(f"{run.workload} at {run.concurrency}: no request completed")
    warnings = []
    for name, stats in run.ops.items():
        bad = errors(stats)
        if bad and bad / len(stats.latencies) > 0.5:
            raise RuntimeError(f"{run.workload}: {name} mostly failed: {stats.samples}")
        if bad:
            warnings.append(f"{name}: {bad} of {len(stats.latencies)} failed ({stats.samples[:1]})")
    if run.exhausted:
        warnings.append(f"no record to work on (conversion pool empty?) {run.exhausted} times")
    for line in warnings:
        log(f"WARNING {run.workload} at {run.concurrency}: {line}")
    return warnings


def errors(stats: OpStats) -> int:
    """Answers that are neither 2xx nor an expected version conflict."""
    return sum(n for code, n in stats.statuses.items() if not 200 <= code < 300 and code != 409)


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_ms:
        return math.nan
    return sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(q / 100 * len(sorted_ms)) - 1))]


# --- one setup: installation, server, runs ----------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """A database and a number of web workers."""

    name: str
    database: str  # sqlite or postgresql
    workers: int

    @classmethod
    def parse(cls, name: str) -> Setup:
        """``sqlite1`` or ``pgN``."""
        match = re.fullmatch(r"(sqlite|pg)(\d+)", name)
        if not match or (match[1] == "sqlite" and match[2] != "1"):
            raise SystemExit(f"unknown setup {name!r}: use sqlite1 or pgN (pg2, pg4...)")
        return cls(name, "sqlite" if match[1] == "sqlite" else "postgresql", int(match[2]))


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, data_dir: Path, workers: int) -> Server:
    """``opportune serve --workers N`` in its own process group, answering once ready."""
    port = free_port()
    logfile = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own entry point
        [opportune_command(), "serve", "--workers", str(workers), "--port", str(port)],
        env=server_env(url, data_dir, port),
        cwd=data_dir,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    wait_ready(server, data_dir)
    return server


def http_status(url: str, token: str | None = None) -> int:
    """The status of a GET (0 when nothing answers)."""
    request = urllib.request.Request(url)  # noqa: S310 - loopback http only
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def wait_ready(server: Server, data_dir: Path, timeout: float = 90) -> None:
    """Wait until every worker answers (any HTTP status means it is up)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.process.poll() is not None:
            log_tail = (data_dir / "serve.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"opportune serve exited:\n{log_tail}")
        if http_status(server.base_url + HEALTH):
            time.sleep(2)  # the other workers start at the same time; let them finish
            return
        time.sleep(0.3)
    raise RuntimeError("opportune serve did not answer in time")


def pick_trivial(server: Server, token: str) -> None:
    """``GET /healthz`` when it answers 200, else the fallback (said in the results)."""
    if http_status(server.base_url + HEALTH) == 200:
        server.trivial_path = HEALTH
    elif http_status(server.base_url + FALLBACK_TRIVIAL, token) == 200:
        server.trivial_path = FALLBACK_TRIVIAL
        log(f"{HEALTH} does not answer 200: the trivial endpoint is {FALLBACK_TRIVIAL}")
    else:
        raise RuntimeError("neither /healthz nor /api/v1/me answers 200")


def stop_server(server: Server) -> None:
    """SIGTERM to the server's process group, then SIGKILL if it lingers."""
    pgid = server.process.pid  # its own session: the group id is its pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        server.process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)  # workers left behind by the master


def worker_pids(server: Server) -> list[int]:
    """The server's processes (for py-spy)."""
    out = subprocess.run(  # noqa: S603
        ["/usr/bin/pgrep", "-g", str(server.process.pid)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(p) for p in out.stdout.split()]


@dataclass
class Options:
    """The run's knobs."""

    duration: float
    warmup: float
    op_duration: float
    op_warmup: float
    concurrency: int
    sweep: list[int]
    clients: int


def run_setup(
    setup: Setup, url: str, data_dir: Path, fixture: Fixture, opts: Options
) -> dict[str, Any]:
    """Serve the installation and run every measurement of the setup against it."""
    core = open_core(url, data_dir)
    server = start_server(url, data_dir, setup.workers)
    try:
        pick_trivial(server, next(iter(fixture.tokens.values())))
        log(f"{setup.name}: serving at {server.base_url}, pids {worker_pids(server)}")
        steps = [sweep_step(core, server, fixture, opts, c) for c in opts.sweep]
        main = next(s for s in steps if s["concurrency"] == opts.concurrency)
        alone = {op: alone_run(core, server, fixture, opts, op, main["mixed"].rate()) for op in MIX}
        after = table_counts(core)
    finally:
        stop_server(server)
        core.close()
    return {
        "setup": setup, "trivial_path": server.trivial_path, "steps": steps, "alone": alone,
        "after": after,
    }  # fmt: skip


def sweep_step(
    core: Opportune, server: Server, fixture: Fixture, opts: Options, concurrency: int
) -> dict[str, Any]:
    """The trivial endpoint, then the mix, at one concurrency."""
    timing, clients = (opts.warmup, opts.duration), min(opts.clients, concurrency)
    plans = user_plans(core, fixture)
    log(f"  trivial, {concurrency} connections")
    trivial = make_run(
        TRIVIAL,
        concurrency,
        opts.duration,
        measure(server, plans, {TRIVIAL: 1}, concurrency, clients, timing, fixture),
    )
    check(trivial)
    conversions = trivial.rate() * MIX["convert lead"] / 100 * sum(timing) * 1.3
    top_up_pool(core, fixture, pool_needs(fixture, concurrency, conversions))
    plans = user_plans(core, fixture)
    log(f"  mix, {concurrency} connections (trivial {trivial.rate():,.0f}/s)")
    raw = measure(server, plans, MIX, concurrency, clients, timing, fixture)
    mixed = make_run("mix", concurrency, opts.duration, raw)
    warnings = check(mixed)
    log(f"  mix: {mixed.rate():,.0f}/s, p99 {percentile(mixed.total().latencies, 99):.1f} ms")
    return {"concurrency": concurrency, "trivial": trivial, "mixed": mixed, "warnings": warnings}


def alone_run(
    core: Opportune, server: Server, fixture: Fixture, opts: Options, op: str, mixed_rate: float
) -> Run:
    """One operation by itself at the main concurrency."""
    timing, clients = (opts.op_warmup, opts.op_duration), min(opts.clients, opts.concurrency)
    if op == "convert lead":
        conversions = mixed_rate * sum(timing) * 1.3
        top_up_pool(core, fixture, pool_needs(fixture, opts.concurrency, conversions))
    plans = user_plans(core, fixture)
    log(f"  {op} alone, {opts.concurrency} connections")
    raw = measure(server, plans, {op: 1}, opts.concurrency, clients, timing, fixture)
    run = make_run(op, opts.concurrency, opts.op_duration, raw)
    check(run)
    return run


# --- databases ---------------------------------------------------------------------------------


def admin_sql(admin_url: str, statement: str) -> None:
    """One statement on the PostgreSQL server's admin database (autocommit)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def pg_url(admin_url: str, name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the admin URL's server."""
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


@contextlib.contextmanager
def databases(admin_url: str) -> Iterator[Callable[[str, str | None], str]]:
    """A factory of fresh uniquely named PostgreSQL databases, all dropped at the end."""
    made: list[str] = []
    stem = f"opportune_load_{uuid.uuid4().hex[:8]}"

    def create(suffix: str, template: str | None = None) -> str:
        name = f"{stem}_{suffix}"
        clause = f' TEMPLATE "{template}"' if template else ""
        admin_sql(admin_url, f'CREATE DATABASE "{name}"{clause}')
        made.append(name)
        return name

    try:
        yield create
    finally:
        for name in reversed(made):
            try:
                admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error as exc:
                log(f"could not drop database {name}: {exc}")


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())[1])  # type: ignore[index]
    return {
        "cpu": model[1].strip() if model else platform.processor(),
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024**2:.0f} GiB",
        "os": platform.platform(terse=True),
    }


def versions(admin_url: str | None) -> dict[str, str]:
    """Versions of everything on the request path."""
    found = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    if admin_url:
        with psycopg.connect(admin_url) as conn:
            found["PostgreSQL"] = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
    for package in ("uvicorn", "fastapi", "sqlalchemy", "psycopg", "aiohttp"):
        found[package] = importlib.metadata.version(package)
    return found


def row_stats(stats: OpStats, duration: float) -> tuple[int, float, float, float]:
    """Requests, req/s, p50 ms, p99 ms."""
    lat = stats.latencies
    return len(lat), len(lat) / duration, percentile(lat, 50), percentile(lat, 99)


def non2xx(stats: OpStats) -> str:
    """Non-2xx answers as ``409: 3, 500: 1`` (409 = expected version conflict)."""
    bad = sorted((c, n) for c, n in stats.statuses.items() if not 200 <= c < 300)
    return ", ".join(f"{c}: {n}" for c, n in bad) or "0"


def setup_table(result: dict[str, Any], concurrency: int) -> list[str]:
    """The main table of a setup: each operation in the mix, and alone."""
    step = next(s for s in result["steps"] if s["concurrency"] == concurrency)
    trivial, mixed, alone = step["trivial"], step["mixed"], result["alone"]
    base = trivial.rate()
    lines = [
        "| operation | share | requests | req/s | p50 ms | p99 ms | non-2xx | alone req/s "
        "| alone p99 ms | alone ÷ trivial |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for op, share in MIX.items():
        n, rate, p50, p99 = row_stats(mixed.ops.get(op, OpStats()), mixed.duration)
        a = alone[op]
        _, a_rate, _, a_p99 = row_stats(a.ops.get(op, OpStats()), a.duration)
        lines.append(
            f"| {op} | {share:g}% | {n:,} | {rate:,.1f} | {p50:.1f} | {p99:.1f} | "
            f"{non2xx(mixed.ops.get(op, OpStats()))} | {a_rate:,.0f} | {a_p99:.1f} | "
            f"{a_rate / base:.2f} |"
        )
    if REREAD in mixed.ops:
        n, rate, p50, p99 = row_stats(mixed.ops[REREAD], mixed.duration)
        lines.append(
            f"| {REREAD} | | {n:,} | {rate:,.1f} | {p50:.1f} | {p99:.1f} | "
            f"{non2xx(mixed.ops[REREAD])} | | | |"
        )
    n, rate, p50, p99 = row_stats(mixed.total(), mixed.duration)
    lines.append(
        f"| **mixed workload** | 100% | {n:,} | **{rate:,.0f}** | {p50:.1f} | **{p99:.1f}** "
        f"| {non2xx(mixed.total())} | | | **{rate / base:.2f}** (mix ÷ trivial) |"
    )
    n, rate, p50, p99 = row_stats(trivial.total(), trivial.duration)
    lines.append(
        f"| trivial `GET {result['trivial_path']}`, same run | | {n:,} | {rate:,.0f} | "
        f"{p50:.1f} | {p99:.1f} | {non2xx(trivial.total())} | | | 1.00 |"
    )
    return lines


def sweep_table(result: dict[str, Any]) -> list[str]:
    """Throughput and latency of the mix by number of connections."""
    lines = [
        "| connections | trivial req/s | trivial p99 ms | mix req/s | mix ÷ trivial | mix p50 ms "
        "| mix p99 ms | p99 < 100 ms | cores busy, trivial: server / clients / machine "
        "| cores busy, mix: server / PostgreSQL / clients / machine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in result["steps"]:
        t, m = step["trivial"], step["mixed"]
        tl, ml = t.total().latencies, m.total().latencies
        p99 = percentile(ml, 99)
        tc, mc = t.cpu, m.cpu
        lines.append(
            f"| {step['concurrency']} | {t.rate():,.0f} | {percentile(tl, 99):.1f} | "
            f"{m.rate():,.0f} | {m.rate() / t.rate():.2f} | {percentile(ml, 50):.1f} | "
            f"{p99:.1f} | {'yes' if p99 < P99_GOAL_MS else 'no'} | {tc['server']:.2f} / "
            f"{tc['client']:.2f} / {tc['machine']:.2f} | {mc['server']:.2f} / "
            f"{mc['postgres']:.2f} / {mc['client']:.2f} / {mc['machine']:.2f} |"
        )
    return lines


def goal_lines(result: dict[str, Any], concurrency: int) -> list[str]:
    """The two goals, met or missed, with the margin."""
    step = next(s for s in result["steps"] if s["concurrency"] == concurrency)
    p99 = percentile(step["mixed"].total().latencies, 99)
    under = [
        s for s in result["steps"] if percentile(s["mixed"].total().latencies, 99) < P99_GOAL_MS
    ]
    best = max(under, key=lambda s: s["mixed"].rate(), default=None)
    verdict = "met" if p99 < P99_GOAL_MS else f"missed by {p99 - P99_GOAL_MS:.0f} ms"
    lines = [
        f"- Mix p99 at {concurrency} connections ({step['mixed'].rate():,.0f} req/s): "
        f"**{p99:.0f} ms**, goal < {P99_GOAL_MS:.0f} ms: **{verdict}**. "
        + (
            f"Highest throughput with p99 under {P99_GOAL_MS:.0f} ms: "
            f"**{best['mixed'].rate():,.0f} req/s** at {best['concurrency']} connections "
            f"(p99 {percentile(best['mixed'].total().latencies, 99):.0f} ms)."
            if best
            else f"No step of the sweep kept p99 under {P99_GOAL_MS:.0f} ms."
        )
    ]
    base = step["trivial"].rate()
    parts = []
    for op in READS:
        ratio = result["alone"][op].rate(op) / base
        verdict = "met" if ratio >= READ_GOAL else f"missed by {READ_GOAL - ratio:.2f}"
        parts.append(f"{op} {ratio:.2f} ({verdict})")
    lines.append(f"- Reads alone ÷ trivial (goal ≥ {READ_GOAL:.2f}): " + "; ".join(parts) + ".")
    return lines


def markdown(
    results: list[dict[str, Any]], fixture: Fixture, opts: Options, meta: dict[str, Any]
) -> str:
    """The benchmarks.md section."""
    m, v = meta["machine"], meta["versions"]
    counts = fixture.counts
    out = [HEADING, "", INTRO.strip(), ""]
    out.append(
        f"**{meta['date']}**, {m['cpu']}, {m['cores']} cores, {m['ram']}, {m['os']}; "
        + ", ".join(f"{k} {val}" for k, val in v.items())
        + f". Seeded data: {counts['leads']:,} leads, {counts['accounts']:,} accounts, "
        f"{counts['contacts']:,} contacts, {counts['opportunities']:,} opportunities, "
        f"{counts['users']} users (admin, manager, three reps reporting to the manager), "
        f"plus the conversion pool. Clients: {opts.clients} processes, closed loop, "
        f"{opts.warmup:g} s warm-up then {opts.duration:g} s per step of the sweep; each "
        f"operation alone {opts.op_warmup:g} + {opts.op_duration:g} s at "
        f"{opts.concurrency} connections. Load average before the run: {meta['load']:.2f}."
    )
    for result in results:
        setup: Setup = result["setup"]
        db = "SQLite" if setup.database == "sqlite" else "PostgreSQL"
        out += ["", f"### {setup.name}: {db}, `opportune serve --workers {setup.workers}`", ""]
        if result["trivial_path"] != HEALTH:
            out += [
                f"The trivial endpoint is `GET {result['trivial_path']}` "
                f"(`{HEALTH}` did not exist yet): it reads the token and the user.",
                "",
            ]
        after = result["after"]
        out += [
            f"Server: {setup.workers} worker process{'es' if setup.workers > 1 else ''}, "
            "default settings (PostgreSQL pool: 5 connections + 10 overflow per process), "
            "its output to a file. After the runs the database held "
            f"{after['leads']:,} leads ({after['pool leads']:,} made for the conversion pool, "
            f"{after['converted']:,} converted), {after['accounts']:,} accounts and "
            f"{after['opportunities']:,} opportunities.",
            "",
        ]
        out += [f"At {opts.concurrency} connections:", "", *setup_table(result, opts.concurrency)]
        out += ["", "Concurrency sweep:", "", *sweep_table(result), ""]
        out += goal_lines(result, opts.concurrency)
        warnings = [w for s in result["steps"] for w in s["warnings"]]
        if warnings:
            out += ["", "Warnings: " + "; ".join(warnings)]
    return "\n".join(out) + "\n"


INTRO = """
`.venv/bin/python bench/load.py --write`, under `flock` on the shared benchmark lock like
every measured benchmark (needs `pip install -e '.[bench]'`), runs a mixed workload through
HTTP on loopback against `opportune serve`. Each setup gets an installation of its own (a
temporary data dir; on PostgreSQL a fresh database, cloned from one seeded template and
dropped afterwards): the demo data plus two more reps, an API token per user (admin, manager,
three reps reporting to the manager). Client: aiohttp in several processes, keep-alive
connections in a closed loop (each connection sends its next request when the previous one
is answered, always as the same user). The mix: 60 % reads (a lead list page filtered by one
open status and `owner=me`, one lead, the user's open opportunities, one opportunity), 10 %
lead creates, 10 % lead updates, 10 % stage moves (`PATCH` with `If-Match`; a `409` is an
expected conflict, after which the opportunity is read again), 5 % conversions (each of a
fresh lead from a pool created before the run), 2.5 % each of the pipeline and lead funnel
reports. The trivial endpoint is measured by the same clients, at the same concurrency,
against the same server, just before the mix; each operation also runs alone, and its rate
alone is compared with the trivial rate. Latencies are client-side, from sending the request
to the last byte of the answer. Re-running with `--write` replaces this section.
"""


def write_section(section: str) -> None:
    """Replace (or add) the load test section of docs/benchmarks.md."""
    doc = DOCS.read_text()
    start = doc.find(HEADING)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + section
    else:
        # Up to the next section, or bench/all.py's generated block, whichever comes first.
        following = re.search(
            r"^(## |<!-- bench/all\.py)", doc[start + len(HEADING) :], re.MULTILINE
        )
        end = start + len(HEADING) + following.start() if following else len(doc)
        doc = doc[:start] + section + ("\n" if following else "") + doc[end:]
    DOCS.write_text(doc)


def run_json(run: Run) -> dict[str, Any]:
    """A run's raw figures."""
    return {
        "workload": run.workload,
        "concurrency": run.concurrency,
        "duration_s": run.duration,
        "cpu_cores_busy": run.cpu,
        "load_before": run.load_before,
        "pool_exhausted": run.exhausted,
        "total": op_json(run.total(), run.duration),
        "ops": {name: op_json(stats, run.duration) for name, stats in run.ops.items()},
    }


def op_json(stats: OpStats, duration: float) -> dict[str, Any]:
    """One operation's figures."""
    n, rate, p50, p99 = row_stats(stats, duration)
    lat = stats.latencies
    return {
        "requests": n,
        "req_per_s": rate,
        "p50_ms": p50,
        "p90_ms": percentile(lat, 90),
        "p99_ms": p99,
        "max_ms": lat[-1] if lat else None,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "error_samples": stats.samples,
    }


def dump_json(
    path: Path, results: list[dict[str, Any]], fixture: Fixture, meta: dict[str, Any]
) -> None:
    """Every figure of the run as JSON."""
    data = {
        **meta,
        "seed_seconds": fixture.seed_seconds,
        "counts": fixture.counts,
        "setups": [
            {
                "name": r["setup"].name,
                "database": r["setup"].database,
                "workers": r["setup"].workers,
                "trivial_path": r["trivial_path"],
                "sweep": [
                    {
                        "concurrency": s["concurrency"],
                        "trivial": run_json(s["trivial"]),
                        "mix": run_json(s["mixed"]),
                        "warnings": s["warnings"],
                    }
                    for s in r["steps"]
                ],
                "alone": {op: run_json(run) for op, run in r["alone"].items()},
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(data, indent=1))


# --- main ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setups", default="sqlite1,pg2,pg4", help="sqlite1 and/or pgN")
    parser.add_argument("--duration", type=float, default=20, help="measured seconds per step")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up seconds per step")
    parser.add_argument("--op-duration", type=float, default=10, help="seconds per op alone")
    parser.add_argument("--op-warmup", type=float, default=3, help="warm-up per op alone")
    parser.add_argument("--concurrency", type=int, default=32, help="connections, main step")
    parser.add_argument("--sweep", default="4,8,16,32", help="connection counts to step through")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--leads", type=int, default=10_000, help="seeded leads")
    parser.add_argument("--accounts", type=int, default=400, help="seeded demo accounts")
    parser.add_argument("--postgres", default=PG_ADMIN, help="PostgreSQL admin URL")
    parser.add_argument("--json", type=Path, help="write the raw figures to this file")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    return parser.parse_args()


def seed_all(
    setups: list[Setup], tmp: Path, args: argparse.Namespace, create_db: Callable[..., str]
) -> dict[str, tuple[str, Fixture]]:
    """Seed one installation per database kind (PostgreSQL: a template for the setups)."""
    seeded: dict[str, tuple[str, Fixture]] = {}
    for kind in dict.fromkeys(s.database for s in setups):
        seed_dir = tmp / f"seed-{kind}"
        seed_dir.mkdir()
        if kind == "sqlite":
            url = f"sqlite:///{seed_dir / 'opportune.db'}"
            where = str(seed_dir / "opportune.db")
        else:
            where = create_db("seed")
            url = pg_url(args.postgres, where)
        log(f"seeding {kind}: {args.leads:,} leads, {args.accounts} accounts")
        fixture = seed(url, seed_dir, args.leads, args.accounts)
        log(f"seeded {kind} in {fixture.seed_seconds:.0f} s: {fixture.counts}")
        seeded[kind] = (where, fixture)
    return seeded


def installation(
    setup: Setup,
    seeded: tuple[str, Fixture],
    tmp: Path,
    args: argparse.Namespace,
    create_db: Callable[..., str],
) -> tuple[str, Path]:
    """A copy of the seeded installation for one setup: its URL and data dir."""
    data_dir = tmp / setup.name
    data_dir.mkdir()
    where, _ = seeded
    if setup.database == "sqlite":
        copy_sqlite(Path(where), data_dir / "opportune.db")
        url = f"sqlite:///{data_dir / 'opportune.db'}"
    else:
        url = pg_url(args.postgres, create_db(setup.name, where))
    db_upgrade(url, data_dir)  # the schema may have moved on since seeding (work in progress)
    return url, data_dir


def main() -> None:
    """Seed, serve, load, report."""
    args = parse_args()
    setups = [Setup.parse(name.strip()) for name in args.setups.split(",") if name.strip()]
    sweep = sorted({int(c) for c in args.sweep.split(",")} | {args.concurrency})
    opts = Options(
        args.duration,
        args.warmup,
        args.op_duration,
        args.op_warmup,
        args.concurrency,
        sweep,
        args.clients,
    )
    uses_pg = any(s.database == "postgresql" for s in setups)
    meta = {
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "machine": machine(),
        "versions": versions(args.postgres if uses_pg else None),
        "load": os.getloadavg()[0],
        "options": vars(opts),
    }
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="opportune-load-") as tmp_name,
        databases(args.postgres) as create_db,
    ):
        tmp = Path(tmp_name)
        seeded = seed_all(setups, tmp, args, create_db)
        for setup in setups:
            url, data_dir = installation(setup, seeded[setup.database], tmp, args, create_db)
            log(f"setup {setup.name}")
            results.append(run_setup(setup, url, data_dir, seeded[setup.database][1], opts))
    fixture = next(iter(seeded.values()))[1]
    section = markdown(results, fixture, opts, meta)
    print(section)
    if args.json:
        dump_json(args.json, results, fixture, meta)
    if args.write:
        write_section(section)
        log(f"wrote the section into {DOCS}")


if __name__ == "__main__":
    main()
