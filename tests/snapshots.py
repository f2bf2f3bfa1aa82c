"""Whole-database snapshots, to show that an operation changed nothing (or undid everything)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from opportune import Opportune
from opportune.db import tables as t


def every_row(
    core: Opportune, *, but_tables: Iterable[str] = (), but_columns: Iterable[str] = ()
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by primary key, leaving out the tables and columns named."""
    skip_tables, skip_columns = set(but_tables), set(but_columns)
    snapshot: dict[str, list[dict[str, Any]]] = {}
    with core.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            if table.name in skip_tables:
                continue
            columns = [c for c in table.c if c.name not in skip_columns]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            snapshot[table.name] = [dict(row) for row in rows.mappings()]
    return snapshot


def all_but_conversion_records(core: Opportune) -> dict[str, list[dict[str, Any]]]:
    """Every row but the records a conversion and its undo leave behind: the conversion
    record, and the log of the records the undo deleted (for integrations' ``deleted/``)."""
    return every_row(core, but_tables=("lead_conversions", "deleted_records"))
