"""The one place where record-level access is decided for the services.

Every service that reads or changes a lead, account, contact, opportunity or activity
loads the caller's :class:`Viewer` with :func:`viewer_for` and then either checks one
record (:func:`require_access`) or passes the viewer to the repository, which adds the
SQL form of the same rules (``db/visibility.py``) to its query. A record the caller may
not read raises :class:`NotFoundError`, exactly as a missing one does.
"""

from __future__ import annotations

from opportune.domain.sharing import DEFAULT_ORG_ACCESS, Access, Viewer, record_access
from opportune.domain.users import User
from opportune.errors import NotFoundError, PermissionDeniedError
from opportune.services.reference_cache import cached
from opportune.services.uow import UnitOfWork

# A record's (owner id, queue id), as the sharing rules need it.
Owner = tuple[int, int | None]

NOUNS = {"lead": "Lead", "account": "Account", "contact": "Contact",
         "opportunity": "Opportunity"}  # fmt: skip


def viewer_for(uow: UnitOfWork, user: User | None) -> Viewer | None:
    """The caller's standing; ``None`` for the installation itself (the CLI with no user)."""
    if user is None:
        return None
    assert user.id is not None, "viewer must be a saved user"
    if user.is_admin:
        return Viewer(user.id, True, frozenset({user.id}), frozenset(), DEFAULT_ORG_ACCESS)
    user_id = user.id
    return cached(uow, ("viewer", user_id), lambda: _load_viewer(uow, user_id))


def _load_viewer(uow: UnitOfWork, user_id: int) -> Viewer:
    below = uow.users.reports_below(user_id)
    defaults = {**DEFAULT_ORG_ACCESS, **uow.sharing.org_defaults()}
    queues = frozenset(uow.sharing.queues_of(user_id))
    return Viewer(user_id, False, frozenset({user_id, *below}), queues, defaults)


def access_to(
    uow: UnitOfWork,
    viewer: Viewer | None,
    object_type: str,
    record_id: int,
    owner: Owner | None = None,
) -> Access:
    """What ``viewer`` may do with one record (NONE also when it does not exist).
    ``owner``: the record's owner and queue when the caller has read the record already."""
    owner = owner or uow.sharing.owner_of(object_type, record_id)
    if owner is None:
        return Access.NONE
    if viewer is None:
        return Access.EDIT
    if viewer.default_access(object_type) is Access.EDIT:
        return Access.EDIT
    by_owner = record_access(viewer, object_type, owner[0], owner[1])
    if by_owner is Access.EDIT:  # the best there is: no share can add to it
        return by_owner
    shares = uow.sharing.shares_on(object_type, record_id)
    return record_access(viewer, object_type, owner[0], owner[1], shares)


def require_access(
    uow: UnitOfWork,
    viewer: Viewer | None,
    object_type: str,
    record_id: int,
    needed: Access = Access.READ,
    owner: Owner | None = None,
) -> Access:
    """Raise unless ``viewer`` has ``needed`` access to the record; return what they have.

    Not readable → :class:`NotFoundError` (the record's existence stays hidden);
    readable but ``needed`` is EDIT → :class:`PermissionDeniedError`. When the org-wide
    default alone grants ``needed``, nothing is read: the caller's own read of the record
    decides whether it exists. ``owner`` as for :func:`access_to`.
    """
    if viewer is None or viewer.default_access(object_type) >= needed:
        return needed  # no query: the caller's own read says whether the record exists
    access = access_to(uow, viewer, object_type, record_id, owner)
    noun = NOUNS[object_type]
    if access is Access.NONE:
        raise NotFoundError.for_record(noun, record_id)
    if access < needed:
        raise PermissionDeniedError(f"You can view this {noun.lower()} but not change it")
    return access


def require_owner_access(
    uow: UnitOfWork, viewer: Viewer | None, object_type: str, record_id: int
) -> None:
    """Raise unless ``viewer`` owns the record or is above its owner (or is an admin):
    only they may share it with others."""
    require_access(uow, viewer, object_type, record_id)
    owner = uow.sharing.owner_of(object_type, record_id)
    if viewer is None or viewer.is_admin or (owner is not None and owner[0] in viewer.owners):
        return
    raise PermissionDeniedError(
        f"Only the {object_type}'s owner, their managers or an admin can share it"
    )
