"""Users, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from opportune.api.deps import AdminUser, OpportuneDep
from opportune.api.schemas import MAX_ID, UserCreate, UserOut, UserUpdate, error_responses

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id")]


@router.get("", responses=error_responses(401, 403))
def list_users(admin: AdminUser, core: OpportuneDep) -> list[UserOut]:
    """Every user, by name."""
    return [UserOut.of(user) for user in core.users.list()]


@router.post("", status_code=201, responses=error_responses(400, 401, 403, 422))
def create_user(
    body: UserCreate, admin: AdminUser, core: OpportuneDep, request: Request, response: Response
) -> UserOut:
    """Create a user who can sign in with this email and password."""
    user = core.users.create(admin, body.model_dump(exclude_unset=True))
    response.headers["Location"] = str(request.url_for("get_user", user_id=user.id))
    return UserOut.of(user)


@router.get("/{user_id}", responses=error_responses(401, 403, 404, 422))
def get_user(user_id: UserId, admin: AdminUser, core: OpportuneDep) -> UserOut:
    """One user."""
    return UserOut.of(core.users.get(user_id))


@router.patch("/{user_id}", responses=error_responses(400, 401, 403, 404, 422))
def update_user(user_id: UserId, body: UserUpdate, admin: AdminUser, core: OpportuneDep) -> UserOut:
    """Change a user's name, email, role, password or active flag. Deactivated users'
    tokens and sessions stop working."""
    return UserOut.of(core.users.update(admin, user_id, body.model_dump(exclude_unset=True)))
