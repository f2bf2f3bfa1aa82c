"""Free-text lead search backed by a trigram index on each engine.

A search word matches when it appears anywhere in the first name, last name, company or
email. SQLite keeps an FTS5 ``trigram`` table in step with ``leads`` through triggers;
PostgreSQL keeps a ``pg_trgm`` GIN index on the same four columns joined by spaces (a
word has no spaces, so it matches the joined text exactly when it matches one column).
Words shorter than three characters have no trigram and fall back to a plain scan.

These objects are created by migration 0002 in raw SQL, so schema comparison skips them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    literal_column,
    or_,
    select,
    text,
)

from opportune.db import tables as t

SQLITE_TABLE = "leads_search"
PG_INDEX = "ix_leads_search_trgm"
# The exact expression of the PostgreSQL index; queries must repeat it to use the index.
PG_TEXT = (
    "(coalesce(first_name, '') || ' ' || last_name || ' ' || company || ' ' || coalesce(email, ''))"
)
TRIGRAM = 3


def is_search_object(name: str | None) -> bool:
    """True for the search table, its FTS5 shadow tables and the trigram index."""
    return bool(name) and (str(name).startswith(SQLITE_TABLE) or name == PG_INDEX)


def search_filters(search: str | None, dialect: str) -> list[ColumnElement[bool]]:
    """One condition per word: each word must appear in name, company or email."""
    words = (search or "").split()
    long_words = [w for w in words if len(w) >= TRIGRAM]
    filters = [_scan(word) for word in words if len(word) < TRIGRAM]
    if dialect == "sqlite" and long_words:
        filters.append(_fts_match(long_words))
    else:
        filters.extend(_pg_trigram(word) for word in long_words)
    return filters


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _scan(word: str) -> ColumnElement[bool]:
    c = t.leads.c
    pattern = _like_pattern(word)
    columns = (c.first_name, c.last_name, c.company, c.email)
    return or_(*(col.ilike(pattern, escape="\\") for col in columns))


def _fts_match(words: list[str]) -> ColumnElement[bool]:
    # Each word is one quoted FTS5 string: a substring match, operators taken literally.
    query = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    matches: Select[tuple[Any]] = (
        select(literal_column("rowid"))
        .select_from(text(SQLITE_TABLE))
        .where(text(f"{SQLITE_TABLE} MATCH :search_query").bindparams(search_query=query))
    )
    return t.leads.c.id.in_(matches.scalar_subquery())


def _pg_trigram(word: str) -> ColumnElement[bool]:
    pattern: BindParameter[str] = bindparam(None, _like_pattern(word))
    return literal_column(PG_TEXT).ilike(pattern, escape="\\")
