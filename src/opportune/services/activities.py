"""Activity use cases: create, read, change, complete and delete tasks, calls and notes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import Engine

from opportune.db.repositories.activities import RecordPosition
from opportune.domain.activities import (
    RELATIONS,
    Activity,
    OpenTasks,
    complete_task,
    new_activity,
    open_and_overdue,
    update_activity,
)
from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.listing import Cursor, Page
from opportune.domain.sharing import Access, Viewer
from opportune.domain.users import User
from opportune.errors import (
    FieldError,
    MergedRecordError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import access_to, require_access, viewer_for
from opportune.services.clock import Clock
from opportune.services.permissions import require_can_delete
from opportune.services.record_keys import RecordKeys, store_keys
from opportune.services.recycle_bin import move_to_bin
from opportune.services.uow import UnitOfWork

OBJECT_TYPE = "activity"
DEFAULT_PAGE_SIZE = 50
_RECORD_KINDS = {
    "lead_id": "Lead",
    "contact_id": "Contact",
    "account_id": "Account",
    "opportunity_id": "Opportunity",
}
# The record-level object type behind each relation field.
_OBJECT_TYPES = {"lead_id": "lead", "contact_id": "contact", "account_id": "account",
                 "opportunity_id": "opportunity"}  # fmt: skip


class ActivityService:
    """Everything a person or a script does with tasks, logged calls and notes."""

    def __init__(self, engine: Engine, clock: Clock, max_page_size: int = 500) -> None:
        self.engine = engine
        self.clock = clock
        self.max_page_size = max_page_size

    def create(
        self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Activity:
        """Create a task, call or note (``kind``); the actor owns it unless told otherwise."""
        with UnitOfWork(self.engine, write=True) as uow:
            now = self.clock()
            activity = new_activity(data, actor_id=_id(actor), now=now)
            _check_references(uow, activity, ("owner_id", *RELATIONS), viewer_for(uow, actor))
            activity.id = uow.activities.add(activity)
            if activity.lead_id is not None:
                uow.activities.touch_lead(activity.lead_id, now)
            store_keys(uow, "activities", activity.id, keys)
            uow.commit()
        return activity

    def get(self, actor: User, activity_id: int) -> Activity:
        """The activity with this id (404 unless ``actor`` may read it)."""
        with UnitOfWork(self.engine) as uow:
            return _get(uow, activity_id, actor)

    def update(
        self,
        actor: User,
        activity_id: int,
        data: Mapping[str, object],
        *,
        expected_version: int | None = None,
        keys: RecordKeys = None,
    ) -> Activity:
        """Change an activity. With ``expected_version``, refuse if someone changed it since.

        Setting a completed task's ``status`` back to Open reopens it.
        """
        with UnitOfWork(self.engine, write=True) as uow:
            activity = _get(uow, activity_id, actor, Access.EDIT)
            if expected_version is not None and expected_version != activity.version:
                raise _stale(activity)
            now = self.clock()
            updated, changed = update_activity(activity, data, actor_id=_id(actor), now=now)
            _check_references(uow, updated, changed, viewer_for(uow, actor))
            _save(uow, activity, updated, changed, actor, now)
            store_keys(uow, "activities", activity_id, keys)
            uow.commit()
        return updated

    def complete(
        self, actor: User, activity_id: int, *, expected_version: int | None = None
    ) -> Activity:
        """Mark a task Completed now; completing a completed task changes nothing."""
        with UnitOfWork(self.engine, write=True) as uow:
            task = _get(uow, activity_id, actor, Access.EDIT)
            if expected_version is not None and expected_version != task.version:
                raise _stale(task)
            now = self.clock()
            updated, changed = complete_task(task, _id(actor), now)
            if changed:
                _save(uow, task, updated, changed, actor, now)
                uow.commit()
        return updated

    def delete(self, actor: User, activity_id: int) -> None:
        """Move an activity to the recycle bin; reps only their own."""
        with UnitOfWork(self.engine, write=True) as uow:
            activity = _get(uow, activity_id, actor, Access.EDIT)
            require_can_delete(actor, activity.owner_id, "activity")
            move_to_bin(uow, "activity", activity_id, actor, self.clock())
            uow.commit()

    def for_record(
        self,
        actor: User,
        *,
        lead_id: int | None = None,
        contact_id: int | None = None,
        account_id: int | None = None,
        opportunity_id: int | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[Activity]:
        """One page of the activities of one lead, contact, account or opportunity.

        Give exactly one record. Open tasks come first, soonest due first (none last);
        then completed tasks, calls and notes, newest first. Pass a page's
        ``next_cursor`` as ``cursor`` for the next one (there is no previous cursor).
        """
        field, record_id = _one_record(
            lead_id=lead_id, contact_id=contact_id, account_id=account_id,
            opportunity_id=opportunity_id,
        )  # fmt: skip
        after = self._page_request(cursor, limit)
        with UnitOfWork(self.engine) as uow:
            require_access(uow, viewer_for(uow, actor), _OBJECT_TYPES[field], record_id)
            if not uow.activities.record_exists(field, record_id):
                raise NotFoundError.for_record(_RECORD_KINDS[field], record_id)
            return uow.activities.for_record(field, record_id, after=after, limit=limit)

    def _page_request(self, cursor: str | None, limit: int) -> RecordPosition | None:
        """The decoded cursor; raise one error naming a bad cursor and a bad limit."""
        errors: list[FieldError] = []
        if not 1 <= limit <= self.max_page_size:
            message = f"Must be between 1 and {self.max_page_size}"
            errors.append(FieldError("limit", "NUMBER_OUTSIDE_VALID_RANGE", message))
        after = None
        if cursor:
            try:
                after = RecordPosition.decode(Cursor.decode(cursor, "activity", "text"))
            except (ValidationError, ValueError):
                message = "Invalid or expired page cursor"
                errors.append(FieldError("cursor", "INVALID_CURSOR", message))
        if errors:
            raise ValidationError(errors)
        return after

    def related_names(
        self, actor: User, activities: Iterable[Activity]
    ) -> dict[tuple[str, int], str]:
        """The names of the records ``activities`` relate to, keyed by ``(field, id)``.

        ``field`` is the relation field (``lead_id``, ``contact_id``, ``account_id`` or
        ``opportunity_id``); one query per kind of record, however many activities.
        Records ``actor`` may not read are left out (their names stay hidden).
        """
        refs: dict[str, set[int]] = {name: set() for name in RELATIONS}
        for activity in activities:
            for name in RELATIONS:
                if (record_id := getattr(activity, name)) is not None:
                    refs[name].add(record_id)
        with UnitOfWork(self.engine) as uow:
            return uow.activities.names_of(refs, viewer_for(uow, actor))

    def my_tasks(self, actor: User, today: date | None = None) -> OpenTasks:
        """The actor's open tasks (soonest due first) and the overdue ones among them.

        ``today`` is the actor's calendar day; it defaults to today in UTC.
        """
        today = today or self.clock().date()
        with UnitOfWork(self.engine) as uow:
            tasks = uow.activities.open_tasks_of(_id(actor))
        return open_and_overdue(tasks, _id(actor), today)

    def history(self, actor: User, activity_id: int) -> list[FieldChange]:
        """The activity's field history, newest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, activity_id, actor)
            return uow.field_history.for_record(OBJECT_TYPE, activity_id)


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _one_record(**given: int | None) -> tuple[str, int]:
    """The one record asked for, as ``(relation field, id)``; refuse none or several."""
    named = [(field, record_id) for field, record_id in given.items() if record_id is not None]
    if len(named) != 1:
        raise ValidationError.single(
            "record",
            "INVALID_QUERY",
            "Give exactly one of lead_id, contact_id, account_id or opportunity_id",
        )
    return named[0]


def _get(
    uow: UnitOfWork, activity_id: int, actor: User | None, needed: Access = Access.READ
) -> Activity:
    """The activity, if it exists and ``actor`` has ``needed`` access to it: activities
    follow their records (see :func:`activity_access`)."""
    activity = uow.activities.get(activity_id)
    if activity is None:
        raise NotFoundError.for_record("Activity", activity_id)
    access = activity_access(uow, viewer_for(uow, actor), activity)
    if access is Access.NONE:
        raise NotFoundError.for_record("Activity", activity_id)
    if access < needed:
        raise PermissionDeniedError(
            "You can view this activity but not change it: only its owner and those who "
            "can edit its record can"
        )
    return activity


def activity_access(uow: UnitOfWork, viewer: Viewer | None, activity: Activity) -> Access:
    """What ``viewer`` may do with an activity: its owner (and those above them) and
    admins edit it; others get the best access they have to a record it is attached to."""
    if viewer is None or viewer.is_admin or activity.owner_id in viewer.owners:
        return Access.EDIT
    best = Access.NONE
    for field, object_type in _OBJECT_TYPES.items():
        record_id = getattr(activity, field)
        if record_id is not None and best < Access.EDIT:
            best = max(best, access_to(uow, viewer, object_type, record_id))
    return best


def _hidden(uow: UnitOfWork, viewer: Viewer | None, refs: Mapping[str, int | None]) -> set[str]:
    """The fields of ``refs`` naming a record ``viewer`` may not read (an activity can only
    be attached to records one can see)."""
    hidden = set()
    for field, record_id in refs.items():
        object_type = _OBJECT_TYPES[field]
        if record_id is None or viewer is None or viewer.sees_all(object_type):
            continue
        if access_to(uow, viewer, object_type, record_id) is Access.NONE:
            hidden.add(field)
    return hidden


def _check_references(
    uow: UnitOfWork, activity: Activity, fields: Iterable[str], viewer: Viewer | None = None
) -> None:
    """Refuse, naming each field, references in ``fields`` to records that do not exist
    or that ``viewer`` may not read (told apart from missing ones by nothing)."""
    names = set(fields)
    errors: list[FieldError] = []
    if "owner_id" in names and activity.owner_id not in uow.users.existing_active_ids(
        [activity.owner_id]
    ):
        message = f"No active user with id {activity.owner_id}"
        errors.append(FieldError("owner_id", "INVALID_CROSS_REFERENCE_KEY", message))
    refs = {name: getattr(activity, name) for name in RELATIONS if name in names}
    missing = set(uow.activities.missing_references(refs)) | _hidden(uow, viewer, refs)
    for name in [n for n in RELATIONS if n in missing]:
        kind = _RECORD_KINDS[name]
        message = f"No {kind.lower()} with id {getattr(activity, name)}"
        if name == "lead_id":
            message = f"No unconverted lead with id {activity.lead_id}"
        errors.append(FieldError(name, "INVALID_CROSS_REFERENCE_KEY", message))
    errors += merged_references(uow, refs)
    if errors:
        raise ValidationError(errors)


def merged_references(uow: UnitOfWork, refs: Mapping[str, int | None]) -> list[FieldError]:
    """An error for each reference to a record merged into another (it is read-only and
    hidden: what is added to it belongs on the record it was merged into)."""
    errors = []
    for name, master in uow.activities.merged_into(refs).items():
        kind = _RECORD_KINDS[name]
        message = (f"{kind} {refs[name]} was merged into {kind.lower()} {master}; "
                   f"use {kind.lower()} {master}")  # fmt: skip
        errors.append(FieldError(name, MergedRecordError.code, message))
    return errors


def _save(
    uow: UnitOfWork,
    before: Activity,
    after: Activity,
    changed: list[str],
    actor: User,
    now: datetime,
) -> None:
    if not uow.activities.update(after, changed, before.version):
        raise _stale(before)
    uow.field_history.add_many(
        field_changes(OBJECT_TYPE, before, after, changed, actor_id=_id(actor), now=now)
    )
    if "completed_at" in changed and after.completed_at is not None and after.lead_id is not None:
        # Completing a task on a lead touches the lead (the lead-aging report, "untouched").
        uow.activities.touch_lead(after.lead_id, now)


def _stale(activity: Activity) -> StaleRecordError:
    return StaleRecordError(
        f"Activity {activity.id} was changed by someone else (now version {activity.version}); "
        "reload it and try again"
    )
