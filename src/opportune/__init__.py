"""Opportune: a self-hosted CRM for the whole road from a lead to revenue.

The library API: open an installation with :class:`Opportune` and use its services
(``leads``, ``accounts``, ``contacts``, ``opportunities``, ``pipeline``, ``activities``,
``users``, ``picklists``, ``auth``, ``reports``...); every deliberate error is an
:class:`OpportuneError` (see :mod:`opportune.errors` for the tree).
"""

from opportune.domain.accounts import Account
from opportune.domain.activities import Activity, ActivityKind
from opportune.domain.contacts import Contact
from opportune.domain.field_history import FieldChange
from opportune.domain.history import StageSnapshot
from opportune.domain.leads import Lead, LeadPicklists
from opportune.domain.listing import Page
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.reports.model import ReportRequest, ReportResult
from opportune.domain.stages import Stage
from opportune.domain.users import Role, User
from opportune.errors import (
    AuthenticationError,
    ConflictError,
    ConvertedLeadError,
    FieldError,
    MergedRecordError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from opportune.services import Opportune
from opportune.services.accounts import AccountFilters
from opportune.services.contacts import ContactFilters
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityFilters
from opportune.settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "Account",
    "AccountFilters",
    "Activity",
    "ActivityKind",
    "AuthenticationError",
    "ConflictError",
    "Contact",
    "ContactFilters",
    "ContactRole",
    "ConvertedLeadError",
    "FieldChange",
    "FieldError",
    "Lead",
    "LeadFilters",
    "LeadPicklists",
    "LeadStatus",
    "MergedRecordError",
    "NotFoundError",
    "Opportune",
    "OpportuneError",
    "Opportunity",
    "OpportunityFilters",
    "Page",
    "PermissionDeniedError",
    "PicklistValue",
    "ReportRequest",
    "ReportResult",
    "Role",
    "Settings",
    "Stage",
    "StageSnapshot",
    "StaleRecordError",
    "User",
    "ValidationError",
    "__version__",
    "get_settings",
]
