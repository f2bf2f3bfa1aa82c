"""Lead statuses, lead sources and close reasons."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.picklists import LeadStatus, PicklistValue


class PicklistRepository:
    """Lead statuses, lead sources and close reasons."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def statuses(self) -> tuple[LeadStatus, ...]:
        """Lead statuses in sort order."""
        ls = t.lead_statuses
        rows = self.conn.execute(select(ls).order_by(ls.c.sort_order, ls.c.id)).mappings()
        return tuple(LeadStatus(**r) for r in rows)

    def values(self, table: str) -> tuple[PicklistValue, ...]:
        """Values of ``lead_sources`` or ``lead_close_reasons`` in sort order."""
        tbl = _picklist(table)
        rows = self.conn.execute(select(tbl).order_by(tbl.c.sort_order, tbl.c.id)).mappings()
        return tuple(PicklistValue(**r) for r in rows)

    def save_status(self, status: LeadStatus) -> int:
        """Insert (id 0) or update a status; return its id."""
        return self._save(t.lead_statuses, dataclasses.asdict(status))

    def save_value(self, table: str, value: PicklistValue) -> int:
        """Insert (id 0) or update a source or close reason; return its id."""
        return self._save(_picklist(table), dataclasses.asdict(value))

    def clear_default_status(self) -> None:
        """Unmark the current default status (before another one becomes the default)."""
        stmt = update(t.lead_statuses).where(t.lead_statuses.c.is_default).values(is_default=False)
        self.conn.execute(stmt)

    def _save(self, table: Any, values: dict[str, Any]) -> int:
        row_id = values.pop("id")
        if row_id:
            self.conn.execute(update(table).where(table.c.id == row_id).values(values))
            return int(row_id)
        return new_id(self.conn.execute(insert(table).values(values)))


def _picklist(table: str) -> Any:
    return {"lead_sources": t.lead_sources, "lead_close_reasons": t.lead_close_reasons}[table]
