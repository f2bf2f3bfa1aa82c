"""The one settings object, read from ``OPPORTUNE_*`` environment variables (and ``.env``)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - only accepted in dev/test

__all__ = ["DEV_SECRET", "Settings", "get_settings"]


class Settings(BaseSettings):
    """Opportune's configuration. Every field can be set as ``OPPORTUNE_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="OPPORTUNE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    session_max_age_seconds: int = 14 * 24 * 3600
    # A browser session unused for this many minutes ends (0: only the maximum age above).
    session_idle_minutes: int = Field(default=0, ge=0)
    # The session cookie is sent only over HTTPS ("Secure"). Unset: on when served with
    # ``opportune serve --https`` or OPPORTUNE_ENV=prod.
    secure_cookies: bool | None = None
    # Sign-in throttling: this many failed sign-ins for one email within
    # login_lockout_minutes lock that email out until the window has passed; one client
    # address may fail login_ip_max_failures times in the same window.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_ip_max_failures: int = Field(default=50, ge=1)
    # Argon2id costs. The defaults are pwdlib's recommendation (~250 ms a hash here);
    # tests lower them through the environment, never production.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost: int = Field(default=65536, ge=8)
    sqlite_busy_timeout_ms: int = 5000
    page_size_default: int = Field(default=50, ge=1, le=500)
    page_size_max: int = Field(default=500, ge=1)
    # ISO 4217 code of the one currency opportunity amounts are in.
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    # Month the fiscal year starts (1 = January): converted leads' opportunities close at the
    # end of the current fiscal quarter.
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    # What converting a lead does when it would create an exact duplicate account or contact.
    conversion_duplicates: Literal["block", "warn", "merge"] = "block"
    # Web-to-lead: the largest post accepted (bytes; larger gets 413), how often the server
    # works through the overflow queue (seconds; 0 turns the background thread off), and
    # the address visitors' browsers reach this server at, for the generated form snippets
    # (empty: the address of the admin's own request).
    web_to_lead_max_bytes: int = Field(default=64 * 1024, ge=1024)
    web_to_lead_queue_interval_seconds: int = Field(default=300, ge=0)
    public_url: str = ""
    # Largest request body any other request may send, in bytes (10 MiB); larger ones get
    # 413 before they are read whole. Import uploads and Bulk API data have their own limit.
    request_max_bytes: int = Field(default=10 * 1024**2, ge=64 * 1024)
    # Largest CSV file an import upload may be, in bytes (2 GiB); larger uploads get 413.
    import_max_bytes: int = Field(default=2 * 1024**3, ge=1)
    # Rows per import batch: each batch is one transaction (and the most a killed import
    # loses); larger batches are faster, smaller ones report progress more often.
    import_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # An import with at least this many rows left runs its duplicate checks in a second
    # process (another core), which starting costs about a second; 0 always does.
    import_check_process_min_rows: int = Field(default=50_000, ge=0)
    # Hours an uploaded import file is kept when no unfinished import reads it (an upload
    # whose mapping was never finished, the file of a finished import); removed after by
    # the clean-up at server start and by ``opportune import cleanup``.
    import_upload_retention_hours: int = Field(default=24, ge=1)
    bulk_job_retention_days: int = Field(default=7, ge=1)
    # Deployment (issue 9). Web worker processes ``opportune serve`` starts (more than one
    # needs PostgreSQL). PostgreSQL connections each process keeps open (pool size) and may
    # open beyond that under load (overflow), and how long a request waits for one.
    web_workers: int = Field(default=1, ge=1, le=64)
    # Worker threads each web process lets answer API reads (GET) at once. Reads are Python
    # work under the interpreter's lock, so more threads only take turns, and cost more in
    # switching than they win (docs/benchmarks.md); writes, which may wait on locks, keep
    # the thread pool's own limit of 40.
    web_read_threads: int = Field(default=2, ge=1, le=64)
    # A read replica of the PostgreSQL database for reports and the dashboard (empty: the
    # main database). Reports then lag the primary by the replica's delay.
    reports_database_url: str = ""
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    # Background jobs: whether ``opportune serve`` also runs one job worker in its own
    # process (unset: yes on SQLite, no on PostgreSQL, where ``opportune worker`` runs them),
    # how often an idle worker looks for work, how many times a failing job is tried, and
    # after how long without a heartbeat a running job counts as abandoned (its worker
    # died) and is taken again.
    embedded_worker: bool | None = None
    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_max_attempts: int = Field(default=5, ge=1)
    job_stale_seconds: int = Field(default=120, ge=5)
    # Days a deleted record stays in the recycle bin before it is purged for good (at
    # server start, every hour while serving, and by ``opportune recycle-bin purge-expired``).
    recycle_bin_retention_days: int = Field(default=30, ge=1)
    # Requests a day (UTC) the Salesforce-compatible API serves under /services/data before
    # refusing with REQUEST_LIMIT_EXCEEDED; counted in memory per server process.
    salesforce_daily_api_requests: int = Field(default=100_000, ge=1)
    # Observability: log lines as JSON or text (unset: JSON when env is prod), the lowest
    # level logged, and the bearer token /metrics asks for (empty: /metrics is open, so keep
    # it off the public side of the reverse proxy).
    log_format: Literal["json", "text"] | None = None
    log_level: str = "INFO"
    metrics_token: str = ""

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"not a logging level: {value!r} (DEBUG, INFO, WARNING, ERROR)")
        return level

    @model_validator(mode="after")
    def _fill_defaults_and_check_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'opportune.db'}"
        if self.env == "prod" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "OPPORTUNE_SECRET_KEY must be set to a random value of 32+ characters "
                "when OPPORTUNE_ENV=prod"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (the embedded default)."""
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
