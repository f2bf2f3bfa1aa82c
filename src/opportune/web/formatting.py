"""Values as people read them: dates, timestamps, numbers, initials."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation


def format_date(value: object) -> str:
    """A date or timestamp as people read it in a list: 'Mar 4, 2025'."""
    if isinstance(value, datetime | date):
        return f"{value:%b} {value.day}, {value.year}"
    return ""


def format_datetime(value: object) -> str:
    """A timestamp with its time: 'Mar 4, 2025, 14:05 UTC'."""
    if isinstance(value, datetime):
        return f"{format_date(value)}, {value:%H:%M} UTC"
    return format_date(value)


def format_number(value: object) -> str:
    """A number with thousands separators; money keeps its cents only when it has some."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def initials(name: str) -> str:
    """Up to two initials for an avatar."""
    return "".join(part[0] for part in name.split()[:2]).upper()
