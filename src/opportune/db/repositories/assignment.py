"""Assignment rules and entries, queues and members, round-robin groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, func, insert, or_, select, update

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.assignment import (
    Assignee,
    AssignmentRule,
    Criterion,
    RuleDefinition,
    RuleEntry,
)
from opportune.domain.assignment_groups import GroupMember, Queue, RoundRobinGroup

R, E = t.assignment_rules.c, t.assignment_entries.c
Q, QM = t.queues.c, t.queue_members.c
G, GM = t.round_robin_groups.c, t.round_robin_members.c


class AssignmentRepository:
    """Assignment rules and entries, queues and members, round-robin groups."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- rules -----------------------------------------------------------------------------

    def active_rule(self) -> AssignmentRule | None:
        """The one active rule with its entries, if any."""
        row = self.conn.execute(select(t.assignment_rules).where(R.is_active)).mappings().first()
        return self._with_entries([row])[0] if row else None

    def rule(self, rule_id: int) -> AssignmentRule | None:
        """The rule with this id, with its entries."""
        stmt = select(t.assignment_rules).where(R.id == rule_id)
        row = self.conn.execute(stmt).mappings().first()
        return self._with_entries([row])[0] if row else None

    def rules(self) -> list[AssignmentRule]:
        """Every rule, active first, then by name."""
        stmt = select(t.assignment_rules).order_by(R.is_active.desc(), R.name, R.id)
        return self._with_entries(list(self.conn.execute(stmt).mappings()))

    def rule_id_by_name(self, name: str) -> int | None:
        """The id of the rule with this name (case-insensitive), if any."""
        stmt = select(R.id).where(func.lower(R.name) == name.lower())
        return self.conn.execute(stmt).scalar()

    def add_rule(self, rule: RuleDefinition, now: datetime) -> int:
        """Insert an inactive rule with its entries; return its id."""
        values = _rule_values(rule) | {"created_at": now, "updated_at": now, "is_active": False}
        rule_id = new_id(self.conn.execute(insert(t.assignment_rules).values(values)))
        self._add_entries(rule_id, rule.entries)
        return rule_id

    def replace_rule(self, rule_id: int, rule: RuleDefinition, now: datetime) -> None:
        """Save a changed rule: its fields, and its entries replaced in their new order."""
        stmt = update(t.assignment_rules).where(R.id == rule_id)
        self.conn.execute(stmt.values(_rule_values(rule) | {"updated_at": now}))
        self.conn.execute(delete(t.assignment_entries).where(E.rule_id == rule_id))
        self._add_entries(rule_id, rule.entries)

    def set_active(self, rule_id: int, active: bool, now: datetime) -> None:
        """Activate a rule (deactivating any other first) or deactivate it."""
        if active:
            stmt = update(t.assignment_rules).where(R.is_active, R.id != rule_id)
            self.conn.execute(stmt.values(is_active=False, updated_at=now))
        stmt = update(t.assignment_rules).where(R.id == rule_id)
        self.conn.execute(stmt.values(is_active=active, updated_at=now))

    def delete_rule(self, rule_id: int) -> None:
        """Delete a rule and its entries."""
        self.conn.execute(delete(t.assignment_entries).where(E.rule_id == rule_id))
        self.conn.execute(delete(t.assignment_rules).where(R.id == rule_id))

    def rules_using(self, *, queue_id: int | None = None, group_id: int | None = None) -> list[str]:
        """Names of the rules that send leads to this queue or group."""
        if queue_id is not None:
            cond = or_(E.queue_id == queue_id, R.default_queue_id == queue_id)
        else:
            cond = E.group_id == group_id
        stmt = (
            select(R.name)
            .select_from(t.assignment_rules.outerjoin(t.assignment_entries, E.rule_id == R.id))
            .where(cond)
            .distinct()
        )
        return sorted(self.conn.execute(stmt).scalars())

    def _add_entries(self, rule_id: int, entries: Sequence[RuleEntry]) -> None:
        rows = [_entry_values(rule_id, i + 1, entry) for i, entry in enumerate(entries)]
        if rows:
            self.conn.execute(insert(t.assignment_entries), rows)

    def _with_entries(self, rows: Sequence[RowMapping]) -> list[AssignmentRule]:
        ids = [row["id"] for row in rows]
        stmt = select(t.assignment_entries).where(E.rule_id.in_(ids)).order_by(E.position)
        entries: dict[int, list[RuleEntry]] = {i: [] for i in ids}
        for row in self.conn.execute(stmt).mappings():
            entries[row["rule_id"]].append(_entry(row))
        return [_rule(row, entries[row["id"]]) for row in rows]

    # --- queues ----------------------------------------------------------------------------

    def queues(self, ids: Iterable[int] | None = None, *, counts: bool = True) -> list[Queue]:
        """Queues (all, or those with these ids) by name, with members and, unless
        ``counts`` is False, how many open leads each holds (a count reads them all)."""
        stmt = select(t.queues).order_by(Q.name, Q.id)
        if ids is not None:
            stmt = stmt.where(Q.id.in_(list(ids)))
        rows = list(self.conn.execute(stmt).mappings())
        members = self._queue_members([r["id"] for r in rows])
        counts_by_id = self._queue_counts([r["id"] for r in rows]) if counts else {}
        return [
            Queue(
                id=r["id"], name=r["name"], email=r["email"], created_at=r["created_at"],
                member_ids=tuple(members.get(r["id"], ())), lead_count=counts_by_id.get(r["id"], 0),
            )
            for r in rows
        ]  # fmt: skip

    def queue_names(self) -> dict[int, str]:
        """Every queue's name by id: no members, no lead counts (a lead page needs only
        the names, and counting a queue's leads reads all of them)."""
        return {int(i): str(n) for i, n in self.conn.execute(select(Q.id, Q.name))}

    def queue(self, queue_id: int) -> Queue | None:
        """The queue with this id, if any."""
        found = self.queues([queue_id])
        return found[0] if found else None

    def queue_id_by_name(self, name: str) -> int | None:
        """The id of the queue with this name (case-insensitive), if any."""
        return self.conn.execute(select(Q.id).where(func.lower(Q.name) == name.lower())).scalar()

    def queue_ids_of(self, user_id: int) -> list[int]:
        """The queues this user is a member of."""
        stmt = select(QM.queue_id).where(QM.user_id == user_id).order_by(QM.queue_id)
        return list(self.conn.execute(stmt).scalars())

    def add_queue(self, name: str, email: str | None, now: datetime) -> int:
        """Insert a queue; return its id."""
        values = {"name": name, "email": email, "created_at": now}
        return new_id(self.conn.execute(insert(t.queues).values(values)))

    def update_queue(self, queue_id: int, **values: Any) -> None:
        """Change a queue's name or email."""
        self.conn.execute(update(t.queues).where(Q.id == queue_id).values(values))

    def delete_queue(self, queue_id: int) -> None:
        """Delete a queue (its memberships go with it)."""
        self.conn.execute(delete(t.queue_members).where(QM.queue_id == queue_id))
        self.conn.execute(delete(t.queues).where(Q.id == queue_id))

    def add_queue_member(self, queue_id: int, user_id: int) -> bool:
        """Add a member; False when already one."""
        exists = select(QM.user_id).where(QM.queue_id == queue_id, QM.user_id == user_id)
        if self.conn.execute(exists).first():
            return False
        self.conn.execute(insert(t.queue_members).values(queue_id=queue_id, user_id=user_id))
        return True

    def remove_queue_member(self, queue_id: int, user_id: int) -> bool:
        """Remove a member; False when not one."""
        stmt = delete(t.queue_members).where(QM.queue_id == queue_id, QM.user_id == user_id)
        return self.conn.execute(stmt).rowcount == 1

    def _queue_members(self, ids: Sequence[int]) -> dict[int, list[int]]:
        stmt = select(QM.queue_id, QM.user_id).where(QM.queue_id.in_(ids)).order_by(QM.user_id)
        found: dict[int, list[int]] = {}
        for queue_id, user_id in self.conn.execute(stmt):
            found.setdefault(queue_id, []).append(user_id)
        return found

    def _queue_counts(self, ids: Sequence[int]) -> dict[int, int]:
        leads = t.leads.c
        stmt = (
            select(leads.queue_id, func.count())
            .where(leads.queue_id.in_(ids), leads.is_converted.is_(False))
            .group_by(leads.queue_id)
        )
        return {queue_id: int(count) for queue_id, count in self.conn.execute(stmt)}

    def take_lead(self, lead_id: int, queue_id: int, user_id: int, version: int) -> bool:
        """Make ``user_id`` owner of a lead still in ``queue_id`` at ``version``."""
        leads = t.leads.c
        stmt = (
            update(t.leads)
            .where(leads.id == lead_id, leads.queue_id == queue_id, leads.version == version)
            .values(owner_id=user_id, queue_id=None, version=version + 1)
        )
        return self.conn.execute(stmt).rowcount == 1

    # --- round-robin groups ----------------------------------------------------------------

    def groups(self, ids: Iterable[int] | None = None) -> list[RoundRobinGroup]:
        """Round-robin groups (all, or these) by name, with their members."""
        stmt = select(t.round_robin_groups).order_by(G.name, G.id)
        if ids is not None:
            stmt = stmt.where(G.id.in_(list(ids)))
        rows = list(self.conn.execute(stmt).mappings())
        members = self.group_members([r["id"] for r in rows])
        by_group: dict[int, list[GroupMember]] = {}
        for member in members:
            by_group.setdefault(member.group_id, []).append(member)
        return [
            RoundRobinGroup(r["id"], r["name"], tuple(by_group.get(r["id"], ())), r["created_at"])
            for r in rows
        ]

    def group(self, group_id: int) -> RoundRobinGroup | None:
        """The group with this id, if any."""
        found = self.groups([group_id])
        return found[0] if found else None

    def group_id_by_name(self, name: str) -> int | None:
        """The id of the group with this name (case-insensitive), if any."""
        return self.conn.execute(select(G.id).where(func.lower(G.name) == name.lower())).scalar()

    def group_members(self, group_ids: Sequence[int]) -> list[GroupMember]:
        """The members of these groups, by user id."""
        stmt = (
            select(t.round_robin_members)
            .where(GM.group_id.in_(list(group_ids)))
            .order_by(GM.group_id, GM.user_id)
        )
        return [
            GroupMember(r["group_id"], r["user_id"], r["weight"], r["assigned_count"],
                        r["last_assigned_at"])
            for r in self.conn.execute(stmt).mappings()
        ]  # fmt: skip

    def add_group(self, name: str, now: datetime) -> int:
        """Insert a group; return its id."""
        values = {"name": name, "created_at": now}
        return new_id(self.conn.execute(insert(t.round_robin_groups).values(values)))

    def rename_group(self, group_id: int, name: str) -> None:
        """Rename a group."""
        stmt = update(t.round_robin_groups).where(G.id == group_id).values(name=name)
        self.conn.execute(stmt)

    def delete_group(self, group_id: int) -> None:
        """Delete a group and its memberships."""
        self.conn.execute(delete(t.round_robin_members).where(GM.group_id == group_id))
        self.conn.execute(delete(t.round_robin_groups).where(G.id == group_id))

    def set_group_member(self, member: GroupMember, *, new: bool) -> None:
        """Add a member (``new``) or change an existing member's weight."""
        if new:
            values = {
                "group_id": member.group_id, "user_id": member.user_id, "weight": member.weight,
                "assigned_count": member.assigned_count,
            }  # fmt: skip
            self.conn.execute(insert(t.round_robin_members).values(values))
            return
        where = and_(GM.group_id == member.group_id, GM.user_id == member.user_id)
        self.conn.execute(update(t.round_robin_members).where(where).values(weight=member.weight))

    def remove_group_member(self, group_id: int, user_id: int) -> bool:
        """Remove a member; False when not one."""
        where = and_(GM.group_id == group_id, GM.user_id == user_id)
        return self.conn.execute(delete(t.round_robin_members).where(where)).rowcount == 1

    def add_turns(self, group_id: int, user_id: int, turns: int, last: datetime | None) -> None:
        """Record ``turns`` more leads given to a member (one statement per member)."""
        where = and_(GM.group_id == group_id, GM.user_id == user_id)
        values = {"assigned_count": GM.assigned_count + turns, "last_assigned_at": last}
        self.conn.execute(update(t.round_robin_members).where(where).values(values))

    # --- users -----------------------------------------------------------------------------

    def active_user_ids(self) -> frozenset[int]:
        """Ids of every active user (one query, for assigning many leads)."""
        stmt = select(t.users.c.id).where(t.users.c.is_active)
        return frozenset(self.conn.execute(stmt).scalars())


def _rule_values(rule: RuleDefinition) -> dict[str, Any]:
    return {
        "name": rule.name,
        "default_owner_id": rule.default_owner_id,
        "default_queue_id": rule.default_queue_id,
    }


def _entry_values(rule_id: int, position: int, entry: RuleEntry) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "position": position,
        "criteria": [c.as_dict() for c in entry.criteria],
        "assignee_type": entry.assignee.type,
        "user_id": entry.assignee.user_id,
        "queue_id": entry.assignee.queue_id,
        "group_id": entry.assignee.group_id,
    }


def _entry(row: RowMapping) -> RuleEntry:
    criteria = tuple(
        Criterion(c["field"], c["operator"], c.get("value")) for c in row["criteria"] or ()
    )
    assignee = Assignee(row["assignee_type"], row["user_id"], row["queue_id"], row["group_id"])
    return RuleEntry(criteria, assignee, row["position"], row["id"])


def _rule(row: RowMapping, entries: Sequence[RuleEntry]) -> AssignmentRule:
    return AssignmentRule(
        name=row["name"], entries=tuple(entries), default_owner_id=row["default_owner_id"],
        default_queue_id=row["default_queue_id"], is_active=bool(row["is_active"]),
        id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"],
    )  # fmt: skip
