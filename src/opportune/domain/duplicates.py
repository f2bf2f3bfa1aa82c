"""Recognising the same company or person written differently, to avoid duplicates.

Keys are normalised forms that two spellings of one thing share: ``Acme, Inc.`` and
``ACME Incorporated`` give the company key ``acme``; ``https://www.Acme.com/about`` and
``acme.com`` give the domain ``acme.com``. :func:`account_match` and
:func:`contact_match` say why an existing record looks like the lead, and whether that
is an exact duplicate (same key) a setting may block or merge into automatically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DuplicateAction",
    "Match",
    "PersonKeys",
    "account_match",
    "company_key",
    "contact_match",
    "email_domain",
    "email_key",
    "name_key",
    "phone_key",
    "sound_key",
    "soundex",
    "website_domain",
]

# Legal forms that say nothing about which company it is.
_LEGAL_FORMS = frozenset(
    (
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "sl",
        "srl",
        "spa",
        "bv",
        "nv",
        "plc",
        "pty",
        "pte",
        "oy",
        "ab",
        "as",
        "aps",
        "kk",
    )
)
# Mail services anyone can sign up to: their domain says nothing about the employer.
_FREE_MAIL = frozenset(
    (
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
    )
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


class DuplicateAction(StrEnum):
    """What conversion does when the lead exactly matches an existing record."""

    BLOCK = "block"  # refuse: choose the existing record or say to create anyway
    WARN = "warn"  # convert, and report the duplicate in the result
    MERGE = "merge"  # merge into the existing record without asking


@dataclass(frozen=True, slots=True)
class Match:
    """Why an existing record looks like the lead; ``exact`` when a key is identical."""

    record_id: int
    reasons: tuple[str, ...]
    exact: bool


_SOUNDEX = {c: str(d) for d, letters in enumerate(
    ("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in letters}  # fmt: skip


def _ascii_words(value: str) -> list[str]:
    if not value:
        return []
    # ASCII text is its own NFKD form: only the rest needs folding (keys are made for
    # every imported row, and nearly all of them are plain ASCII).
    folded = value
    if not value.isascii():
        folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", folded.lower().replace("&", " and ")).split()


def company_key(name: str | None) -> str | None:
    """The company name without case, accents, punctuation, legal form or a leading "the"."""
    words = _ascii_words(name or "")
    while words and words[-1] in _LEGAL_FORMS:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words) or None


def website_domain(website: str | None) -> str | None:
    """The host of a web address, lower case, without ``www.``, port or path."""
    text = (website or "").strip().lower()
    text = _SCHEME.sub("", text).split("/", 1)[0].split("?", 1)[0]
    host = text.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    host = host.removeprefix("www.")
    return host if "." in host else None


def email_key(email: str | None) -> str | None:
    """The address in lower case, for comparing (mailboxes are case-insensitive in practice)."""
    text = (email or "").strip().lower()
    return text or None


def email_domain(email: str | None) -> str | None:
    """The company domain of an email address; ``None`` for free mail services."""
    key = email_key(email)
    if not key or "@" not in key:
        return None
    domain = key.rsplit("@", 1)[1]
    return None if domain in _FREE_MAIL else domain


def name_key(first_name: str | None, last_name: str | None) -> str | None:
    """A person's name without case, accents or punctuation."""
    words = _ascii_words(f"{first_name or ''} {last_name or ''}")
    return " ".join(words) or None


def soundex(word: str) -> str:
    """The American Soundex code of a word ("Smith" and "Smyth" are both S530)."""
    letters = [c for c in word.lower() if c in _SOUNDEX]
    if not letters:
        return ""
    result, last = letters[0].upper(), _SOUNDEX[letters[0]]
    for char in letters[1:]:
        code = _SOUNDEX[char]
        if code not in ("0", last):
            result += code
        if char not in "hw":
            last = code
    return (result + "000")[:4]


def sound_key(first_name: str | None, last_name: str | None) -> str | None:
    """How a person's name sounds: the last name's Soundex and the first initial.

    People whose names a fuzzy rule could match ("Jon Smyth", "John Smith") share it, so
    it finds the few candidates worth scoring with an index instead of a scan.
    """
    last = " ".join(_ascii_words(last_name or ""))
    code = soundex(last.replace(" ", ""))
    if not code:
        return None
    first = _ascii_words(first_name or "")
    return f"{code}{first[0][0] if first else ''}"


def phone_key(phone: str | None) -> str | None:
    """The last ten digits of a phone number (so +1 555 0100 and (555) 0100 compare)."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 7 else None


def account_match(
    record_id: int,
    lead: tuple[str | None, str | None, str | None],
    account: tuple[str | None, str | None],
) -> Match | None:
    """How account (name, website) matches lead (company, website, email), if at all."""
    company, website, mail = lead
    name, account_site = account
    reasons = []
    if company_key(company) and company_key(company) == company_key(name):
        reasons.append("same company name")
    domain = website_domain(account_site)
    if domain and domain == website_domain(website):
        reasons.append("same website")
    elif domain and domain == email_domain(mail):
        reasons.append("email domain is the website")
    exact = bool(reasons) and reasons[0] != "email domain is the website"
    return Match(record_id, tuple(reasons), exact) if reasons else None


@dataclass(frozen=True, slots=True)
class PersonKeys:
    """What identifies a person: email, name, company and phone, as keys."""

    email: str | None
    name: str | None
    company: str | None
    phone: str | None

    @classmethod
    def of(
        cls,
        email: str | None,
        first_name: str | None,
        last_name: str | None,
        company: str | None,
        phone: str | None,
    ) -> PersonKeys:
        """The keys of a lead or of a contact (with its account's name as company)."""
        return cls(email_key(email), name_key(first_name, last_name), company_key(company),
                   phone_key(phone))  # fmt: skip


def contact_match(record_id: int, lead: PersonKeys, contact: PersonKeys) -> Match | None:
    """How a contact matches the lead: same email (exact), or same name and company or phone."""
    if lead.email and lead.email == contact.email:
        return Match(record_id, ("same email",), exact=True)
    if not lead.name or lead.name != contact.name:
        return None
    if lead.company and lead.company == contact.company:
        return Match(record_id, ("same name", "same company"), exact=False)
    if lead.phone and lead.phone == contact.phone:
        return Match(record_id, ("same name", "same phone"), exact=False)
    return None
