"""Who may do what. ``actor=None`` is the installation itself: the CLI with database access."""

from __future__ import annotations

from contextvars import ContextVar

from opportune.domain.leads import Lead
from opportune.domain.users import Role, User
from opportune.errors import PermissionDeniedError


class _RequestScopes:
    """The scopes of the API token behind the current request (None: not a token)."""

    __slots__ = ("scopes",)

    def __init__(self) -> None:
        self.scopes: frozenset[str] | None = None


# One holder per request, set by the web application before any dependency runs; the
# dependency that reads the token fills it in. (A holder, not the value itself: values set
# in a thread-pool dependency would not reach the endpoint's own context.)
_request_scopes: ContextVar[_RequestScopes | None] = ContextVar("opportune_scopes", default=None)


def start_request() -> None:
    """Begin a request with no token scopes known yet (called per request by the app)."""
    _request_scopes.set(_RequestScopes())


def limit_to_scopes(scopes: frozenset[str]) -> None:
    """Restrict the rest of the current request to an API token's ``scopes``."""
    holder = _request_scopes.get()
    if holder is None:
        holder = _RequestScopes()
        _request_scopes.set(holder)
    holder.scopes = scopes


def require_scope(scope: str) -> None:
    """Refuse (403 ``INSUFFICIENT_SCOPE``) when the request's API token lacks ``scope``."""
    holder = _request_scopes.get()
    if holder is not None and holder.scopes is not None and scope not in holder.scopes:
        raise PermissionDeniedError(
            f"This API token does not have the {scope} scope", code="INSUFFICIENT_SCOPE"
        )


def require_admin(actor: User | None) -> None:
    """Only administrators (or the CLI) may continue."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDeniedError("Only an administrator can do this")
    if actor is not None:
        require_scope("admin")


def require_self_or_admin(actor: User | None, user_id: int) -> None:
    """Users manage their own things; administrators (and the CLI) anyone's."""
    if actor is not None and actor.id != user_id and actor.role is not Role.ADMIN:
        raise PermissionDeniedError("You can only manage your own account")
    if actor is not None and actor.id != user_id:
        require_scope("admin")


def require_can_delete(actor: User, owner_id: int, noun: str) -> None:
    """Reps may delete the records they own; managers and admins any record."""
    if actor.role is Role.REP and owner_id != actor.id:
        raise PermissionDeniedError(f"Only the {noun}'s owner, a manager or an admin can delete it")


def require_can_delete_lead(actor: User, lead: Lead) -> None:
    """Reps may delete their own leads; managers and admins any lead."""
    require_can_delete(actor, lead.owner_id, "lead")
