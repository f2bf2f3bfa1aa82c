"""Managing users (administrators, or the CLI)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import Engine

from opportune.domain.users import Role, User, clean_user_fields
from opportune.errors import NotFoundError, ValidationError
from opportune.services.auth import PasswordHasher
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork


class UserService:
    """Create, change, deactivate and list users."""

    def __init__(self, engine: Engine, hasher: PasswordHasher, clock: Clock) -> None:
        self.engine = engine
        self.hasher = hasher
        self.clock = clock

    def create(self, actor: User | None, data: Mapping[str, object]) -> User:
        """Create a user from ``name``, ``email``, ``role`` and ``password``."""
        require_admin(actor)
        values = clean_user_fields(data, creating=True)
        password = str(values.pop("password"))
        hashed = self.hasher.hash(password)
        user = User(**values, password_hash=hashed, created_at=self.clock())  # type: ignore[arg-type]
        with UnitOfWork(self.engine, write=True) as uow:
            self._check_email_free(uow, user.email, None)
            user.id = uow.users.add(user)
            uow.commit()
        return user

    def update(self, actor: User | None, user_id: int, data: Mapping[str, object]) -> User:
        """Change a user's name, email, role, password or active flag."""
        require_admin(actor)
        values = clean_user_fields(data, creating=False)
        if "password" in values:
            values["password_hash"] = self.hasher.hash(str(values.pop("password")))
        with UnitOfWork(self.engine, write=True) as uow:
            user = self._get(uow, user_id)
            if "email" in values:
                self._check_email_free(uow, str(values["email"]), user_id)
            changed = dataclasses.replace(user, **values)  # type: ignore[arg-type]
            self._keep_an_active_admin(uow, user, changed)
            uow.users.update(changed)
            uow.commit()
        return changed

    def get(self, user_id: int) -> User:
        """The user with this id."""
        with UnitOfWork(self.engine) as uow:
            return self._get(uow, user_id)

    def get_by_email(self, email: str) -> User:
        """The user with this email."""
        with UnitOfWork(self.engine) as uow:
            user = uow.users.get_by_email(email)
        if user is None:
            raise NotFoundError(f"No user with email {email}")
        return user

    def list(self) -> list[User]:
        """Every user, by name."""
        with UnitOfWork(self.engine) as uow:
            return uow.users.all()

    def count(self) -> int:
        """How many users exist."""
        with UnitOfWork(self.engine) as uow:
            return uow.users.count()

    @staticmethod
    def _get(uow: UnitOfWork, user_id: int) -> User:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFoundError.for_record("User", user_id)
        return user

    @staticmethod
    def _check_email_free(uow: UnitOfWork, email: str, user_id: int | None) -> None:
        other = uow.users.get_by_email(email)
        if other is not None and other.id != user_id:
            raise ValidationError.single(
                "email", "DUPLICATE_VALUE", f"A user with email {email} already exists"
            )

    @staticmethod
    def _keep_an_active_admin(uow: UnitOfWork, before: User, after: User) -> None:
        was_admin = before.role is Role.ADMIN and before.is_active
        if not was_admin or (after.role is Role.ADMIN and after.is_active):
            return
        if not any(u.is_admin and u.is_active and u.id != before.id for u in uow.users.all()):
            raise ValidationError.single(
                "role", "LAST_ADMIN", "At least one active administrator must remain"
            )
