"""The SQL form of record-level access: which rows a viewer may read.

Every list, count, report, export, search and SOQL query adds :func:`visible_clause` for
its object, so a hidden record is missing everywhere at once. ``None`` means no filter.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, Table, or_, select, true

from opportune.db import tables as t
from opportune.domain.sharing import Viewer

OWNED_TABLES: dict[str, Table] = {
    "lead": t.leads,
    "account": t.accounts,
    "contact": t.contacts,
    "opportunity": t.opportunities,
}
_ACTIVITY_PARENTS = {"lead": t.activities.c.lead_id, "contact": t.activities.c.contact_id,
                     "account": t.activities.c.account_id,
                     "opportunity": t.activities.c.opportunity_id}  # fmt: skip


def visible_clause(
    object_type: str, viewer: Viewer | None, table: Table | None = None
) -> ColumnElement[bool] | None:
    """The condition on ``table`` (default: the object's table) for rows ``viewer`` may read.

    ``table`` may be an alias of the object's table (reports and SOQL join under aliases).
    """
    if viewer is None or viewer.is_admin:
        return None
    if object_type == "activity":
        return _activity_clause(viewer, table or t.activities)
    if viewer.sees_all(object_type):
        return None
    table = table if table is not None else OWNED_TABLES[object_type]
    owners = sorted(viewer.owners)
    rules = [table.c.owner_id == owners[0] if len(owners) == 1 else table.c.owner_id.in_(owners)]
    queues = sorted(viewer.queues)
    if queues and "queue_id" in table.c:
        rules.append(table.c.queue_id.in_(queues))
    rules.append(table.c.id.in_(_shared_ids(object_type, viewer)))
    return or_(*rules)


def _shared_ids(object_type: str, viewer: Viewer) -> Select[tuple[int]]:
    rs = t.record_shares
    grantee = rs.c.user_id == viewer.user_id
    if viewer.queues:
        grantee = or_(grantee, rs.c.queue_id.in_(sorted(viewer.queues)))
    return select(rs.c.record_id).where(rs.c.object_type == object_type, grantee)


def _activity_clause(viewer: Viewer, table: Table) -> ColumnElement[bool] | None:
    """Activities follow the record they are attached to; their owner always sees them."""
    rules: list[ColumnElement[bool]] = [table.c.owner_id.in_(sorted(viewer.owners))]
    for object_type, column in _ACTIVITY_PARENTS.items():
        parent = table.c[column.name]
        clause = visible_clause(object_type, viewer)
        if clause is None:
            rules.append(parent.is_not(None))
        else:
            ids = select(OWNED_TABLES[object_type].c.id).where(clause)
            rules.append(parent.in_(ids))
    return or_(*rules) if rules else true()


def visibility_filters(
    object_type: str, viewer: Viewer | None, table: Table | None = None
) -> list[ColumnElement[bool]]:
    """:func:`visible_clause` as a list of conditions to add to a query's WHERE (maybe none)."""
    clause = visible_clause(object_type, viewer, table)
    return [] if clause is None else [clause]
