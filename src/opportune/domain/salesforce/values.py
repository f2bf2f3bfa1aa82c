"""Opportune values in Salesforce's JSON shape, one field at a time.

Salesforce writes datetimes as ``2026-11-28T09:00:00.000+0000`` (UTC, milliseconds),
dates as ``2026-11-28``, currency, double and percent fields as JSON numbers, int fields
as integers, booleans as booleans and ids as 18-character strings. The database hands
back ``Decimal``, ``int`` (SQLite booleans), aware datetimes and integer record ids;
:func:`to_salesforce_value` turns each into what a Salesforce client expects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeAlias

from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import Polymorphic, Reference, SfField

__all__ = ["JsonValue", "format_date", "format_datetime", "to_salesforce_value"]

JsonValue: TypeAlias = str | int | float | bool | None
_NUMBERS = frozenset({"currency", "double", "percent"})


def format_datetime(moment: datetime) -> str:
    """A moment as Salesforce writes it: UTC with milliseconds, ``+0000`` offset."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def format_date(day: date) -> str:
    """A day as Salesforce writes it (ISO 8601)."""
    return day.isoformat()


def to_salesforce_value(field: SfField, value: object) -> JsonValue:
    """``value`` of ``field`` as Salesforce JSON.

    References take the integer id of the target record (a Polymorphic field takes the
    tuple of its options' integer ids, the first set one wins) and become 18-character
    ids; a string is taken as an id already. Raises TypeError for a value of no JSON form.
    """
    if value is None:
        return None
    if isinstance(field.source, Reference | Polymorphic):
        return _reference(field, value)
    kind = field.type
    if kind == "boolean":
        return bool(value)
    if kind in _NUMBERS and isinstance(value, int | float | Decimal):
        return float(value)
    if kind == "int" and isinstance(value, int | float | Decimal):
        return int(value)
    return _plain(value)


def _reference(field: SfField, value: object) -> JsonValue:
    if isinstance(value, str):
        return value
    source = field.source
    if isinstance(source, Reference) and isinstance(value, int):
        return sf_id(source.target, value)
    if isinstance(source, Polymorphic) and isinstance(value, tuple):
        for option, number in zip(source.options, value, strict=True):
            if number is not None:
                return sf_id(option.target, int(number))
        return None
    raise TypeError(f"{value!r} is not a record id of {field.name}")


def _plain(value: object) -> JsonValue:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{value!r} has no Salesforce JSON form")
