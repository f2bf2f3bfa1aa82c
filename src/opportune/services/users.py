"""Managing users (administrators, or the CLI)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.sharing import check_manager_chain
from opportune.domain.users import Role, User, clean_user_fields
from opportune.errors import NotFoundError, ValidationError
from opportune.services.audit_trail import audit, changes
from opportune.services.auth import PasswordHasher
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.reference_cache import saved_user
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
            self._check_manager(uow, None, user.manager_id)
            user.id = uow.users.add(user)
            audit(uow, AuditAction.USER_CREATED, actor, self.clock(), object_type="user",
                  object_id=user.id, details=changes(None, user))  # fmt: skip
            uow.commit()
        return user

    def update(self, actor: User | None, user_id: int, data: Mapping[str, object]) -> User:
        """Change a user's name, email, role, password or active flag (administrators only:
        anyone else's try, such as raising their own role, is refused and audited). A new
        password ends the user's browser sessions."""
        self._only_admins_change_users(actor, user_id, data)
        values = clean_user_fields(data, creating=False)
        if "password" in values:
            values["password_hash"] = self.hasher.hash(str(values.pop("password")))
            values["sessions_valid_after"] = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            user = self._get(uow, user_id)
            if "email" in values:
                self._check_email_free(uow, str(values["email"]), user_id)
            if "manager_id" in values:
                self._check_manager(uow, user_id, values["manager_id"])  # type: ignore[arg-type]
            changed = dataclasses.replace(user, **values)  # type: ignore[arg-type]
            self._keep_an_active_admin(uow, user, changed)
            uow.users.update(changed)
            details = {**changes(user, changed), "password_changed": "password_hash" in values}
            audit(uow, AuditAction.USER_CHANGED, actor, self.clock(), object_type="user",
                  object_id=user_id, details=details)  # fmt: skip
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
        user = saved_user(uow, user_id)
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

    def _only_admins_change_users(
        self, actor: User | None, user_id: int, data: Mapping[str, object]
    ) -> None:
        """Refuse a non-administrator, writing ``access.refused`` to the audit log."""
        if actor is not None and not actor.is_admin:
            details = {"attempted": "user.change", "fields": sorted(str(k) for k in data)}
            with UnitOfWork(self.engine, write=True) as uow:
                audit(uow, AuditAction.ACCESS_REFUSED, actor, self.clock(), object_type="user",
                      object_id=user_id, details=details)  # fmt: skip
                uow.commit()
        require_admin(actor)

    @staticmethod
    def _check_manager(uow: UnitOfWork, user_id: int | None, manager_id: int | None) -> None:
        """The manager must exist, and the reporting line must not loop back to the user."""
        if manager_id is None:
            return
        if uow.users.get(manager_id) is None:
            raise ValidationError.single(
                "manager_id", "INVALID_CROSS_REFERENCE_KEY", f"User {manager_id} does not exist"
            )
        if user_id is not None:
            check_manager_chain(user_id, manager_id, uow.users.managers_above(manager_id))

    @staticmethod
    def _keep_an_active_admin(uow: UnitOfWork, before: User, after: User) -> None:
        was_admin = before.role is Role.ADMIN and before.is_active
        if not was_admin or (after.role is Role.ADMIN and after.is_active):
            return
        if not any(u.is_admin and u.is_active and u.id != before.id for u in uow.users.all()):
            raise ValidationError.single(
                "role", "LAST_ADMIN", "At least one active administrator must remain"
            )
