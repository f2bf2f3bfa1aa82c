"""Duplicate rules: finding records that look like a new or edited one, and acting on it.

OWNER: helper "duplicates". Interface used by other services (keep these signatures):
``screen_duplicates(...)`` before saving and ``DuplicateScreen.report(...)`` after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from opportune.services.clock import Clock
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """An existing record a duplicate rule matched, and how."""

    object_type: str
    record_id: int
    name: str
    rule_id: int
    rule_name: str
    action: str
    score: float


@dataclass(slots=True)
class DuplicateScreen:
    """What the duplicate rules found for one record about to be saved."""

    candidates: list[DuplicateCandidate] = field(default_factory=list)

    def report(self, uow: UnitOfWork, record_id: int, *, actor_id: int, now: datetime) -> None:
        """Record the matches of rules whose action is *report* (after the record is saved)."""
        del uow, record_id, actor_id, now


def screen_duplicates(
    uow: UnitOfWork,
    object_type: str,
    values: Mapping[str, Any],
    *,
    event: str,
    exclude_id: int | None = None,
) -> DuplicateScreen:
    """Check a record about to be created or edited (``event`` "create" or "edit").

    Raises :class:`~opportune.errors.DuplicateRecordError` when a rule whose action is
    *block* matches; otherwise returns what matched (alerts and reports included).
    """
    del uow, object_type, values, event, exclude_id
    return DuplicateScreen()


class DuplicateService:
    """Duplicate rules, possible duplicates of a record, and the duplicates report."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
