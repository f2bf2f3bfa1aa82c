"""Whether an installation can serve: its database answers and its schema is current (what
``GET /readyz`` reports to a load balancer or orchestrator)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, text

from opportune.db import migrate

log = logging.getLogger(__name__)

DATABASE_OK = "ok"


@dataclass(frozen=True)
class Readiness:
    """The outcome of one readiness check.

    ``database`` is ``"ok"`` or the class name of the error reaching it (never its message,
    which may name the server); ``revision`` is the schema revision the database is at
    (None: never migrated, or unknown when the database did not answer); ``head`` is the
    newest revision this code knows.
    """

    database: str
    revision: str | None
    head: str | None

    @property
    def ready(self) -> bool:
        """True when the database answers and is migrated to ``head``."""
        return self.database == DATABASE_OK and self.revision == self.head


def check_readiness(engine: Engine, head: str | None) -> Readiness:
    """Run ``SELECT 1`` and read the schema revision on ``engine``; compare with ``head``
    (passed in: reading it parses every migration script, so callers keep it)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = migrate.current_revision(engine)
    except Exception as exc:  # any failure means "not ready", never an error page
        # One line, not a traceback: probes repeat every few seconds while it lasts.
        first_line = (str(exc).strip().splitlines() or [""])[0]
        log.warning("Readiness check: the database did not answer: %s: %s",
                    type(exc).__name__, first_line)  # fmt: skip
        return Readiness(type(exc).__name__, None, head)
    return Readiness(DATABASE_OK, revision, head)
