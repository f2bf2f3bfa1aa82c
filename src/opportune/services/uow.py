"""The unit of work: one transaction, its repositories, and nothing saved unless committed."""

from __future__ import annotations

import threading
from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

from opportune.db.engine import WRITE_OPTION, is_sqlite
from opportune.db.reference_versions import current_version
from opportune.db.repositories import (
    AccountRepository,
    ActivityRepository,
    AssignmentRepository,
    AuditRepository,
    ContactRepository,
    ContactRoleRepository,
    ConversionRepository,
    DeletedRecordRepository,
    DuplicateRepository,
    FieldHistoryRepository,
    ImportRepository,
    LeadRepository,
    LoginAttemptRepository,
    MergeRepository,
    NotificationRepository,
    OpportunityHistoryRepository,
    OpportunityRepository,
    PicklistRepository,
    SharingRepository,
    SObjectRowRepository,
    StagePeriodRepository,
    StageRepository,
    UserRepository,
    WebFormRepository,
)
from opportune.db.repositories.api_usage import ApiUsageRepository
from opportune.db.repositories.bulk_jobs import BulkJobRepository
from opportune.db.repositories.jobs import JobRepository
from opportune.db.repositories.recycle_bin import RecycleBinRepository
from opportune.db.repositories.salesforce_keys import SalesforceKeyRepository

# One writer at a time per SQLite database in this process: waiting on a lock is cheaper
# and fairer than SQLite's busy-timeout sleeps (see docs/benchmarks.md).
_sqlite_write_locks: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_locks_guard = threading.Lock()


def _write_lock(engine: Engine) -> threading.Lock:
    with _locks_guard:
        return _sqlite_write_locks.setdefault(engine, threading.Lock())


class UnitOfWork:
    """A database transaction with its repositories; rolls back unless :meth:`commit` is called.

    Use ``write=True`` for anything that writes: on SQLite it takes the write lock at
    ``BEGIN IMMEDIATE`` so the transaction never fails half-way on a busy database.
    """

    users: UserRepository
    accounts: AccountRepository
    contacts: ContactRepository
    leads: LeadRepository
    stages: StageRepository
    opportunities: OpportunityRepository
    opportunity_history: OpportunityHistoryRepository
    stage_periods: StagePeriodRepository
    contact_roles: ContactRoleRepository
    conversions: ConversionRepository
    picklists: PicklistRepository
    field_history: FieldHistoryRepository
    activities: ActivityRepository
    notifications: NotificationRepository
    imports: ImportRepository
    assignment: AssignmentRepository
    web_forms: WebFormRepository
    duplicates: DuplicateRepository
    merges: MergeRepository
    deleted_records: DeletedRecordRepository
    sobject_rows: SObjectRowRepository
    bulk_jobs: BulkJobRepository
    salesforce_keys: SalesforceKeyRepository
    audit: AuditRepository
    login_attempts: LoginAttemptRepository
    sharing: SharingRepository
    recycle_bin: RecycleBinRepository
    jobs: JobRepository
    api_usage: ApiUsageRepository

    def __init__(self, engine: Engine, *, write: bool = False) -> None:
        self.engine = engine
        self.write = write
        self._conn: Connection | None = None
        self._lock: threading.Lock | None = None
        self._reference_version: int | None = None

    def __enter__(self) -> UnitOfWork:
        if self.write and is_sqlite(self.engine):
            self._lock = _write_lock(self.engine)
            self._lock.acquire()
        try:
            conn = self.engine.connect().execution_options(**{WRITE_OPTION: self.write})
            conn.begin()
        except BaseException:
            self._release()
            raise
        self._conn = conn
        self.users = UserRepository(conn)
        self.accounts = AccountRepository(conn)
        self.contacts = ContactRepository(conn)
        self.leads = LeadRepository(conn)
        self.stages = StageRepository(conn)
        self.opportunities = OpportunityRepository(conn)
        self.opportunity_history = OpportunityHistoryRepository(conn)
        self.stage_periods = StagePeriodRepository(conn)
        self.contact_roles = ContactRoleRepository(conn)
        self.conversions = ConversionRepository(conn)
        self.picklists = PicklistRepository(conn)
        self.field_history = FieldHistoryRepository(conn)
        self.activities = ActivityRepository(conn)
        self.notifications = NotificationRepository(conn)
        self.imports = ImportRepository(conn)
        self.assignment = AssignmentRepository(conn)
        self.web_forms = WebFormRepository(conn)
        self.duplicates = DuplicateRepository(conn)
        self.merges = MergeRepository(conn)
        self.salesforce_keys = SalesforceKeyRepository(conn)
        self.deleted_records = DeletedRecordRepository(conn)
        self.sobject_rows = SObjectRowRepository(conn)
        self.bulk_jobs = BulkJobRepository(conn)
        self.audit = AuditRepository(conn)
        self.login_attempts = LoginAttemptRepository(conn)
        self.sharing = SharingRepository(conn)
        self.recycle_bin = RecycleBinRepository(conn)
        self.jobs = JobRepository(conn)
        self.api_usage = ApiUsageRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._conn is not None:
                self._conn.rollback()  # a no-op after commit()
                self._conn.close()
        finally:
            self._conn = None
            self._release()

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for query objects that are not repositories."""
        assert self._conn is not None, "connection used outside the unit of work"
        return self._conn

    def reference_version(self) -> int:
        """The version of the cached reference tables this transaction sees (read once)."""
        if self._reference_version is None:
            self._reference_version = current_version(self.connection)
        return self._reference_version

    def commit(self) -> None:
        """Make the transaction's changes permanent."""
        assert self._conn is not None, "commit() outside the unit of work"
        self._conn.commit()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
