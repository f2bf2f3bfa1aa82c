"""Demo data: three users and several hundred realistic leads spread over half a year.

Deterministic for a given seed and "now". Leads are created through the service layer in
batches, one per day and creating user, each with a clock set to that day, so creation
dates spread like real work; leads the administrator assigns to others start unread.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

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

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Isabella", "Ethan",
    "Mia", "James", "Amelia", "Benjamin", "Harper", "Elijah", "Chloe", "Daniel", "Grace",
    "Samuel", "Hannah", "Omar", "Leila", "Yusuf", "Aisha", "Hiroshi", "Yuki", "Kenji", "Mei",
    "Wei", "Ananya", "Arjun", "Rohan", "Kavya", "Santiago", "Valentina", "Diego", "Camila",
    "Lukas", "Lena", "Felix", "Clara", "Jonas", "Elena", "Luca", "Giulia", "Marco", "Sofia",
    "Pierre", "Camille", "Louis", "Chloé", "Sven", "Astrid", "Nils", "Freya", "Kwame", "Ama",
    "Tunde", "Zainab", "Sean", "Niamh", "Connor", "Aoife", "Jakub", "Zofia", "Mateusz", "Ines",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Nguyen", "Kim", "Patel", "Shah", "Singh", "Khan", "Chen", "Wang", "Tanaka", "Sato",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Rossi", "Bianchi", "Ricci", "Dubois",
    "Lefèvre", "Moreau", "Fernández", "González", "Rodríguez", "Silva", "Santos", "Oliveira",
    "Johansson", "Lindqvist", "Nielsen", "Jansen", "de Vries", "O'Brien", "Murphy", "Kowalski",
    "Nowak", "Mensah", "Okafor", "Adeyemi", "Haddad", "Nakamura", "Ivanova",
)  # fmt: skip
TITLES = (
    "CEO", "CFO", "COO", "CTO", "VP of Sales", "VP of Operations", "VP of Engineering",
    "Head of Procurement", "Director of IT", "Director of Finance", "Director of Marketing",
    "Operations Manager", "IT Manager", "Purchasing Manager", "Facilities Manager",
    "Marketing Manager", "Finance Manager", "Office Manager", "Project Manager",
    "Procurement Specialist", "Business Analyst", "Systems Administrator", "Owner", "Founder",
)  # fmt: skip
COMPANY_PREFIXES = (
    "Northwind", "Bluefin", "Cedar Ridge", "Summit", "Ironclad", "Brightwave", "Evergreen",
    "Granite Peak", "Silverline", "Redwood", "Harborview", "Lakeshore", "Pinecrest", "Sterling",
    "Atlas", "Beacon", "Crescent", "Horizon", "Keystone", "Meridian", "Oakmont", "Pioneer",
    "Quantum", "Riverbend", "Sunrise", "Trident", "Vanguard", "Westfield", "Zenith",
    "Copperleaf", "Foxglove", "Highland", "Juniper", "Kingsley", "Larkspur", "Monarch",
    "Nimbus", "Orchard", "Parkside", "Willow",
)  # fmt: skip
COMPANY_KINDS = (
    # name suffix, industry
    ("Logistics", "Transportation"), ("Health", "Healthcare"), ("Software", "Technology"),
    ("Foods", "Food & Beverage"), ("Energy", "Energy"), ("Capital", "Finance"),
    ("Bank", "Banking"), ("Insurance Group", "Insurance"), ("Manufacturing", "Manufacturing"),
    ("Builders", "Construction"), ("Consulting", "Consulting"), ("Media", "Media"),
    ("Telecom", "Telecommunications"), ("Hotels", "Hospitality"), ("Outfitters", "Apparel"),
    ("Biosciences", "Biotechnology"), ("Engineering", "Engineering"), ("Retail", "Retail"),
    ("Shipping", "Shipping"), ("Utilities", "Utilities"), ("Electronics", "Electronics"),
    ("Academy", "Education"), ("Farms", "Agriculture"), ("Chemicals", "Chemicals"),
    ("Machinery", "Machinery"), ("Studios", "Entertainment"), ("Foundation", "Not For Profit"),
    ("Systems", "Technology"), ("Medical", "Healthcare"), ("Partners", "Consulting"),
)  # fmt: skip
COMPANY_SUFFIXES = ("", "", "", " Inc.", " Ltd.", " LLC", " & Co.")


@dataclass(frozen=True, slots=True)
class Place:
    """A city with how addresses, postal codes and phone numbers look there."""

    city: str
    state: str | None
    country: str
    postal: str  # '#' is a digit
    phone: str  # '#' is a digit
    streets: tuple[str, ...]
    number_first: bool = True


PLACES = (
    Place("Austin", "TX", "United States", "787##", "+1 512-###-####",
          ("Congress Avenue", "Lamar Boulevard")),
    Place("Chicago", "IL", "United States", "606##", "+1 312-###-####",
          ("Wacker Drive", "Michigan Avenue")),
    Place("Denver", "CO", "United States", "802##", "+1 303-###-####",
          ("Blake Street", "Colfax Avenue")),
    Place("Seattle", "WA", "United States", "981##", "+1 206-###-####",
          ("Pine Street", "Westlake Avenue")),
    Place("Boston", "MA", "United States", "021##", "+1 617-###-####",
          ("Boylston Street", "Summer Street")),
    Place("Atlanta", "GA", "United States", "303##", "+1 404-###-####",
          ("Peachtree Street", "Spring Street")),
    Place("New York", "NY", "United States", "100##", "+1 212-###-####",
          ("Broadway", "Park Avenue")),
    Place("San Diego", "CA", "United States", "921##", "+1 619-###-####",
          ("Harbor Drive", "Market Street")),
    Place("Toronto", "ON", "Canada", "M5V #A#", "+1 416-###-####",
          ("King Street West", "Spadina Avenue")),
    Place("Vancouver", "BC", "Canada", "V6B #C#", "+1 604-###-####",
          ("Granville Street", "Howe Street")),
    Place("London", None, "United Kingdom", "EC#A #BB", "+44 20 #### ####",
          ("Old Street", "Fleet Street")),
    Place("Manchester", None, "United Kingdom", "M# #AB", "+44 161 ### ####",
          ("Deansgate", "Oxford Road")),
    Place("Dublin", None, "Ireland", "D0# X###", "+353 1 ### ####",
          ("Baggot Street", "Harcourt Street")),
    Place("Berlin", None, "Germany", "10###", "+49 30 ########",
          ("Friedrichstraße", "Torstraße"), False),
    Place("Munich", "Bavaria", "Germany", "80###", "+49 89 ########",
          ("Leopoldstraße", "Sendlinger Straße"), False),
    Place("Paris", None, "France", "750##", "+33 1 ## ## ## ##",
          ("Rue de Rivoli", "Boulevard Haussmann")),
    Place("Lyon", None, "France", "6900#", "+33 4 ## ## ## ##",
          ("Rue de la République", "Cours Lafayette")),
    Place("Amsterdam", None, "Netherlands", "10## AB", "+31 20 ### ####",
          ("Keizersgracht", "Damrak"), False),
    Place("Madrid", None, "Spain", "280##", "+34 91 ### ## ##",
          ("Calle de Alcalá", "Gran Vía"), False),
    Place("Stockholm", None, "Sweden", "111 ##", "+46 8 ### ### ##",
          ("Drottninggatan", "Kungsgatan"), False),
    Place("Sydney", "NSW", "Australia", "2000", "+61 2 #### ####",
          ("George Street", "Pitt Street")),
    Place("Melbourne", "VIC", "Australia", "3000", "+61 3 #### ####",
          ("Collins Street", "Flinders Lane")),
    Place("Singapore", None, "Singapore", "0#####", "+65 6### ####",
          ("Robinson Road", "Cecil Street")),
    Place("Tokyo", None, "Japan", "100-####", "+81 3-####-####",
          ("Marunouchi", "Nihonbashi")),
    Place("Bengaluru", "Karnataka", "India", "560###", "+91 80 #### ####",
          ("MG Road", "Residency Road")),
    Place("São Paulo", "SP", "Brazil", "01###-###", "+55 11 ####-####",
          ("Avenida Paulista", "Rua Augusta"), False),
)  # fmt: skip
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
EMPLOYEE_SIZES = (8, 15, 30, 60, 120, 250, 600, 1500, 5000, 20000)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo loader created."""

    users: list[User]
    leads: int


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
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoResult:
    """Create the demo users and ``leads`` leads in a migrated, user-less database."""
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
    return DemoResult(users, leads)


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
    stamp = min(moment, now - timedelta(minutes=1))
    return lambda: stamp


def _creator(rng: random.Random, users: Sequence[User], owner: User, age: int, new: bool) -> User:
    """Who created the lead: fresh, untouched leads were often assigned by the admin (unread)."""
    admin = users[0]
    assigned = owner is not admin and new and age < 30 and rng.random() < 0.5
    return admin if assigned else owner


def _lead(rng: random.Random, lists: _Lists, age: int, owner: User) -> dict[str, object]:
    """One lead's fields, as a person would have entered them."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company, domain, industry = _company(rng)
    row: dict[str, object] = {
        "first_name": first, "last_name": last, "company": company, "industry": industry,
        "title": rng.choice(TITLES), "owner_id": owner.id,
        "salutation": "Dr." if rng.random() < 0.05 else None,
        "email": f"{_ascii(first)}.{_ascii(last)}@{domain}" if rng.random() < 0.93 else None,
        "website": f"https://www.{domain}" if rng.random() < 0.7 else None,
    }  # fmt: skip
    row.update(_address_and_phones(rng))
    row.update(_size(rng))
    row.update(_progress(rng, lists, age))
    if rng.random() < 0.3:
        text = rng.choice(DESCRIPTIONS)
        row["description"] = text.format(n=rng.randrange(5, 80), m=rng.randrange(2, 12))
    row["do_not_call"] = rng.random() < 0.04
    row["has_opted_out_of_email"] = rng.random() < 0.06
    return row


def _company(rng: random.Random) -> tuple[str, str, str | None]:
    """A company name, its web domain and its industry (sometimes not recorded)."""
    prefix = rng.choice(COMPANY_PREFIXES)
    kind, industry = rng.choice(COMPANY_KINDS)
    name = f"{prefix} {kind}{rng.choice(COMPANY_SUFFIXES)}"
    domain = f"{_ascii(prefix)}{_ascii(kind.split()[0])}.{rng.choice(('com', 'com', 'io', 'net'))}"
    return name, domain, industry if rng.random() < 0.9 else None


def _address_and_phones(rng: random.Random) -> dict[str, object]:
    place = rng.choice(PLACES)
    number, street = rng.randrange(1, 400), rng.choice(place.streets)
    phone = _digits(rng, place.phone)
    return {
        "street": f"{number} {street}" if place.number_first else f"{street} {number}",
        "city": place.city, "state": place.state, "country": place.country,
        "postal_code": _digits(rng, place.postal),
        "phone": phone if rng.random() < 0.85 else None,
        "mobile_phone": _digits(rng, place.phone) if rng.random() < 0.4 else None,
    }  # fmt: skip


def _size(rng: random.Random) -> dict[str, object]:
    """Employees and revenue that go together (sometimes unknown)."""
    if rng.random() < 0.15:
        return {}
    employees = int(rng.choice(EMPLOYEE_SIZES) * rng.uniform(0.7, 1.4))
    revenue = round(employees * rng.uniform(90_000, 260_000), -3)
    return {"number_of_employees": employees, "annual_revenue": str(int(revenue))}


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


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only, as in email addresses and domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())
