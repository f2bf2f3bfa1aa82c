"""Lead list filters as people type them, shared by the REST API, the web UI and the CLI.

Interfaces collect :class:`LeadFilters` from query strings, forms or options; the service
resolves labels, user references and dates into a :class:`LeadListQuery`, naming the
filter at fault when something does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from opportune.domain.assignment_groups import Queue
from opportune.domain.leads import LeadPicklists
from opportune.domain.listing import LEAD_SORT_FIELDS, Cursor, LeadListQuery
from opportune.domain.picklists import (
    RATINGS,
    LeadStatus,
    PicklistValue,
    find_by_label,
    match_choice,
)
from opportune.domain.text import search_text_error
from opportune.domain.users import User
from opportune.errors import FieldError, ValidationError

DEFAULT_SORT = "-created_at"
MAX_UNTOUCHED_DAYS = 36_500  # a hundred years: anything longer is a typo


@dataclass(frozen=True, slots=True)
class LeadFilters:
    """Filters in user terms: status and source labels, owners as ids, emails or ``me``."""

    status: Sequence[str] = ()
    lead_source: Sequence[str] = ()
    owner: Sequence[str] = ()
    rating: Sequence[str] = ()
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None
    include_converted: bool = False
    # Only converted leads (converted ones are then listed whatever include_converted says).
    converted_only: bool = False
    # Leads not touched (updated, or an activity logged) for this many days, open or not.
    untouched_days: int | None = None
    unread: bool = False
    # A queue id or name, or ``mine`` for the queues the actor belongs to.
    queue: str | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50
    with_total: bool = False


def resolve_filters(
    filters: LeadFilters,
    *,
    picklists: LeadPicklists,
    users: Sequence[User],
    actor: User,
    max_limit: int,
    queues: Sequence[Queue] = (),
    today: date | None = None,
) -> LeadListQuery:
    """Turn user-facing filters into a query; raise one error naming every bad filter.

    ``today`` (the service clock's UTC day; the wall clock's when not given) anchors
    ``untouched_days``.
    """
    errors: list[FieldError] = []
    status_ids = _labels_to_ids("status", filters.status, picklists.statuses, errors)
    source_ids = _labels_to_ids("lead_source", filters.lead_source, picklists.sources, errors)
    owner_ids = _owner_ids(filters.owner, users, actor, errors)
    ratings = _ratings(filters.rating, errors)
    sort, descending = _sort(filters.sort, errors)
    if not 1 <= filters.limit <= max_limit:
        errors.append(
            FieldError("limit", "NUMBER_OUTSIDE_VALID_RANGE", f"Must be between 1 and {max_limit}")
        )
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        errors.append(FieldError("created_to", "INVALID_RANGE", "Must not be before created_from"))
    if search_error := search_text_error("q", filters.q):
        errors.append(search_error)
    cursor = _cursor(filters.cursor, sort, errors)
    queue_ids = _queue_ids(filters.queue, queues, actor, errors)
    touched_before = _touched_before(filters.untouched_days, today, errors)
    if errors:
        raise ValidationError(errors)
    return LeadListQuery(
        status_ids=status_ids, source_ids=source_ids, owner_ids=owner_ids, ratings=ratings,
        created_from=_start_of(filters.created_from),
        created_to=_end_of(filters.created_to),
        search=(filters.q or "").strip() or None, include_converted=filters.include_converted,
        converted_only=filters.converted_only, touched_before=touched_before,
        unread_only=filters.unread, queue_ids=queue_ids, sort=sort, descending=descending,
        cursor=cursor,
        limit=filters.limit, with_total=filters.with_total,
    )  # fmt: skip


def _labels_to_ids(
    field: str,
    labels: Sequence[str],
    values: Sequence[LeadStatus] | Sequence[PicklistValue],
    errors: list[FieldError],
) -> tuple[int, ...]:
    ids: list[int] = []
    for label in _split(labels):
        found = find_by_label(values, label)
        if found is None:
            errors.append(FieldError(field, "INVALID_FILTER", f"Unknown {field} '{label}'"))
        else:
            ids.append(found.id)
    return tuple(ids)


def _owner_ids(
    owners: Sequence[str], users: Sequence[User], actor: User, errors: list[FieldError]
) -> tuple[int, ...]:
    ids: list[int] = []
    for ref in _split(owners):
        user = _find_user(ref, users, actor)
        if user is None or user.id is None:
            errors.append(FieldError("owner", "INVALID_FILTER", f"Unknown owner '{ref}'"))
        else:
            ids.append(user.id)
    return tuple(ids)


def _find_user(ref: str, users: Sequence[User], actor: User) -> User | None:
    if ref.lower() == "me":
        return actor
    if ref.isdecimal():
        return next((u for u in users if u.id == int(ref)), None)
    return next((u for u in users if u.email.lower() == ref.lower()), None)


def _queue_ids(
    ref: str | None, queues: Sequence[Queue], actor: User, errors: list[FieldError]
) -> tuple[int, ...] | None:
    """``mine``: the queues the actor belongs to; else one queue by id or name."""
    if ref is None or not ref.strip():
        return None
    ref = ref.strip()
    if ref.lower() == "mine":
        return tuple(q.id for q in queues if actor.id in q.member_ids)
    found = next(
        (q for q in queues if str(q.id) == ref or q.name.casefold() == ref.casefold()), None
    )
    if found is None:
        errors.append(FieldError("queue", "INVALID_FILTER", f"Unknown queue '{ref}'"))
        return None
    return (found.id,)


def _touched_before(
    days: int | None, today: date | None, errors: list[FieldError]
) -> datetime | None:
    """The start of (today - days) UTC: leads last touched before it are untouched for
    ``days`` days."""
    if days is None:
        return None
    if isinstance(days, bool) or not 1 <= days <= MAX_UNTOUCHED_DAYS:
        errors.append(
            FieldError(
                "untouched_days",
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Must be a whole number of days between 1 and {MAX_UNTOUCHED_DAYS}",
            )
        )
        return None
    day = today if today is not None else datetime.now(UTC).date()
    return _start_of(day - timedelta(days=days))


def _ratings(values: Sequence[str], errors: list[FieldError]) -> tuple[str, ...]:
    found: list[str] = []
    for value in _split(values):
        rating = match_choice(RATINGS, value)
        if rating is None:
            errors.append(FieldError("rating", "INVALID_FILTER", f"Unknown rating '{value}'"))
        else:
            found.append(rating)
    return tuple(found)


def _sort(sort: str, errors: list[FieldError]) -> tuple[str, bool]:
    field = sort.strip().lstrip("-")
    if field not in LEAD_SORT_FIELDS:
        errors.append(
            FieldError("sort", "INVALID_SORT", f"Sort by one of: {', '.join(LEAD_SORT_FIELDS)}")
        )
        return "created_at", True
    return field, sort.strip().startswith("-")


def _cursor(token: str | None, sort: str, errors: list[FieldError]) -> Cursor | None:
    if not token:
        return None
    try:
        return Cursor.decode(token, sort)
    except ValidationError as exc:
        errors.extend(exc.fields)
        return None


def _split(values: Sequence[str]) -> list[str]:
    """Accept repeated values and comma-separated ones alike; labels never contain ', '."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _end_of(day: date | None) -> datetime | None:
    """The first moment after ``day``, so a range "to" a day includes all of it."""
    if day is None or day == date.max:  # nothing comes after the last day there is
        return None
    return _start_of(day + timedelta(days=1))


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)
