"""Day arithmetic and medians in SQL, written once for SQLite and PostgreSQL.

SQLite has no date type (dates and timestamps are text, compared through ``julianday``);
PostgreSQL subtracts dates into whole days. :class:`days_between` and :class:`utc_date`
hide the difference; :func:`median_stats` computes a median per group in the database
with window functions both engines have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    case,
    func,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["Stats", "days_between", "median_stats", "utc_date"]


class days_between(FunctionElement[int]):  # noqa: N801 (an SQL function, named like one)
    """``days_between(later, earlier)``: whole days from the date ``earlier`` to the date
    ``later`` (negative when ``later`` is before ``earlier``)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


class utc_date(FunctionElement[Any]):  # noqa: N801
    """The day (UTC) of a stored timestamp (stored naive UTC, see ``UTCDateTime``)."""

    type = Date()
    inherit_cache = True
    name = "utc_date"


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL (and the default): ``date - date`` is a whole number of days."""
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite: Julian day numbers of two dates (at midnight) differ by whole days exactly."""
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(utc_date)
def _utc_date(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST({value} AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({value})"


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregates of one value over a group's rows, NULLs left out: count, sum, median,
    and (with ``overall``) this group's share of the median of all groups together: the
    sum and count of its rows that are among the middle one or two of all rows."""

    count: ColumnElement[int]
    total: ColumnElement[float]
    median: ColumnElement[float]
    overall_sum: ColumnElement[float] | None = None
    overall_count: ColumnElement[int] | None = None


def median_stats(
    rows: Select[Any], group: str, values: Sequence[str], *, overall: bool = False
) -> tuple[Select[Any], dict[str, Stats]]:
    """Per ``group`` of what ``rows`` selects: count, sum and median of each of ``values``.

    Returns a select of the group column from the ranked rows, and each value's
    aggregates to add to it (the caller adds them and ``group_by``). The median is the
    middle value, or the mean of the two middle ones: each row is numbered in value order
    within its group (rows without the value apart), and the rows numbered
    ``(n + 1) / 2`` and ``(n + 2) / 2`` (integer division) are averaged. With ``overall``
    the rows are also numbered among all rows, so that one statement yields the median
    of everything too (see :class:`Stats`).

    ``rows`` is a MATERIALIZED CTE: otherwise SQLite folds it into the windows and
    evaluates its expressions (a correlated subquery, say) once per window.
    """
    base = rows.cte("base").prefix_with("MATERIALIZED")
    key = base.c[group]
    windows: list[Any] = [key.label("g")]
    for i, name in enumerate(values):
        windows += _windows(key, base.c[name], i, overall)
    ranked = select(*windows).subquery("ranked")
    r = ranked.c
    stats = {}
    for i, name in enumerate(values):
        v = r[f"v{i}"]
        middle = v.is_not(None) & _middle(r[f"rn{i}"], r[f"n{i}"])
        stats[name] = Stats(
            func.count(v), func.sum(v, type_=Float), func.avg(case((middle, v)), type_=Float)
        )
        if overall:
            everyone = v.is_not(None) & _middle(r[f"rn_all{i}"], r[f"n_all{i}"])
            stats[name] = replace(
                stats[name],
                overall_sum=func.sum(case((everyone, v)), type_=Float),
                overall_count=func.count(case((everyone, v))),
            )
    return select(r.g).select_from(ranked), stats


def _windows(key: Any, number: Any, i: int, overall: bool) -> list[Any]:
    """The value, its number in value order and the count of values, in its group (and
    among all rows with ``overall``); rows without the value are numbered apart."""
    missing = case((number.is_(None), 1), else_=0)
    found = [
        number.label(f"v{i}"),
        func.row_number().over(partition_by=(key, missing), order_by=number).label(f"rn{i}"),
        func.count(number).over(partition_by=key).label(f"n{i}"),
    ]
    if overall:
        found += [
            func.row_number().over(partition_by=missing, order_by=number).label(f"rn_all{i}"),
            func.count(number).over().label(f"n_all{i}"),
        ]
    return found


def _middle(number: ColumnElement[int], count: ColumnElement[int]) -> ColumnElement[bool]:
    """The row numbered in the middle of ``count`` rows (either of the two middle ones)."""
    return number.in_(((count + 1) // 2, (count + 2) // 2))
