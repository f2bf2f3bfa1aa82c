"""Your notifications: what others did for you (a lead converted into records you now own)."""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.domain.notifications import Notification
from opportune.domain.users import User
from opportune.errors import NotFoundError
from opportune.services.clock import Clock
from opportune.services.uow import UnitOfWork

__all__ = ["NotificationService"]


class NotificationService:
    """Read and acknowledge the acting user's notifications."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def list(
        self, actor: User, *, unread_only: bool = False, limit: int = 50
    ) -> list[Notification]:
        """The actor's notifications, newest first."""
        with UnitOfWork(self.engine) as uow:
            return uow.notifications.of_user(_id(actor), unread_only=unread_only, limit=limit)

    def mark_read(self, actor: User, notification_id: int) -> None:
        """Mark one of the actor's notifications read (404 for anyone else's)."""
        with UnitOfWork(self.engine, write=True) as uow:
            if not uow.notifications.mark_read(notification_id, _id(actor), self.clock()):
                raise NotFoundError.for_record("Notification", notification_id)
            uow.commit()


def _id(user: User) -> int:
    assert user.id is not None
    return user.id
