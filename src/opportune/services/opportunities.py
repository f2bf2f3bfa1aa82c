"""Opportunity use cases: the pipeline's records, their stage moves, history and contact roles.

Every change of stage, amount, probability, close date or forecast category writes a stage
history snapshot; every change writes field history. Updates carry the version the caller
read, so of two people moving the same opportunity the later one gets a conflict.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from opportune.db.repositories.opportunities import OpportunityQuery, Totals
from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.fields import clean
from opportune.domain.history import (
    StageSnapshot,
    close_date_pushes,
    days_to_close,
    make_snapshot,
    snapshot_needed,
    stage_age,
    time_in_stages,
)
from opportune.domain.listing import Page, SortKind
from opportune.domain.opportunities import (
    CONTACT_ROLE,
    ContactRole,
    Opportunity,
    check_contact_account,
    check_contact_roles,
    new_contact_role,
    new_opportunity,
    update_opportunity,
)
from opportune.domain.picklists import PicklistValue, find_by_label
from opportune.domain.sharing import Access
from opportune.domain.stages import FORECAST_CATEGORIES, Stage
from opportune.domain.users import User
from opportune.errors import (
    FieldError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.accounts import merged_account_errors
from opportune.services.activities import merged_references
from opportune.services.clock import Clock
from opportune.services.list_filters import FilterResolver, split
from opportune.services.permissions import require_can_delete
from opportune.services.picklists import load_lead_picklists
from opportune.services.pipeline import Pipeline, load_pipeline
from opportune.services.record_keys import RecordKeys, store_keys
from opportune.services.recycle_bin import move_to_bin
from opportune.services.reference_cache import cached
from opportune.services.uow import UnitOfWork

__all__ = [
    "OPPORTUNITY_SORT_FIELDS",
    "Board",
    "BoardColumn",
    "BoardZone",
    "OpportunityFilters",
    "OpportunityLookups",
    "OpportunityMetrics",
    "OpportunityPage",
    "OpportunityService",
]

# Sortable columns and what their cursors carry.
OPPORTUNITY_SORT_FIELDS: dict[str, SortKind] = {
    "close_date": "date",
    "amount": "decimal",
    "name": "text",
    "probability": "int",
    "created_at": "datetime",
    "updated_at": "datetime",
}
STATES = ("open", "closed", "won", "lost")
_STATE_FLAGS: dict[str, tuple[bool | None, bool | None]] = {
    # state: (is_closed, is_won)
    "open": (False, None),
    "closed": (True, None),
    "won": (True, True),
    "lost": (True, False),
}


@dataclass(frozen=True, slots=True)
class OpportunityFilters:
    """Filters in user terms: stage labels, owners as ids, emails or ``me``, account ids.

    ``state`` is ``open``, ``closed``, ``won`` or ``lost``; ``close_from`` and
    ``close_to`` bound the close date, both days included; ``q`` words must all appear in
    the name. ``sort`` is a field of :data:`OPPORTUNITY_SORT_FIELDS`, ``-`` first for
    descending.

    The filters reports drill through with: ``lead_source`` and ``lost_reason`` labels,
    ``forecast_category`` values (any case), ``created_from`` and ``created_to`` (UTC
    days, both included), and ``stage_entered_to``: the current stay in the stage began
    on or before that UTC day.
    """

    stage: Sequence[str] = ()
    owner: Sequence[str] = ()
    account: Sequence[int | str] = ()
    state: str | None = None
    close_from: date | None = None
    close_to: date | None = None
    q: str | None = None
    lead_source: Sequence[str] = ()
    forecast_category: Sequence[str] = ()
    lost_reason: Sequence[str] = ()
    created_from: date | None = None
    created_to: date | None = None
    stage_entered_to: date | None = None
    sort: str = "close_date"
    cursor: str | None = None
    limit: int = 50
    with_total: bool = False


@dataclass(frozen=True, slots=True)
class OpportunityLookups:
    """The pipeline, lead sources and users, to show opportunities with labels and names."""

    pipeline: Pipeline
    lead_sources: tuple[PicklistValue, ...]
    users: builtins.list[User]
    names: dict[int | None, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A page shows many opportunities: owners by id, not a scan of the users each time.
        object.__setattr__(self, "names", {u.id: u.name for u in self.users})

    def record(self, opp: Opportunity) -> dict[str, Any]:
        """The opportunity as a flat dict: labels for ids, owner named, money as text."""
        # Shallow: the fields are plain values (``dataclasses.asdict`` deep-copies each).
        values = {f.name: getattr(opp, f.name) for f in dataclasses.fields(opp)}
        values["stage"] = self.pipeline.stage(opp.stage_id).label
        reason = self.pipeline.lost_reason(opp.lost_reason_id)
        values["lost_reason"] = reason.label if reason else None
        values["lead_source"] = next(
            (s.label for s in self.lead_sources if s.id == opp.lead_source_id), None
        )
        values["owner_name"] = self.names.get(opp.owner_id)
        values["expected_revenue"] = opp.expected_revenue
        for name in ("amount", "expected_revenue"):
            if isinstance(values[name], Decimal):
                values[name] = str(values[name])
        return values


@dataclass(frozen=True, slots=True)
class OpportunityPage:
    """A page of opportunities with what the interfaces need to show them."""

    page: Page[Opportunity]
    lookups: OpportunityLookups


@dataclass(frozen=True, slots=True)
class ShownOpportunity:
    """One opportunity with the labels and names to show it, read in one transaction."""

    opportunity: Opportunity
    lookups: OpportunityLookups


@dataclass(frozen=True, slots=True)
class BoardColumn:
    """One stage's column of the pipeline board: a page of cards and the whole column's
    count, amount and expected revenue."""

    stage: Stage
    page: Page[Opportunity]
    totals: Totals
    account_names: dict[int, str] = dataclasses.field(default_factory=dict)
    """The names of the accounts of the cards, by account id."""


@dataclass(frozen=True, slots=True)
class BoardZone:
    """A closed drop zone of the board (won or lost): the stage a card dropped there moves
    to, and the totals of every opportunity closed that way that matches the filters."""

    stage: Stage
    totals: Totals


@dataclass(frozen=True, slots=True)
class Board:
    """The pipeline board: a column per active open stage in sort order, the won and lost
    drop zones, and what the cards need to be shown (labels, names, account names)."""

    columns: tuple[BoardColumn, ...]
    won: BoardZone
    lost: BoardZone
    lookups: OpportunityLookups

    def column(self, stage_id: int) -> BoardColumn | None:
        """The column of this stage, if it is on the board."""
        return next((c for c in self.columns if c.stage.id == stage_id), None)


@dataclass(frozen=True, slots=True)
class OpportunityMetrics:
    """What the stage history tells about one opportunity at a moment.

    ``time_in_stages`` maps stage ids to the time spent there over every visit;
    ``stage_age`` is the time since entering the current stage; ``days_to_close`` is
    ``None`` while open; ``close_date_pushes`` counts moves of the close date to later.
    """

    time_in_stages: dict[int, timedelta]
    stage_age: timedelta | None
    days_to_close: int | None
    close_date_pushes: int


class OpportunityService:
    """Everything a person or a script does with opportunities."""

    def __init__(
        self, engine: Engine, clock: Clock, currency: str = "USD", max_page_size: int = 500
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.currency = currency
        self.max_page_size = max_page_size

    # --- records ---------------------------------------------------------------------------

    def create(
        self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Opportunity:
        """Create an opportunity and its first stage history snapshot.

        Without a stage it starts on the first active open stage, without an owner it
        belongs to the actor; the account must exist.
        """
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            pipeline = load_pipeline(uow)
            opp = new_opportunity(
                data, stages=pipeline.stages, lost_reasons=pipeline.lost_reasons,
                lead_sources=uow.picklists.values("lead_sources"), actor_id=_id(actor),
                now=now, currency=self.currency,
            )  # fmt: skip
            _check_account(uow, opp.account_id)
            _check_owner(uow, opp.owner_id)
            opp.id = uow.opportunities.add(opp)
            uow.opportunity_history.add(make_snapshot(opp, _id(actor), now))
            store_keys(uow, "opportunities", opp.id, keys)
            uow.commit()
        return opp

    def get(self, actor: User, opportunity_id: int) -> Opportunity:
        """The opportunity with this id (its ``expected_revenue`` follows from it)."""
        with UnitOfWork(self.engine) as uow:
            return _get(uow, opportunity_id, actor)

    def shown(self, actor: User, opportunity_id: int) -> ShownOpportunity:
        """The opportunity as a page or the API shows it, with its stage, lead source and
        owner's name, read together."""
        with UnitOfWork(self.engine) as uow:
            return ShownOpportunity(_get(uow, opportunity_id, actor), _lookups(uow))

    def update(
        self,
        actor: User,
        opportunity_id: int,
        data: Mapping[str, object],
        *,
        expected_version: int | None = None,
        keys: RecordKeys = None,
    ) -> Opportunity:
        """Change an opportunity; moving its stage takes the stage's defaults.

        With ``expected_version``, refuse if someone changed it since. A change of a
        tracked value writes a stage history snapshot; every change writes field history.
        """
        with UnitOfWork(self.engine, write=True) as uow:
            opp = _get(uow, opportunity_id, actor, Access.EDIT)
            if expected_version is not None and expected_version != opp.version:
                raise _stale(opp)
            now = self.clock()
            pipeline = load_pipeline(uow)
            updated, changed = update_opportunity(
                opp, data, stages=pipeline.stages, lost_reasons=pipeline.lost_reasons,
                lead_sources=uow.picklists.values("lead_sources"), actor_id=_id(actor), now=now,
            )  # fmt: skip
            if "account_id" in changed:
                _check_account(uow, updated.account_id)
            if "owner_id" in changed:
                _check_owner(uow, updated.owner_id)
            if not uow.opportunities.update(updated, changed, opp.version):
                raise _stale(opp)
            if snapshot_needed(opp, updated):
                uow.opportunity_history.add(make_snapshot(updated, _id(actor), now))
            uow.field_history.add_many(
                field_changes("opportunity", opp, updated, changed, actor_id=_id(actor), now=now)
            )
            store_keys(uow, "opportunities", opportunity_id, keys)
            uow.commit()
        return updated

    def delete(self, actor: User, opportunity_id: int) -> None:
        """Move an opportunity to the recycle bin with its history, stage periods, contact
        roles and activities. Reps may delete their own opportunities; managers and admins
        any."""
        with UnitOfWork(self.engine, write=True) as uow:
            opp = _get(uow, opportunity_id, actor, Access.EDIT)
            require_can_delete(actor, opp.owner_id, "opportunity")
            move_to_bin(uow, "opportunity", opportunity_id, actor, self.clock())
            uow.commit()

    def list(self, actor: User, filters: OpportunityFilters) -> OpportunityPage:
        """One page of opportunities matching ``filters``, with labels to show them."""
        with UnitOfWork(self.engine) as uow:
            lookups = _lookups(uow)
            query = _resolve(filters, lookups, actor, self.max_page_size)
            query = dataclasses.replace(query, viewer=viewer_for(uow, actor))
            page = uow.opportunities.page(query)
        return OpportunityPage(page, lookups)

    def lookups(self) -> OpportunityLookups:
        """Stages, lost reasons, lead sources and users, for showing and editing records."""
        with UnitOfWork(self.engine) as uow:
            return _lookups(uow)

    def board(
        self, actor: User, filters: OpportunityFilters | None = None, per_column: int = 25
    ) -> Board:
        """The pipeline board in one read: every active open stage's column with its first
        ``per_column`` cards by close date (0 for the totals alone), the closed-won and
        closed-lost drop zones, and each column's and zone's count, amount and expected
        revenue over everything matching ``filters``.

        ``filters`` narrow the board (owner, account, close period, name); their stage,
        state, sort, cursor and limit do not apply. Stages, lost reasons, lead sources and
        users are read once, and the totals of all columns come from one grouped query.
        More of a column: :meth:`board_column` with the column's ``next_cursor``.
        """
        _check_per_column(per_column, self.max_page_size)
        with UnitOfWork(self.engine) as uow:
            lookups = _lookups(uow)
            limit = max(per_column, 1)  # the query needs a page size even for totals alone
            query = _column_query(filters, None, limit, lookups, actor, self.max_page_size)
            query = dataclasses.replace(query, viewer=viewer_for(uow, actor))
            totals = uow.opportunities.totals_by_stage(query)
            columns = _columns(uow, query, lookups.pipeline, totals, per_column)
        won = _zone(lookups.pipeline, totals, lambda s: s.is_won)
        lost = _zone(lookups.pipeline, totals, lambda s: s.is_lost)
        return Board(columns, won, lost, lookups)

    def board_column(
        self,
        actor: User,
        stage_id: int,
        filters: OpportunityFilters | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> BoardColumn:
        """One column of the pipeline board: a page of the stage's opportunities by close
        date, and the count, amount and expected revenue of the whole column.

        ``filters`` narrow the column (owner, account, close period, name); their stage,
        state, sort, cursor and limit are replaced by the column's.
        """
        with UnitOfWork(self.engine) as uow:
            lookups = _lookups(uow)
            stage = next((s for s in lookups.pipeline.stages if s.id == stage_id), None)
            if stage is None:
                raise NotFoundError.for_record("Stage", stage_id)
            query = _column_query(filters, cursor, limit, lookups, actor, self.max_page_size)
            query = dataclasses.replace(query, stage_ids=(stage_id,), viewer=viewer_for(uow, actor))
            page = uow.opportunities.page(query)
            totals = uow.opportunities.totals(query)
            names = uow.opportunities.account_names(opp.account_id for opp in page.items)
        return BoardColumn(stage, page, totals, names)

    # --- history ---------------------------------------------------------------------------

    def history(self, actor: User, opportunity_id: int) -> builtins.list[FieldChange]:
        """The opportunity's field history, newest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, opportunity_id, actor)
            return uow.field_history.for_record("opportunity", opportunity_id)

    def stage_history(self, actor: User, opportunity_id: int) -> builtins.list[StageSnapshot]:
        """The opportunity's stage history snapshots, oldest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, opportunity_id, actor)
            return uow.opportunity_history.for_opportunity(opportunity_id)

    def metrics(
        self, actor: User, opportunity_id: int, now: datetime | None = None
    ) -> OpportunityMetrics:
        """Time in each stage, stage age, days to close and close date pushes at ``now``
        (by default the service clock's now)."""
        snapshots = self.stage_history(actor, opportunity_id)
        at = now or self.clock()
        return OpportunityMetrics(
            time_in_stages=time_in_stages(snapshots, at),
            stage_age=stage_age(snapshots, at),
            days_to_close=days_to_close(snapshots),
            close_date_pushes=close_date_pushes(snapshots),
        )

    # --- contact roles ---------------------------------------------------------------------

    def contact_roles(self, actor: User, opportunity_id: int) -> builtins.list[ContactRole]:
        """The opportunity's contact roles, the primary one first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, opportunity_id, actor)
            return uow.contact_roles.for_opportunity(opportunity_id)

    def add_contact_role(
        self,
        actor: User,
        opportunity_id: int,
        data: Mapping[str, object],
        *,
        allow_other_accounts: bool = False,
    ) -> ContactRole:
        """Give a contact a role in the opportunity (``contact_id``, ``role``, ``is_primary``).

        The contact must exist and belong to the opportunity's account (unless
        ``allow_other_accounts``); at most one role is primary, and a contact holds each
        role once.
        """
        with UnitOfWork(self.engine, write=True) as uow:
            opp = _get(uow, opportunity_id, actor, Access.EDIT)
            role = new_contact_role(data, opportunity_id=opportunity_id)
            _check_contact(uow, role.contact_id, opp, allow_other_accounts)
            check_contact_roles([*uow.contact_roles.for_opportunity(opportunity_id), role])
            role = dataclasses.replace(role, id=_save_role(lambda: uow.contact_roles.add(role)))
            uow.commit()
        return role

    def update_contact_role(
        self,
        actor: User,
        opportunity_id: int,
        role_id: int,
        data: Mapping[str, object],
        *,
        allow_other_accounts: bool = False,
    ) -> ContactRole:
        """Change a contact role by the same rules as :meth:`add_contact_role`."""
        with UnitOfWork(self.engine, write=True) as uow:
            opp = _get(uow, opportunity_id, actor, Access.EDIT)
            roles = uow.contact_roles.for_opportunity(opportunity_id)
            current = _role(roles, role_id)
            role = dataclasses.replace(current, **clean(CONTACT_ROLE, data, creating=False))  # type: ignore[arg-type]
            if role.contact_id != current.contact_id:
                _check_contact(uow, role.contact_id, opp, allow_other_accounts)
            check_contact_roles([*(r for r in roles if r.id != role_id), role])
            _save_role(lambda: uow.contact_roles.update(role))
            uow.commit()
        return role

    def remove_contact_role(self, actor: User, opportunity_id: int, role_id: int) -> None:
        """Take a contact role off the opportunity."""
        with UnitOfWork(self.engine, write=True) as uow:
            _get(uow, opportunity_id, actor, Access.EDIT)
            _role(uow.contact_roles.for_opportunity(opportunity_id), role_id)
            uow.contact_roles.delete(role_id)
            uow.commit()


# --- helpers -----------------------------------------------------------------------------------


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _get(
    uow: UnitOfWork, opportunity_id: int, actor: User, needed: Access = Access.READ
) -> Opportunity:
    """The opportunity, if it exists and ``actor`` has ``needed`` access to it."""
    opp = uow.opportunities.get(opportunity_id)
    if opp is None:
        raise NotFoundError.for_record("Opportunity", opportunity_id)
    owner = (opp.owner_id, None)  # read already: no second query for it
    require_access(uow, viewer_for(uow, actor), "opportunity", opportunity_id, needed, owner)
    return opp


def _role(roles: Sequence[ContactRole], role_id: int) -> ContactRole:
    found = next((r for r in roles if r.id == role_id), None)
    if found is None:
        raise NotFoundError.for_record("Contact role", role_id)
    return found


def _lookups(uow: UnitOfWork) -> OpportunityLookups:
    return cached(uow, "opportunity lookups", lambda: OpportunityLookups(
        load_pipeline(uow), load_lead_picklists(uow).sources, uow.users.all()
    ))  # fmt: skip


def _check_account(uow: UnitOfWork, account_id: int) -> None:
    if not uow.opportunities.account_exists(account_id):
        raise ValidationError.single(
            "account_id", "INVALID_CROSS_REFERENCE_KEY", f"No account with id {account_id}"
        )
    merged = merged_account_errors(uow, account_id)
    if merged:
        raise ValidationError(merged)


def _check_owner(uow: UnitOfWork, owner_id: int) -> None:
    if owner_id not in uow.users.existing_active_ids([owner_id]):
        raise ValidationError.single(
            "owner_id", "INVALID_CROSS_REFERENCE_KEY", f"No active user with id {owner_id}"
        )


def _check_contact(
    uow: UnitOfWork, contact_id: int, opp: Opportunity, allow_other_accounts: bool
) -> None:
    exists, account_id = uow.contact_roles.contact_account(contact_id)
    if not exists:
        raise ValidationError.single(
            "contact_id", "INVALID_CROSS_REFERENCE_KEY", f"No contact with id {contact_id}"
        )
    merged = merged_references(uow, {"contact_id": contact_id})
    if merged:
        raise ValidationError(merged)
    check_contact_account(account_id, opp.account_id, allow_other_accounts=allow_other_accounts)


def _save_role(save: Any) -> Any:
    """Run a contact role write; the database's unique indexes back the service's checks
    when two people add roles at once."""
    try:
        return save()
    except IntegrityError as exc:
        raise ValidationError.single(
            "is_primary", "DUPLICATE_VALUE", "This role or a primary role already exists"
        ) from exc


def _stale(opp: Opportunity) -> StaleRecordError:
    return StaleRecordError(
        f"Opportunity {opp.id} was changed by someone else (now version {opp.version}); "
        "reload it and try again"
    )


# --- the board -----------------------------------------------------------------------------

_NO_TOTALS = Totals(0, Decimal("0.00"), Decimal("0.00"))


def _column_query(
    filters: OpportunityFilters | None,
    cursor: str | None,
    limit: int,
    lookups: OpportunityLookups,
    actor: User,
    max_limit: int,
) -> OpportunityQuery:
    """The board's filters as a query by close date; their stage, state, sort, cursor and
    limit are replaced by the column's (the stage is set per column)."""
    base = dataclasses.replace(
        filters or OpportunityFilters(),
        stage=(), state=None, sort="close_date", cursor=cursor, limit=limit, with_total=False,
    )  # fmt: skip
    return _resolve(base, lookups, actor, max_limit)


def _check_per_column(per_column: int, max_limit: int) -> None:
    if not 0 <= per_column <= max_limit:
        raise ValidationError.single(
            "per_column", "NUMBER_OUTSIDE_VALID_RANGE", f"Must be between 0 and {max_limit}"
        )


def _columns(
    uow: UnitOfWork,
    query: OpportunityQuery,
    pipeline: Pipeline,
    totals: Mapping[int, Totals],
    per_column: int,
) -> tuple[BoardColumn, ...]:
    """A column for each active open stage in sort order; one read names every card's
    account for all columns."""
    stages = [s for s in pipeline.stages if s.is_active and not s.is_closed]
    pages = [_column_page(uow, query, stage.id, per_column) for stage in stages]
    names = uow.opportunities.account_names(o.account_id for p in pages for o in p.items)
    return tuple(
        BoardColumn(stage, page, totals.get(stage.id, _NO_TOTALS), names)
        for stage, page in zip(stages, pages, strict=True)
    )


def _column_page(
    uow: UnitOfWork, query: OpportunityQuery, stage_id: int, size: int
) -> Page[Opportunity]:
    """The first ``size`` cards of a stage's column (none asked, none read)."""
    if size < 1:
        return Page([])
    return uow.opportunities.page(dataclasses.replace(query, stage_ids=(stage_id,)))


def _zone(
    pipeline: Pipeline, totals: Mapping[int, Totals], kind: Callable[[Stage], bool]
) -> BoardZone:
    """A drop zone: the first active stage of its kind, and the totals of every stage of
    that kind (inactive ones too: their opportunities stay closed that way)."""
    stages = [s for s in pipeline.stages if kind(s)]
    target = next(s for s in stages if s.is_active)  # the stage list rules keep one active
    parts = [totals[s.id] for s in stages if s.id in totals]
    return BoardZone(target, _sum_totals(parts))


def _sum_totals(parts: Sequence[Totals]) -> Totals:
    return Totals(
        sum((p.count for p in parts), 0),
        sum((p.amount for p in parts), Decimal("0.00")),
        sum((p.expected_revenue for p in parts), Decimal("0.00")),
    )


# --- filters -------------------------------------------------------------------------------


def _resolve(
    filters: OpportunityFilters, lookups: OpportunityLookups, actor: User, max_limit: int
) -> OpportunityQuery:
    """Turn user-facing filters into a query; raise one error naming every bad filter."""
    resolver = FilterResolver(users=lookups.users, actor=actor, max_limit=max_limit)
    stage_ids = _label_ids(resolver, "stage", filters.stage, lookups.pipeline.stages)
    owner_ids = resolver.owners(filters.owner)
    account_ids = resolver.ids("account", filters.account)
    is_closed, is_won = _state(resolver, filters.state)
    if filters.close_from and filters.close_to and filters.close_from > filters.close_to:
        resolver.errors.append(
            FieldError("close_to", "INVALID_RANGE", "Must not be before close_from")
        )
    search = resolver.search(filters.q)
    request = resolver.window(
        filters.sort, filters.cursor, filters.limit, filters.with_total, OPPORTUNITY_SORT_FIELDS
    )
    query = _with_report_filters(
        OpportunityQuery(
            request, stage_ids=stage_ids, owner_ids=owner_ids, account_ids=account_ids,
            is_closed=is_closed, is_won=is_won, close_from=filters.close_from,
            close_to=filters.close_to, search=search,
        ),
        resolver, filters, lookups,
    )  # fmt: skip
    resolver.finish()
    return query


def _with_report_filters(
    query: OpportunityQuery,
    resolver: FilterResolver,
    filters: OpportunityFilters,
    lookups: OpportunityLookups,
) -> OpportunityQuery:
    """``query`` narrowed by the filters reports drill through with (errors collected)."""
    created_from, created_to = resolver.created(filters.created_from, filters.created_to)
    return dataclasses.replace(
        query,
        lead_source_ids=_label_ids(
            resolver, "lead_source", filters.lead_source, lookups.lead_sources
        ),
        forecast_categories=resolver.choices(
            "forecast_category", filters.forecast_category, FORECAST_CATEGORIES
        ),
        lost_reason_ids=_label_ids(
            resolver, "lost_reason", filters.lost_reason, lookups.pipeline.lost_reasons
        ),
        created_from=created_from,
        created_to=created_to,
        stage_entered_before=_day_after(filters.stage_entered_to),
    )


def _label_ids(
    resolver: FilterResolver,
    field: str,
    labels: Sequence[str],
    values: Sequence[Stage] | Sequence[PicklistValue],
) -> tuple[int, ...]:
    """The ids of the values with these labels (any case); an unknown one names ``field``."""
    ids: list[int] = []
    for label in split(labels):
        found = find_by_label(values, label)
        if found is None:
            resolver.fail(field, f"Unknown {field} '{label}'")
        else:
            ids.append(found.id)
    return tuple(ids)


def _day_after(day: date | None) -> datetime | None:
    """The first moment after the UTC day ``day``: what began before it began on or before
    that day."""
    if day is None or day == date.max:  # nothing comes after the last day there is
        return None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _state(resolver: FilterResolver, state: str | None) -> tuple[bool | None, bool | None]:
    if not state:
        return None, None
    flags = _STATE_FLAGS.get(state.strip().lower())
    if flags is None:
        resolver.fail("state", f"State must be one of: {', '.join(STATES)}")
        return None, None
    return flags
