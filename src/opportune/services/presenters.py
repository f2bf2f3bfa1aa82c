"""Leads as plain records with labels and names: the one shape every interface shows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opportune.domain.leads import Lead, LeadPicklists
from opportune.domain.users import User


@dataclass(frozen=True, slots=True)
class LeadLookups:
    """Picklists and users, to turn a lead's ids into labels and names."""

    picklists: LeadPicklists
    users: list[User]
    # Queue names by id: a lead in a queue shows the queue where others show an owner.
    queues: dict[int, str] = field(default_factory=dict)

    names: dict[int | None, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A page shows many leads: look owners up by id, not by scanning the users each time.
        object.__setattr__(self, "names", {u.id: u.name for u in self.users})

    def user_name(self, user_id: int | None) -> str | None:
        """The name of the user with this id."""
        return self.names.get(user_id)

    def record(self, lead: Lead) -> dict[str, Any]:
        """The lead as a flat dict: status, source and close reason as labels, owner named."""
        # A shallow copy: a lead's fields are plain values, and ``dataclasses.asdict``
        # deep-copies each one (a third of a list page's time).
        values = {name: getattr(lead, name) for name in _LEAD_FIELDS}
        status_id = values.pop("status_id")
        source_id = values.pop("source_id")
        reason_id = values.pop("close_reason_id")
        values["name"] = lead.name
        values["status"] = self.picklists.status(status_id).label
        values["lead_source"] = _label(self.picklists.sources, source_id)
        values["close_reason"] = _label(self.picklists.close_reasons, reason_id)
        values["owner_name"] = self.user_name(lead.owner_id)
        values["queue_name"] = self.queues.get(lead.queue_id) if lead.queue_id else None
        if isinstance(values["annual_revenue"], Decimal):
            values["annual_revenue"] = str(values["annual_revenue"])
        return values


_LEAD_FIELDS = tuple(f.name for f in dataclasses.fields(Lead))


def _label(values: tuple[Any, ...], value_id: int | None) -> str | None:
    return next((v.label for v in values if v.id == value_id), None)
