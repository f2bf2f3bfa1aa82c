"""SOQL queries: checked against the served objects, run as one parameterised SELECT.

The query text is parsed (:func:`~opportune.domain.soql.parse_soql`), resolved into a
:class:`~opportune.domain.salesforce.soql_plan.Plan`, read through
:class:`~opportune.db.repositories.sobjects.SObjectRepository` and shaped into
Salesforce's JSON records. Results come in batches of at most 2,000 records with a
``nextRecordsUrl`` that carries a signed locator (see :mod:`.soql_locator`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opportune.db.repositories.sobjects import SObjectRepository
from opportune.domain.salesforce.soql_plan import Plan, plan_query
from opportune.domain.sharing import Viewer
from opportune.domain.soql import Query, parse_soql
from opportune.domain.users import User
from opportune.services.access import viewer_for
from opportune.services.salesforce.soql_locator import Cursor, read_locator, write_locator
from opportune.services.salesforce.soql_records import shape_rows
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["MAX_BATCH_SIZE", "SoqlService", "visible_rows"]

MAX_BATCH_SIZE = 2000


def visible_rows(uow: UnitOfWork, user: User) -> Viewer | None:
    """Whose rows ``user`` may read: the repository limits the queried object's rows, and
    each parent it joins, to those (see :mod:`opportune.db.visibility`).

    Every SOQL read, and so every Salesforce API read, goes through it: a record the
    user may not read is missing from results and counts, and a parent they may not
    read comes back null.
    """
    return viewer_for(uow, user)


class SoqlService:
    """Runs SOQL queries for a user, in Salesforce's REST result shape."""

    def __init__(self, core: Opportune) -> None:
        self.core = core

    def run(
        self, user: User, query: Query, *, version: str = "59.0", include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        """Every record (or aggregate row) of a parsed query, honouring LIMIT and OFFSET.

        ``include_deleted`` is queryAll's flag: records in Opportune's recycle bin are not
        exposed through SOQL, so they are never returned either way.
        """
        plan = self._plan(query, None)
        if plan.count_only:
            return []
        with UnitOfWork(self.core.engine) as uow:
            repository = SObjectRepository(uow.connection)
            rows = repository.rows(
                plan, visible_rows(uow, user), offset=plan.offset or 0, limit=plan.limit
            )
        return shape_rows(plan, rows, version)

    def query(
        self,
        user: User,
        soql: str,
        *,
        version: str = "59.0",
        all_rows: bool = False,
        batch_size: int = MAX_BATCH_SIZE,
    ) -> dict[str, Any]:
        """The first batch of a query: ``totalSize``, ``done``, ``records`` and, when more
        remain, ``nextRecordsUrl``. ``COUNT()`` gives the count as ``totalSize`` and no
        records. ``totalSize`` counts every matching row within LIMIT and OFFSET.

        ``all_rows`` is queryAll, which in Salesforce adds deleted and archived records:
        Opportune does not expose its recycle bin through SOQL, so it returns the same rows,
        and ``IsDeleted`` is always false.
        """
        plan = self._plan(parse_soql(soql), soql)
        batch = max(1, min(batch_size, MAX_BATCH_SIZE))
        with UnitOfWork(self.core.engine) as uow:
            repository = SObjectRepository(uow.connection)
            viewer = visible_rows(uow, user)
            total = _window(repository.count(plan, viewer), plan)
            if plan.count_only:
                return {"totalSize": total, "done": True, "records": []}
            assert user.id is not None
            cursor = Cursor(soql, user.id, 0, total, batch, all_rows)
            return self._page(repository, plan, viewer, cursor, version)

    def more(self, user: User, locator: str, *, version: str = "59.0") -> dict[str, Any]:
        """The batch a ``nextRecordsUrl`` locator points at (``query/{locator}``).

        Raises a 400 ``INVALID_QUERY_LOCATOR`` error for a locator this installation did
        not issue to ``user``.
        """
        assert user.id is not None
        cursor = read_locator(locator, self.core.settings.secret_key, user.id)
        plan = self._plan(parse_soql(cursor.soql), cursor.soql)
        with UnitOfWork(self.core.engine) as uow:
            repository = SObjectRepository(uow.connection)
            return self._page(repository, plan, visible_rows(uow, user), cursor, version)

    def _plan(self, query: Query, text: str | None) -> Plan:
        today = self.core.clock().date()
        fiscal = self.core.settings.fiscal_year_start_month
        return plan_query(query, text=text, today=today, fiscal_year_start_month=fiscal)

    def _page(
        self,
        repository: SObjectRepository,
        plan: Plan,
        viewer: Viewer | None,
        cursor: Cursor,
        version: str,
    ) -> dict[str, Any]:
        size = max(0, min(cursor.batch_size, cursor.total - cursor.position))
        rows = []
        if size:
            start = (plan.offset or 0) + cursor.position
            rows = repository.rows(plan, viewer, offset=start, limit=size)
        position = cursor.position + len(rows)
        # A short page means rows went away since the count: the result ends here.
        done = position >= cursor.total or len(rows) < size
        result: dict[str, Any] = {
            "totalSize": cursor.total,
            "done": done,
            "records": shape_rows(plan, rows, version),
        }
        if not done:
            following = Cursor(cursor.soql, cursor.user_id, position, cursor.total,
                               cursor.batch_size, cursor.all_rows)  # fmt: skip
            locator = write_locator(following, self.core.settings.secret_key)
            endpoint = "queryAll" if cursor.all_rows else "query"
            result["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{locator}"
        return result


def _window(matching: int, plan: Plan) -> int:
    """How many of ``matching`` rows the query's OFFSET and LIMIT leave."""
    remaining = max(0, matching - (plan.offset or 0))
    return remaining if plan.limit is None else min(remaining, plan.limit)
