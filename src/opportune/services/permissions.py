"""Who may do what. ``actor=None`` is the installation itself: the CLI with database access."""

from __future__ import annotations

from opportune.domain.leads import Lead
from opportune.domain.users import Role, User
from opportune.errors import PermissionDeniedError


def require_admin(actor: User | None) -> None:
    """Only administrators (or the CLI) may continue."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDeniedError("Only an administrator can do this")


def require_self_or_admin(actor: User | None, user_id: int) -> None:
    """Users manage their own things; administrators (and the CLI) anyone's."""
    if actor is not None and actor.id != user_id and actor.role is not Role.ADMIN:
        raise PermissionDeniedError("You can only manage your own account")


def require_can_delete(actor: User, owner_id: int, noun: str) -> None:
    """Reps may delete the records they own; managers and admins any record."""
    if actor.role is Role.REP and owner_id != actor.id:
        raise PermissionDeniedError(f"Only the {noun}'s owner, a manager or an admin can delete it")


def require_can_delete_lead(actor: User, lead: Lead) -> None:
    """Reps may delete their own leads; managers and admins any lead."""
    require_can_delete(actor, lead.owner_id, "lead")
