"""The reports benchmark's data set: leads, conversions, accounts, opportunities and their
stage history, made up quickly and consistently.

:func:`generate` fills a freshly migrated database (an :class:`~opportune.Opportune` whose
``migrate()`` has run): 20 owners (the first an admin who can sign in), then N leads
created over the last three years (every source and status: open, closed with a close
reason, converted), about 15 % of them converted with a conversion record in force (most
with an opportunity, some without) and a few conversions undone, a few merged, about half
with a last activity; an account per five opportunities; M opportunities whose stage,
probability, forecast category, closed and won flags agree with their stage, created
before they close, closing over three years past and one to come; 2-6 history snapshots
each moving forward through the stages (a few reopened after closing), and one stage
period per stay, the current one open-ended.

Rows go in set-based (stdlib ``sqlite3`` ``executemany`` in large transactions, psycopg
``COPY``) with the secondary indexes dropped and rebuilt afterwards (see report_load.py).
Every choice comes from one seeded random generator: the same arguments make the same data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Table, func, select

from opportune import Opportune, User
from opportune.db import tables as t

try:  # run as a script from bench/, or imported as bench.report_data by the tests
    from report_load import Loader, open_loader
except ImportError:  # pragma: no cover - depends on how it is imported
    from bench.report_load import Loader, open_loader  # type: ignore[no-redef,import-not-found,unused-ignore]

DAY = 86_400
SPAN = 3 * 365 * DAY  # leads and opportunities are created over the last three years
PASSWORD = "bench-password-1"  # noqa: S105 - the made-up owners' sign-in
ADMIN_EMAIL = "owner00@example.com"
CONVERTED_SHARE = 0.15
WITH_OPPORTUNITY_SHARE = 0.85
UNDONE_SHARE = 0.005  # open leads whose conversion was undone
MERGED_SHARE = 0.005
TOUCHED_SHARE = 0.5  # leads with a last activity
WIN_SHARE = 0.3
REOPENED_SHARE = 0.03
CHUNK = 20_000
Row = tuple[object, ...]  # one row's values, in its table's column order
_FIRST = ("Ada", "Ben", "Chloe", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai",
          "Lena", "Max", "Nora", "Omar", "Pia", "Quin", "Rosa", "Sam", "Tess")  # fmt: skip
_COMPANY = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Tyrell",
            "Vandelay", "Wonka", "Contoso", "Fabrikam", "Northwind", "Litware")  # fmt: skip
_KIND = (" Labs", " Foods", " Systems", " Energy", " Media", " Capital", " Health")
_RATINGS = ("Hot", "Warm", "Cold", None)
# Lead sources by weight (first seeded source most common); none for 6 in 100 leads.
_SOURCE_WEIGHTS = (40, 15, 15, 20, 10)
_NO_SOURCE = 0.06


@dataclass(frozen=True, slots=True)
class DataSpec:
    """What to make: counts, the moment "now" of the data, owners, and the random seed."""

    leads: int
    opportunities: int
    now: datetime
    owners: int = 20
    seed: int = 6


@dataclass(frozen=True, slots=True)
class StageInfo:
    """What an opportunity takes from its stage."""

    id: int
    probability: int
    forecast_category: str
    is_closed: bool
    is_won: bool


@dataclass(frozen=True, slots=True)
class Picklists:
    """The seeded picklists the data draws from (active values, in sort order)."""

    open_statuses: tuple[int, ...]
    closed_statuses: tuple[int, ...]
    converted_status: int
    sources: tuple[int, ...]
    close_reasons: tuple[int, ...]
    open_stages: tuple[StageInfo, ...]
    won_stage: StageInfo
    lost_stage: StageInfo
    lost_reasons: tuple[int, ...]


@dataclass(slots=True)
class Conversion:
    """A converted lead: what its opportunity, account and contact take from it."""

    lead_id: int
    owner_id: int
    source_id: int | None
    created: int
    converted: int
    status_before: int
    account_id: int = 0
    contact_id: int = 0
    opportunity_id: int | None = None


@dataclass(frozen=True, slots=True)
class Deal:
    """An opportunity before its life is drawn: when, whose, from which source, which account."""

    created: int
    owner_id: int
    source_id: int | None
    account_id: int


@dataclass(slots=True)
class Plan:
    """Everything decided before rows are written (times are seconds since ``origin``)."""

    spec: DataSpec
    picklists: Picklists
    owners: tuple[int, ...]
    origin: datetime
    now: int
    conversions: dict[int, Conversion] = field(default_factory=dict)
    deals: list[Deal] = field(default_factory=list)
    accounts: int = 1
    source_table: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadStats:
    """Rows written per table and the seconds each phase took."""

    rows: dict[str, int]
    seconds: dict[str, float]

    @property
    def total_rows(self) -> int:
        """Rows written in all tables."""
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        """Seconds from the first row made to the statistics gathered."""
        return sum(self.seconds.values())


def generate(core: Opportune, spec: DataSpec) -> LoadStats:
    """Fill ``core``'s freshly migrated, empty database with the data set of ``spec``."""
    started = time.perf_counter()
    owners = create_owners(core, spec.owners)
    with core.engine.connect() as conn:
        _check_empty(conn)
        picklists = read_picklists(conn)
    plan = make_plan(spec, picklists, tuple(o.id or 0 for o in owners))
    seconds = {"plan": time.perf_counter() - started}
    loader = open_loader(core, plan.origin)
    try:
        seconds |= _load(loader, plan)
    finally:
        loader.close()
    return LoadStats(dict(loader.rows), seconds)


def _load(loader: Loader, plan: Plan) -> dict[str, float]:
    """Write every table with its indexes suspended, rebuild them, gather statistics."""
    started = time.perf_counter()
    loader.suspend_indexes()
    rnd = random.Random(plan.spec.seed + 1)
    write_accounts(loader, plan)
    write_contacts(loader, plan)
    undone = write_leads(loader, plan, rnd)
    write_deals(loader, plan, rnd)
    write_conversions(loader, plan, undone)
    loader.commit()
    inserted = time.perf_counter()
    loader.restore_indexes()
    indexed = time.perf_counter()
    loader.analyze()
    return {"insert": inserted - started, "indexes": indexed - inserted,
            "analyze": time.perf_counter() - indexed}  # fmt: skip


def create_owners(core: Opportune, count: int) -> list[User]:
    """``count`` users through the service: the first an admin, then managers and reps."""
    return [
        core.users.create(None, {
            "name": f"Owner {n:02d}", "email": f"owner{n:02d}@example.com",
            "role": "admin" if n == 0 else ("manager" if n % 5 == 0 else "rep"),
            "password": PASSWORD,
        })
        for n in range(count)
    ]  # fmt: skip


def _check_empty(conn: Connection) -> None:
    for table in (t.leads, t.opportunities, t.accounts, t.contacts):
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise RuntimeError(f"{table.name} is not empty: the data set needs a fresh database")


def read_picklists(conn: Connection) -> Picklists:
    """The migrations' seeded statuses, sources, close reasons, stages and lost reasons."""
    st = t.lead_statuses
    statuses = conn.execute(
        select(st.c.id, st.c.is_closed, st.c.is_converted)
        .where(st.c.is_active)
        .order_by(st.c.sort_order)
    ).all()
    stages = [
        StageInfo(r.id, r.probability, r.forecast_category, r.is_closed, r.is_won)
        for r in conn.execute(
            select(t.opportunity_stages)
            .where(t.opportunity_stages.c.is_active)
            .order_by(t.opportunity_stages.c.sort_order)
        )
    ]
    return Picklists(
        open_statuses=tuple(s.id for s in statuses if not s.is_closed and not s.is_converted),
        closed_statuses=tuple(s.id for s in statuses if s.is_closed and not s.is_converted),
        converted_status=next(s.id for s in statuses if s.is_converted),
        sources=_ids(conn, t.lead_sources), close_reasons=_ids(conn, t.lead_close_reasons),
        open_stages=tuple(s for s in stages if not s.is_closed),
        won_stage=next(s for s in stages if s.is_won),
        lost_stage=next(s for s in stages if s.is_closed and not s.is_won),
        lost_reasons=_ids(conn, t.opportunity_lost_reasons),
    )  # fmt: skip


def _ids(conn: Connection, table: Table) -> tuple[int, ...]:
    query = select(table.c.id).where(table.c.is_active).order_by(table.c.sort_order)
    return tuple(conn.execute(query).scalars())


# --- the plan: conversions and opportunities decided before any row is written -----------


def make_plan(spec: DataSpec, picklists: Picklists, owners: tuple[int, ...]) -> Plan:
    """Decide which leads convert, which opportunities exist, and their ids and accounts."""
    now_naive = spec.now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    plan = Plan(spec, picklists, owners, origin=now_naive - timedelta(seconds=SPAN), now=SPAN)
    plan.source_table = _source_table(picklists.sources)
    plan.accounts = max(1, -(-spec.opportunities // 5))
    rnd = random.Random(spec.seed)
    plan.conversions = _plan_conversions(plan, rnd)
    plan.deals = _plan_deals(plan, rnd)
    return plan


def _source_table(sources: tuple[int, ...]) -> tuple[int | None, ...]:
    """A hundred slots filled by source weight, so one random number picks a source."""
    weights = list(_SOURCE_WEIGHTS[: len(sources)]) + [10] * (len(sources) - len(_SOURCE_WEIGHTS))
    table = [s for s, w in zip(sources, weights, strict=True) for _ in range(w)]
    return tuple(table) if table else (None,)


def lead_created(plan: Plan, index: int) -> int:
    """When lead ``index`` (0-based) was created: spread evenly, ids in creation order."""
    jitter = ((index * 2_654_435_761) % 1024) / 1024
    return int((index + jitter) * (plan.now - DAY // 24) / max(1, plan.spec.leads))


def _pick_source(plan: Plan, rnd: random.Random) -> int | None:
    r = rnd.random()
    if r < _NO_SOURCE:
        return None
    table = plan.source_table
    return table[int((r - _NO_SOURCE) / (1 - _NO_SOURCE) * len(table))]


def _pick(rnd: random.Random, values: Sequence[int]) -> int:
    return values[int(rnd.random() * len(values))]


def _plan_conversions(plan: Plan, rnd: random.Random) -> dict[int, Conversion]:
    """Converted leads (created at least two days ago), converted 1 to ~60 days later."""
    found: dict[int, Conversion] = {}
    latest = plan.now - 2 * DAY
    for index in range(plan.spec.leads):
        created = lead_created(plan, index)
        if created >= latest or rnd.random() >= CONVERTED_SHARE:
            continue
        delay = DAY + int(rnd.expovariate(1 / (20 * DAY)))
        found[index + 1] = Conversion(
            lead_id=index + 1, owner_id=_pick(rnd, plan.owners),
            source_id=_pick_source(plan, rnd), created=created,
            converted=min(created + delay, plan.now - 3600),
            status_before=_pick(rnd, plan.picklists.open_statuses),
        )  # fmt: skip
    return found


def _plan_deals(plan: Plan, rnd: random.Random) -> list[Deal]:
    """Opportunities of conversions and made directly, numbered in order of creation."""
    converted = [c for c in plan.conversions.values() if rnd.random() < WITH_OPPORTUNITY_SHARE]
    converted = converted[: plan.spec.opportunities]
    direct = plan.spec.opportunities - len(converted)
    starts = [(c.converted, c.lead_id) for c in converted]
    starts += [(rnd.randrange(0, plan.now - DAY), 0) for _ in range(direct)]
    starts.sort()
    deals = []
    for deal_id, (created, lead_id) in enumerate(starts, 1):
        account = 1 + int(rnd.random() * plan.accounts)
        if lead_id:
            conversion = plan.conversions[lead_id]
            conversion.opportunity_id, conversion.account_id = deal_id, account
            deals.append(Deal(created, conversion.owner_id, conversion.source_id, account))
        else:
            deals.append(Deal(created, _pick(rnd, plan.owners), _pick_source(plan, rnd), account))
    for contact_id, conversion in enumerate(plan.conversions.values(), 1):
        conversion.contact_id = contact_id
        conversion.account_id = conversion.account_id or 1 + int(rnd.random() * plan.accounts)
    return deals


# --- rows ------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = ("id", "name", "industry", "billing_country", "owner_id", "created_at",
                   "created_by_id", "updated_at", "updated_by_id", "version")  # fmt: skip
CONTACT_COLUMNS = ("id", "first_name", "last_name", "email", "account_id", "owner_id",
                   "do_not_call", "has_opted_out_of_email", "created_at", "created_by_id",
                   "updated_at", "updated_by_id", "version")  # fmt: skip
LEAD_COLUMNS = (
    "id", "first_name", "last_name", "company", "email", "source_id", "status_id",
    "close_reason_id", "rating", "owner_id", "is_unread_by_owner", "do_not_call",
    "has_opted_out_of_email", "is_converted", "converted_date", "converted_account_id",
    "converted_contact_id", "converted_opportunity_id", "created_at", "created_by_id",
    "updated_at", "updated_by_id", "version", "merged_into_id", "last_activity_at",
)  # fmt: skip
CONVERSION_COLUMNS = ("lead_id", "converted_at", "converted_by_id", "status_before_id",
                      "account_id", "contact_id", "opportunity_id", "details", "undone_at",
                      "undone_by_id")  # fmt: skip
OPPORTUNITY_COLUMNS = (
    "id", "name", "account_id", "stage_id", "close_date", "amount", "currency_code",
    "probability", "forecast_category", "is_closed", "is_won", "lead_source_id", "owner_id",
    "lost_reason_id", "created_at", "created_by_id", "updated_at", "updated_by_id", "version",
)  # fmt: skip
HISTORY_COLUMNS = ("opportunity_id", "stage_id", "amount", "probability", "expected_revenue",
                   "close_date", "forecast_category", "is_closed", "changed_by_id",
                   "changed_at")  # fmt: skip
PERIOD_COLUMNS = ("opportunity_id", "stage_id", "is_closed_stage", "entered_at", "left_at",
                  "days")  # fmt: skip


def _chunks(count: int, size: int = CHUNK) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def write_accounts(loader: Loader, plan: Plan) -> None:
    """One account per five opportunities, all created before the data's three years."""
    moment, owners = loader.moment, plan.owners
    for ids in _chunks(plan.accounts):
        rows: list[Row] = []
        for i in ids:
            owner, created = owners[i % len(owners)], moment(-DAY * (1 + i % 365))
            rows.append((i + 1, f"{_COMPANY[i % 14]}{_KIND[i % 7]} {i + 1}", "Technology",
                         "USA", owner, created, owner, created, owner, 1))  # fmt: skip
        loader.write("accounts", ACCOUNT_COLUMNS, rows)


def write_contacts(loader: Loader, plan: Plan) -> None:
    """The contact each conversion created, on the conversion's account."""
    moment, rows = loader.moment, list[Row]()
    for c in plan.conversions.values():
        at, owner = moment(c.converted), c.owner_id
        rows.append((c.contact_id, _FIRST[c.lead_id % 20], f"Lead{c.lead_id}",
                     f"lead{c.lead_id}@example.com", c.account_id, owner, False, False,
                     at, owner, at, owner, 1))  # fmt: skip
        if len(rows) == CHUNK:
            loader.write("contacts", CONTACT_COLUMNS, rows)
            rows = []
    loader.write("contacts", CONTACT_COLUMNS, rows)


def write_leads(loader: Loader, plan: Plan, rnd: random.Random) -> list[Row]:
    """Every lead; returns the undone conversions drawn on the way (written after leads)."""
    undone: list[Row] = []
    for indexes in _chunks(plan.spec.leads):
        rows = [_lead_row(plan, loader, rnd, i, undone) for i in indexes]
        loader.write("leads", LEAD_COLUMNS, rows)
    return undone


def _lead_row(plan: Plan, loader: Loader, rnd: random.Random, index: int, undone: list[Row]) -> Row:
    lead_id, created = index + 1, lead_created(plan, index)
    conversion = plan.conversions.get(lead_id)
    if conversion is not None:
        return _converted_lead(plan, loader, rnd, conversion)
    owner, source = _pick(rnd, plan.owners), _pick_source(plan, rnd)
    status, reason = _lead_status(plan, rnd, plan.now - created)
    updated = created + int((plan.now - created) * rnd.random() ** 2)
    touched = _touched(rnd, created, plan.now)
    merged = lead_id - 1 if index and rnd.random() < MERGED_SHARE else None
    if merged is None and reason is None and rnd.random() < UNDONE_SHARE:
        undone.append(_undone_conversion(plan, loader, rnd, lead_id, created, owner))
    return (lead_id, _FIRST[lead_id % 20], f"Lead{lead_id}", _company(lead_id),
            f"lead{lead_id}@example.com", source, status, reason, _RATINGS[lead_id % 4], owner,
            False, False, False, False, None, None, None, None, loader.moment(created), owner,
            loader.moment(updated), owner, 1, merged, loader.moment(touched))  # fmt: skip


def _converted_lead(plan: Plan, loader: Loader, rnd: random.Random, c: Conversion) -> Row:
    owner, at = c.owner_id, loader.moment(c.converted)
    touched = _touched(rnd, c.created, c.converted)
    return (c.lead_id, _FIRST[c.lead_id % 20], f"Lead{c.lead_id}", _company(c.lead_id),
            f"lead{c.lead_id}@example.com", c.source_id, plan.picklists.converted_status, None,
            _RATINGS[c.lead_id % 4], owner, False, False, False, True, loader.day(c.converted),
            c.account_id, c.contact_id, c.opportunity_id, loader.moment(c.created), owner, at,
            owner, 2, None, loader.moment(touched))  # fmt: skip


def _company(lead_id: int) -> str:
    return f"{_COMPANY[lead_id % 14]}{_KIND[(lead_id // 14) % 7]} {lead_id % 5000}"


def _lead_status(plan: Plan, rnd: random.Random, age: int) -> tuple[int, int | None]:
    """An open status, or a closed one with a close reason (older leads close more often)."""
    closed_share = 0.1 if age < 30 * DAY else (0.5 if age < 180 * DAY else 0.75)
    lists = plan.picklists
    if lists.closed_statuses and rnd.random() < closed_share:
        return _pick(rnd, lists.closed_statuses), _pick(rnd, lists.close_reasons)
    return _pick(rnd, lists.open_statuses), None


def _touched(rnd: random.Random, start: int, end: int) -> int | None:
    """About half the leads had an activity logged, some time in their life."""
    r = rnd.random()
    return start + int((end - start) * r / TOUCHED_SHARE) if r < TOUCHED_SHARE else None


def _undone_conversion(
    plan: Plan, loader: Loader, rnd: random.Random, lead_id: int, created: int, owner: int
) -> Row:
    """A conversion that was undone a day later (its contact deleted: the id is kept)."""
    converted = created + int((plan.now - created) * rnd.random() * 0.5)
    undone = min(converted + DAY, plan.now - 60)
    return (lead_id, loader.moment(converted), owner, plan.picklists.open_statuses[0],
            1 + lead_id % plan.accounts, len(plan.conversions) + lead_id, None, "{}",
            loader.moment(undone), owner)  # fmt: skip


def write_conversions(loader: Loader, plan: Plan, undone: list[Row]) -> None:
    """The conversion records in force, then the undone ones."""
    moment, rows = loader.moment, list[Row]()
    for c in plan.conversions.values():
        rows.append((c.lead_id, moment(c.converted), c.owner_id, c.status_before,
                     c.account_id, c.contact_id, c.opportunity_id, "{}", None, None))  # fmt: skip
        if len(rows) == CHUNK:
            loader.write("lead_conversions", CONVERSION_COLUMNS, rows)
            rows = []
    loader.write("lead_conversions", CONVERSION_COLUMNS, rows + undone)


def write_deals(loader: Loader, plan: Plan, rnd: random.Random) -> None:
    """Opportunities with their history snapshots and stage periods, a chunk at a time."""
    for ids in _chunks(len(plan.deals)):
        deals, history, periods = list[Row](), list[Row](), list[Row]()
        for index in ids:
            life = draw_life(plan, rnd, index + 1, plan.deals[index])
            deals.append(_deal_row(loader, plan.deals[index], life))
            history += _history_rows(loader, life)
            periods += _period_rows(loader, life)
        loader.write("opportunities", OPPORTUNITY_COLUMNS, deals)
        loader.write("opportunity_history", HISTORY_COLUMNS, history)
        loader.write("opportunity_stage_periods", PERIOD_COLUMNS, periods)


@dataclass(frozen=True, slots=True)
class Life:
    """One opportunity's stages, the moments it entered each, and its closing figures."""

    deal_id: int
    owner_id: int
    path: tuple[StageInfo, ...]
    moments: tuple[int, ...]
    close: int
    amount: int | None
    forecast_category: str
    lost_reason_id: int | None


def draw_life(plan: Plan, rnd: random.Random, deal_id: int, deal: Deal) -> Life:
    """The stages an opportunity went through, forward, and when; where it closes."""
    cycle = int(DAY * min(400, 5 + rnd.expovariate(1 / 55)))
    end = deal.created + cycle
    closed = end < plan.now and rnd.random() < 0.9
    outcome = ("won" if rnd.random() < WIN_SHARE else "lost") if closed else "open"
    path = _path(plan.picklists, rnd, outcome, 2 + int(rnd.random() * 5))
    last = end if closed else min(end, plan.now - 60)
    inner = sorted(rnd.sample(range(1, last - deal.created), len(path) - (2 if closed else 1)))
    moments = (deal.created, *(deal.created + s for s in inner), *([end] if closed else []))
    amount = None if rnd.random() < 0.05 else 100 * max(1, int(rnd.lognormvariate(4.8, 1.0)))
    category = path[-1].forecast_category if closed else _category(rnd, path[-1])
    reason = _pick(rnd, plan.picklists.lost_reasons) if outcome == "lost" else None
    return Life(deal_id, deal.owner_id, path, moments, _close(plan, rnd, closed, end), amount,
                category, reason)  # fmt: skip


def _path(
    lists: Picklists, rnd: random.Random, outcome: str, snapshots: int
) -> tuple[StageInfo, ...]:
    """Open stages in order from the first, then the closing stage; a few reopened deals
    went to the lost stage and back to the open stage they left."""
    opens = lists.open_stages
    reopened = outcome == "open" and snapshots >= 3 and rnd.random() < REOPENED_SHARE
    count = snapshots - (1 if outcome != "open" else 0) - (2 if reopened else 0)
    if outcome == "open" and not reopened and len(opens) > 1:
        return _open_path(opens, rnd, snapshots)
    count = max(1, min(count, len(opens)))
    steps = [opens[0], *(opens[i] for i in sorted(rnd.sample(range(1, len(opens)), count - 1)))]
    if reopened:
        steps += [lists.lost_stage, steps[-1]]
    if outcome != "open":
        steps.append(lists.won_stage if outcome == "won" else lists.lost_stage)
    return tuple(steps)


def _open_path(
    opens: tuple[StageInfo, ...], rnd: random.Random, snapshots: int
) -> tuple[StageInfo, ...]:
    """An open deal's stages: its current stage drawn first (earlier ones more likely),
    then the stages it passed through on the way from the first."""
    current = 1 + int((len(opens) - 1) * rnd.random() ** 1.5)
    passed = sorted(rnd.sample(range(1, current), min(snapshots, current + 1) - 2))
    return (opens[0], *(opens[i] for i in passed), opens[current])


def _category(rnd: random.Random, stage: StageInfo) -> str:
    """An open deal's forecast category: the stage's, or overridden as reps do."""
    r = rnd.random()
    if stage.probability >= 75 and r < 0.5:
        return "Commit"
    if stage.probability >= 50 and r < 0.4:
        return "Best Case"
    return "Omitted" if r > 0.95 else stage.forecast_category


def _close(plan: Plan, rnd: random.Random, closed: bool, end: int) -> int:
    """The close date: when it closed; else the planned end (at most a year ahead), or, for
    a deal past its planned end, a date moved to between two months ago and ten ahead."""
    if closed:
        return end
    if end > plan.now:
        return min(end, plan.now + 365 * DAY)
    return plan.now + rnd.randrange(-60, 300) * DAY


def _deal_row(loader: Loader, deal: Deal, life: Life) -> Row:
    stage, owner = life.path[-1], life.owner_id
    return (life.deal_id, f"Deal {life.deal_id}", deal.account_id, stage.id,
            loader.day(life.close), life.amount, "USD", stage.probability,
            life.forecast_category, stage.is_closed, stage.is_won, deal.source_id, owner,
            life.lost_reason_id if stage.is_closed else None, loader.moment(deal.created),
            owner, loader.moment(life.moments[-1]), owner, len(life.path))  # fmt: skip


def _history_rows(loader: Loader, life: Life) -> list[Row]:
    """A snapshot per stage change (the close date as it finally is, for simplicity)."""
    rows, close, last = list[Row](), loader.day(life.close), len(life.path) - 1
    for n, (stage, at) in enumerate(zip(life.path, life.moments, strict=True)):
        expected = None if life.amount is None else life.amount * stage.probability // 100
        category = life.forecast_category if n == last else stage.forecast_category
        rows.append((life.deal_id, stage.id, life.amount, stage.probability, expected, close,
                     category, stage.is_closed, life.owner_id, loader.moment(at)))  # fmt: skip
    return rows


def _period_rows(loader: Loader, life: Life) -> list[Row]:
    """One stay per snapshot; the last one (the current stage) has not ended."""
    rows: list[Row] = []
    ends = (*life.moments[1:], None)
    for stage, entered, left in zip(life.path, life.moments, ends, strict=True):
        days = None if left is None else (left - entered) / DAY
        rows.append((life.deal_id, stage.id, stage.is_closed, loader.moment(entered),
                     None if left is None else loader.moment(left), days))  # fmt: skip
    return rows
