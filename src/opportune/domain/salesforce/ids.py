"""Salesforce record ids: 18 characters, a 3-character object prefix, a checksum suffix.

An Opportune record's Salesforce id is derived from its own integer id, so it is stable
for the life of the record and needs no storage: the object's prefix, the id in base 62
padded to 12 digits (15 characters, case-sensitive), then Salesforce's 3-character
checksum of the letter case, which makes the 18-character form case-insensitive.
Both forms are accepted on input.
"""

from __future__ import annotations

import string

from opportune.errors import ValidationError

__all__ = [
    "KEY_PREFIXES",
    "checksum",
    "id_object",
    "malformed_id",
    "parse_id",
    "sf_id",
    "to_18",
]

KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "Task": "00T",
    "Lead": "00Q",
    "LeadStatus": "01J",
    "OpportunityStage": "01K",
    "Job": "750",
}
_OBJECT_OF_PREFIX = {prefix: name for name, prefix in KEY_PREFIXES.items()}
_DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase
_DIGIT_VALUE = {ch: i for i, ch in enumerate(_DIGITS)}
_CHECKSUM_CHARS = string.ascii_uppercase + "012345"
_BODY = 12


def malformed_id(value: str, field: str = "Id", expected: str | None = None) -> ValidationError:
    """The error for a value that is not a valid id (of the ``expected`` object)."""
    what = f"a valid {expected} id" if expected else "a valid Salesforce id"
    return ValidationError.single(field, "MALFORMED_ID", f"{value!r} is not {what}")


def checksum(id15: str) -> str:
    """Salesforce's 3-character suffix: which letters of each 5-character chunk are upper case."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if ch.isupper())
        suffix += _CHECKSUM_CHARS[bits]
    return suffix


def sf_id(object_name: str, record_id: int) -> str:
    """The 18-character Salesforce id of an Opportune record."""
    if record_id < 0:
        raise ValueError("ids are not negative")
    body = ""
    while record_id:
        record_id, digit = divmod(record_id, 62)
        body = _DIGITS[digit] + body
    id15 = KEY_PREFIXES[object_name] + body.rjust(_BODY, "0")
    return id15 + checksum(id15)


def to_18(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id (None when it is neither).

    An 18-character id is case-insensitive: its suffix restores the case of the first 15.
    """
    if len(value) == 15 and value.isalnum():
        return value + checksum(value)
    if len(value) != 18 or not value.isalnum():
        return None
    suffix = value[15:].upper()
    restored = ""
    for chunk, code in zip((0, 5, 10), suffix, strict=True):
        if code not in _CHECKSUM_CHARS:
            return None
        bits = _CHECKSUM_CHARS.index(code)
        for i, ch in enumerate(value[chunk : chunk + 5]):
            restored += ch.upper() if bits >> i & 1 else ch.lower()
    return restored + suffix if checksum(restored) == suffix else None


def id_object(value: str) -> str | None:
    """The object an id belongs to, from its prefix (None for an unknown prefix)."""
    full = to_18(value)
    return _OBJECT_OF_PREFIX.get(full[:3]) if full else None


def parse_id(value: object, expected: str, field: str = "Id") -> int:
    """The Opportune integer id behind a Salesforce id of the ``expected`` object."""
    text = value if isinstance(value, str) else ""
    full = to_18(text.strip())
    if full is None or full[:3] != KEY_PREFIXES[expected]:
        raise malformed_id(str(value), field, expected)
    number = 0
    for ch in full[3:15]:
        number = number * 62 + _DIGIT_VALUE[ch]
    if number == 0 or number > 2**31 - 1:
        raise malformed_id(text, field, expected)
    return number
