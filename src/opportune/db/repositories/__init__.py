"""Repositories: every query Opportune runs lives here, on a connection owned by a unit of work.

One module per business area; each repository takes the unit of work's connection.
"""

from opportune.db.repositories.accounts import AccountRepository, ContactRepository
from opportune.db.repositories.activities import ActivityRepository
from opportune.db.repositories.assignment import AssignmentRepository
from opportune.db.repositories.audit import AuditRepository
from opportune.db.repositories.conversions import ConversionRepository
from opportune.db.repositories.deleted_records import DeletedRecordRepository
from opportune.db.repositories.duplicates import DuplicateRepository
from opportune.db.repositories.history import FieldHistoryRepository
from opportune.db.repositories.imports import ImportRepository
from opportune.db.repositories.leads import LeadRepository
from opportune.db.repositories.login_attempts import LoginAttemptRepository
from opportune.db.repositories.merges import MergeRepository
from opportune.db.repositories.notifications import NotificationRepository
from opportune.db.repositories.opportunities import (
    ContactRoleRepository,
    OpportunityHistoryRepository,
    OpportunityRepository,
    StageRepository,
)
from opportune.db.repositories.picklists import PicklistRepository
from opportune.db.repositories.sharing import SharingRepository
from opportune.db.repositories.sobject_rows import SObjectRowRepository
from opportune.db.repositories.stage_periods import StagePeriodRepository
from opportune.db.repositories.users import UserRepository
from opportune.db.repositories.web_forms import WebFormRepository

__all__ = [
    "AccountRepository",
    "ActivityRepository",
    "AssignmentRepository",
    "AuditRepository",
    "ContactRepository",
    "ContactRoleRepository",
    "ConversionRepository",
    "DeletedRecordRepository",
    "DuplicateRepository",
    "FieldHistoryRepository",
    "ImportRepository",
    "LeadRepository",
    "LoginAttemptRepository",
    "MergeRepository",
    "NotificationRepository",
    "OpportunityHistoryRepository",
    "OpportunityRepository",
    "PicklistRepository",
    "SObjectRowRepository",
    "SharingRepository",
    "StagePeriodRepository",
    "StageRepository",
    "UserRepository",
    "WebFormRepository",
]
