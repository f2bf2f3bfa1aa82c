"""The caller: who am I, and my personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import (
    MAX_ID,
    IssuedTokenOut,
    SignedOutOut,
    SignOutEverywhere,
    TokenCreate,
    TokenOut,
    UserOut,
    error_responses,
)
from opportune.domain.users import User

router = resource_router("/me", tags=["me"])

TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The token's id")]
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The notification's id")]


class NotificationOut(BaseModel):
    """A message to you about something done for you."""

    id: int
    message: str
    link: str = Field(description="The page it is about, e.g. /leads/7")
    created_at: datetime
    created_by_id: int
    read_at: datetime | None


@router.get("", responses=error_responses(401))
def get_me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut.of(user)


@router.get("/tokens", responses=error_responses(401))
def list_tokens(user: CurrentUser, core: OpportuneDep) -> list[TokenOut]:
    """Your API tokens, newest first, without their secrets."""
    return [TokenOut.model_validate(row) for row in core.auth.list_tokens(user, _id(user))]


@router.post("/tokens", status_code=201, responses=error_responses(400, 401, 403, 422))
def create_token(body: TokenCreate, user: CurrentUser, core: OpportuneDep) -> IssuedTokenOut:
    """Create an API token for yourself. The token is in this response only: keep it."""
    issued = core.auth.create_token(
        user, _id(user), body.name, body.expires_in_days, scopes=body.scopes
    )
    return IssuedTokenOut.of(issued)


@router.delete("/tokens/{token_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def revoke_token(token_id: TokenId, user: CurrentUser, core: OpportuneDep) -> None:
    """Revoke one of your tokens; it stops working at once."""
    core.auth.revoke_token(user, _id(user), token_id)


@router.post("/logout-everywhere", responses=error_responses(401, 403, 422))
def logout_everywhere(
    user: CurrentUser, core: OpportuneDep, body: SignOutEverywhere | None = None
) -> SignedOutOut:
    """End every browser session of yours (including the one making this call); with
    ``revoke_tokens`` also revoke all your API tokens (including one making this call)."""
    revoke = body.revoke_tokens if body else False
    ended = core.sessions.sign_out_everywhere(user, _id(user), revoke_tokens=revoke)
    return SignedOutOut(user_id=ended.user_id, tokens_revoked=ended.tokens_revoked)


@router.get("/notifications", responses=error_responses(401, 422))
def list_notifications(
    user: CurrentUser,
    core: OpportuneDep,
    unread: Annotated[bool, Query(description="Only the ones not read yet")] = False,
) -> list[NotificationOut]:
    """Your notifications, newest first (for example: a lead converted into records you own)."""
    notices = core.notifications.list(user, unread_only=unread)
    return [NotificationOut.model_validate(n, from_attributes=True) for n in notices]


@router.post(
    "/notifications/{notification_id}/read",
    status_code=204,
    responses=error_responses(401, 404, 422),
)
def read_notification(
    notification_id: NotificationId, user: CurrentUser, core: OpportuneDep
) -> None:
    """Mark one of your notifications read."""
    core.notifications.mark_read(user, notification_id)


def _id(user: User) -> int:
    assert user.id is not None, "the caller is a saved user"
    return user.id
