"""Notifications: short messages to one user about something done for them, read in the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Notification", "conversion_notice"]


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to ``user_id``; ``link`` is the page it is about; unread until ``read_at``."""

    user_id: int
    message: str
    link: str
    created_at: datetime
    created_by_id: int
    read_at: datetime | None = None
    id: int | None = None


def conversion_notice(
    owner_id: int, lead_id: int, person: str, company: str, actor_name: str, at: datetime,
    actor_id: int,
) -> Notification:  # fmt: skip
    """The message telling a new owner that a converted lead's records are now theirs."""
    message = f"{actor_name} converted the lead {person} ({company}); the new records are yours."
    return Notification(owner_id, message, f"/leads/{lead_id}", at, actor_id)
