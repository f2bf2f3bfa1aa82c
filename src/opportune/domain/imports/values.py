"""Reading dates and numbers the way spreadsheets write them, before the field rules apply.

An import states its conventions once (:class:`Formats`): whether ``03/04/2026`` is the
3rd of April (day first) or the 4th of March, and whether ``1.234,5`` uses a decimal comma.
:func:`normalise` rewrites a date as ``YYYY-MM-DD`` and a number as plain digits, so the
record's own rules (lengths, ranges, required fields) then check them like API input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from opportune.domain.fields import FieldSpec, Kind

__all__ = ["Formats", "guess_day_first", "normalise", "parse_date", "parse_number"]

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_WORDY = re.compile(
    r"^(?:(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})|([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4}))$"
)
_CURRENCY = re.compile(r"^[^\d\-+.,]*|[^\d.,]*$")


@dataclass(frozen=True, slots=True)
class Formats:
    """How the file writes dates and numbers."""

    day_first: bool = False  # 03/04/2026 is 3 April (most of the world) rather than March 4
    decimal_comma: bool = False  # 1.234,50 rather than 1,234.50


def parse_date(text: str, formats: Formats = Formats()) -> date | None:
    """A date from ISO (2026-04-03, also with a time), 04/03/2026, 03.04.2026, 3 Apr 2026 or
    Apr 3, 2026; ``None`` when it is none of these."""
    value = text.strip().lower()
    iso = _iso(value)
    if iso is not None:
        return iso
    numeric = _NUMERIC.match(value)
    if numeric:
        first, second, third = numeric.groups()
        return _from_numbers(first, second, third, formats)
    wordy = _WORDY.match(value)
    if wordy:
        day, month, year, month2, day2, year2 = wordy.groups()
        return _safe(year or year2, _MONTHS.get((month or month2)[:3]), day or day2)
    return None


def _iso(value: str) -> date | None:
    try:
        return (
            datetime.fromisoformat(value).date() if len(value) > 10 else date.fromisoformat(value)
        )
    except ValueError:
        return None


def _from_numbers(first: str, second: str, third: str, formats: Formats) -> date | None:
    if len(first) == 4:  # 2026/04/03: year first is never day first
        return _safe(first, second, third)
    day, month = (first, second) if formats.day_first else (second, first)
    year = third if len(third) == 4 else f"20{third.zfill(2)}" if len(third) <= 2 else None
    return _safe(year, month, day)


def _safe(year: object, month: object, day: object) -> date | None:
    try:
        return date(int(str(year)), int(str(month)), int(str(day)))
    except (TypeError, ValueError):
        return None


def parse_number(text: str, formats: Formats = Formats()) -> str | None:
    """A number as plain digits with a dot (``$1,234.50`` -> ``1234.50``; with a decimal
    comma ``1.234,50 €`` -> ``1234.50``); ``None`` when the text is not a number."""
    value = _CURRENCY.sub("", text.strip()).replace(" ", "").replace("\u00a0", "")
    thousands, decimal = (".", ",") if formats.decimal_comma else (",", ".")
    value = value.replace(thousands, "").replace(decimal, ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        return None
    return value


def normalise(spec: FieldSpec, text: str, formats: Formats = Formats()) -> str:
    """The cell as the field's rules read it: dates and numbers rewritten when they can be,
    anything else (and anything unreadable, for the rules to reject) left as it is."""
    if not text.strip():
        return ""
    if spec.kind is Kind.DATE:
        parsed = parse_date(text, formats)
        return parsed.isoformat() if parsed else text
    if spec.kind in (Kind.DECIMAL, Kind.INTEGER):
        return parse_number(text, formats) or text
    return text


def guess_day_first(texts: Iterable[str]) -> bool | None:
    """Whether numeric dates such as ``13/04/2026`` put the day first: ``True`` when some
    date only reads that way, ``False`` when some only reads month first, ``None`` when
    every sample reads both ways (or none is a numeric date)."""
    for text in texts:
        numeric = _NUMERIC.match(text.strip())
        if not numeric or len(numeric.group(1)) == 4:
            continue
        first, second = int(numeric.group(1)), int(numeric.group(2))
        if first > 12 >= second:
            return True
        if second > 12 >= first:
            return False
    return None
