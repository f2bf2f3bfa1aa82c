"""Words and places the demo data is made of, and small generators over them.

Shared by the demo leads (:mod:`opportune.demo`) and the demo pipeline
(:mod:`opportune.demo_sales`): people, job titles, companies and the cities they are in.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

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
EMPLOYEE_SIZES = (8, 15, 30, 60, 120, 250, 600, 1500, 5000, 20000)


def pick_company(rng: random.Random) -> tuple[str, str, str | None]:
    """A company name, its web domain and its industry (sometimes not recorded)."""
    prefix = rng.choice(COMPANY_PREFIXES)
    kind, industry = rng.choice(COMPANY_KINDS)
    name = f"{prefix} {kind}{rng.choice(COMPANY_SUFFIXES)}"
    tld = rng.choice(("com", "com", "io", "net"))
    domain = f"{ascii_word(prefix)}{ascii_word(kind.split()[0])}.{tld}"
    return name, domain, industry if rng.random() < 0.9 else None


def size(rng: random.Random) -> dict[str, object]:
    """Employees and revenue that go together (sometimes unknown)."""
    if rng.random() < 0.15:
        return {}
    employees = int(rng.choice(EMPLOYEE_SIZES) * rng.uniform(0.7, 1.4))
    revenue = round(employees * rng.uniform(90_000, 260_000), -3)
    return {"number_of_employees": employees, "annual_revenue": str(int(revenue))}


def digits(rng: random.Random, pattern: str) -> str:
    """``pattern`` with each ``#`` replaced by a random digit."""
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits only, as in email addresses and domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())
