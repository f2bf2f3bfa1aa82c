"""Who may convert a lead, merge it into which records, and undo a conversion.

Converting changes the lead, so it takes EDIT access to the lead; a lead the user may not
read is "No lead with id" exactly as a missing one. Existing records to merge into must
be readable: a hidden account, contact or opportunity is refused exactly as a missing one
("No account with id ..." on its field), and the duplicate suggestions list only records
the user can read. Undo deletes or resets the records the conversion made, so it takes
EDIT access to the lead and to every record it created (or being an administrator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opportune.domain.leads import Lead
from opportune.domain.sharing import Access, Viewer, record_access
from opportune.errors import FieldError, NotFoundError
from opportune.services.access import access_to, require_access
from opportune.services.conversion_duplicates import ConversionSuggestions
from opportune.services.uow import UnitOfWork

__all__ = [
    "NO_ACCESS",
    "lead_access",
    "lead_access_errors",
    "readable_records",
    "require_undo_access",
    "visible_suggestions",
]

NO_ACCESS = "INSUFFICIENT_ACCESS"


def lead_access(uow: UnitOfWork, viewer: Viewer | None, lead: Lead) -> Access:
    """What ``viewer`` may do with a loaded lead (a share is read only when needed)."""
    if viewer is None or viewer.default_access("lead") is Access.EDIT:
        return Access.EDIT
    assert lead.id is not None
    if viewer.is_admin or lead.owner_id in viewer.owners or lead.queue_id in viewer.queues:
        return Access.EDIT
    shares = uow.sharing.shares_on("lead", lead.id)
    return record_access(viewer, "lead", lead.owner_id, lead.queue_id, shares)


def lead_access_errors(lead_id: int, access: Access) -> list[FieldError]:
    """The errors converting a lead with ``access`` meets (none with EDIT)."""
    if access is Access.NONE:
        return [FieldError("lead_id", "INVALID_CROSS_REFERENCE_KEY", f"No lead with id {lead_id}")]
    if access < Access.EDIT:
        message = f"You can view lead {lead_id} but not convert it"
        return [FieldError("lead_id", NO_ACCESS, message)]
    return []


def readable_records(
    uow: UnitOfWork, viewer: Viewer | None, object_type: str, records: Mapping[int, Any]
) -> dict[int, Any]:
    """``records`` (by id) without those ``viewer`` may not read."""
    if viewer is None or viewer.sees_all(object_type):
        return dict(records)
    return {
        record_id: record
        for record_id, record in records.items()
        if access_to(uow, viewer, object_type, record_id) >= Access.READ
    }


def visible_suggestions(
    uow: UnitOfWork, viewer: Viewer | None, found: ConversionSuggestions
) -> ConversionSuggestions:
    """The suggestions without accounts and contacts ``viewer`` may not read."""
    accounts = readable_records(
        uow, viewer, "account", {s.account.id or 0: s for s in found.accounts}
    )
    contacts = readable_records(
        uow, viewer, "contact", {s.contact.id or 0: s for s in found.contacts}
    )
    return ConversionSuggestions(
        [s for s in found.accounts if s.account.id in accounts],
        [s for s in found.contacts if s.contact.id in contacts],
    )


def require_undo_access(
    uow: UnitOfWork, viewer: Viewer | None, lead_id: int, created: Iterable[tuple[str, int]]
) -> None:
    """Raise unless ``viewer`` may edit the lead and every record its conversion created
    (a record already gone is no obstacle: undo keeps what changed)."""
    require_access(uow, viewer, "lead", lead_id, Access.EDIT)
    if uow.leads.get(lead_id) is None:
        raise NotFoundError.for_record("Lead", lead_id)
    for object_type, record_id in created:
        if uow.sharing.owner_of(object_type, record_id) is not None:
            require_access(uow, viewer, object_type, record_id, Access.EDIT)
