"""Security rules: API token scopes and the sign-in lockout, as pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from opportune.domain.users import User
from opportune.errors import ValidationError

SCOPES = ("read", "write", "admin")
DEFAULT_SCOPES = ("read", "write")


def clean_scopes(raw: str | Sequence[str] | None, user: User) -> tuple[str, ...]:
    """The scopes a new token gets, in canonical order: ``raw`` as a space- or
    comma-separated string or a list; none given means read and write. Unknown scopes,
    and ``admin`` for a user who is not an administrator, are refused."""
    if raw is None:
        wanted = set(DEFAULT_SCOPES)
    else:
        parts = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
        wanted = {str(part).strip().lower() for part in parts}
    unknown = sorted(wanted - set(SCOPES))
    if unknown or not wanted:
        raise ValidationError.single(
            "scopes", "INVALID_SCOPE", "Scopes must be one or more of read, write, admin"
        )
    if "admin" in wanted and not user.is_admin:
        raise ValidationError.single(
            "scopes", "INVALID_SCOPE", "Only an administrator's token can have the admin scope"
        )
    return tuple(scope for scope in SCOPES if scope in wanted)


def allowed_scopes(user: User) -> tuple[str, ...]:
    """Every scope a token of ``user`` may have: admin only for administrators."""
    return SCOPES if user.is_admin else DEFAULT_SCOPES


def parse_scopes(stored: str | None) -> frozenset[str]:
    """A stored, space-separated scope list as a set."""
    return frozenset((stored or "").split())


def scope_needed(method: str, *, admin_endpoint: bool) -> str:
    """The scope a request needs: admin for administration, read for safe methods,
    write for everything else."""
    if admin_endpoint:
        return "admin"
    return "read" if method.upper() in {"GET", "HEAD", "OPTIONS"} else "write"


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many failed sign-ins lock an email (and, more generously, a client address)
    out, and for how long."""

    max_failures: int = 5
    ip_max_failures: int = 50
    window: timedelta = timedelta(minutes=15)


def locked_for(failures: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until another sign-in may be tried, given the times of recent failures
    (oldest first); 0 when fewer than ``limit`` fall within ``window`` of ``now``."""
    recent = [at for at in failures if now - at < window]
    if len(recent) < limit:
        return 0
    ends = recent[-limit] + window
    return max(1, math.ceil((ends - now).total_seconds()))


def session_problem(
    *,
    started: float,
    seen: float | None,
    valid_after: datetime | None,
    now: datetime,
    max_age_seconds: int,
    idle_minutes: int,
) -> str | None:
    """Why a browser session (started and last seen at these POSIX times) no longer
    counts: ``signed out`` when it began before the user's ``valid_after`` (a sign-out,
    or "sign out everywhere"), ``expired`` past its maximum age, ``idle`` when unused for
    longer than ``idle_minutes`` (0: no idle limit); None while it is valid."""
    stamp = now.timestamp()
    if valid_after is not None and started <= valid_after.timestamp():
        return "signed out"
    if stamp - started > max_age_seconds:
        return "expired"
    if idle_minutes and stamp - (seen if seen is not None else started) > idle_minutes * 60:
        return "idle"
    return None
