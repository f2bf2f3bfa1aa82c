"""Reports can run on a read replica (``OPPORTUNE_REPORTS_DATABASE_URL``): they read the
replica, everything else the primary. The replica here is a copy of the primary taken at one
moment, which is what a lagging replica looks like."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from opportune import Opportune, User
from opportune.domain.reports.model import ReportRequest
from opportune.services.filters import LeadFilters
from tests.conftest import _pg_execute, make_settings, pg_url_for


@pytest.fixture
def replica_of(database_url: str, tmp_path: Path) -> Iterator[object]:
    """Make a copy of the test database now; drop it at the end."""
    made: list[str] = []

    def copy(core: Opportune) -> str:
        core.engine.dispose()  # PostgreSQL copies only a database nobody is connected to
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            target = tmp_path / "replica.db"
            shutil.copy(str(url.database), target)
            return f"sqlite:///{target}"
        name = f"opp_replica_{uuid.uuid4().hex[:10]}"
        _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        made.append(name)
        return pg_url_for(name)

    yield copy
    for name in made:
        _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def lead_total(core: Opportune, actor: User) -> int:
    report = core.reports.run(actor, "lead-funnel", ReportRequest())
    assert report.totals is not None
    return int(report.totals.values["leads"] or 0)


def test_reports_read_the_replica_and_everything_else_the_primary(
    core: Opportune, admin: User, database_url: str, tmp_path: Path, replica_of: object
) -> None:
    for n in range(2):
        core.leads.create(admin, {"last_name": f"Ng{n}", "company": "Acme"})
    replica_url = replica_of(core)  # type: ignore[operator]
    core.leads.create(admin, {"last_name": "Late", "company": "Acme"})  # not yet replicated

    settings = make_settings(database_url, tmp_path).model_copy(
        update={"reports_database_url": replica_url}
    )
    split = Opportune(settings)
    try:
        assert split.report_engine is not split.engine
        assert lead_total(split, admin) == 2  # the replica's view
        assert lead_total(core, admin) == 3  # the primary's
        listed = split.leads.list(admin, LeadFilters(with_total=True))
        assert listed.page.total == 3  # lists read the primary
    finally:
        split.close()
