"""CSV imports

OWNER: helper " mapping, validation, duplicates, resume, revert, error files.:import-engine".
"""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.services.clock import Clock
from opportune.settings import Settings


class ImportService:
    """CSV imports"""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
