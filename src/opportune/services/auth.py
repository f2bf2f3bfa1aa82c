"""Passwords, sign-in, personal API tokens (with scopes) and ending sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.security import LoginPolicy, clean_scopes, parse_scopes
from opportune.domain.text import has_control_characters
from opportune.domain.users import User
from opportune.errors import AuthenticationError, NotFoundError, ValidationError
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.permissions import require_self_or_admin
from opportune.services.reference_cache import saved_user
from opportune.services.sign_in import check_sign_in
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
    scopes: tuple[str, ...] = ("read", "write")


@dataclass(frozen=True, slots=True)
class TokenAccess:
    """Who a bearer token acts as, and what it may do (its scopes)."""

    user: User
    scopes: frozenset[str]


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

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher,
        clock: Clock,
        policy: LoginPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.hasher = hasher
        self.clock = clock
        self.policy = policy or LoginPolicy()

    def authenticate(self, email: str, password: str) -> User:
        """The active user with these credentials, or :class:`AuthenticationError`.

        Every attempt is recorded and audited; after too many failures for one email (or
        from one address) further attempts are refused with a
        :class:`~opportune.errors.RateLimitError` (code ``LOGIN_LOCKED``) until the lockout
        window has passed, even with the right password."""
        return check_sign_in(self, email, password)

    def password_matches(self, email: str, password: str) -> bool:
        """True when an active user has these credentials; not a sign-in (nothing is
        recorded or throttled), for checks such as "does the demo login still work"."""
        with UnitOfWork(self.engine) as uow:
            user = uow.users.get_by_email(email.strip().lower()) if email.strip() else None
        ok = self.hasher.verify(password, user.password_hash if user else None)
        return bool(ok and user is not None and user.is_active)

    def create_token(
        self,
        actor: User | None,
        user_id: int,
        name: str,
        expires_in_days: int | None = None,
        *,
        scopes: str | list[str] | None = None,
    ) -> IssuedToken:
        """Issue a token for ``user_id`` (yourself, or anyone when admin or the CLI) with
        ``scopes`` (read, write, admin; default read and write)."""
        require_self_or_admin(actor, user_id)
        name = _clean_token_name(name)
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise ValidationError.single(
                "expires_in_days", "NUMBER_OUTSIDE_VALID_RANGE", "Must be between 1 and 3650"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        with UnitOfWork(self.engine, write=True) as uow:
            owner = uow.users.get(user_id)
            if owner is None:
                raise NotFoundError.for_record("User", user_id)
            granted = clean_scopes(scopes, owner)
            token_id = uow.users.add_token(
                user_id=user_id, name=name, token_hash=token_hash(token), prefix=token[:12],
                scopes=" ".join(granted), created_at=now, expires_at=expires,
            )  # fmt: skip
            audit(uow, AuditAction.TOKEN_CREATED, actor, now, object_type="user",
                  object_id=user_id, details={"token_id": token_id, "name": name,
                                              "scopes": list(granted)})  # fmt: skip
            uow.commit()
        return IssuedToken(token_id, name, token, user_id, expires, granted)

    def user_for_token(self, token: str) -> User:
        """The active user a bearer token belongs to, or :class:`AuthenticationError`."""
        return self.token_access(token).user

    def token_access(self, token: str) -> TokenAccess:
        """The active user a bearer token belongs to and the token's scopes, or
        :class:`AuthenticationError` (audited as ``token.refused``, with the token's first
        characters only)."""
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            row = uow.users.token_by_hash(token_hash(token))
            user = saved_user(uow, row["user_id"]) if row else None
        problem = _token_problem(row, user, now)
        if problem is not None:
            self._refuse_token(token, row, problem, now)
        assert row is not None and user is not None
        last = row["last_used_at"]
        if last is None or now - last > TOKEN_TOUCH_INTERVAL:
            with UnitOfWork(self.engine, write=True) as uow:
                uow.users.touch_token(row["id"], now)
                audit(uow, AuditAction.TOKEN_USED, user, now, object_type="user",
                      object_id=user.id, details={"token_id": row["id"]})  # fmt: skip
                uow.commit()
        return TokenAccess(user, parse_scopes(row["scopes"]))

    def _refuse_token(
        self, token: str, row: dict[str, object] | None, problem: str, now: datetime
    ) -> None:
        details: dict[str, object] = {"prefix": _safe_prefix(token), "reason": problem}
        if row is not None:
            details["token_id"] = row["id"]
        with UnitOfWork(self.engine, write=True) as uow:
            audit(uow, AuditAction.TOKEN_REFUSED, None, now, details=details)
            uow.commit()
        if problem == "inactive user":
            raise AuthenticationError("This user is inactive")
        raise AuthenticationError("Session expired or invalid")

    def list_tokens(self, actor: User | None, user_id: int) -> list[dict[str, object]]:
        """A user's tokens without their secrets (``scopes`` as a list)."""
        require_self_or_admin(actor, user_id)
        with UnitOfWork(self.engine) as uow:
            rows = uow.users.tokens_of(user_id)
        return [
            {**{k: v for k, v in r.items() if k != "token_hash"},
             "scopes": sorted(parse_scopes(r["scopes"]), key=SCOPE_ORDER.index)}
            for r in rows
        ]  # fmt: skip

    def revoke_token(self, actor: User | None, user_id: int, token_id: int) -> None:
        """Revoke a token so it no longer authenticates."""
        require_self_or_admin(actor, user_id)
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            if not uow.users.revoke_token(token_id, user_id, now):
                raise NotFoundError.for_record("Token", token_id)
            audit(uow, AuditAction.TOKEN_REVOKED, actor, now, object_type="user",
                  object_id=user_id, details={"token_id": token_id})  # fmt: skip
            uow.commit()

    def revoke_token_value(self, token: str) -> bool:
        """Revoke the token with this value (as OAuth's revoke does: holding a token is
        enough to end it); False when no unrevoked token has this value."""
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.users.token_by_hash(token_hash(token))
            if row is None or row["revoked_at"] is not None:
                return False
            uow.users.revoke_token(row["id"], row["user_id"], now)
            audit(uow, AuditAction.TOKEN_REVOKED, row["user_id"], now, object_type="user",
                  object_id=row["user_id"], details={"token_id": row["id"]})  # fmt: skip
            uow.commit()
        return True


SCOPE_ORDER = ["read", "write", "admin"]


def _clean_token_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX or has_control_characters(name):
        raise ValidationError.single(
            "name",
            "INVALID_FIELD",
            f"Token name must be 1 to {TOKEN_NAME_MAX} characters, without control characters",
        )
    return name


def _token_problem(row: dict[str, object] | None, user: User | None, now: datetime) -> str | None:
    """Why a token does not authenticate, or None when it does."""
    if row is None or user is None:
        return "unknown"
    if row["revoked_at"] is not None:
        return "revoked"
    expires = row["expires_at"]
    if isinstance(expires, datetime) and expires <= now:
        return "expired"
    return None if user.is_active else "inactive user"


def _safe_prefix(token: str) -> str:
    """The first characters of a presented token, for the audit log: as many as the stored
    prefix of a real token, never the secret part."""
    shown = token[:12] if len(token) > 24 else token[:4]
    return "".join(ch for ch in shown if ch.isprintable())
