"""Several writers at once on SQLite: nobody sees "database is locked", nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from opportune import LeadFilters, Opportune
from tests.conftest import add_user, make_settings

WRITER = textwrap.dedent(
    """
    import os, sys
    from opportune import Opportune, Settings
    core = Opportune(Settings(env="test", database_url=sys.argv[1]))
    actor = core.users.get_by_email("ada.admin@example.com")
    for i in range(int(sys.argv[2])):
        core.leads.create(actor, {"last_name": f"Proc{i}", "company": "Elsewhere"})
    """
)


def test_threads_and_another_process_write_at_the_same_time(
    sqlite_url: str, tmp_path: Path
) -> None:
    core = Opportune(make_settings(sqlite_url, tmp_path))
    admin = add_user(core, "Ada Admin", "admin")
    other = subprocess.Popen([sys.executable, "-c", WRITER, sqlite_url, "60"])

    def write(n: int) -> None:
        for i in range(30):
            lead = core.leads.create(admin, {"last_name": f"T{n}-{i}", "company": "Here"})
            core.leads.update(admin, lead.id or 0, {"title": "Buyer"})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    assert other.wait(timeout=60) == 0
    page = core.leads.list(admin, LeadFilters(limit=1, with_total=True)).page
    assert page.total == 4 * 30 + 60
    core.close()
