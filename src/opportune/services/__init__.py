"""The service layer: Opportune's library API and the only code that commits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from opportune.db import migrate
from opportune.db.engine import PoolOptions, make_engine
from opportune.domain.duplicates import DuplicateAction
from opportune.domain.security import LoginPolicy
from opportune.services.accounts import AccountService
from opportune.services.activities import ActivityService
from opportune.services.assignment import AssignmentService
from opportune.services.audit import AuditService
from opportune.services.auth import AuthService, PasswordHasher
from opportune.services.backup import BackupService
from opportune.services.clock import Clock, utc_now
from opportune.services.contacts import ContactService
from opportune.services.conversions import ConversionService
from opportune.services.duplicates import DuplicateService
from opportune.services.exports import ExportService
from opportune.services.imports import ImportService
from opportune.services.jobs import JobService
from opportune.services.leads import LeadService
from opportune.services.merges import MergeService
from opportune.services.notifications import NotificationService
from opportune.services.opportunities import OpportunityService
from opportune.services.picklists import PicklistService
from opportune.services.pipeline import PipelineSettingsService
from opportune.services.recycle_bin import RecycleBinService
from opportune.services.reports import ReportService
from opportune.services.salesforce.bulk import BulkService
from opportune.services.salesforce.migration import SalesforceImportService
from opportune.services.salesforce.query import SoqlService
from opportune.services.salesforce.records import SObjectService
from opportune.services.sessions import SessionService
from opportune.services.sharing import SharingService
from opportune.services.users import UserService
from opportune.services.web_forms import WebFormService
from opportune.settings import Settings


class Opportune:
    """One Opportune installation: its settings, database and services.

    >>> app = Opportune(Settings(database_url="sqlite:///data/crm.db"))  # doctest: +SKIP
    >>> app.migrate(); lead = app.leads.create(user, {"last_name": "Ng", "company": "Acme"})
    """

    def __init__(
        self, settings: Settings, *, engine: Engine | None = None, clock: Clock = utc_now
    ) -> None:
        self.settings = settings
        self.engine = engine or self._engine_for(settings.database_url, settings)
        hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_cost)
        policy = LoginPolicy(
            max_failures=settings.login_max_failures,
            ip_max_failures=settings.login_ip_max_failures,
            window=timedelta(minutes=settings.login_lockout_minutes),
        )
        self.auth = AuthService(self.engine, hasher, clock, policy)
        self.users = UserService(self.engine, hasher, clock)
        self.sessions = SessionService(self.engine, clock)
        self.picklists = PicklistService(self.engine)
        self.leads = LeadService(self.engine, clock, settings.page_size_max)
        self.pipeline = PipelineSettingsService(self.engine)
        self.opportunities = OpportunityService(
            self.engine, clock, settings.currency, settings.page_size_max
        )
        self.accounts = AccountService(self.engine, clock, settings.page_size_max)
        self.contacts = ContactService(self.engine, clock, settings.page_size_max)
        self.activities = ActivityService(self.engine, clock, settings.page_size_max)
        self.notifications = NotificationService(self.engine, clock)
        self.conversions = ConversionService(
            self.engine, clock, currency=settings.currency,
            fiscal_year_start_month=settings.fiscal_year_start_month,
            duplicate_action=DuplicateAction(settings.conversion_duplicates),
        )  # fmt: skip
        # Lead capture (issue 5): each takes the engine, the clock and the settings.
        self.assignment = AssignmentService(self.engine, clock, settings)
        self.duplicates = DuplicateService(self.engine, clock, settings)
        self.merges = MergeService(self.engine, clock, settings)
        self.imports = ImportService(self.engine, clock, settings)
        self.exports = ExportService(self.engine, clock, settings)
        self.web_forms = WebFormService(self.engine, clock, settings)
        # Reports only read: they may run on a read replica (``reports_database_url``).
        self.report_engine = (
            self._engine_for(settings.reports_database_url, settings)
            if settings.reports_database_url
            else self.engine
        )
        self.reports = ReportService(self.report_engine, clock, settings)
        self.audit = AuditService(self.engine, settings)  # issue 8: the audit log, read-only
        self.recycle_bin = RecycleBinService(self.engine, clock, settings)
        # Record-level access (issue 8): org-wide defaults and record shares.
        self.sharing = SharingService(self.engine, clock)
        # The Salesforce-compatible API (issue 7) composes the services above.
        self.clock = clock
        self.soql = SoqlService(self)
        self.sobjects = SObjectService(self)
        self.bulk = BulkService(self)
        self.salesforce_import = SalesforceImportService(self)
        self.backups = BackupService(self.engine, clock)
        # Background jobs (issue 9): the queue ``opportune worker`` processes take work from.
        self.jobs = JobService(self.engine, clock, settings)

    @staticmethod
    def _engine_for(url: str, settings: Settings) -> Engine:
        """An engine for ``url`` with the settings' pool and SQLite busy timeout."""
        return make_engine(
            url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool=PoolOptions(
                settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout_seconds
            ),
        )

    def migrate(self) -> None:
        """Bring the database schema up to date."""
        migrate.upgrade(self.engine)

    def schema_revision(self) -> str | None:
        """The migration revision the database is at (None when never migrated)."""
        return migrate.current_revision(self.engine)

    def head_revision(self) -> str | None:
        """The newest migration revision this code knows."""
        return migrate.head_revision(self.engine)

    def schema_is_current(self) -> bool:
        """True when the database is migrated to the newest revision this code knows."""
        return self.schema_revision() == self.head_revision()

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()
        if self.report_engine is not self.engine:
            self.report_engine.dispose()


__all__ = ["Opportune"]
