"""Opportune: a self-hosted CRM for the whole road from a lead to revenue.

The library API: open an installation with :class:`Opportune` and use its services
(``leads``, ``users``, ``picklists``, ``auth``); every deliberate error is an
:class:`OpportuneError` (see :mod:`opportune.errors` for the tree).
"""

from opportune.domain.leads import Lead, LeadPicklists
from opportune.domain.listing import Page
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.users import Role, User
from opportune.errors import (
    AuthenticationError,
    ConflictError,
    ConvertedLeadError,
    FieldError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from opportune.services import Opportune
from opportune.services.filters import LeadFilters
from opportune.settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "ConvertedLeadError",
    "FieldError",
    "Lead",
    "LeadFilters",
    "LeadPicklists",
    "LeadStatus",
    "NotFoundError",
    "Opportune",
    "OpportuneError",
    "Page",
    "PermissionDeniedError",
    "PicklistValue",
    "Role",
    "Settings",
    "StaleRecordError",
    "User",
    "ValidationError",
    "__version__",
    "get_settings",
]
