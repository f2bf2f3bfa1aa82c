"""Prometheus metrics: request counts and durations by route, the database connection pool and
the job queue.

The request metrics are module-level objects, made once per process and shared by every
application built in it (tests build many), so they are never registered twice. The pool and
queue figures are read when /metrics is scraped, by a collector bound to the application's
installation.

With several server processes (``opportune serve --workers N``) each process writes its
counts to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any one process adds up all
of them (prometheus_client's multiprocess mode). The variable must be set before
prometheus_client is first imported, so ``serve`` sets it before uvicorn starts the
processes; the pool and queue figures are those of the process answering the scrape.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from opportune.services import Opportune
from opportune.settings import Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Decided once, as prometheus_client decides how its values are stored when first imported.
MULTIPROCESS = MULTIPROC_ENV in os.environ

REQUESTS = Counter(
    "opportune_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "opportune_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


class ScrapeTimeCollector:
    """The figures read when /metrics is scraped: the database pool and the job queue."""

    def __init__(self, core: Opportune) -> None:
        self.core = core

    def collect(self) -> Iterator[Metric]:
        """Yield the pool gauge, and the queue gauge where there is a job queue."""
        yield pool_gauge(self.core.engine.pool)
        queue = self._queue_gauge()
        if queue is not None:
            yield queue

    def _queue_gauge(self) -> GaugeMetricFamily | None:
        jobs = getattr(self.core, "jobs", None)
        counts = getattr(jobs, "counts", None)
        if counts is None:
            return None
        try:
            by_state: dict[str, int] = counts()
        except Exception:  # a scrape must answer even when the database does not
            log.warning("Could not count the job queue for /metrics", exc_info=True)
            return None
        gauge = GaugeMetricFamily(
            "opportune_job_queue_depth", "Background jobs by state.", labels=["state"]
        )
        for state, count in sorted(by_state.items()):
            gauge.add_metric([state], count)
        return gauge


def pool_gauge(pool: object) -> GaugeMetricFamily:
    """This process's database connections: in use, idle in the pool, and opened beyond the
    pool's size. ``pool`` is SQLAlchemy's; pools that do not count (SQLite's in-memory
    ones) leave out what they cannot tell."""
    gauge = GaugeMetricFamily(
        "opportune_db_pool_connections",
        "Database connections of the answering process, by state.",
        labels=["state"],
    )
    readers = {"checked_out": "checkedout", "idle": "checkedin", "overflow": "overflow"}
    for state, method in readers.items():
        read = getattr(pool, method, None)
        if callable(read):
            # QueuePool's overflow starts negative (connections it has yet to open).
            gauge.add_metric([state], max(0, int(read())))
    return gauge


def scrape_registry(core: Opportune) -> CollectorRegistry:
    """What one scrape reports: every process's request metrics (or this process's when it
    is alone) and this installation's pool and queue figures."""
    # Without auto_describe nothing is collected at registration, and a whole registry
    # (having collect()) can be included as one collector.
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REGISTRY)
    registry.register(ScrapeTimeCollector(core))
    return registry


def exposition(core: Opportune, accept: str | None) -> tuple[bytes, str]:
    """The scrape's body and content type, in the format the scraper accepts (Prometheus
    text or OpenMetrics)."""
    encode, content_type = choose_encoder(accept or "")
    return encode(scrape_registry(core)), content_type


def prepare_multiprocess_dir(settings: Settings) -> Path | None:
    """For a multi-process server: an empty ``DATA_DIR/metrics`` named in
    ``PROMETHEUS_MULTIPROC_DIR`` for the processes to inherit, unless the variable is set
    already (then the operator manages that directory). Old files are removed: counts from
    a previous run would otherwise be added to this one's."""
    if os.environ.get(MULTIPROC_ENV):
        return None
    path = settings.data_dir / "metrics"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path.resolve())
    return path
