"""Repositories: every query Opportune runs lives here, on a connection owned by a unit of work.

One module per business area; each repository takes the unit of work's connection.
"""

from opportune.db.repositories.accounts import AccountRepository, ContactRepository
from opportune.db.repositories.activities import ActivityRepository
from opportune.db.repositories.conversions import ConversionRepository
from opportune.db.repositories.history import FieldHistoryRepository
from opportune.db.repositories.leads import LeadRepository
from opportune.db.repositories.notifications import NotificationRepository
from opportune.db.repositories.opportunities import (
    ContactRoleRepository,
    OpportunityHistoryRepository,
    OpportunityRepository,
    StageRepository,
)
from opportune.db.repositories.picklists import PicklistRepository
from opportune.db.repositories.users import UserRepository

__all__ = [
    "AccountRepository",
    "ActivityRepository",
    "ContactRepository",
    "ContactRoleRepository",
    "ConversionRepository",
    "FieldHistoryRepository",
    "LeadRepository",
    "NotificationRepository",
    "OpportunityHistoryRepository",
    "OpportunityRepository",
    "PicklistRepository",
    "StageRepository",
    "UserRepository",
]
