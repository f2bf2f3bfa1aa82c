"""Lead use cases through the service layer, on every database engine."""

from __future__ import annotations

import pytest

from opportune import ConvertedLeadError, LeadFilters, Opportune, User, ValidationError


def test_a_new_lead_gets_the_default_status_and_its_creator_as_owner(
    core: Opportune, rep: User
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    stored = core.leads.get(rep, lead.id or 0)
    assert core.picklists.lead_picklists().status(stored.status_id).label == "Open - Not Contacted"
    assert stored.owner_id == rep.id
    assert stored.is_unread_by_owner is False
