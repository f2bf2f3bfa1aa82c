"""Passwords, sign-in and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine

from opportune.domain.text import has_control_characters
from opportune.domain.users import User
from opportune.errors import AuthenticationError, NotFoundError, ValidationError
from opportune.services.clock import Clock
from opportune.services.permissions import require_self_or_admin
from opportune.services.uow import UnitOfWork

TOKEN_PREFIX = "opp_"  # noqa: S105 - a marker, not a secret
TOKEN_NAME_MAX = 120
# Writing last_used_at on every request would make every read a write; once a minute is enough.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A newly created API token. ``token`` is shown once and never stored."""

    id: int
    name: str
    token: str
    user_id: int
    expires_at: datetime | None


def token_hash(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordHasher:
    """Argon2id password hashing with costs from the settings."""

    def __init__(self, time_cost: int, memory_cost: int) -> None:
        self._hash = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))
        # Verifying against this when the user does not exist keeps timing uniform.
        self._dummy = self._hash.hash(secrets.token_hex(8))

    def hash(self, password: str) -> str:
        """Hash a password for storage."""
        return str(self._hash.hash(password))

    def verify(self, password: str, hashed: str | None) -> bool:
        """True when ``password`` matches ``hashed``."""
        return bool(self._hash.verify(password, hashed or self._dummy)) and hashed is not None


class AuthService:
    """Signing in with a password, and issuing, checking and revoking API tokens."""

    def __init__(self, engine: Engine, hasher: PasswordHasher, clock: Clock) -> None:
        self.engine = engine
        self.hasher = hasher
        self.clock = clock

    def authenticate(self, email: str, password: str) -> User:
        """The active user with these credentials, or :class:`AuthenticationError`."""
        with UnitOfWork(self.engine) as uow:
            user = uow.users.get_by_email(email) if email else None
        ok = self.hasher.verify(password, user.password_hash if user else None)
        if user is None or not ok or not user.is_active:
            raise AuthenticationError("Invalid email or password", code="INVALID_LOGIN")
        return user

    def create_token(
        self, actor: User | None, user_id: int, name: str, expires_in_days: int | None = None
    ) -> IssuedToken:
        """Issue a token for ``user_id`` (yourself, or anyone when admin or the CLI)."""
        require_self_or_admin(actor, user_id)
        name = name.strip()
        if not name or len(name) > TOKEN_NAME_MAX or has_control_characters(name):
            raise ValidationError.single(
                "name",
                "INVALID_FIELD",
                f"Token name must be 1 to {TOKEN_NAME_MAX} characters, without control characters",
            )
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise ValidationError.single(
                "expires_in_days", "NUMBER_OUTSIDE_VALID_RANGE", "Must be between 1 and 3650"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        with UnitOfWork(self.engine, write=True) as uow:
            if uow.users.get(user_id) is None:
                raise NotFoundError.for_record("User", user_id)
            token_id = uow.users.add_token(
                user_id=user_id, name=name, token_hash=token_hash(token),
                prefix=token[:12], created_at=now, expires_at=expires,
            )  # fmt: skip
            uow.commit()
        return IssuedToken(token_id, name, token, user_id, expires)

    def user_for_token(self, token: str) -> User:
        """The active user a bearer token belongs to, or :class:`AuthenticationError`."""
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            row = uow.users.token_by_hash(token_hash(token))
            user = uow.users.get(row["user_id"]) if row else None
        if row is None or user is None or row["revoked_at"] is not None:
            raise AuthenticationError("Session expired or invalid")
        if row["expires_at"] is not None and row["expires_at"] <= now:
            raise AuthenticationError("Session expired or invalid")
        if not user.is_active:
            raise AuthenticationError("This user is inactive")
        last = row["last_used_at"]
        if last is None or now - last > TOKEN_TOUCH_INTERVAL:
            with UnitOfWork(self.engine, write=True) as uow:
                uow.users.touch_token(row["id"], now)
                uow.commit()
        return user

    def list_tokens(self, actor: User | None, user_id: int) -> list[dict[str, object]]:
        """A user's tokens without their secrets."""
        require_self_or_admin(actor, user_id)
        with UnitOfWork(self.engine) as uow:
            rows = uow.users.tokens_of(user_id)
        return [{k: v for k, v in r.items() if k != "token_hash"} for r in rows]

    def revoke_token(self, actor: User | None, user_id: int, token_id: int) -> None:
        """Revoke a token so it no longer authenticates."""
        require_self_or_admin(actor, user_id)
        with UnitOfWork(self.engine, write=True) as uow:
            if not uow.users.revoke_token(token_id, user_id, self.clock()):
                raise NotFoundError.for_record("Token", token_id)
            uow.commit()

    def revoke_token_value(self, token: str) -> bool:
        """Revoke the token with this value (as OAuth's revoke does: holding a token is
        enough to end it); False when no unrevoked token has this value."""
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.users.token_by_hash(token_hash(token))
            if row is None or row["revoked_at"] is not None:
                return False
            uow.users.revoke_token(row["id"], row["user_id"], self.clock())
            uow.commit()
        return True
