"""Assignment rules, queues and round-robin groups: who gets a new lead.

Interface used by other services: :func:`load_assigner` and :func:`apply_assignment`
(in :mod:`opportune.services.assigner`, re-exported here). :class:`AssignmentService` is
the library API: rules (only admins change them), queues, round-robin groups, taking a
lead from a queue and re-running assignment over a filtered list of leads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from opportune.domain.assignment import AssignmentRule, RuleDefinition
from opportune.domain.assignment_validation import parse_rule
from opportune.domain.field_history import field_changes
from opportune.domain.leads import Lead
from opportune.domain.listing import Cursor, LeadListQuery
from opportune.domain.merged import check_not_merged
from opportune.domain.sharing import Access
from opportune.domain.users import Role, User
from opportune.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.assigner import (
    Assigner,
    Target,
    apply_assignment,
    assigner_for,
    load_assigner,
)
from opportune.services.assignment_groups import GroupAdmin, QueueAdmin
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import Clock
from opportune.services.conversion_access import lead_access
from opportune.services.filters import LeadFilters, resolve_filters
from opportune.services.permissions import require_admin
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

__all__ = [
    "Assigner",
    "AssignmentService",
    "ReassignResult",
    "apply_assignment",
    "load_assigner",
]

REASSIGN_BATCH = 500


@dataclass(frozen=True, slots=True)
class ReassignResult:
    """What re-running assignment did: leads looked at, moved, left as they were."""

    matched: int = 0
    changed: int = 0
    unchanged: int = 0
    rule_name: str | None = None


class AssignmentService(QueueAdmin, GroupAdmin):
    """Assignment rules, queues and round-robin groups (the library API)."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    # --- rules -----------------------------------------------------------------------------

    def rules(self, actor: User) -> list[AssignmentRule]:
        """Every rule, the active one first."""
        with UnitOfWork(self.engine) as uow:
            return uow.assignment.rules()

    def rule(self, actor: User, rule_id: int) -> AssignmentRule:
        """The rule with this id, with its entries in order."""
        with UnitOfWork(self.engine) as uow:
            return _rule(uow, rule_id)

    def find_rule(self, actor: User, ref: str) -> AssignmentRule:
        """The rule with this id or name (case-insensitive)."""
        with UnitOfWork(self.engine) as uow:
            rule_id = int(ref) if ref.isdecimal() else uow.assignment.rule_id_by_name(ref)
            if rule_id is None:
                raise NotFoundError(f"Assignment rule {ref} does not exist")
            return _rule(uow, rule_id)

    def active_rule(self, actor: User) -> AssignmentRule | None:
        """The active rule, if any."""
        with UnitOfWork(self.engine) as uow:
            return uow.assignment.active_rule()

    def create_rule(self, actor: User, data: dict[str, object]) -> AssignmentRule:
        """Create an (inactive) rule from its definition; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            rule = _checked(uow, data, rule_id=None)
            rule_id = uow.assignment.add_rule(rule, self.clock())
            saved = _rule(uow, rule_id)
            setting_changed(uow, actor, self.clock(), "assignment_rule", None, _summary(saved))
            uow.commit()
            return saved

    def update_rule(self, actor: User, rule_id: int, data: dict[str, object]) -> AssignmentRule:
        """Replace a rule's name, entries and default; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _rule(uow, rule_id)
            rule = _checked(uow, data, rule_id=rule_id)
            uow.assignment.replace_rule(rule_id, rule, self.clock())
            after = _rule(uow, rule_id)
            setting_changed(uow, actor, self.clock(), "assignment_rule",
                            _summary(before), _summary(after))  # fmt: skip
            uow.commit()
            return after

    def activate(self, actor: User, rule_id: int) -> AssignmentRule:
        """Make this the one active rule (the previous active one is deactivated)."""
        return self._set_active(actor, rule_id, True)

    def deactivate(self, actor: User, rule_id: int) -> AssignmentRule:
        """Stop using this rule; new leads then keep the owner they are created with."""
        return self._set_active(actor, rule_id, False)

    def delete_rule(self, actor: User, rule_id: int) -> None:
        """Delete a rule and its entries; admins only."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _rule(uow, rule_id)
            uow.assignment.delete_rule(rule_id)
            setting_changed(uow, actor, self.clock(), "assignment_rule", _summary(before), None)
            uow.commit()

    def _set_active(self, actor: User, rule_id: int, active: bool) -> AssignmentRule:
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _rule(uow, rule_id)
            uow.assignment.set_active(rule_id, active, self.clock())
            after = _rule(uow, rule_id)
            setting_changed(uow, actor, self.clock(), "assignment_rule",
                            _summary(before), _summary(after))  # fmt: skip
            uow.commit()
            return after

    # --- taking and re-running -------------------------------------------------------------

    def take(self, actor: User, lead_id: int, *, expected_version: int | None = None) -> Lead:
        """Take a lead from a queue the actor belongs to: the actor becomes its owner."""
        assert actor.id is not None
        with UnitOfWork(self.engine, write=True) as uow:
            require_access(uow, viewer_for(uow, actor), "lead", lead_id)  # members can read
            lead = uow.leads.get(lead_id)
            if lead is None:
                raise NotFoundError.for_record("Lead", lead_id)
            check_not_merged(lead)
            if lead.queue_id is None:
                raise ConflictError(
                    f"Lead {lead_id} is not in a queue (someone may have taken it already)",
                    code="NOT_IN_QUEUE",
                )
            if lead.queue_id not in uow.assignment.queue_ids_of(actor.id):
                raise PermissionDeniedError("Only a member of the lead's queue can take it")
            if expected_version is not None and expected_version != lead.version:
                raise StaleRecordError(f"Lead {lead_id} changed since you loaded it; reload it")
            taken = dataclasses.replace(lead, owner_id=actor.id, queue_id=None)
            taken.version, taken.updated_at, taken.updated_by_id = (
                lead.version + 1, self.clock(), actor.id,
            )  # fmt: skip
            changed = ["owner_id", "queue_id", "version", "updated_at", "updated_by_id"]
            if not uow.leads.update(taken, changed, lead.version):
                raise StaleRecordError(f"Lead {lead_id} was just changed; reload it")
            uow.field_history.add_many(
                field_changes("lead", lead, taken, ["owner_id", "queue_id"],
                              actor_id=actor.id, now=taken.updated_at)
            )  # fmt: skip
            uow.commit()
        return taken

    def reassign(
        self, actor: User, filters: LeadFilters, *, rule_id: int | None = None
    ) -> ReassignResult:
        """Re-run assignment over every unconverted lead the filters match, in batches.

        Uses the active rule (or ``rule_id``); owner and queue changes are written to the
        field history. Admins and managers only, and only leads they may edit.
        """
        if actor.role is Role.REP:
            raise PermissionDeniedError("Only an administrator or a manager can re-run assignment")
        query, assigner = self._reassign_setup(actor, filters, rule_id)
        totals = [0, 0]
        while True:
            with UnitOfWork(self.engine, write=True) as uow:
                viewer = viewer_for(uow, actor)
                page = uow.leads.page(dataclasses.replace(query, viewer=viewer))
                editable = [lead for lead in page.items
                            if lead_access(uow, viewer, lead) is Access.EDIT]  # fmt: skip
                totals[1] += self._reassign_batch(uow, actor, assigner, editable)
                assigner.flush(uow)
                uow.commit()
            totals[0] += len(page.items)
            if page.next_cursor is None or not page.items:
                break
            query = dataclasses.replace(query, cursor=Cursor.decode(page.next_cursor, query.sort))
        matched, changed = totals
        return ReassignResult(matched, changed, matched - changed, assigner.rule.name)

    def _reassign_setup(
        self, actor: User, filters: LeadFilters, rule_id: int | None
    ) -> tuple[LeadListQuery, Assigner]:
        with UnitOfWork(self.engine) as uow:
            rule = _rule(uow, rule_id) if rule_id is not None else uow.assignment.active_rule()
            if rule is None:
                raise ConflictError("No assignment rule is active", code="NO_ACTIVE_RULE")
            batch = dataclasses.replace(
                filters, include_converted=False, sort="created_at", cursor=None,
                limit=REASSIGN_BATCH, with_total=False,
            )  # fmt: skip
            query = resolve_filters(
                batch, picklists=load_lead_picklists(uow), users=uow.users.all(), actor=actor,
                max_limit=REASSIGN_BATCH, queues=uow.assignment.queues(counts=False),
                today=self.clock().date(),
            )  # fmt: skip
            return query, assigner_for(uow, rule, now=self.clock())

    def _reassign_batch(
        self, uow: UnitOfWork, actor: User, assigner: Assigner, leads: Sequence[Lead]
    ) -> int:
        assert actor.id is not None
        now, changed_count = self.clock(), 0
        for lead in leads:
            if lead.merged_into_id is not None or lead.is_converted:
                continue
            target = assigner.target(lead)
            if target is None or _already(lead, target):
                continue
            moved = _moved(lead, target, actor.id, now)
            changed = ["owner_id", "queue_id", "is_unread_by_owner", "version", "updated_at",
                       "updated_by_id"]  # fmt: skip
            if uow.leads.update(moved, changed, lead.version):
                fields = [
                    f for f in ("owner_id", "queue_id") if getattr(lead, f) != getattr(moved, f)
                ]
                uow.field_history.add_many(
                    field_changes("lead", lead, moved, fields, actor_id=actor.id, now=now)
                )
                changed_count += 1
        return changed_count


def _already(lead: Lead, target: Target) -> bool:
    if target.owner_id is not None:
        return lead.owner_id == target.owner_id and lead.queue_id is None
    return lead.queue_id == target.queue_id


def _moved(lead: Lead, target: Target, actor_id: int, now: datetime) -> Lead:
    moved = dataclasses.replace(lead)
    if target.owner_id is not None:
        moved.owner_id, moved.queue_id = target.owner_id, None
        moved.is_unread_by_owner = target.owner_id != actor_id
    else:
        moved.owner_id, moved.queue_id, moved.is_unread_by_owner = actor_id, target.queue_id, False
    moved.version = lead.version + 1
    moved.updated_at = now
    moved.updated_by_id = actor_id
    return moved


def _rule(uow: UnitOfWork, rule_id: int) -> AssignmentRule:
    rule = uow.assignment.rule(rule_id)
    if rule is None:
        raise NotFoundError.for_record("Assignment rule", rule_id)
    return rule


def _checked(uow: UnitOfWork, data: dict[str, object], *, rule_id: int | None) -> RuleDefinition:
    """Validate a definition and check every user, queue and group it names exists."""
    picklists = load_lead_picklists(uow)
    labels = {
        "lead_source": [v.label for v in picklists.sources],
        "status": [s.label for s in picklists.statuses],
    }
    rule = parse_rule(data, picklist_labels=labels)
    errors = _reference_errors(uow, rule)
    same_name = uow.assignment.rule_id_by_name(rule.name)
    if same_name is not None and same_name != rule_id:
        errors.append(FieldError("name", "DUPLICATE_VALUE", f"A rule named '{rule.name}' exists"))
    if errors:
        raise ValidationError(errors)
    return rule


def _reference_errors(uow: UnitOfWork, rule: RuleDefinition) -> list[FieldError]:
    active = uow.assignment.active_user_ids()
    queues = set(uow.assignment.queue_names())
    groups = {g.id for g in uow.assignment.groups()}
    errors: list[FieldError] = []

    def check(where: str, ident: int | None, known: Collection[int], what: str) -> None:
        if ident is not None and ident not in known:
            errors.append(FieldError(where, "INVALID_CROSS_REFERENCE_KEY", f"No {what} {ident}"))

    check("default_owner_id", rule.default_owner_id, active, "active user with id")
    check("default_queue_id", rule.default_queue_id, queues, "queue with id")
    for i, entry in enumerate(rule.entries):
        a = entry.assignee
        check(f"entries[{i}].user_id", a.user_id, active, "active user with id")
        check(f"entries[{i}].queue_id", a.queue_id, queues, "queue with id")
        check(f"entries[{i}].group_id", a.group_id, groups, "round-robin group with id")
    return errors


def rule_as_dict(rule: AssignmentRule) -> dict[str, object]:
    """A rule in the shape the API, the CLI's ``--json`` and rule files use."""
    return {
        "id": rule.id,
        "name": rule.name,
        "is_active": rule.is_active,
        "default_owner_id": rule.default_owner_id,
        "default_queue_id": rule.default_queue_id,
        "entries": [
            {
                "position": e.position,
                "criteria": [c.as_dict() for c in e.criteria],
                "assignee_type": e.assignee.type,
                "user_id": e.assignee.user_id,
                "queue_id": e.assignee.queue_id,
                "group_id": e.assignee.group_id,
            }
            for e in rule.entries
        ],
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _summary(rule: AssignmentRule) -> dict[str, object]:
    """What the audit log keeps of a rule: its name, defaults, state and how many entries."""
    return {"id": rule.id, "name": rule.name, "entries": len(rule.entries),
            "default_owner_id": rule.default_owner_id,
            "default_queue_id": rule.default_queue_id, "is_active": rule.is_active}  # fmt: skip
