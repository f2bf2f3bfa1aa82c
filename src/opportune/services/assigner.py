"""Running the active assignment rule over leads, cheaply enough for a million-row import.

:func:`load_assigner` reads everything assignment needs once (the rule, which users are
active, the round-robin members, the picklist labels); :meth:`Assigner.assign` then decides
each lead in memory, and :meth:`Assigner.flush` records the round-robin turns with one
statement per member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from opportune.domain.assignment import Assignee, AssignmentRule, CompiledRule, compile_rule
from opportune.domain.assignment_groups import GroupMember, next_member
from opportune.domain.leads import Lead
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork

__all__ = ["Assigner", "Target", "Turns", "apply_assignment", "load_assigner", "write_turns"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a lead goes: a user (``owner_id``) or a queue (``queue_id``)."""

    owner_id: int | None = None
    queue_id: int | None = None


class Assigner:
    """The active rule, ready to assign many leads without a query per lead."""

    def __init__(
        self,
        rule: AssignmentRule,
        *,
        active_ids: frozenset[int],
        members: Sequence[GroupMember],
        labels: dict[str, dict[int, str]],
        now: datetime | None = None,
    ) -> None:
        self.rule = rule
        self.compiled: CompiledRule = compile_rule(rule)
        self.active_ids = active_ids
        self.now = now
        self._members: dict[int, list[GroupMember]] = {}
        for member in members:
            self._members.setdefault(member.group_id, []).append(member)
        self._turns: dict[tuple[int, int], int] = {}
        self._last: dict[tuple[int, int], datetime] = {}
        self._readers = [_reader(name, labels) for name in sorted(self.compiled.fields)]

    def target(self, lead: Lead) -> Target | None:
        """Where the rule sends ``lead`` (taking a round-robin turn), or None for nowhere."""
        values = {name: read(lead) for name, read in self._readers}
        entry = self.compiled.match(values)
        found = self._resolve(entry.assignee, lead) if entry is not None else None
        return found if found is not None else self._default()

    def assign(self, lead: Lead, *, assigner_id: int | None = None) -> bool:
        """Set ``lead``'s owner or queue as the rule says; return False when it names nobody.

        A lead sent to a queue keeps as owner the user who put it there: ``assigner_id``
        when given, else its current owner (the creator, for a new lead).
        """
        target = self.target(lead)
        if target is None:
            return False
        if target.owner_id is not None:
            lead.owner_id = target.owner_id
            lead.queue_id = None
            lead.is_unread_by_owner = target.owner_id != (assigner_id or lead.created_by_id)
        else:
            lead.queue_id = target.queue_id
            if assigner_id is not None:
                lead.owner_id = assigner_id
            lead.is_unread_by_owner = False
        return True

    def flush(self, uow: UnitOfWork) -> None:
        """Record the round-robin turns taken since the last flush, in ``uow``'s transaction."""
        write_turns(uow, self.take_turns())

    def take_turns(self) -> list[Turns]:
        """The round-robin turns taken since the last call, to be saved with
        :func:`write_turns` in the transaction that saves the leads they were taken for."""
        taken = [Turns(g, u, n, self._last[(g, u)]) for (g, u), n in self._turns.items()]
        self._turns.clear()
        return taken

    @property
    def turns_pending(self) -> int:
        """Round-robin turns taken but not flushed yet."""
        return sum(self._turns.values())

    def _resolve(self, assignee: Assignee, lead: Lead) -> Target | None:
        if assignee.type == "user":
            active = assignee.user_id in self.active_ids
            return Target(owner_id=assignee.user_id) if active else None
        if assignee.type == "queue":
            return Target(queue_id=assignee.queue_id)
        assert assignee.group_id is not None
        return self._turn(assignee.group_id, lead)

    def _turn(self, group_id: int, lead: Lead) -> Target | None:
        # A group with no active member falls through to the rule's default.
        member = next_member(self._members.get(group_id, ()), self.active_ids)
        if member is None:
            return None
        when = lead.created_at or self.now or datetime.now(UTC)
        member.assigned_count += 1
        member.last_assigned_at = when
        key = (group_id, member.user_id)
        self._turns[key] = self._turns.get(key, 0) + 1
        self._last[key] = when
        return Target(owner_id=member.user_id)

    def _default(self) -> Target | None:
        owner = self.rule.default_owner_id
        if owner is not None and owner in self.active_ids:
            return Target(owner_id=owner)
        if self.rule.default_queue_id is not None:
            return Target(queue_id=self.rule.default_queue_id)
        return None


@dataclass(frozen=True, slots=True)
class Turns:
    """Turns a round-robin member took, and when the last one was."""

    group_id: int
    user_id: int
    count: int
    last_at: datetime


def write_turns(uow: UnitOfWork, taken: Sequence[Turns]) -> None:
    """Save turns taken by :meth:`Assigner.take_turns` in ``uow``'s transaction."""
    for t in taken:
        uow.assignment.add_turns(t.group_id, t.user_id, t.count, t.last_at)


def _reader(name: str, labels: dict[str, dict[int, str]]) -> tuple[str, Callable[[Lead], object]]:
    """How to read one criteria field off a lead; picklists read as their labels."""
    if name == "lead_source":
        sources = labels["lead_source"]
        return name, lambda lead: sources.get(lead.source_id) if lead.source_id else None
    if name == "status":
        statuses = labels["status"]
        return name, lambda lead: statuses.get(lead.status_id)
    return name, lambda lead: getattr(lead, name)


def load_assigner(uow: UnitOfWork, *, now: datetime | None = None) -> Assigner | None:
    """The active rule ready to assign leads, or None when no rule is active.

    Reads the rule, the active users, the members of the round-robin groups the rule uses
    and the picklist labels once; keep the assigner for a whole import and call
    :meth:`Assigner.flush` in each batch's transaction.
    """
    rule = uow.assignment.active_rule()
    if rule is None:
        return None
    return assigner_for(uow, rule, now=now)


def assigner_for(uow: UnitOfWork, rule: AssignmentRule, *, now: datetime | None) -> Assigner:
    """An assigner for ``rule`` (active or not) on ``uow``'s data."""
    group_ids = sorted(
        {e.assignee.group_id for e in rule.entries if e.assignee.group_id is not None}
    )
    picklists = load_lead_picklists(uow)
    labels = {
        "lead_source": {v.id: v.label for v in picklists.sources},
        "status": {s.id: s.label for s in picklists.statuses},
    }
    return Assigner(
        rule,
        active_ids=uow.assignment.active_user_ids(),
        members=uow.assignment.group_members(group_ids) if group_ids else [],
        labels=labels,
        now=now,
    )


def apply_assignment(uow: UnitOfWork, leads: Sequence[Lead], *, now: datetime) -> None:
    """Give each new, unsaved lead the owner (or queue) the active assignment rule names.

    Sets ``owner_id``, ``queue_id`` and ``is_unread_by_owner`` in place and records the
    round-robin turns in ``uow``'s transaction; does nothing without an active rule.
    """
    assigner = load_assigner(uow, now=now)
    if assigner is None:
        return
    for lead in leads:
        assigner.assign(lead)
    assigner.flush(uow)
