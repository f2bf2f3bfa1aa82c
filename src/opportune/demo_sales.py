"""Demo sales data: accounts and their contacts, opportunities moved through the pipeline
over months, contact roles, and the tasks, calls and notes of the people working them.

Deterministic for a given seed and "now". Everything is created through the services on a
clock moved to the moment the work would have happened, so creation dates, stage history
(time in each stage, close date pushes), completed tasks and logged calls spread over the
last half year like real work, and open tasks fall due around today (some overdue).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from opportune.demo_vocabulary import (
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    TITLES,
    Place,
    ascii_word,
    digits,
    pick_company,
    size,
)
from opportune.domain.opportunities import CONTACT_ROLES, OPPORTUNITY_TYPES, Opportunity
from opportune.domain.stages import Stage
from opportune.domain.users import User
from opportune.services import Opportune
from opportune.services.accounts import AccountService
from opportune.services.activities import ActivityService
from opportune.services.contacts import ContactService
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityService

DEFAULT_ACCOUNTS = 60
OLDEST_ACCOUNT_DAYS = 180
CONTACTS_PER_ACCOUNT = (1, 2, 2, 3)  # two on average
OPPORTUNITIES_PER_ACCOUNT = (1, 2, 2, 3, 3, 3, 4)  # two and a half on average
PRODUCTS = (
    "Platform licence", "Renewal", "Expansion", "Pilot", "Support plan", "Implementation",
    "Additional seats", "Training package", "Data migration", "Analytics add-on",
)  # fmt: skip
NEXT_STEPS = (
    "Schedule a demo", "Send the proposal", "Follow up on pricing", "Security review",
    "Legal review of the contract", "Meet the CFO", "Technical workshop", "Reference call",
)  # fmt: skip
TASKS = (
    "Follow up on the proposal", "Send pricing", "Prepare the demo", "Confirm the budget",
    "Call back about the contract", "Book the kickoff meeting", "Send the case study",
    "Check in after the trial",
)  # fmt: skip
CALLS = (
    ("Discovery call", "Interested, wants a proposal"),
    ("Pricing discussion", "Needs sign-off from finance"),
    ("Demo follow-up", "Positive, next meeting booked"),
    ("Contract questions", "Asked for references"),
    ("Quarterly check-in", "Left a voicemail"),
    ("Technical deep dive", "Not the right time yet"),
)
NOTES = (
    ("Budget confirmed", "The budget for this year is approved; sign-off sits with the CFO."),
    ("Competitor in the deal", "They are also talking to a competitor; price will matter."),
    ("Champion identified", "Our champion will present the business case internally."),
    ("Procurement process", "Procurement needs three quotes and a security questionnaire."),
    ("Meeting notes", "Walked through the roadmap; they asked about integrations and SSO."),
)
STAGE_WEIGHTS = {"open": 60, "won": 22, "lost": 18}  # how the opportunities end up


def latest_working_moment(now: datetime) -> datetime:
    """The last moment before ``now`` that falls in working hours (8:00 to 18:00 UTC).

    Demo records are stamped in working hours; when the demo is loaded at night, "just now"
    would break that, so the newest records move back to the previous working day's close.
    """
    moment = now - timedelta(minutes=1)
    if moment.hour >= 18:
        return datetime.combine(moment.date(), time(17, 59), tzinfo=UTC)
    if moment.hour < 8:
        return datetime.combine(moment.date() - timedelta(days=1), time(17, 59), tzinfo=UTC)
    return moment


@dataclass(frozen=True, slots=True)
class SalesResult:
    """How many records of each kind the sales demo created."""

    accounts: int
    contacts: int
    opportunities: int
    activities: int


class MovableClock:
    """A service clock the loader moves to each moment it acts at."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        """The moment the loader is at."""
        return self.at


@dataclass
class _Account:
    """What the loader keeps of a demo account to give it contacts and opportunities."""

    id: int
    name: str
    domain: str
    place: Place
    owner: User
    created: datetime
    contact_ids: list[int] = field(default_factory=list)


@dataclass
class _Pipeline:
    """The active stages the demo moves opportunities through, and the lost reasons."""

    open: list[Stage]
    won: Stage
    lost: Stage
    reasons: list[str]
    sources: list[str]

    @classmethod
    def of(cls, core: Opportune) -> _Pipeline:
        """Read the installation's active stages, lost reasons and lead sources."""
        stages = [s for s in core.pipeline.stages() if s.is_active]
        return cls(
            open=[s for s in stages if not s.is_closed],
            won=next(s for s in stages if s.is_won),
            lost=next(s for s in stages if s.is_lost),
            reasons=[r.label for r in core.pipeline.lost_reasons() if r.is_active],
            sources=[s.label for s in core.picklists.lead_picklists().sources if s.is_active],
        )


class SalesLoader:
    """Creates the demo accounts, contacts, opportunities and activities."""

    def __init__(
        self, core: Opportune, users: list[User], rng: random.Random, now: datetime
    ) -> None:
        self.core, self.users, self.rng, self.now = core, users, rng, now
        self.clock = MovableClock(now)
        self.accounts = AccountService(core.engine, self.clock, core.settings.page_size_max)
        self.contacts = ContactService(core.engine, self.clock, core.settings.page_size_max)
        self.opportunities = OpportunityService(core.engine, self.clock, core.settings.currency)
        self.activities = ActivityService(core.engine, self.clock)
        self.pipeline = _Pipeline.of(core)
        self.counts = {"account": 0, "contact": 0, "opportunity": 0, "activity": 0}
        self.names: set[str] = set()

    def at(self, moment: datetime) -> None:
        """Move the services' clock to ``moment`` squeezed into that day's working hours
        (8:00 to 18:00 UTC, keeping the order of moments), never past now."""
        midnight = datetime.combine(moment.date(), time(0), tzinfo=UTC)
        working = midnight + timedelta(hours=8) + (moment - midnight) * (10 / 24)
        self.clock.at = min(working, latest_working_moment(self.now))

    def load(self, accounts: int) -> SalesResult:
        """Create ``accounts`` accounts with everything that belongs to them."""
        made: list[_Account] = []
        for n in range(accounts):
            account = self.account(made)
            made.append(account)
            self.account_contacts(account)
            for k in range(self.rng.choice(OPPORTUNITIES_PER_ACCOUNT)):
                self.opportunity(account, forced=self._forced_end(n) if k == 0 else None)
            if self.rng.random() < 0.25:
                self.note(account.owner, account.created, account_id=account.id)
        self.lead_tasks()
        c = self.counts
        return SalesResult(c["account"], c["contact"], c["opportunity"], c["activity"])

    def _forced_end(self, n: int) -> Stage | None:
        """The first accounts' first opportunities end in each stage in turn, so that
        every stage has opportunities however few accounts there are."""
        ends = [*self.pipeline.open, self.pipeline.won, self.pipeline.lost]
        return ends[n] if n < len(ends) else None

    # --- accounts and contacts --------------------------------------------------------------

    def account(self, earlier: list[_Account]) -> _Account:
        """One account, created months ago by its owner; a few belong to a parent."""
        rng = self.rng
        name, domain, industry = self._unique_company()
        place, owner = rng.choice(PLACES), rng.choices(self.users, weights=(20, 35, 45))[0]
        created = self.now - timedelta(days=rng.uniform(60, OLDEST_ACCOUNT_DAYS))
        data: dict[str, object] = {
            "name": name, "website": f"https://www.{domain}", "industry": industry,
            "phone": digits(rng, place.phone), "rating": rng.choice(("Hot", "Warm", "Cold", None)),
            "account_source": rng.choice(self.pipeline.sources), "owner_id": owner.id,
            **size(rng), **_address(rng, place, "billing_"),
        }  # fmt: skip
        if rng.random() < 0.5:
            data.update({k.replace("billing_", "shipping_"): v for k, v in data.items()
                         if k.startswith("billing_")})  # fmt: skip
        if earlier and rng.random() < 0.08:
            data["parent_account_id"] = rng.choice(earlier).id
        self.at(created)
        record = self.accounts.create(owner, data)
        self.counts["account"] += 1
        assert record.id is not None
        return _Account(record.id, name, domain, place, owner, created)

    def _unique_company(self) -> tuple[str, str, str | None]:
        while True:
            name, domain, industry = pick_company(self.rng)
            if name not in self.names:
                self.names.add(name)
                return name, domain, industry

    def account_contacts(self, account: _Account) -> None:
        """The people at the account, added in the days after it."""
        for _ in range(self.rng.choice(CONTACTS_PER_ACCOUNT)):
            rng = self.rng
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            data: dict[str, object] = {
                "first_name": first, "last_name": last, "title": rng.choice(TITLES),
                "salutation": rng.choice(("Mr.", "Ms.", "Dr.", None, None, None)),
                "email": f"{ascii_word(first)}.{ascii_word(last)}@{account.domain}",
                "phone": digits(rng, account.place.phone), "account_id": account.id,
                "lead_source": rng.choice(self.pipeline.sources),
                "owner_id": account.owner.id, "do_not_call": rng.random() < 0.05,
                **_address(rng, account.place, "mailing_"),
            }  # fmt: skip
            self.at(account.created + timedelta(days=rng.uniform(0, 5)))
            contact = self.contacts.create(account.owner, data)
            assert contact.id is not None
            account.contact_ids.append(contact.id)
            self.counts["contact"] += 1

    # --- opportunities ----------------------------------------------------------------------

    def opportunity(self, account: _Account, forced: Stage | None) -> None:
        """One opportunity: created, moved stage by stage to where it ends, its close date
        pushed out now and then; with contact roles, calls, notes and tasks."""
        rng = self.rng
        owner = account.owner if rng.random() < 0.8 else rng.choice(self.users)
        window = self.now - timedelta(days=2) - account.created
        created = account.created + timedelta(days=1) + window * rng.random() ** 0.7
        path = self._path(forced or self._end_stage())
        opp = self._create(account, owner, created, path[0])
        assert opp.id is not None
        self.roles(opp.id, account, owner, created)
        last = self._walk(opp.id, owner, path, created)
        is_open = not path[-1].is_closed
        if is_open:
            self.keep_open(opp, owner, last)
        self.activities_of(opp.id, account, owner, created, last, is_open=is_open)

    def _create(
        self, account: _Account, owner: User, created: datetime, stage: Stage
    ) -> Opportunity:
        rng = self.rng
        data: dict[str, object] = {
            "name": f"{account.name} - {rng.choice(PRODUCTS)}", "account_id": account.id,
            "close_date": (created + timedelta(days=rng.randrange(30, 120))).date(),
            "amount": str(rng.randrange(10, 500) * 500), "type": rng.choice(OPPORTUNITY_TYPES),
            "lead_source": rng.choice(self.pipeline.sources), "owner_id": owner.id,
            "stage": stage.label,
        }  # fmt: skip
        self.at(created)
        self.counts["opportunity"] += 1
        return self.opportunities.create(owner, data)

    def _walk(self, opp_id: int, owner: User, path: list[Stage], created: datetime) -> datetime:
        """Move through ``path`` at moments spread from creation to now; the last one."""
        moments = sorted(created + (self.now - created) * self.rng.random() for _ in path[1:])
        for stage, moment in zip(path[1:], moments, strict=True):
            self.move(opp_id, owner, stage, moment)
        return moments[-1] if moments else created

    def _end_stage(self) -> Stage:
        kind = self.rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
        if kind == "open":  # earlier stages hold more opportunities, as in a real funnel
            weights = range(len(self.pipeline.open) + 4, 4, -1)
            return self.rng.choices(self.pipeline.open, weights=weights)[0]
        return self.pipeline.won if kind == "won" else self.pipeline.lost

    def _path(self, end: Stage) -> list[Stage]:
        """The stages visited from the first open stage to ``end``; some are skipped."""
        stages = self.pipeline.open
        if end.is_won:
            last = self.rng.randrange(len(stages) // 2, len(stages))
        elif end.is_closed:
            last = self.rng.randrange(len(stages) - 1)
        else:
            last = stages.index(end)
        visited = [s for s in stages[1:last] if self.rng.random() > 0.25]
        tail = [end] if end.is_closed else []
        return [stages[0], *visited, *([stages[last]] if last else []), *tail]

    def move(self, opp_id: int, owner: User, stage: Stage, moment: datetime) -> None:
        """Move the opportunity at ``moment``; closing sets the close date to that day."""
        data: dict[str, object] = {"stage": stage.label}
        if stage.is_closed:
            data["close_date"] = moment.date()
            data["next_step"] = ""
        if stage.is_lost:
            data["lost_reason"] = self.rng.choice(self.pipeline.reasons)
        elif not stage.is_closed:
            data["next_step"] = self.rng.choice(NEXT_STEPS)
        self.at(moment)
        self.opportunities.update(owner, opp_id, data)

    def keep_open(self, opp: Opportunity, owner: User, since: datetime) -> None:
        """Push out a close date that has passed (and some others), as owners do; now and
        then rescope the amount."""
        assert opp.id is not None and opp.amount is not None
        rng, close = self.rng, opp.close_date
        changes: dict[str, object] = {}
        if close < self.now.date() + timedelta(days=7) or rng.random() < 0.2:
            later = max(close, self.now.date()) + timedelta(days=rng.randrange(14, 90))
            changes["close_date"] = str(later)
        if rng.random() < 0.15:
            changes["amount"] = int(float(opp.amount) * rng.uniform(0.7, 1.4) / 100) * 100
        if changes:
            self.at(since + (self.now - since) * rng.random())
            self.opportunities.update(owner, opp.id, changes)

    def roles(self, opp_id: int, account: _Account, owner: User, moment: datetime) -> None:
        """Most opportunities name a primary contact and one or two others; the
        opportunity's owner adds them (someone else may not see a private opportunity)."""
        if not account.contact_ids or self.rng.random() < 0.3:
            return
        people = self.rng.sample(account.contact_ids, min(len(account.contact_ids), 3))
        roles = self.rng.sample(CONTACT_ROLES[2:], len(people) - 1)
        self.at(moment + timedelta(hours=1))
        for n, contact_id in enumerate(people):
            role = self.rng.choice(CONTACT_ROLES[:2]) if n == 0 else roles[n - 1]
            data = {"contact_id": contact_id, "role": role, "is_primary": n == 0}
            self.opportunities.add_contact_role(owner, opp_id, data)

    # --- activities -------------------------------------------------------------------------

    def activities_of(
        self, opp_id: int, account: _Account, owner: User, start: datetime, end: datetime,
        *, is_open: bool,
    ) -> None:  # fmt: skip
        """Calls logged along the way, sometimes a note, and a task: open and due around
        today while the deal is open, completed once it closed."""
        rng = self.rng
        contact_id = rng.choice(account.contact_ids) if account.contact_ids else None
        for _ in range(rng.randrange(3)):
            moment = start + (end - start) * rng.random()
            self.call(owner, moment, contact_id=contact_id, opportunity_id=opp_id)
        if rng.random() < 0.3:
            self.note(owner, start + (end - start) * rng.random(), opportunity_id=opp_id)
        if is_open and rng.random() < 0.6:
            due = self.now.date() + timedelta(days=rng.randrange(-10, 22))
            self.task(owner, end, due=due, contact_id=contact_id, opportunity_id=opp_id)
        elif not is_open and rng.random() < 0.5:
            asked = max(start, end - timedelta(days=3))
            self.task(owner, asked, due=end.date(), done=end, opportunity_id=opp_id)

    def lead_tasks(self) -> None:
        """Each user has tasks on their newest leads, one of them overdue."""
        for user in self.users:
            leads = self.core.leads.list(user, LeadFilters(owner=["me"], limit=3)).page.items
            for n, lead in enumerate(leads):
                due = self.now.date() + timedelta(days=-2 if n == 0 else 2 * n)
                assert lead.created_at is not None
                self.task(user, lead.created_at, due=due, lead_id=lead.id)

    def task(
        self, owner: User, moment: datetime, *, due: date, done: datetime | None = None,
        **related: int | None,
    ) -> None:  # fmt: skip
        """A task created at ``moment``; completed at ``done`` if given."""
        data: dict[str, object] = {
            "kind": "task", "subject": self.rng.choice(TASKS), "due_date": due,
            "priority": self.rng.choice(("High", "Normal", "Normal", "Low")), **related,
        }  # fmt: skip
        self.at(moment)
        task = self.activities.create(owner, data)
        if done is not None:
            assert task.id is not None
            self.at(done)
            self.activities.complete(owner, task.id)
        self.counts["activity"] += 1

    def call(self, owner: User, moment: datetime, **related: int | None) -> None:
        """A call logged when it happened."""
        subject, outcome = self.rng.choice(CALLS)
        data: dict[str, object] = {
            "kind": "call", "subject": subject, "outcome": outcome,
            "call_duration_minutes": self.rng.randrange(5, 60), **related,
        }  # fmt: skip
        self.at(moment)
        self.activities.create(owner, data)
        self.counts["activity"] += 1

    def note(self, owner: User, moment: datetime, **related: int | None) -> None:
        """A note kept at ``moment``."""
        title, body = self.rng.choice(NOTES)
        self.at(moment)
        self.activities.create(owner, {"kind": "note", "title": title, "body": body, **related})
        self.counts["activity"] += 1


def _address(rng: random.Random, place: Place, prefix: str) -> dict[str, object]:
    number, street = rng.randrange(1, 400), rng.choice(place.streets)
    return {
        f"{prefix}street": f"{number} {street}" if place.number_first else f"{street} {number}",
        f"{prefix}city": place.city, f"{prefix}state": place.state,
        f"{prefix}postal_code": digits(rng, place.postal), f"{prefix}country": place.country,
    }  # fmt: skip


def load_sales(
    core: Opportune, users: list[User], *, accounts: int, seed: int, now: datetime
) -> SalesResult:
    """Create ``accounts`` demo accounts with contacts, opportunities and activities."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    return SalesLoader(core, users, rng, now).load(accounts)
