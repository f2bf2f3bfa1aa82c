"""Demo data: three users, several hundred realistic leads spread over half a year, and a
sales pipeline (accounts, contacts, opportunities with stage history, contact roles, tasks,
calls and notes; see :mod:`opportune.demo_sales`).

Deterministic for a given seed and "now". Leads are created through the service layer in
batches, one per day and creating user, each with a clock set to that day, so creation
dates spread like real work; leads the administrator assigns to others start unread.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from opportune.demo_sales import (
    DEFAULT_ACCOUNTS,
    SalesResult,
    latest_working_moment,
    load_sales,
)
from opportune.demo_vocabulary import (
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    TITLES,
    ascii_word,
    digits,
    pick_company,
    size,
)
from opportune.domain.leads import LeadPicklists
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.users import Role, User
from opportune.services import Opportune
from opportune.services.clock import Clock
from opportune.services.leads import LeadService

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo login, shown to the user
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_USERS = (
    ("Dana Whitfield", DEMO_ADMIN_EMAIL, Role.ADMIN),
    ("Marcus Oyelaran", "manager@example.com", Role.MANAGER),
    ("Priya Raman", "rep@example.com", Role.REP),
)
DEFAULT_LEADS = 400
DEFAULT_SEED = 2024
HISTORY_DAYS = 180

DESCRIPTIONS = (
    "Downloaded the pricing guide and asked for a call back.",
    "Met at the regional trade show; interested in a pilot next quarter.",
    "Requested a demo for their sales team of about {n} people.",
    "Current contract with a competitor ends in {m} months.",
    "Referred by an existing customer; evaluating options this quarter.",
    "Asked about integrations with their ERP system.",
    "Attended the webinar on pipeline forecasting.",
    "Budget approval expected after the next board meeting.",
    "Filled in the contact form asking about volume discounts.",
)
SOURCE_WEIGHTS = {"Web": 35, "Phone Inquiry": 15, "Partner Referral": 20, "Purchased List": 20}


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo loader created."""

    users: list[User]
    leads: int
    sales: SalesResult

    def summary(self) -> str:
        """What was loaded, in one sentence."""
        s = self.sales
        return (
            f"Loaded {self.leads} demo leads, {s.accounts} accounts, {s.contacts} contacts, "
            f"{s.opportunities} opportunities, {s.activities} tasks, calls and notes, "
            f"and {len(self.users)} users."
        )


@dataclass(frozen=True, slots=True)
class _Lists:
    """The picklists the generator draws from, grouped by what they mean."""

    open: tuple[LeadStatus, ...]
    working: tuple[LeadStatus, ...]
    closed: tuple[LeadStatus, ...]
    sources: tuple[PicklistValue, ...]
    reasons: tuple[PicklistValue, ...]

    @classmethod
    def of(cls, picklists: LeadPicklists) -> _Lists:
        """Sort the active statuses into open (the default), working and closed ones."""
        active = [s for s in picklists.statuses if s.is_active and not s.is_converted]
        default = picklists.default_status
        working = tuple(s for s in active if not s.is_closed and s.id != default.id)
        return cls(
            open=(default,), working=working or (default,),
            closed=tuple(s for s in active if s.needs_close_reason) or (default,),
            sources=tuple(v for v in picklists.sources if v.is_active),
            reasons=tuple(v for v in picklists.close_reasons if v.is_active),
        )  # fmt: skip


def load_demo(
    core: Opportune,
    *,
    leads: int = DEFAULT_LEADS,
    accounts: int = DEFAULT_ACCOUNTS,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoResult:
    """Create the demo users, ``leads`` leads and ``accounts`` accounts (with their contacts,
    opportunities and activities) in a migrated, user-less database."""
    now = now or datetime.now(UTC)
    users = [
        core.users.create(None, {"name": n, "email": e, "role": r, "password": DEMO_PASSWORD})
        for n, e, r in DEMO_USERS
    ]
    rng = random.Random(seed)
    lists = _Lists.of(core.picklists.lead_picklists())
    batches: dict[tuple[int, int], list[dict[str, object]]] = defaultdict(list)
    for _ in range(leads):
        age = _age_in_days(rng)
        owner = rng.choices(users, weights=(20, 35, 45))[0]
        row = _lead(rng, lists, age, owner)
        actor = _creator(rng, users, owner, age, row["status"] == lists.open[0].label)
        batches[(age, _index(users, actor))].append(row)
    for (age, actor_index), rows in sorted(batches.items(), key=lambda b: (-b[0][0], b[0][1])):
        clock = _clock(now, age, rng)
        LeadService(core.engine, clock).create_many(users[actor_index], rows)
    # Its own random stream: the pipeline stays the same whatever the number of leads.
    sales = load_sales(core, users, accounts=accounts, seed=seed + 1, now=now)
    return DemoResult(users, leads, sales)


def _index(users: Sequence[User], user: User) -> int:
    return next(i for i, u in enumerate(users) if u.id == user.id)


def _age_in_days(rng: random.Random) -> int:
    """How many days ago a lead came in: more recently more often, fewer at weekends."""
    while True:
        age = int(HISTORY_DAYS * rng.random() ** 1.4)
        if age % 7 not in (2, 3) or rng.random() < 0.25:
            return age


def _clock(now: datetime, age: int, rng: random.Random) -> Clock:
    """A clock stuck at a working-hours moment ``age`` days ago (never in the future)."""
    day = (now - timedelta(days=age)).date()
    moment = datetime.combine(day, time(8, 0), tzinfo=UTC) + timedelta(
        minutes=rng.randrange(10 * 60)
    )
    stamp = min(moment, latest_working_moment(now))
    return lambda: stamp


def _creator(rng: random.Random, users: Sequence[User], owner: User, age: int, new: bool) -> User:
    """Who created the lead: fresh, untouched leads were often assigned by the admin (unread)."""
    admin = users[0]
    assigned = owner is not admin and new and age < 30 and rng.random() < 0.5
    return admin if assigned else owner


def _lead(rng: random.Random, lists: _Lists, age: int, owner: User) -> dict[str, object]:
    """One lead's fields, as a person would have entered them."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company, domain, industry = pick_company(rng)
    email = f"{ascii_word(first)}.{ascii_word(last)}@{domain}"
    row: dict[str, object] = {
        "first_name": first, "last_name": last, "company": company, "industry": industry,
        "title": rng.choice(TITLES), "owner_id": owner.id,
        "salutation": "Dr." if rng.random() < 0.05 else None,
        "email": email if rng.random() < 0.93 else None,
        "website": f"https://www.{domain}" if rng.random() < 0.7 else None,
    }  # fmt: skip
    row.update(_address_and_phones(rng))
    row.update(size(rng))
    row.update(_progress(rng, lists, age))
    if rng.random() < 0.3:
        text = rng.choice(DESCRIPTIONS)
        row["description"] = text.format(n=rng.randrange(5, 80), m=rng.randrange(2, 12))
    row["do_not_call"] = rng.random() < 0.04
    row["has_opted_out_of_email"] = rng.random() < 0.06
    return row


def _address_and_phones(rng: random.Random) -> dict[str, object]:
    place = rng.choice(PLACES)
    number, street = rng.randrange(1, 400), rng.choice(place.streets)
    phone = digits(rng, place.phone)
    return {
        "street": f"{number} {street}" if place.number_first else f"{street} {number}",
        "city": place.city, "state": place.state, "country": place.country,
        "postal_code": digits(rng, place.postal),
        "phone": phone if rng.random() < 0.85 else None,
        "mobile_phone": digits(rng, place.phone) if rng.random() < 0.4 else None,
    }  # fmt: skip


def _progress(rng: random.Random, lists: _Lists, age: int) -> dict[str, object]:
    """Status, close reason, source and rating: older leads are more often worked or closed."""
    p_open, p_working = (0.7, 0.25) if age < 14 else (0.4, 0.4) if age < 60 else (0.2, 0.4)
    roll = rng.random()
    group = lists.open if roll < p_open else lists.working if roll < p_open + p_working else None
    status = rng.choice(group or lists.closed)
    closed = status.needs_close_reason
    weights = [SOURCE_WEIGHTS.get(s.label, 10) for s in lists.sources]
    source = rng.choices(lists.sources, weights=weights)[0] if lists.sources else None
    ratings = ("Hot", "Warm", "Cold", None)
    rating = rng.choices(ratings, weights=(2, 1, 6, 3) if closed else (15, 35, 30, 20))[0]
    return {
        "status": status.label,
        "close_reason": rng.choice(lists.reasons).label if closed and lists.reasons else None,
        "lead_source": source.label if source else None,
        "rating": rating,
    }
