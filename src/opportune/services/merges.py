"""Merging 2-3 leads, contacts or accounts into a master record, and undoing it.

OWNER: helper "merge".
"""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.services.clock import Clock
from opportune.settings import Settings


class MergeService:
    """Merging 2-3 leads, contacts or accounts into a master record, and undoing it."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
