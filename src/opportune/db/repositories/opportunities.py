"""The pipeline: stages and lost reasons, opportunities, their stage history and contact roles."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Numeric,
    RowMapping,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.db.repositories._keyset import Keyset, KeysetRequest
from opportune.db.repositories.stage_periods import StageEntry, StagePeriodRepository
from opportune.db.visibility import visibility_filters
from opportune.domain.history import StageSnapshot
from opportune.domain.listing import Page
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.picklists import PicklistValue
from opportune.domain.sharing import Viewer
from opportune.domain.stages import Stage

OPPORTUNITY_COLUMNS = tuple(f.name for f in dataclasses.fields(Opportunity))
_CENT = Decimal("0.01")
_MONEY = Numeric(20, 2)
# Built once: the statement of every opportunity view is not worth rebuilding per request.
_ONE_OPPORTUNITY = select(t.opportunities).where(t.opportunities.c.id == bindparam("opp_id"))


@dataclass(frozen=True, slots=True)
class OpportunityQuery:
    """A resolved opportunity list request: which page, and filters as ids and values.

    ``is_closed`` and ``is_won`` filter by state when set; ``close_from`` and ``close_to``
    bound the close date, both inclusive; ``search`` words must all appear in the name.
    ``created_from`` (inclusive) and ``created_to`` (exclusive) bound the creation moment;
    ``stage_entered_before`` keeps opportunities whose current stay in their stage began
    before that moment.
    """

    request: KeysetRequest
    stage_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    account_ids: tuple[int, ...] = ()
    is_closed: bool | None = None
    is_won: bool | None = None
    close_from: date | None = None
    close_to: date | None = None
    search: str | None = None
    lead_source_ids: tuple[int, ...] = ()
    forecast_categories: tuple[str, ...] = ()
    lost_reason_ids: tuple[int, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    stage_entered_before: datetime | None = None
    # Whose access rules apply (None: everything).
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """How many opportunities match, their summed amount and summed expected revenue."""

    count: int
    amount: Decimal
    expected_revenue: Decimal


class StageRepository:
    """The stage list and the lost reasons."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def stages(self) -> tuple[Stage, ...]:
        """Every stage, inactive ones included, in sort order."""
        st = t.opportunity_stages
        rows = self.conn.execute(select(st).order_by(st.c.sort_order, st.c.id)).mappings()
        return tuple(Stage(**r) for r in rows)

    def save_stage(self, stage: Stage) -> int:
        """Insert (id 0) or update a stage; return its id."""
        return _save(self.conn, t.opportunity_stages, dataclasses.asdict(stage))

    def lost_reasons(self) -> tuple[PicklistValue, ...]:
        """Every lost reason, inactive ones included, in sort order."""
        lr = t.opportunity_lost_reasons
        rows = self.conn.execute(select(lr).order_by(lr.c.sort_order, lr.c.id)).mappings()
        return tuple(PicklistValue(**r) for r in rows)

    def save_lost_reason(self, value: PicklistValue) -> int:
        """Insert (id 0) or update a lost reason; return its id."""
        return _save(self.conn, t.opportunity_lost_reasons, dataclasses.asdict(value))


class OpportunityRepository:
    """Opportunities: single rows, keyset-paginated lists and set-based totals."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, opportunity_id: int) -> Opportunity | None:
        """The opportunity with this id, if any."""
        row = self.conn.execute(_ONE_OPPORTUNITY, {"opp_id": opportunity_id}).mappings().first()
        return opportunity_from_row(row) if row else None

    def add(self, opportunity: Opportunity) -> int:
        """Insert an opportunity and return its id."""
        values = {name: getattr(opportunity, name) for name in OPPORTUNITY_COLUMNS}
        if values["id"] is None:
            values.pop("id")
        return new_id(self.conn.execute(insert(t.opportunities).values(values)))

    def update(self, opp: Opportunity, changed: Iterable[str], expected_version: int) -> bool:
        """Save changed columns if the stored version is still ``expected_version``."""
        values = {name: getattr(opp, name) for name in changed}
        if not values:
            return True
        c = t.opportunities.c
        stmt = (
            update(t.opportunities)
            .where(c.id == opp.id, c.version == expected_version)
            .values(values)
        )
        return self.conn.execute(stmt).rowcount == 1

    def delete(self, opportunity_id: int) -> bool:
        """Delete an opportunity (its history and contact roles go with it)."""
        opp = t.opportunities
        return self.conn.execute(delete(opp).where(opp.c.id == opportunity_id)).rowcount == 1

    def activity_count(self, opportunity_id: int) -> int:
        """How many activities are about the opportunity."""
        a = t.activities
        stmt = select(func.count()).select_from(a).where(a.c.opportunity_id == opportunity_id)
        return int(self.conn.execute(stmt).scalar_one())

    def count(self) -> int:
        """How many opportunities exist."""
        stmt = select(func.count()).select_from(t.opportunities)
        return int(self.conn.execute(stmt).scalar_one())

    def page(self, query: OpportunityQuery) -> Page[Opportunity]:
        """One page of opportunities matching ``query``, with neighbour cursors."""
        return OPPORTUNITY_PAGES.page(self.conn, _filters(query), query.request)

    def totals(self, query: OpportunityQuery) -> Totals:
        """Count, amount and expected revenue of every match, summed by the database.

        Expected revenue is summed per row rounded to cents, as each opportunity shows it.
        """
        count, amount, expected = self.conn.execute(
            select(*_TOTAL_COLUMNS).where(*_filters(query))
        ).one()
        return Totals(int(count), _money(amount), _money(expected))

    def totals_by_stage(self, query: OpportunityQuery) -> dict[int, Totals]:
        """:meth:`totals` for each stage with matches, in one grouped statement (the whole
        board's column headers at once); stages without matches are left out."""
        stage = t.opportunities.c.stage_id
        stmt = select(stage, *_TOTAL_COLUMNS).where(*_filters(query)).group_by(stage)
        return {
            stage_id: Totals(int(count), _money(amount), _money(expected))
            for stage_id, count, amount, expected in self.conn.execute(stmt)
        }

    def account_names(self, account_ids: Iterable[int]) -> dict[int, str]:
        """The names of these accounts by id (cards show them without a join per row)."""
        wanted = sorted(set(account_ids))
        if not wanted:
            return {}
        a = t.accounts.c
        rows = self.conn.execute(select(a.id, a.name).where(a.id.in_(wanted)))
        return {row.id: row.name for row in rows}

    def account_exists(self, account_id: int) -> bool:
        """True when an account with this id exists."""
        stmt = select(t.accounts.c.id).where(t.accounts.c.id == account_id)
        return self.conn.execute(stmt).first() is not None


class OpportunityHistoryRepository:
    """Stage history: one snapshot of the pipeline values per tracked change."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, snapshot: StageSnapshot) -> int:
        """Store a snapshot and return its id; a new stage also ends the current stay in
        the previous one and opens another (``opportunity_stage_periods``)."""
        values = dataclasses.asdict(snapshot)
        values.pop("id")
        snapshot_id = new_id(self.conn.execute(insert(t.opportunity_history).values(values)))
        StagePeriodRepository(self.conn).record_many([StageEntry.of(snapshot)])
        return snapshot_id

    def for_opportunity(self, opportunity_id: int) -> list[StageSnapshot]:
        """An opportunity's snapshots, oldest first."""
        oh = t.opportunity_history
        stmt = (
            select(oh)
            .where(oh.c.opportunity_id == opportunity_id)
            .order_by(oh.c.changed_at, oh.c.id)
        )
        return [StageSnapshot(**row) for row in self.conn.execute(stmt).mappings()]


class ContactRoleRepository:
    """The contacts taking part in an opportunity, each with a role."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_opportunity(self, opportunity_id: int) -> list[ContactRole]:
        """An opportunity's contact roles, primary first, then in the order they were added."""
        cr = t.opportunity_contact_roles
        stmt = (
            select(cr)
            .where(cr.c.opportunity_id == opportunity_id)
            .order_by(cr.c.is_primary.desc(), cr.c.id)
        )
        return [ContactRole(**row) for row in self.conn.execute(stmt).mappings()]

    def add(self, role: ContactRole) -> int:
        """Store a contact role and return its id."""
        values = dataclasses.asdict(role)
        values.pop("id")
        return new_id(self.conn.execute(insert(t.opportunity_contact_roles).values(values)))

    def update(self, role: ContactRole) -> None:
        """Save a changed contact role."""
        cr = t.opportunity_contact_roles
        values = dataclasses.asdict(role)
        values.pop("id")
        self.conn.execute(update(cr).where(cr.c.id == role.id).values(values))

    def delete(self, role_id: int) -> bool:
        """Remove a contact role; return False when it did not exist."""
        cr = t.opportunity_contact_roles
        return self.conn.execute(delete(cr).where(cr.c.id == role_id)).rowcount == 1

    def contact_account(self, contact_id: int) -> tuple[bool, int | None]:
        """Whether the contact exists, and the account it belongs to."""
        c = t.contacts.c
        row = self.conn.execute(select(c.account_id).where(c.id == contact_id)).first()
        return (False, None) if row is None else (True, row.account_id)


def _save(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    row_id = values.pop("id")
    if row_id:
        conn.execute(update(table).where(table.c.id == row_id).values(values))
        return int(row_id)
    return new_id(conn.execute(insert(table).values(values)))


def _total_columns() -> tuple[ColumnElement[Any], ...]:
    c = t.opportunities.c
    revenue = func.round(c.amount * c.probability * literal(_CENT, _MONEY), 2)
    return (func.count(), func.sum(c.amount, type_=_MONEY), func.sum(revenue, type_=_MONEY))


# Count, summed amount and summed expected revenue (per row rounded to cents).
_TOTAL_COLUMNS = _total_columns()


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(_CENT)


def _filters(query: OpportunityQuery) -> list[ColumnElement[bool]]:
    c = t.opportunities.c
    filters: list[ColumnElement[bool]] = []
    for column, values in (
        (c.stage_id, query.stage_ids),
        (c.owner_id, query.owner_ids),
        (c.account_id, query.account_ids),
    ):
        if len(values) == 1:
            filters.append(column == values[0])
        elif values:
            filters.append(column.in_(values))
    if query.is_closed is not None:
        filters.append(c.is_closed.is_(query.is_closed))
    if query.is_won is not None:
        filters.append(c.is_won.is_(query.is_won))
    if query.close_from is not None:
        filters.append(c.close_date >= query.close_from)
    if query.close_to is not None:
        filters.append(c.close_date <= query.close_to)
    filters.extend(_name_contains(word) for word in (query.search or "").split())
    filters.extend(_report_filters(query))
    filters.extend(visibility_filters("opportunity", query.viewer))
    return filters


def _report_filters(query: OpportunityQuery) -> list[ColumnElement[bool]]:
    """The conditions of the filters reports drill through with."""
    c = t.opportunities.c
    filters: list[ColumnElement[bool]] = []
    for column, values in (
        (c.lead_source_id, query.lead_source_ids),
        (c.forecast_category, query.forecast_categories),
        (c.lost_reason_id, query.lost_reason_ids),
    ):
        if values:
            filters.append(column.in_(values))
    if query.created_from is not None:
        filters.append(c.created_at >= query.created_from)
    if query.created_to is not None:
        filters.append(c.created_at < query.created_to)
    if query.stage_entered_before is not None:
        filters.append(_in_stage_since_before(query.stage_entered_before))
    return filters


def _in_stage_since_before(moment: datetime) -> ColumnElement[bool]:
    """The opportunity's current stay in its stage (the period not yet left) began before
    ``moment``: a correlated EXISTS the (opportunity_id, entered_at) index answers."""
    p = t.opportunity_stage_periods.c
    current = select(p.id).where(
        p.opportunity_id == t.opportunities.c.id,
        p.left_at.is_(None),
        p.entered_at < moment,
    )
    return current.exists()


def _name_contains(word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return t.opportunities.c.name.ilike(f"%{escaped}%", escape="\\")


def opportunity_from_row(row: RowMapping) -> Opportunity:
    """An opportunity from a row of its table (bookkeeping columns such as import_id left out)."""
    return Opportunity(**{name: row[name] for name in OPPORTUNITY_COLUMNS})


OPPORTUNITY_PAGES: Keyset[Opportunity] = Keyset(t.opportunities, opportunity_from_row)
