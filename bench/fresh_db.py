"""A fresh PostgreSQL database for one benchmark run, dropped afterwards.

Used by the benchmarks that take ``--database postgresql`` (leads.py, board.py,
pipeline.py): ``--postgres URL`` names the server (any database on it; the admin
connection goes to ``postgres``), and the run gets a database of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def psycopg_url(url: str) -> URL:
    """``url`` with the psycopg 3 driver (a bare ``postgresql://`` would mean psycopg2)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg") if "+" not in parsed.drivername else parsed


@contextmanager
def fresh_postgres(server: str, prefix: str) -> Iterator[str]:
    """The URL of a new database ``PREFIX_xxxxxxxx`` on ``server``, dropped at the end."""
    url = psycopg_url(server)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
