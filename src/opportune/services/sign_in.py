"""Password sign-in with throttling: every attempt is recorded and audited, and too many
failures lock the email (and, more generously, the client address) out for a while."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from opportune.domain.audit import AuditAction
from opportune.domain.security import locked_for
from opportune.domain.users import User
from opportune.errors import AuthenticationError, RateLimitError
from opportune.services.audit_trail import audit, client_ip
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services.auth import AuthService

EMAIL_MAX = 254
_DAY = timedelta(days=1)


def check_sign_in(auth: AuthService, email: str, password: str) -> User:
    """The active user with these credentials; see :meth:`AuthService.authenticate`."""
    key = email.strip().lower()[:EMAIL_MAX]
    now, ip = auth.clock(), client_ip()
    wait = _lockout(auth, key, ip, now)
    if wait:
        _record(auth, key, ip, now, user=None, outcome=AuditAction.LOGIN_LOCKED)
        minutes = max(1, round(wait / 60))
        raise RateLimitError(
            "Too many failed sign-ins: this account is locked for now. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after=wait,
            code="LOGIN_LOCKED",
        )
    with UnitOfWork(auth.engine) as uow:
        user = uow.users.get_by_email(key) if key else None
    ok = auth.hasher.verify(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        _record(auth, key, ip, now, user=user, outcome=AuditAction.LOGIN_FAILED)
        raise AuthenticationError("Invalid email or password", code="INVALID_LOGIN")
    _record(auth, key, ip, now, user=user, outcome=AuditAction.LOGIN_SUCCEEDED)
    return user


def _lockout(auth: AuthService, email: str, ip: str | None, now: datetime) -> int:
    """Seconds this email (or address) must wait before trying again; 0 when it may."""
    policy = auth.policy
    since = now - policy.window
    with UnitOfWork(auth.engine) as uow:
        by_email = uow.login_attempts.failures_for_email(email, since)
        by_ip = uow.login_attempts.failures_from_ip(ip, since) if ip else []
    return max(
        locked_for(by_email, policy.max_failures, policy.window, now),
        locked_for(by_ip, policy.ip_max_failures, policy.window, now),
    )


def _record(
    auth: AuthService,
    email: str,
    ip: str | None,
    now: datetime,
    *,
    user: User | None,
    outcome: AuditAction,
) -> None:
    """Store the attempt (a refused-while-locked one is not counted) and audit it."""
    succeeded = outcome is AuditAction.LOGIN_SUCCEEDED
    with UnitOfWork(auth.engine, write=True) as uow:
        if outcome is not AuditAction.LOGIN_LOCKED:
            uow.login_attempts.add(email, ip, now, succeeded=succeeded)
        # Sign-in attempts older than a day teach nothing more; keep the table small.
        uow.login_attempts.purge_before(now - max(auth.policy.window, _DAY))
        audit(uow, outcome, user if succeeded else None, now,
              object_type="user" if user else None, object_id=user.id if user else None,
              details={"email": email})  # fmt: skip
        uow.commit()
