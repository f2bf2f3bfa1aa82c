"""The Salesforce API's daily request count is one count for the installation: server
processes add theirs to the database and read back everyone's."""

from __future__ import annotations

from datetime import UTC, datetime

from opportune import Opportune
from opportune.services.salesforce.usage import ApiUsage, DatabaseUsageStore


def test_two_processes_share_the_days_count_through_the_database(core: Opportune) -> None:
    store = DatabaseUsageStore(core.engine)
    web1, web2 = (ApiUsage(1000, store=store, flush_every=10) for _ in range(2))
    for usage in (web1, web2):
        for _ in range(25):
            usage.record()
            if usage.flush_due():
                usage.flush()
        usage.flush()
    assert store.add(datetime.now(UTC).date(), 0) == 50
    assert web2.current().used == 50  # it has read web1's requests too
    web1.flush()
    assert web1.current().used == 50


def test_the_limit_holds_across_processes(core: Opportune) -> None:
    store = DatabaseUsageStore(core.engine)
    processes = [ApiUsage(12, store=store, flush_every=1) for _ in range(3)]
    allowed = 0
    for _ in range(10):
        for usage in processes:
            allowed += usage.record().allowed
            usage.flush()
    # At most the limit plus what the two others had not shared yet.
    assert 12 <= allowed <= 14
