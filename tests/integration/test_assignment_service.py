"""Assignment rules on both databases: first match, round robin, queues, re-running."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from opportune import Opportune, User
from opportune.domain.leads import new_lead
from opportune.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.services.assignment import apply_assignment, load_assigner
from opportune.services.filters import LeadFilters
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from tests.conftest import add_user


def _users(core: Opportune, admin: User, count: int) -> list[User]:
    return [add_user(core, f"Rep {i}", "rep", admin) for i in range(count)]


def _bulk(core: Opportune, actor: User, rows: list[dict[str, Any]]) -> list[int]:
    """Create leads the way an import does: build, assign in one call, insert, commit."""
    now = core.leads.clock()
    with UnitOfWork(core.engine, write=True) as uow:
        picklists = load_lead_picklists(uow)
        assert actor.id is not None
        leads = [new_lead(r, picklists=picklists, actor_id=actor.id, now=now) for r in rows]
        apply_assignment(uow, leads, now=now)
        uow.leads.add_many(leads)
        uow.commit()
    return [lead.owner_id for lead in leads]


def _rows(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"last_name": f"Lead {i}", "company": f"Co {i}", **extra} for i in range(count)]


def _group_rule(core: Opportune, admin: User, members: list[tuple[User, int]]) -> int:
    group = core.assignment.create_group(admin, "Inbound")
    for user, weight in members:
        assert user.id is not None
        core.assignment.set_group_member(admin, group.id, user.id, weight)
    rule = core.assignment.create_rule(
        admin,
        {"name": "Round robin", "entries": [{"criteria": [], "assignee_type": "round_robin",
                                              "group_id": group.id}]},
    )  # fmt: skip
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    return group.id


def test_round_robin_spreads_1000_leads_evenly(core: Opportune, admin: User) -> None:
    reps = _users(core, admin, 4)
    group_id = _group_rule(core, admin, [(u, 1) for u in reps])
    owners = _bulk(core, admin, _rows(600)) + _bulk(core, admin, _rows(400))
    assert sorted(Counter(owners).values()) == [250, 250, 250, 250]
    counts = {m.user_id: m.assigned_count for m in core.assignment.group(admin, group_id).members}
    assert counts == {u.id: 250 for u in reps}


def test_weighted_round_robin_follows_the_weights(core: Opportune, admin: User) -> None:
    reps = _users(core, admin, 3)
    _group_rule(core, admin, [(reps[0], 2), (reps[1], 1), (reps[2], 1)])
    owners = Counter(_bulk(core, admin, _rows(1000)))
    assert [owners[u.id] for u in reps] == [500, 250, 250]


def test_inactive_member_is_skipped(core: Opportune, admin: User) -> None:
    reps = _users(core, admin, 3)
    _group_rule(core, admin, [(u, 1) for u in reps])
    assert reps[1].id is not None
    core.users.update(admin, reps[1].id, {"is_active": False})
    owners = Counter(_bulk(core, admin, _rows(100)))
    assert owners == {reps[0].id: 50, reps[2].id: 50}


def test_group_without_active_member_falls_to_default_owner(
    core: Opportune, admin: User, manager: User
) -> None:
    rep = add_user(core, "Solo", "rep", admin)
    group = core.assignment.create_group(admin, "Solo group")
    assert rep.id is not None and manager.id is not None
    core.assignment.set_group_member(admin, group.id, rep.id)
    rule = core.assignment.create_rule(admin, {
        "name": "R", "default_owner_id": manager.id,
        "entries": [{"criteria": [], "assignee_type": "round_robin", "group_id": group.id}],
    })  # fmt: skip
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    core.users.update(admin, rep.id, {"is_active": False})
    assert _bulk(core, admin, _rows(3)) == [manager.id] * 3


def test_first_matching_entry_wins_and_default_catches_the_rest(
    core: Opportune, admin: User, manager: User, rep: User
) -> None:
    rule = core.assignment.create_rule(admin, {
        "name": "Regions", "default_owner_id": admin.id,
        "entries": [
            {"criteria": [{"field": "country", "operator": "equals", "value": "United States"},
                          {"field": "annual_revenue", "operator": "greater_than",
                           "value": 1000000}],
             "assignee_type": "user", "user_id": manager.id},
            {"criteria": [{"field": "country", "operator": "in", "value": ["US", "CA"]}],
             "assignee_type": "user", "user_id": rep.id},
            {"criteria": [{"field": "lead_source", "operator": "equals", "value": "web"}],
             "assignee_type": "user", "user_id": manager.id},
        ],
    })  # fmt: skip
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    big = core.leads.create(admin, {"last_name": "A", "company": "A", "country": "usa",
                                    "annual_revenue": "5000000"})  # fmt: skip
    small = core.leads.create(admin, {"last_name": "B", "company": "B", "country": "US"})
    web = core.leads.create(admin, {"last_name": "C", "company": "C", "lead_source": "Web"})
    other = core.leads.create(rep, {"last_name": "D", "company": "D", "country": "France"})
    kept = core.leads.create(rep, {"last_name": "E", "company": "E", "country": "US"}, assign=False)
    assert [big.owner_id, small.owner_id, web.owner_id] == [manager.id, rep.id, manager.id]
    assert other.owner_id == admin.id and other.is_unread_by_owner
    assert kept.owner_id == rep.id


def test_no_active_rule_keeps_the_creator(core: Opportune, admin: User, rep: User) -> None:
    rule = core.assignment.create_rule(admin, {"name": "Off", "default_owner_id": admin.id})
    assert rule.id is not None and not rule.is_active
    lead = core.leads.create(rep, {"last_name": "A", "company": "A"})
    assert lead.owner_id == rep.id
    with UnitOfWork(core.engine) as uow:
        assert load_assigner(uow) is None


def test_one_active_rule_at_a_time(core: Opportune, admin: User) -> None:
    first = core.assignment.create_rule(admin, {"name": "One"})
    second = core.assignment.create_rule(admin, {"name": "Two"})
    assert first.id is not None and second.id is not None
    core.assignment.activate(admin, first.id)
    core.assignment.activate(admin, second.id)
    active = [r.name for r in core.assignment.rules(admin) if r.is_active]
    assert active == ["Two"]


def test_rule_references_are_checked(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError) as caught:
        core.assignment.create_rule(admin, {"name": "Bad", "entries": [
            {"criteria": [], "assignee_type": "user", "user_id": 999},
            {"criteria": [], "assignee_type": "queue", "queue_id": 999},
        ]})  # fmt: skip
    assert {e.field for e in caught.value.fields} == {"entries[0].user_id", "entries[1].queue_id"}
    assert core.assignment.rules(admin) == []


def test_only_admins_change_rules(core: Opportune, manager: User) -> None:
    with pytest.raises(PermissionDeniedError):
        core.assignment.create_rule(manager, {"name": "Mine"})
    with pytest.raises(PermissionDeniedError):
        core.assignment.create_queue(manager, "Mine")


def _queue_rule(core: Opportune, admin: User, members: list[User]) -> int:
    queue = core.assignment.create_queue(admin, "Web leads", "web@example.com")
    for user in members:
        assert user.id is not None
        core.assignment.add_queue_member(admin, queue.id, user.id)
    rule = core.assignment.create_rule(admin, {"name": "To queue", "default_queue_id": queue.id})
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    return queue.id


def test_member_takes_a_lead_from_the_queue(
    core: Opportune, admin: User, rep: User, manager: User
) -> None:
    queue_id = _queue_rule(core, admin, [rep])
    lead = core.leads.create(admin, {"last_name": "Q", "company": "Q"})
    assert lead.id is not None
    assert (lead.queue_id, lead.owner_id) == (queue_id, admin.id)
    mine = core.leads.list(rep, LeadFilters(queue="mine"))
    assert [x.id for x in mine.page.items] == [lead.id]
    assert mine.lookups.record(mine.page.items[0])["queue_name"] == "Web leads"
    with pytest.raises(NotFoundError):  # not a member: the queue's lead is hidden
        core.assignment.take(manager, lead.id)
    taken = core.assignment.take(rep, lead.id)
    assert (taken.owner_id, taken.queue_id) == (rep.id, None)
    stored = core.leads.get(admin, lead.id, mark_read=False)
    assert (stored.owner_id, stored.queue_id) == (rep.id, None)
    assert {c.field for c in core.leads.history(admin, lead.id)} >= {"owner_id", "queue_id"}
    with pytest.raises(ConflictError):
        core.assignment.take(rep, lead.id)
    assert core.leads.list(rep, LeadFilters(queue="mine")).page.items == []


def test_queue_with_leads_cannot_be_deleted(core: Opportune, admin: User, rep: User) -> None:
    queue_id = _queue_rule(core, admin, [rep])
    core.leads.create(admin, {"last_name": "Q", "company": "Q"})
    with pytest.raises(ConflictError):
        core.assignment.delete_queue(admin, queue_id)
    assert core.assignment.queue(admin, queue_id).lead_count == 1


def test_empty_unused_queue_is_deleted(core: Opportune, admin: User) -> None:
    queue = core.assignment.create_queue(admin, "Spare")
    core.assignment.delete_queue(admin, queue.id)
    with pytest.raises(NotFoundError):
        core.assignment.queue(admin, queue.id)


def test_reassign_moves_matching_leads_and_writes_history(
    core: Opportune, admin: User, manager: User, rep: User
) -> None:
    core.sharing.set_org_default(None, "lead", "read_write")  # the manager sees every lead
    for i in range(7):
        core.leads.create(admin, {"last_name": f"L{i}", "company": "X", "rating": "Hot"})
    core.leads.create(admin, {"last_name": "Cold", "company": "X", "rating": "Cold"})
    rule = core.assignment.create_rule(admin, {
        "name": "Hot to rep", "default_owner_id": manager.id,
        "entries": [{"criteria": [{"field": "rating", "operator": "equals", "value": "hot"}],
                     "assignee_type": "user", "user_id": rep.id}],
    })  # fmt: skip
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    with pytest.raises(PermissionDeniedError):
        core.assignment.reassign(rep, LeadFilters())
    result = core.assignment.reassign(manager, LeadFilters(rating=["Hot"]))
    assert (result.matched, result.changed, result.unchanged) == (7, 7, 0)
    owners = Counter(x.owner_id for x in core.leads.list(admin, LeadFilters()).page.items)
    assert owners == {rep.id: 7, admin.id: 1}
    again = core.assignment.reassign(manager, LeadFilters(rating=["Hot"]))
    assert (again.changed, again.unchanged) == (0, 7)
    some = core.leads.list(admin, LeadFilters(owner=[str(rep.id)])).page.items[0]
    assert some.id is not None
    assert any(c.field == "owner_id" for c in core.leads.history(admin, some.id))


def test_reassign_without_active_rule_is_refused(core: Opportune, admin: User) -> None:
    with pytest.raises(ConflictError):
        core.assignment.reassign(admin, LeadFilters())


def test_new_group_member_starts_level(core: Opportune, admin: User) -> None:
    reps = _users(core, admin, 3)
    group_id = _group_rule(core, admin, [(reps[0], 1), (reps[1], 1)])
    _bulk(core, admin, _rows(10))
    assert reps[2].id is not None
    core.assignment.set_group_member(admin, group_id, reps[2].id, 1)
    owners = Counter(_bulk(core, admin, _rows(9)))
    assert owners == {reps[0].id: 3, reps[1].id: 3, reps[2].id: 3}
