"""Ending browser sessions: signing out, and signing out everywhere.

Browser sessions live in a signed cookie, not in the database, so a copied cookie would
outlive a sign-out. Each session therefore records when it started, and ending sessions
sets the user's ``sessions_valid_after``: every session of the user started at or before
that moment is refused from then on (a replay is refused and audited as
``access.refused``). Signing out thus ends all of the user's browser sessions; "sign out
everywhere" does the same and can also revoke every API token.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.users import User
from opportune.errors import NotFoundError
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.permissions import require_self_or_admin
from opportune.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SessionsEnded:
    """What ending a user's sessions did."""

    user_id: int
    tokens_revoked: int


class SessionService:
    """Sign-out, sign-out everywhere, and auditing replayed sessions."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def sign_out(self, user: User) -> None:
        """End the user's browser sessions (the cookie is signed, not stored: a copy of it
        must stop working too). Audited as ``logout``."""
        assert user.id is not None
        self._end(user, user.id, AuditAction.LOGOUT, revoke_tokens=False)

    def sign_out_everywhere(
        self, actor: User | None, user_id: int, *, revoke_tokens: bool = False
    ) -> SessionsEnded:
        """End every browser session of ``user_id`` (yourself, or anyone as an admin or
        the CLI) and, with ``revoke_tokens``, revoke all their API tokens. Audited as
        ``logout.everywhere``."""
        require_self_or_admin(actor, user_id)
        return self._end(actor, user_id, AuditAction.LOGOUT_EVERYWHERE, revoke_tokens=revoke_tokens)

    def refuse_replayed(self, user: User, reason: str) -> None:
        """Audit a request that came with an ended session of ``user``."""
        with UnitOfWork(self.engine, write=True) as uow:
            audit(uow, AuditAction.ACCESS_REFUSED, None, self.clock(), object_type="user",
                  object_id=user.id, details={"reason": reason})  # fmt: skip
            uow.commit()

    def _end(
        self, actor: User | None, user_id: int, action: AuditAction, *, revoke_tokens: bool
    ) -> SessionsEnded:
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            if uow.users.get(user_id) is None:
                raise NotFoundError.for_record("User", user_id)
            uow.users.end_sessions(user_id, now)
            revoked = uow.users.revoke_all_tokens(user_id, now) if revoke_tokens else 0
            details = {"tokens_revoked": revoked} if action is AuditAction.LOGOUT_EVERYWHERE else {}
            audit(uow, action, actor, now, object_type="user", object_id=user_id,
                  details=details or None)  # fmt: skip
            uow.commit()
        return SessionsEnded(user_id, revoked)
