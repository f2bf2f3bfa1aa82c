"""Sales data for the browser tests: three users and 60 leads with known, realistic values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from opportune import Opportune, User

PASSWORD = "correct-horse-1"
USERS = (
    ("Dana Whitfield", "dana@example.com", "admin"),
    ("Marcus Oyelaran", "marcus@example.com", "manager"),
    ("Priya Raman", "priya@example.com", "rep"),
)
FIRST = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Isabella", "Ethan",
    "Mia", "James", "Amelia", "Kenji", "Harper", "Omar", "Leila", "Arjun",
)  # fmt: skip
LAST = (
    "Smith", "Garcia", "Nguyen", "Patel", "Müller", "Rossi", "Dubois", "Okafor", "Kim",
    "Johansson", "Silva", "Tanaka", "Murphy", "Kowalski", "Haddad", "Chen", "Santos",
)  # fmt: skip
COMPANIES = ("Northwind Traders", "Contoso Pharma", "Globex Manufacturing", "Initech Software",
             "Umbrella Logistics", "Stark Components", "Wayne Biotech", "Acme Hardware",
             "Soylent Foods", "Vandelay Imports", "Hooli Cloud", "Pied Piper Data",
             "Tyrell Robotics", "Cyberdyne Energy", "Wonka Confectionery")  # fmt: skip
TITLES = ("VP of Sales", "Head of Procurement", "CTO", "Operations Manager", "Director of IT",
          "CFO", "Purchasing Manager", "Founder")  # fmt: skip
SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
RATINGS = ("Hot", "Warm", "Cold", None)
INDUSTRIES = ("Technology", "Manufacturing", "Healthcare", "Retail", "Finance", "Energy")
CITIES = (
    ("Boston", "MA", "USA"), ("Lyon", None, "France"), ("Munich", None, "Germany"),
    ("Austin", "TX", "USA"), ("Toronto", "ON", "Canada"), ("Osaka", None, "Japan"),
)  # fmt: skip
LEADS = 60
# One lead whose company appears nowhere else, for the search test.
UNIQUE_COMPANY = "Aurora Borealis Logistics"


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the seed created."""

    users: dict[str, User]
    lead_ids: list[int]


def stepping_clock(start: datetime) -> Callable[[], datetime]:
    """A clock a few hours later on each call, so creation dates spread over weeks."""
    ticks = count()
    return lambda: start + timedelta(hours=7 * next(ticks))


def _row(i: int, owner: User) -> dict[str, object]:
    city, state, country = CITIES[i % len(CITIES)]
    first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
    company = UNIQUE_COMPANY if i == 41 else COMPANIES[(i * 4) % len(COMPANIES)]
    status = ("Open - Not Contacted", "Working - Contacted", "Working - Contacted",
              "Closed - Not Converted")[i % 4]  # fmt: skip
    row: dict[str, object] = {
        "first_name": first, "last_name": last, "company": company,
        "title": TITLES[i % len(TITLES)], "status": status, "owner_id": owner.id,
        "email": f"{first.lower()}.{i}@{company.split()[0].lower()}.example",
        "phone": f"+1 617 555 {1000 + i * 37:04d}", "lead_source": SOURCES[i % len(SOURCES)],
        "rating": RATINGS[i % len(RATINGS)], "industry": INDUSTRIES[i % len(INDUSTRIES)],
        "city": city, "state": state, "country": country,
        "number_of_employees": 20 + i * 45, "annual_revenue": str(250_000 * (i + 1)),
    }  # fmt: skip
    if status == "Closed - Not Converted":
        row["close_reason"] = ("No budget", "Chose a competitor", "Unresponsive")[i % 3]
    return row


def seed(core: Opportune) -> Seeded:
    """Create the users (password PASSWORD) and LEADS leads spread over the last weeks."""
    users = {
        email: core.users.create(None, {"name": n, "email": email, "role": r, "password": PASSWORD})
        for n, email, r in USERS
    }
    owners = list(users.values())
    ids = []
    for i in range(LEADS):
        owner = owners[i % 3]
        lead = core.leads.create(owner if i % 5 else owners[0], _row(i, owner))
        assert lead.id is not None
        ids.append(lead.id)
    return Seeded(users, ids)


def start_of_seed() -> datetime:
    """A start that puts the last seeded record (users take steps too) before now."""
    return datetime.now(UTC) - timedelta(hours=7 * (LEADS + len(USERS) + 1))
