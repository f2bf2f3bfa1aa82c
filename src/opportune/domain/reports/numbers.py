"""Arithmetic every report shares: rates, shares, averages and medians, rounded one way."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
CENTS = Decimal("0.01")


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place; ``None`` when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, ROUND_HALF_UP)


def money(value: int | float | Decimal | None) -> Decimal:
    """An amount to the cent (``0.00`` for none): sums of no rows are zero, not unknown."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENTS, ROUND_HALF_UP)


def average(total: int | float | Decimal | None, count: int) -> Decimal | None:
    """``total / count`` to the cent, ``None`` for no rows."""
    if not count or total is None:
        return None
    return (Decimal(str(total)) / count).quantize(CENTS, ROUND_HALF_UP)


def days(value: int | float | Decimal | None) -> Decimal | None:
    """A number of days to one decimal place (``None`` stays ``None``)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_PLACE, ROUND_HALF_UP)


def median(values: Sequence[int | float | Decimal]) -> Decimal | None:
    """The median of a few already-aggregated values (the database computes it over rows)."""
    if not values:
        return None
    ordered = sorted(Decimal(str(v)) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
