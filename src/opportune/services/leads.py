"""Lead use cases: create, read, change, delete and list leads."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import Engine

from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.leads import Lead, LeadPicklists, mark_read_by, new_lead, update_lead
from opportune.domain.listing import Page
from opportune.domain.merged import check_not_merged
from opportune.domain.sharing import Access
from opportune.domain.users import User
from opportune.errors import (
    FieldError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.assignment import apply_assignment
from opportune.services.clock import Clock
from opportune.services.duplicates import screen_duplicates
from opportune.services.filters import LeadFilters, resolve_filters
from opportune.services.permissions import require_can_delete_lead
from opportune.services.picklists import load_lead_picklists
from opportune.services.presenters import LeadLookups
from opportune.services.record_keys import RecordKeys, store_keys
from opportune.services.recycle_bin import move_to_bin
from opportune.services.reference_cache import cached
from opportune.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LeadPage:
    """A page of leads with what the interfaces need to show them."""

    page: Page[Lead]
    lookups: LeadLookups


@dataclass(frozen=True, slots=True)
class ShownLead:
    """One lead with the labels and names to show it, read in one transaction."""

    lead: Lead
    lookups: LeadLookups


class LeadService:
    """Everything a person or a script does with leads before conversion."""

    def __init__(self, engine: Engine, clock: Clock, max_page_size: int = 500) -> None:
        self.engine = engine
        self.clock = clock
        self.max_page_size = max_page_size

    def create(
        self,
        actor: User,
        data: Mapping[str, object],
        *,
        assign: bool = True,
        keys: RecordKeys = None,
    ) -> Lead:
        """Create a lead; it gets the default status, and an owner: the one given, else the
        active assignment rule's choice (unless ``assign`` is false), else the actor.

        Duplicate rules run first: a blocking rule refuses the lead
        (:class:`~opportune.errors.DuplicateRecordError`), a reporting one records the match.
        """
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            lead = new_lead(data, picklists=load_lead_picklists(uow), actor_id=_id(actor), now=now)
            if assign and data.get("owner_id") is None:
                apply_assignment(uow, [lead], now=now)
            _check_owner(uow, lead.owner_id)
            screen = screen_duplicates(uow, "lead", dataclasses.asdict(lead), event="create",
                                       viewer=viewer_for(uow, actor))  # fmt: skip
            lead.id = uow.leads.add(lead)
            screen.report(uow, lead.id, actor_id=_id(actor), now=now)
            store_keys(uow, "leads", lead.id, keys)
            uow.commit()
        return lead

    def create_many(self, actor: User, rows: Iterable[Mapping[str, object]]) -> int:
        """Create many leads in one transaction, all or none; return how many.

        Every row is validated by the same rules as :meth:`create`; the first bad row
        stops the batch and the error names its position (``rows[N].field``).
        """
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            picklists = load_lead_picklists(uow)
            leads = [_new_row(i, row, picklists, _id(actor), now) for i, row in enumerate(rows)]
            for owner_id in {lead.owner_id for lead in leads}:
                _check_owner(uow, owner_id)
            uow.leads.add_many(leads)
            uow.commit()
        return len(leads)

    def get(self, actor: User, lead_id: int, *, mark_read: bool = True) -> Lead:
        """The lead with this id; when its owner opens it, it is marked read."""
        with UnitOfWork(self.engine) as uow:
            lead = _get(uow, lead_id, actor)
        return self._opened(actor, lead) if mark_read else lead

    def shown(self, actor: User, lead_id: int) -> ShownLead:
        """The lead as a page or the API shows it, with its labels and owner's name, read
        together; when its owner opens it, it is marked read."""
        with UnitOfWork(self.engine) as uow:
            lead = _get(uow, lead_id, actor)
            lookups = lead_lookups(uow)
        return ShownLead(self._opened(actor, lead), lookups)

    def _opened(self, actor: User, lead: Lead) -> Lead:
        if mark_read_by(lead, _id(actor)):
            # Only this case writes, so reads never queue behind writers for the lock.
            # If the lead changed meanwhile the flag stays as the newer version has it.
            with UnitOfWork(self.engine, write=True) as uow:
                uow.leads.update(lead, ["is_unread_by_owner"], lead.version)
                uow.commit()
        return lead

    def update(
        self,
        actor: User,
        lead_id: int,
        data: Mapping[str, object],
        *,
        expected_version: int | None = None,
        keys: RecordKeys = None,
    ) -> Lead:
        """Change a lead. With ``expected_version``, refuse if someone changed it since.

        Converted and merged leads are read-only (:class:`~opportune.errors.ConvertedLeadError`,
        :class:`~opportune.errors.MergedRecordError`).
        """
        with UnitOfWork(self.engine, write=True) as uow:
            lead = _get(uow, lead_id, actor, Access.EDIT)
            now = self.clock()
            updated, changed = update_lead(
                lead, data, picklists=load_lead_picklists(uow), actor_id=_id(actor), now=now
            )
            if expected_version is not None and expected_version != lead.version:
                raise _stale(lead)
            if "owner_id" in changed:
                _check_owner(uow, updated.owner_id)
            screen = screen_duplicates(
                uow, "lead", dataclasses.asdict(updated), event="edit", exclude_id=lead_id,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            if not uow.leads.update(updated, changed, lead.version):
                raise _stale(lead)
            screen.report(uow, lead_id, actor_id=_id(actor), now=now)
            uow.field_history.add_many(
                field_changes("lead", lead, updated, changed, actor_id=_id(actor), now=now)
            )
            store_keys(uow, "leads", lead_id, keys)
            uow.commit()
        return updated

    def delete(self, actor: User, lead_id: int) -> None:
        """Move a lead to the recycle bin with its activities and conversion record (not one
        merged into another: undo the merge first)."""
        with UnitOfWork(self.engine, write=True) as uow:
            lead = _get(uow, lead_id, actor, Access.EDIT)
            check_not_merged(lead)
            require_can_delete_lead(actor, lead)
            move_to_bin(uow, "lead", lead_id, actor, self.clock())
            uow.commit()

    def list(self, actor: User, filters: LeadFilters) -> LeadPage:
        """One page of leads matching ``filters``, with labels and owner names to show them."""
        with UnitOfWork(self.engine) as uow:
            lookups = lead_lookups(uow)
            queues = cached(uow, "queues", lambda: tuple(uow.assignment.queues(counts=False)))
            query = resolve_filters(
                filters, picklists=lookups.picklists, users=lookups.users, actor=actor,
                max_limit=self.max_page_size, queues=queues,
                today=self.clock().astimezone(UTC).date(),
            )  # fmt: skip
            page = uow.leads.page(dataclasses.replace(query, viewer=viewer_for(uow, actor)))
        return LeadPage(page, lookups)

    def history(self, actor: User, lead_id: int) -> builtins.list[FieldChange]:
        """The lead's field history, newest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, lead_id, actor)
            return uow.field_history.for_record("lead", lead_id)

    def lookups(self) -> LeadLookups:
        """Picklists and users, for showing leads and building forms."""
        with UnitOfWork(self.engine) as uow:
            return lead_lookups(uow)


def lead_lookups(uow: UnitOfWork) -> LeadLookups:
    """Picklists, users and queue names inside an open unit of work (or the process's copy)."""
    return cached(uow, "lead lookups", lambda: LeadLookups(
        load_lead_picklists(uow), uow.users.all(), uow.assignment.queue_names()
    ))  # fmt: skip


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _get(uow: UnitOfWork, lead_id: int, actor: User, needed: Access = Access.READ) -> Lead:
    """The lead, if it exists and ``actor`` has ``needed`` access to it."""
    lead = uow.leads.get(lead_id)
    if lead is None:
        raise NotFoundError.for_record("Lead", lead_id)
    owner = (lead.owner_id, lead.queue_id)  # read already: no second query for it
    require_access(uow, viewer_for(uow, actor), "lead", lead_id, needed, owner)
    return lead


def _check_owner(uow: UnitOfWork, owner_id: int) -> None:
    if owner_id not in uow.users.existing_active_ids([owner_id]):
        raise ValidationError.single(
            "owner_id", "INVALID_CROSS_REFERENCE_KEY", f"No active user with id {owner_id}"
        )


def _stale(lead: Lead) -> StaleRecordError:
    return StaleRecordError(
        f"Lead {lead.id} was changed by someone else (now version {lead.version}); "
        "reload it and try again"
    )


def _new_row(
    index: int, row: Mapping[str, object], picklists: LeadPicklists, actor_id: int, now: object
) -> Lead:
    try:
        return new_lead(row, picklists=picklists, actor_id=actor_id, now=now)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValidationError(
            [FieldError(f"rows[{index}].{e.field}", e.code, e.message) for e in exc.fields]
        ) from exc
