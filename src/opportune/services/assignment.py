"""Assignment rules, queues and round-robin groups: who gets a new lead.

OWNER: helper "assignment". Interface used by other services (keep these signatures):
``load_assigner(uow)`` and ``apply_assignment(uow, leads, now=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine

from opportune.domain.leads import Lead
from opportune.services.clock import Clock
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings


def apply_assignment(uow: UnitOfWork, leads: Sequence[Lead], *, now: datetime) -> None:
    """Give each new, unsaved lead the owner (or queue) the active assignment rule names.

    Sets ``owner_id``, ``queue_id`` and ``is_unread_by_owner`` in place and records the
    round-robin turns in ``uow``'s transaction; does nothing without an active rule.
    """
    del uow, leads, now


class AssignmentService:
    """Assignment rules, queues and round-robin groups (the library API)."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
