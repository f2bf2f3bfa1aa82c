"""Web-to-lead forms

OWNER: helper " configurations, public submissions, limits and the overflow queue.:web-to-lead".
"""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.services.clock import Clock
from opportune.settings import Settings


class WebFormService:
    """Web-to-lead forms"""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
