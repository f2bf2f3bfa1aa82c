"""Stage periods: each stay of an opportunity in a stage, kept as the stage changes.

Every writer of the stage history (``opportunity_history``) passes its snapshots here, so
no path can forget the bookkeeping: a snapshot in the stage of the opportunity's current
stay changes nothing; one in another stage ends the current stay (its length stored in
days, so reports need no date arithmetic per row) and opens a stay in the new stage.
Deleting an opportunity deletes its stays (the foreign key cascades).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from opportune.db import tables as t
from opportune.domain.history import StageSnapshot

__all__ = ["StageEntry", "StagePeriodRepository", "stay_days"]

SECONDS_PER_DAY = 86_400
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StageEntry:
    """An opportunity seen in a stage at a moment (what a history snapshot says)."""

    opportunity_id: int
    stage_id: int
    is_closed: bool
    at: datetime

    @classmethod
    def of(cls, snapshot: StageSnapshot | Mapping[str, Any]) -> StageEntry:
        """The entry a history snapshot (or a snapshot row about to be inserted) makes."""
        if isinstance(snapshot, StageSnapshot):
            assert snapshot.opportunity_id is not None
            return cls(snapshot.opportunity_id, snapshot.stage_id, snapshot.is_closed,
                       snapshot.changed_at)  # fmt: skip
        return cls(snapshot["opportunity_id"], snapshot["stage_id"],
                   bool(snapshot["is_closed"]), snapshot["changed_at"])  # fmt: skip


@dataclass(slots=True)
class _Stay:
    """A current stay: a stored row (``row_id``) or one this call inserts (``row``)."""

    stage_id: int
    entered_at: datetime
    row_id: int | None = None
    row: dict[str, Any] | None = None


def stay_days(start: datetime, end: datetime) -> float:
    """Days from ``start`` to ``end`` as a fraction (never negative: clocks can step back)."""
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


class StagePeriodRepository:
    """Opens and ends stays as opportunities change stage."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, opportunity_id: int, stage_id: int, is_closed: bool, at: datetime) -> None:
        """Note that the opportunity is in ``stage_id`` at ``at`` (see :meth:`record_many`)."""
        self.record_many([StageEntry(opportunity_id, stage_id, is_closed, at)])

    def record_many(self, entries: Sequence[StageEntry]) -> None:
        """Note each opportunity's stage, in order: a new stage ends the current stay and
        opens one; the same stage changes nothing. A few statements for any number."""
        if not entries:
            return
        current = self._current({e.opportunity_id for e in entries})
        ended: list[dict[str, Any]] = []
        opened: list[dict[str, Any]] = []
        for entry in entries:
            stay = current.get(entry.opportunity_id)
            if stay is not None and stay.stage_id == entry.stage_id:
                continue
            if stay is not None:
                _end(stay, entry.at, ended)
            row = _opened(entry)
            opened.append(row)
            current[entry.opportunity_id] = _Stay(entry.stage_id, entry.at, row=row)
        self._write(ended, opened)

    def _current(self, opportunity_ids: set[int]) -> dict[int, _Stay]:
        p = t.opportunity_stage_periods.c
        found: dict[int, _Stay] = {}
        wanted = sorted(opportunity_ids)
        for start in range(0, len(wanted), _CHUNK):
            stmt = select(p.id, p.opportunity_id, p.stage_id, p.entered_at).where(
                self._one_of(wanted[start : start + _CHUNK]), p.left_at.is_(None)
            )
            for row in self.conn.execute(stmt):
                found[row.opportunity_id] = _Stay(row.stage_id, row.entered_at, row_id=row.id)
        return found

    def _one_of(self, ids: Sequence[int]) -> Any:
        """``opportunity_id IN ids``; on PostgreSQL a semi-join over one array parameter,
        which stays hashed even while a bulk load makes the table outgrow its statistics."""
        column = t.opportunity_stage_periods.c.opportunity_id
        if self.conn.dialect.name != "postgresql":
            return column.in_(ids)
        array = bindparam(None, list(ids), type_=ARRAY(column.type))
        return column.in_(select(func.unnest(array)).scalar_subquery())

    def _write(self, ended: list[dict[str, Any]], opened: list[dict[str, Any]]) -> None:
        table = t.opportunity_stage_periods
        if ended:
            stmt = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(left_at=bindparam("b_left_at"), days=bindparam("b_days"))
            )
            self.conn.execute(stmt, ended)
        if opened:
            self.conn.execute(insert(table), opened)


def _end(stay: _Stay, at: datetime, ended: list[dict[str, Any]]) -> None:
    """End ``stay`` at ``at``: update the stored row, or the row not inserted yet."""
    days = stay_days(stay.entered_at, at)
    if stay.row is not None:
        stay.row.update(left_at=at, days=days)
    else:
        ended.append({"b_id": stay.row_id, "b_left_at": at, "b_days": days})


def _opened(entry: StageEntry) -> dict[str, Any]:
    return {
        "opportunity_id": entry.opportunity_id,
        "stage_id": entry.stage_id,
        "is_closed_stage": entry.is_closed,
        "entered_at": entry.at,
        "left_at": None,
        "days": None,
    }
