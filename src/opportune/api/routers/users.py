"""Users, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import (
    MAX_ID,
    SignedOutOut,
    SignOutEverywhere,
    UserCreate,
    UserOut,
    UserUpdate,
    error_responses,
)

router = resource_router("/users", tags=["users"])

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
def update_user(
    user_id: UserId, body: UserUpdate, caller: CurrentUser, core: OpportuneDep
) -> UserOut:
    """Change a user's name, email, role, password or active flag (administrators only; a
    non-administrator's try, such as raising their own role, is refused and audited).
    Deactivated users' tokens and sessions stop working; a new password ends the user's
    browser sessions."""
    return UserOut.of(core.users.update(caller, user_id, body.model_dump(exclude_unset=True)))


@router.post("/{user_id}/logout-everywhere", responses=error_responses(401, 403, 404, 422))
def logout_user_everywhere(
    user_id: UserId, admin: AdminUser, core: OpportuneDep, body: SignOutEverywhere | None = None
) -> SignedOutOut:
    """End every browser session of a user and, with ``revoke_tokens``, revoke all their
    API tokens (for example when a laptop is lost)."""
    revoke = body.revoke_tokens if body else False
    ended = core.sessions.sign_out_everywhere(admin, user_id, revoke_tokens=revoke)
    return SignedOutOut(user_id=ended.user_id, tokens_revoked=ended.tokens_revoked)
