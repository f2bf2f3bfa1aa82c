"""Streamed CSV exports of filtered lists, re-importable as they are.

OWNER: helper "import-web".
"""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.services.clock import Clock
from opportune.settings import Settings


class ExportService:
    """Streamed CSV exports of filtered lists, re-importable as they are."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
