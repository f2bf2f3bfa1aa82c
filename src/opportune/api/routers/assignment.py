"""REST API: assignment rules, queues, round-robin groups, taking leads, re-running assignment.

Reading is open to every signed-in user; changing rules, queues and groups is for admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.routers.leads import LeadId
from opportune.api.schemas import MAX_ID, LeadOut, error_responses
from opportune.api.schemas.assignment import (
    GroupIn,
    GroupOut,
    MemberIn,
    QueueIn,
    QueueOut,
    QueueUpdate,
    ReassignIn,
    ReassignOut,
    RuleIn,
    RuleOut,
)

router = resource_router(tags=["assignment"])

RuleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The rule's id")]
QueueId = Annotated[int, Path(ge=1, le=MAX_ID, description="The queue's id")]
GroupId = Annotated[int, Path(ge=1, le=MAX_ID, description="The group's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The member's user id")]
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)

# --- rules ---------------------------------------------------------------------------------


@router.get("/assignment-rules", responses=error_responses(401))
def list_rules(user: CurrentUser, core: OpportuneDep) -> list[RuleOut]:
    """Every assignment rule, the active one first."""
    return [RuleOut.of(rule) for rule in core.assignment.rules(user)]


@router.post("/assignment-rules", status_code=201, responses=WRITE_ERRORS)
def create_rule(body: RuleIn, user: AdminUser, core: OpportuneDep) -> RuleOut:
    """Create a rule (inactive until activated). Errors name their place, e.g.
    `entries[2].criteria[0].operator`."""
    return RuleOut.of(core.assignment.create_rule(user, body.to_data()))


@router.get("/assignment-rules/{rule_id}", responses=error_responses(401, 404, 422))
def get_rule(rule_id: RuleId, user: CurrentUser, core: OpportuneDep) -> RuleOut:
    """The rule with its entries in order."""
    return RuleOut.of(core.assignment.rule(user, rule_id))


@router.put("/assignment-rules/{rule_id}", responses=WRITE_ERRORS)
def replace_rule(rule_id: RuleId, body: RuleIn, user: AdminUser, core: OpportuneDep) -> RuleOut:
    """Replace the rule's name, entries (in the order sent) and default."""
    return RuleOut.of(core.assignment.update_rule(user, rule_id, body.to_data()))


@router.delete("/assignment-rules/{rule_id}", status_code=204, responses=WRITE_ERRORS)
def delete_rule(rule_id: RuleId, user: AdminUser, core: OpportuneDep) -> None:
    """Delete the rule and its entries."""
    core.assignment.delete_rule(user, rule_id)


@router.post("/assignment-rules/{rule_id}/activate", responses=WRITE_ERRORS)
def activate_rule(rule_id: RuleId, user: AdminUser, core: OpportuneDep) -> RuleOut:
    """Make this the one active rule (any other active rule is deactivated)."""
    return RuleOut.of(core.assignment.activate(user, rule_id))


@router.post("/assignment-rules/{rule_id}/deactivate", responses=WRITE_ERRORS)
def deactivate_rule(rule_id: RuleId, user: AdminUser, core: OpportuneDep) -> RuleOut:
    """Stop using this rule: new leads keep the owner they are created with."""
    return RuleOut.of(core.assignment.deactivate(user, rule_id))


# --- queues --------------------------------------------------------------------------------


@router.get("/queues", responses=error_responses(401, 422))
def list_queues(
    user: CurrentUser,
    core: OpportuneDep,
    mine: Annotated[bool, Query(description="Only the queues I belong to")] = False,
) -> list[QueueOut]:
    """Queues with their members and lead counts."""
    return [QueueOut.of(q) for q in core.assignment.queues(user, mine=mine)]


@router.post("/queues", status_code=201, responses=WRITE_ERRORS)
def create_queue(body: QueueIn, user: AdminUser, core: OpportuneDep) -> QueueOut:
    """Create a queue."""
    return QueueOut.of(core.assignment.create_queue(user, body.name, body.email))


@router.get("/queues/{queue_id}", responses=error_responses(401, 404, 422))
def get_queue(queue_id: QueueId, user: CurrentUser, core: OpportuneDep) -> QueueOut:
    """The queue."""
    return QueueOut.of(core.assignment.queue(user, queue_id))


@router.patch("/queues/{queue_id}", responses=WRITE_ERRORS)
def update_queue(
    queue_id: QueueId, body: QueueUpdate, user: AdminUser, core: OpportuneDep
) -> QueueOut:
    """Rename the queue or change its email."""
    changes = body.model_dump(exclude_unset=True)
    return QueueOut.of(core.assignment.update_queue(user, queue_id, **changes))


@router.delete("/queues/{queue_id}", status_code=204, responses=WRITE_ERRORS)
def delete_queue(queue_id: QueueId, user: AdminUser, core: OpportuneDep) -> None:
    """Delete an empty queue no rule uses (409 otherwise)."""
    core.assignment.delete_queue(user, queue_id)


@router.get("/queues/{queue_id}/members", responses=error_responses(401, 404, 422))
def queue_members(queue_id: QueueId, user: CurrentUser, core: OpportuneDep) -> list[int]:
    """The user ids of the queue's members."""
    return list(core.assignment.queue(user, queue_id).member_ids)


@router.post("/queues/{queue_id}/members", status_code=201, responses=WRITE_ERRORS)
def add_queue_member(
    queue_id: QueueId, body: MemberIn, user: AdminUser, core: OpportuneDep
) -> QueueOut:
    """Add an active user to the queue (no change if already a member)."""
    return QueueOut.of(core.assignment.add_queue_member(user, queue_id, body.user_id))


@router.delete("/queues/{queue_id}/members/{user_id}", responses=WRITE_ERRORS)
def remove_queue_member(
    queue_id: QueueId, user_id: UserId, user: AdminUser, core: OpportuneDep
) -> QueueOut:
    """Take a user out of the queue."""
    return QueueOut.of(core.assignment.remove_queue_member(user, queue_id, user_id))


# --- round-robin groups --------------------------------------------------------------------


@router.get("/round-robin-groups", responses=error_responses(401))
def list_groups(user: CurrentUser, core: OpportuneDep) -> list[GroupOut]:
    """Round-robin groups with members, weights and assigned counts."""
    return [GroupOut.of(g) for g in core.assignment.groups(user)]


@router.post("/round-robin-groups", status_code=201, responses=WRITE_ERRORS)
def create_group(body: GroupIn, user: AdminUser, core: OpportuneDep) -> GroupOut:
    """Create a round-robin group."""
    return GroupOut.of(core.assignment.create_group(user, body.name))


@router.get("/round-robin-groups/{group_id}", responses=error_responses(401, 404, 422))
def get_group(group_id: GroupId, user: CurrentUser, core: OpportuneDep) -> GroupOut:
    """The group."""
    return GroupOut.of(core.assignment.group(user, group_id))


@router.patch("/round-robin-groups/{group_id}", responses=WRITE_ERRORS)
def rename_group(group_id: GroupId, body: GroupIn, user: AdminUser, core: OpportuneDep) -> GroupOut:
    """Rename the group."""
    return GroupOut.of(core.assignment.rename_group(user, group_id, body.name))


@router.delete("/round-robin-groups/{group_id}", status_code=204, responses=WRITE_ERRORS)
def delete_group(group_id: GroupId, user: AdminUser, core: OpportuneDep) -> None:
    """Delete a group no rule uses (409 otherwise)."""
    core.assignment.delete_group(user, group_id)


@router.post("/round-robin-groups/{group_id}/members", status_code=201, responses=WRITE_ERRORS)
def set_group_member(
    group_id: GroupId, body: MemberIn, user: AdminUser, core: OpportuneDep
) -> GroupOut:
    """Add a member with a weight, or change a member's weight. A new member starts level
    with the member furthest behind."""
    return GroupOut.of(core.assignment.set_group_member(user, group_id, body.user_id, body.weight))


@router.delete("/round-robin-groups/{group_id}/members/{user_id}", responses=WRITE_ERRORS)
def remove_group_member(
    group_id: GroupId, user_id: UserId, user: AdminUser, core: OpportuneDep
) -> GroupOut:
    """Take a user out of the group."""
    return GroupOut.of(core.assignment.remove_group_member(user, group_id, user_id))


# --- leads ---------------------------------------------------------------------------------


@router.post("/leads/reassign", responses=error_responses(400, 401, 403, 404, 409, 422))
def reassign_leads(body: ReassignIn, user: CurrentUser, core: OpportuneDep) -> ReassignOut:
    """Re-run assignment on every unconverted lead the filters match (admins and managers).
    409 NO_ACTIVE_RULE without an active rule."""
    result = core.assignment.reassign(user, body.to_filters(), rule_id=body.rule_id)
    return ReassignOut.of(result)


@router.post("/leads/{lead_id}/take", responses=error_responses(401, 403, 404, 409, 422))
def take_lead(lead_id: LeadId, user: CurrentUser, core: OpportuneDep) -> LeadOut:
    """Take a lead from a queue you belong to: you become its owner. 409 NOT_IN_QUEUE when
    it is no longer in a queue (someone took it first)."""
    lead = core.assignment.take(user, lead_id)
    return LeadOut.model_validate(core.leads.lookups().record(lead))
