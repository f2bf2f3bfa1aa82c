"""Queues and round-robin groups: where assignment rules send leads.

A queue holds leads until one of its members takes one. A round-robin group hands leads
to its members in turn: the next member is the active one with the lowest
``assigned_count / weight`` (ties: least recently assigned, then lowest user id), so leads
spread evenly, or in proportion to the weights. Inactive members are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from opportune.domain.emails import normalize_email
from opportune.domain.text import check_no_control_characters
from opportune.errors import FieldError, ValidationError

NAME_MAX = 80
WEIGHT_MAX = 100


@dataclass(frozen=True, slots=True)
class Queue:
    """A shared inbox of leads; its members can take them."""

    id: int
    name: str
    email: str | None = None
    member_ids: tuple[int, ...] = ()
    lead_count: int = 0
    created_at: datetime | None = None


@dataclass(slots=True)
class GroupMember:
    """A user in a round-robin group, with their weight and how many leads they got."""

    group_id: int
    user_id: int
    weight: int = 1
    assigned_count: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundRobinGroup:
    """Users who get leads in turn."""

    id: int
    name: str
    members: tuple[GroupMember, ...] = field(default=())
    created_at: datetime | None = None


def clean_name(value: object, *, what: str = "name") -> str:
    """A queue or group name: required, trimmed, at most 80 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(what, "REQUIRED_FIELD_MISSING", "Give a name")
    name = value.strip()
    if len(name) > NAME_MAX:
        raise ValidationError.single(what, "STRING_TOO_LONG", f"At most {NAME_MAX} characters")
    check_no_control_characters(what, name)
    return name


def clean_queue_email(value: object) -> str | None:
    """The queue's optional email address, normalised."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError.single("email", "INVALID_EMAIL_ADDRESS", "Must be an email address")
    return normalize_email(value.strip())


def clean_weight(value: object) -> int:
    """A member's weight: a whole number from 1 to 100 (2 gets twice the leads of 1)."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= WEIGHT_MAX:
        raise ValidationError(
            [FieldError("weight", "NUMBER_OUTSIDE_VALID_RANGE",
                        f"Must be a whole number from 1 to {WEIGHT_MAX}")]
        )  # fmt: skip
    return value


def _turn_key(member: GroupMember) -> tuple[float, float, int]:
    last = member.last_assigned_at.timestamp() if member.last_assigned_at else float("-inf")
    return (member.assigned_count / member.weight, last, member.user_id)


def next_member(members: Iterable[GroupMember], active_ids: Iterable[int]) -> GroupMember | None:
    """Whose turn it is: the active member with the lowest count per weight, or None.

    Ties go to the member assigned least recently (never assigned first), then the lowest
    user id, so distribution is even (or in proportion to the weights).
    """
    active = active_ids if isinstance(active_ids, set | frozenset) else set(active_ids)
    candidates = [m for m in members if m.user_id in active]
    return min(candidates, key=_turn_key) if candidates else None


def starting_count(members: Sequence[GroupMember], weight: int) -> int:
    """The count a member joining a group starts at, so it is not sent every new lead until
    it catches up: level with the member furthest behind."""
    if not members:
        return 0
    lowest = min(m.assigned_count / m.weight for m in members)
    return int(lowest * weight)
