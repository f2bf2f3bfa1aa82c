"""Activities: tasks, logged calls and notes; the activities of a record; your tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query, Request, Response

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.activities import (
    ActivityChangeOut,
    ActivityCreate,
    ActivityListParams,
    ActivityOut,
    ActivityPageOut,
    ActivityUpdate,
    MyTasksOut,
    MyTasksParams,
)
from opportune.domain.activities import Activity
from opportune.errors import ValidationError
from opportune.services import Opportune

# No prefix: the caller's task list lives under /me with the rest of "you".
router = resource_router(tags=["activities"])

ActivityId = Annotated[int, Path(ge=1, le=MAX_ID, description="The activity's id")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The activity's `version` (as in `ETag`) you last read; "
        "the change is refused with 409 STALE_RECORD if the activity changed since"
    ),
]


@router.get("/activities", responses=error_responses(401, 404, 422))
def list_activities(
    user: CurrentUser, core: OpportuneDep, params: Annotated[ActivityListParams, Query()]
) -> ActivityPageOut:
    """One page of the activities of one lead, contact, account or opportunity: open tasks
    first, soonest due first, then the rest newest first."""
    limit = params.limit if params.limit is not None else core.settings.page_size_default
    page = core.activities.for_record(user, **params.record(), cursor=params.cursor, limit=limit)
    names = _user_names(core)
    return ActivityPageOut(
        items=[ActivityOut.of(a, names) for a in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=None,
    )


@router.post("/activities", status_code=201, responses=error_responses(400, 401, 403, 422))
def create_activity(
    body: ActivityCreate,
    user: CurrentUser,
    core: OpportuneDep,
    request: Request,
    response: Response,
) -> ActivityOut:
    """Create a task, call or note; the caller owns it unless another owner is given."""
    activity = core.activities.create(user, body.model_dump(exclude_unset=True))
    response.headers["Location"] = str(request.url_for("get_activity", activity_id=activity.id))
    return _activity_response(core, activity, response)


@router.get("/activities/{activity_id}", responses=error_responses(401, 404, 422))
def get_activity(
    activity_id: ActivityId, user: CurrentUser, core: OpportuneDep, response: Response
) -> ActivityOut:
    """The activity."""
    return _activity_response(core, core.activities.get(user, activity_id), response)


@router.patch("/activities/{activity_id}", responses=error_responses(400, 401, 403, 404, 409, 422))
def update_activity(
    activity_id: ActivityId,
    body: ActivityUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityOut:
    """Change the fields sent; the others stay as they are. Status Open reopens a task."""
    activity = core.activities.update(
        user, activity_id, body.model_dump(exclude_unset=True), expected_version=_version(if_match)
    )
    return _activity_response(core, activity, response)


@router.delete(
    "/activities/{activity_id}", status_code=204, responses=error_responses(401, 403, 404, 422)
)
def delete_activity(activity_id: ActivityId, user: CurrentUser, core: OpportuneDep) -> None:
    """Move the activity to the recycle bin (reps only their own)."""
    core.activities.delete(user, activity_id)


@router.post(
    "/activities/{activity_id}/complete", responses=error_responses(401, 403, 404, 409, 422)
)
def complete_activity(
    activity_id: ActivityId,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityOut:
    """Mark a task Completed now; completing a completed task changes nothing."""
    task = core.activities.complete(user, activity_id, expected_version=_version(if_match))
    return _activity_response(core, task, response)


@router.get("/activities/{activity_id}/history", responses=error_responses(401, 404, 422))
def activity_history(
    activity_id: ActivityId, user: CurrentUser, core: OpportuneDep
) -> list[ActivityChangeOut]:
    """The activity's field changes, newest first."""
    changes = core.activities.history(user, activity_id)
    names = _user_names(core)
    return [ActivityChangeOut.of(change, names) for change in changes]


@router.get("/me/tasks", tags=["me"], responses=error_responses(401, 422))
def my_tasks(
    user: CurrentUser, core: OpportuneDep, params: Annotated[MyTasksParams, Query()]
) -> MyTasksOut:
    """Your open tasks, soonest due first, and the overdue ones among them."""
    tasks = core.activities.my_tasks(user, params.today)
    names = _user_names(core)
    return MyTasksOut(
        open=[ActivityOut.of(t, names) for t in tasks.open],
        overdue=[ActivityOut.of(t, names) for t in tasks.overdue],
    )


def _user_names(core: Opportune) -> dict[int, str]:
    return {u.id: u.name for u in core.users.list() if u.id is not None}


def _activity_response(core: Opportune, activity: Activity, response: Response) -> ActivityOut:
    response.headers["ETag"] = f'"{activity.version}"'
    return ActivityOut.of(activity, _user_names(core))


def _version(if_match: str | None) -> int | None:
    """The version in an ``If-Match`` header: ``3``, ``"3"`` or ``W/"3"``; ``*`` means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdecimal()) or len(value) > 10:
        raise ValidationError.single(
            "If-Match", "INVALID_HEADER", "Must be the activity's version number, as in its ETag"
        )
    return int(value)
