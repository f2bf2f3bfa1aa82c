"""Queues and round-robin groups: setting them up (admins) and seeing them (everyone).

Mixed into :class:`~opportune.services.assignment.AssignmentService`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from opportune.domain.assignment_groups import (
    GroupMember,
    Queue,
    RoundRobinGroup,
    clean_name,
    clean_queue_email,
    clean_weight,
    starting_count,
)
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork

_UNSET = object()


class QueueAdmin:
    """Queues: shared inboxes of leads that their members take from."""

    engine: Engine
    clock: Clock

    def queues(self, actor: User, *, mine: bool = False) -> list[Queue]:
        """Every queue (or only the actor's, with ``mine``), with members and lead counts."""
        with UnitOfWork(self.engine) as uow:
            if mine:
                assert actor.id is not None
                return uow.assignment.queues(uow.assignment.queue_ids_of(actor.id))
            return uow.assignment.queues()

    def queue(self, actor: User, queue_id: int) -> Queue:
        """The queue with this id."""
        with UnitOfWork(self.engine) as uow:
            return _queue(uow, queue_id)

    def find_queue(self, actor: User, ref: str) -> Queue:
        """The queue with this id or name (case-insensitive)."""
        with UnitOfWork(self.engine) as uow:
            queue_id = int(ref) if ref.isdecimal() else uow.assignment.queue_id_by_name(ref)
            if queue_id is None:
                raise NotFoundError(f"Queue {ref} does not exist")
            return _queue(uow, queue_id)

    def create_queue(self, actor: User, name: object, email: object = None) -> Queue:
        """Create a queue; admins only."""
        require_admin(actor)
        name, address = clean_name(name), clean_queue_email(email)
        with UnitOfWork(self.engine, write=True) as uow:
            _unique_queue_name(uow, name, None)
            queue_id = uow.assignment.add_queue(name, address, self.clock())
            queue = _queue(uow, queue_id)
            setting_changed(uow, actor, self.clock(), "queue", None, _q(queue))
            uow.commit()
            return queue

    def update_queue(
        self, actor: User, queue_id: int, *, name: object = _UNSET, email: object = _UNSET
    ) -> Queue:
        """Rename a queue or change its email; admins only."""
        require_admin(actor)
        values: dict[str, object] = {}
        if name is not _UNSET:
            values["name"] = clean_name(name)
        if email is not _UNSET:
            values["email"] = clean_queue_email(email)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _queue(uow, queue_id)
            if "name" in values:
                _unique_queue_name(uow, str(values["name"]), queue_id)
            if values:
                uow.assignment.update_queue(queue_id, **values)
            return self._changed_queue(uow, actor, before)

    def delete_queue(self, actor: User, queue_id: int) -> None:
        """Delete an empty queue no rule uses; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            queue = _queue(uow, queue_id)
            if queue.lead_count:
                raise ConflictError(
                    f"Queue '{queue.name}' still holds {queue.lead_count} lead(s); "
                    "assign or take them first", code="QUEUE_NOT_EMPTY",
                )  # fmt: skip
            _not_used(uow.assignment.rules_using(queue_id=queue_id), f"Queue '{queue.name}'")
            uow.assignment.delete_queue(queue_id)
            setting_changed(uow, actor, self.clock(), "queue", _q(queue), None)
            uow.commit()

    def add_queue_member(self, actor: User, queue_id: int, user_id: int) -> Queue:
        """Add an active user to a queue (no change if already a member); admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _queue(uow, queue_id)
            _active_user(uow, user_id)
            uow.assignment.add_queue_member(queue_id, user_id)
            return self._changed_queue(uow, actor, before)

    def remove_queue_member(self, actor: User, queue_id: int, user_id: int) -> Queue:
        """Take a user out of a queue; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _queue(uow, queue_id)
            if not uow.assignment.remove_queue_member(queue_id, user_id):
                raise NotFoundError(f"User {user_id} is not a member of queue {queue_id}")
            return self._changed_queue(uow, actor, before)

    def _changed_queue(self, uow: UnitOfWork, actor: User, before: Queue) -> Queue:
        """Record the queue's change in the audit log, commit, and return it as it is now."""
        after = _queue(uow, before.id)
        setting_changed(uow, actor, self.clock(), "queue", _q(before), _q(after))
        uow.commit()
        return after


class GroupAdmin:
    """Round-robin groups: users who get leads in turn, optionally weighted."""

    engine: Engine
    clock: Clock

    def groups(self, actor: User) -> list[RoundRobinGroup]:
        """Every round-robin group with its members, weights and counts."""
        with UnitOfWork(self.engine) as uow:
            return uow.assignment.groups()

    def group(self, actor: User, group_id: int) -> RoundRobinGroup:
        """The group with this id."""
        with UnitOfWork(self.engine) as uow:
            return _group(uow, group_id)

    def find_group(self, actor: User, ref: str) -> RoundRobinGroup:
        """The group with this id or name (case-insensitive)."""
        with UnitOfWork(self.engine) as uow:
            group_id = int(ref) if ref.isdecimal() else uow.assignment.group_id_by_name(ref)
            if group_id is None:
                raise NotFoundError(f"Round-robin group {ref} does not exist")
            return _group(uow, group_id)

    def create_group(self, actor: User, name: object) -> RoundRobinGroup:
        """Create a round-robin group; admins only."""
        require_admin(actor)
        clean = clean_name(name)
        with UnitOfWork(self.engine, write=True) as uow:
            _unique_group_name(uow, clean, None)
            group_id = uow.assignment.add_group(clean, self.clock())
            group = _group(uow, group_id)
            setting_changed(uow, actor, self.clock(), "round_robin_group", None, _g(group))
            uow.commit()
            return group

    def rename_group(self, actor: User, group_id: int, name: object) -> RoundRobinGroup:
        """Rename a group; admins only."""
        require_admin(actor)
        clean = clean_name(name)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _group(uow, group_id)
            _unique_group_name(uow, clean, group_id)
            uow.assignment.rename_group(group_id, clean)
            return self._changed_group(uow, actor, before)

    def delete_group(self, actor: User, group_id: int) -> None:
        """Delete a group no rule uses; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            group = _group(uow, group_id)
            _not_used(uow.assignment.rules_using(group_id=group_id), f"Group '{group.name}'")
            uow.assignment.delete_group(group_id)
            setting_changed(uow, actor, self.clock(), "round_robin_group", _g(group), None)
            uow.commit()

    def set_group_member(
        self, actor: User, group_id: int, user_id: int, weight: object = 1
    ) -> RoundRobinGroup:
        """Add a user to a group, or change their weight; admins only.

        A new member starts level with the member furthest behind, so it is not sent every
        lead until its count catches up with the others'.
        """
        require_admin(actor)
        clean = clean_weight(weight)
        with UnitOfWork(self.engine, write=True) as uow:
            group = _group(uow, group_id)
            existing = next((m for m in group.members if m.user_id == user_id), None)
            if existing is None:
                _active_user(uow, user_id)
                count = starting_count(group.members, clean)
                member = GroupMember(group_id, user_id, clean, count)
            else:
                member = GroupMember(group_id, user_id, clean, existing.assigned_count)
            uow.assignment.set_group_member(member, new=existing is None)
            return self._changed_group(uow, actor, group)

    def remove_group_member(self, actor: User, group_id: int, user_id: int) -> RoundRobinGroup:
        """Take a user out of a group; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _group(uow, group_id)
            if not uow.assignment.remove_group_member(group_id, user_id):
                raise NotFoundError(f"User {user_id} is not a member of group {group_id}")
            return self._changed_group(uow, actor, before)

    def _changed_group(
        self, uow: UnitOfWork, actor: User, before: RoundRobinGroup
    ) -> RoundRobinGroup:
        """Record the group's change in the audit log, commit, and return it as it is now."""
        after = _group(uow, before.id)
        setting_changed(uow, actor, self.clock(), "round_robin_group", _g(before), _g(after))
        uow.commit()
        return after


def _q(queue: Queue) -> dict[str, object]:
    """What the audit log keeps of a queue."""
    return {"id": queue.id, "name": queue.name, "email": queue.email,
            "member_ids": list(queue.member_ids)}  # fmt: skip


def _g(group: RoundRobinGroup) -> dict[str, object]:
    """What the audit log keeps of a round-robin group: its name and members' weights."""
    members = [[m.user_id, m.weight] for m in group.members]
    return {"id": group.id, "name": group.name, "members": members}


def _queue(uow: UnitOfWork, queue_id: int) -> Queue:
    queue = uow.assignment.queue(queue_id)
    if queue is None:
        raise NotFoundError.for_record("Queue", queue_id)
    return queue


def _group(uow: UnitOfWork, group_id: int) -> RoundRobinGroup:
    group = uow.assignment.group(group_id)
    if group is None:
        raise NotFoundError.for_record("Round-robin group", group_id)
    return group


def _active_user(uow: UnitOfWork, user_id: int) -> None:
    if user_id not in uow.users.existing_active_ids([user_id]):
        raise ValidationError.single(
            "user_id", "INVALID_CROSS_REFERENCE_KEY", f"No active user with id {user_id}"
        )


def _unique_queue_name(uow: UnitOfWork, name: str, queue_id: int | None) -> None:
    found = uow.assignment.queue_id_by_name(name)
    if found is not None and found != queue_id:
        raise ValidationError.single("name", "DUPLICATE_VALUE", f"A queue named '{name}' exists")


def _unique_group_name(uow: UnitOfWork, name: str, group_id: int | None) -> None:
    found = uow.assignment.group_id_by_name(name)
    if found is not None and found != group_id:
        raise ValidationError.single("name", "DUPLICATE_VALUE", f"A group named '{name}' exists")


def _not_used(rule_names: list[str], what: str) -> None:
    if rule_names:
        raise ConflictError(
            f"{what} is used by assignment rule(s): {', '.join(rule_names)}; change them first",
            code="IN_USE",
        )
