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
    # Sign-in attempts are bookkeeping of requests too (see REQUEST_ACTIONS), and so are the
    # Salesforce API's request count and the background jobs a running app keeps queued
    # (maintenance, purges) and runs on its own schedule, and the version number of the
    # tables each process caches (bumped by any write to them, even one changing nothing):
    # none of them is anyone's data.
    skip_tables = {*but_tables, "login_attempts", "api_usage_days", "jobs", "reference_versions"}
    skip_columns = set(but_columns)
    snapshot: dict[str, list[dict[str, Any]]] = {}
    with core.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            if table.name in skip_tables:
                continue
            columns = [c for c in table.c if c.name not in skip_columns]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            snapshot[table.name] = [dict(row) for row in rows.mappings()
                                    if table.name != "audit_log" or _a_change(row)]  # fmt: skip
    return snapshot


# Audit entries about a request itself (who signed in, which token was used or refused),
# not about a change to data: a refused request still writes them, by design.
REQUEST_ACTIONS = frozenset(
    {"token.used", "token.refused", "login.succeeded", "login.failed", "login.locked",
     "access.refused", "csrf.refused"}
)  # fmt: skip


def _a_change(row: Any) -> bool:
    return row.get("action") not in REQUEST_ACTIONS


def all_but_conversion_records(core: Opportune) -> dict[str, list[dict[str, Any]]]:
    """Every row but the records a conversion and its undo leave behind: the conversion
    record, the log of the records the undo deleted (for integrations' ``deleted/``), and
    the audit log, which keeps both events."""
    return every_row(core, but_tables=("lead_conversions", "deleted_records", "audit_log"))
