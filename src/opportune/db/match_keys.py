"""Duplicate keys stored beside accounts and contacts, so matching can use indexes.

Keys are derived from a record's own fields (see :mod:`opportune.domain.duplicates`);
every write path sets them: :func:`with_keys` on inserts, :func:`refresh_keys` after
updates that may have changed their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, bindparam, select, update

from opportune.db import tables as t
from opportune.domain.duplicates import (
    company_key,
    email_key,
    name_key,
    phone_key,
    sound_key,
    website_domain,
)

__all__ = ["KEY_SOURCES", "keys_of", "refresh_keys", "with_keys"]

# The fields each kind's keys are made from.
KEY_SOURCES: dict[str, frozenset[str]] = {
    "account": frozenset({"name", "website", "phone"}),
    "contact": frozenset({"email", "first_name", "last_name", "phone"}),
    "lead": frozenset({"email", "first_name", "last_name", "phone", "company"}),
}
_TABLES: dict[str, Table] = {"account": t.accounts, "contact": t.contacts, "lead": t.leads}


def keys_of(kind: str, values: Mapping[str, Any] | RowMapping) -> dict[str, str | None]:
    """The keys of an account, contact or lead with these field values."""
    if kind == "account":
        return {"name_key": company_key(values.get("name")),
                "website_domain": website_domain(values.get("website")),
                "phone_key": phone_key(values.get("phone"))}  # fmt: skip
    first, last = values.get("first_name"), values.get("last_name")
    keys = {
        "email_key": email_key(values.get("email")),
        "name_key": name_key(first, last),
        "phone_key": phone_key(values.get("phone")),
        "sound_key": sound_key(first, last),
    }
    if kind == "lead":
        keys["company_key"] = company_key(values.get("company"))
    return keys


def with_keys(
    kind: str, row: Mapping[str, Any], known: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """An insert row with its keys added. ``known`` are the lookup keys by key kind the
    duplicate checks already computed from this row's values (see
    :func:`opportune.domain.duplicate_rules.key_values`): a lead's are used, not recomputed."""
    if kind == "lead" and known is not None:
        return {**row, "email_key": known["email"],
                "name_key": name_key(row.get("first_name"), row.get("last_name")),
                "phone_key": known["phone"], "sound_key": known["sound"],
                "company_key": known["company"]}  # fmt: skip
    return {**row, **keys_of(kind, row)}


def refresh_keys(conn: Connection, kind: str, ids: Iterable[int]) -> None:
    """Recompute the keys of these records from what they hold now."""
    wanted = set(ids)
    if not wanted:
        return
    table = _TABLES[kind]
    sources = [table.c[name] for name in sorted(KEY_SOURCES[kind])]
    rows = conn.execute(select(table.c.id, *sources).where(table.c.id.in_(wanted))).mappings()
    params = [{"b_id": row["id"], **{f"b_{k}": v for k, v in keys_of(kind, row).items()}}
              for row in rows]  # fmt: skip
    if params:
        names = [k for k in params[0] if k != "b_id"]
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        conn.execute(stmt.values({n[2:]: bindparam(n) for n in names}), params)
