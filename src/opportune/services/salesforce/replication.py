"""The ``updated/`` and ``deleted/`` windows: what changed in a span of time, so that an
integration can keep a copy in step.

As on Salesforce, both ends are required, the window may span at most
:data:`MAX_WINDOW_DAYS` days and may start at most that many days ago
(``INVALID_REPLICATION_DATE`` otherwise). Deletions are those logged in
``deleted_records`` by the record services.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import Column, SObject
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services.access import viewer_for
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["MAX_WINDOW_DAYS", "deleted", "parse_moment", "sf_datetime", "updated"]

MAX_WINDOW_DAYS = 30
INVALID_DATE = "INVALID_REPLICATION_DATE"


def sf_datetime(moment: datetime) -> str:
    """Salesforce's datetime format: ``2026-11-28T09:00:00.000+0000``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_moment(name: str, value: str | None) -> datetime:
    """An ISO 8601 moment (naive is UTC); a ``+`` that a query string turned into a space
    is read back as ``+``."""
    if not value or not value.strip():
        raise ValidationError.single(name, "MISSING_ARGUMENT", f"{name} is required")
    text = value.strip().replace(" ", "+")
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        message = f"{name}: {value!r} is not a valid date and time"
        raise ValidationError.single(name, INVALID_DATE, message) from exc
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def _window(now: datetime, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    first, last = parse_moment("start", start), parse_moment("end", end)
    limit = timedelta(days=MAX_WINDOW_DAYS)
    if last < first:
        raise ValidationError.single("end", INVALID_DATE, "end is before start")
    if last - first > limit:
        message = f"The window from start to end cannot span more than {MAX_WINDOW_DAYS} days"
        raise ValidationError.single("end", INVALID_DATE, message)
    if first < now - limit:
        message = f"start cannot be more than {MAX_WINDOW_DAYS} days ago"
        raise ValidationError.single("start", INVALID_DATE, message)
    return first, last


def _changed_column(obj: SObject) -> str:
    stamp = obj.field("SystemModstamp")
    if stamp is None or not isinstance(stamp.source, Column):
        message = f"{obj.name} records cannot be replicated: they carry no modification stamp"
        raise ValidationError.single("sobject", "CANNOT_REPLICATE", message)
    return stamp.source.name


def updated(
    core: Opportune, obj: SObject, start: str | None, end: str | None, actor: User | None = None
) -> dict[str, Any]:
    """``{"ids", "latestDateCovered"}``: the records of ``obj`` added or changed in the
    window that ``actor`` may read."""
    column = _changed_column(obj)
    now = core.clock()
    window = _window(now, start, end)
    with UnitOfWork(core.engine) as uow:
        viewer = viewer_for(uow, actor)
        ids = uow.sobject_rows.changed_ids(obj.table, column, window, obj.row_filter, viewer)
    return {"ids": [sf_id(obj.name, i) for i in ids],
            "latestDateCovered": sf_datetime(min(window[1], now))}  # fmt: skip


def deleted(core: Opportune, obj: SObject, start: str | None, end: str | None) -> dict[str, Any]:
    """``{"deletedRecords", "earliestDateAvailable", "latestDateCovered"}`` for the window."""
    _changed_column(obj)
    now = core.clock()
    first, last = _window(now, start, end)
    with UnitOfWork(core.engine) as uow:
        rows = uow.deleted_records.between(obj.kind, first, last)
        earliest = uow.deleted_records.earliest(obj.kind)
    records = [{"id": sf_id(obj.name, i), "deletedDate": sf_datetime(at)} for i, at in rows]
    return {
        "deletedRecords": records,
        "earliestDateAvailable": sf_datetime(earliest or first),
        "latestDateCovered": sf_datetime(min(last, now)),
    }
