"""Shared fixtures: a migrated database per test, on SQLite and (when enabled) PostgreSQL.

PostgreSQL runs when ``OPPORTUNE_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it). Each
test gets its own database, copied from a template migrated once per session, and the
PostgreSQL ones are dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Cheap password hashing for tests only (production keeps pwdlib's recommended costs).
os.environ.setdefault("OPPORTUNE_ENV", "test")
os.environ.setdefault("OPPORTUNE_ARGON2_TIME_COST", "1")
os.environ.setdefault("OPPORTUNE_ARGON2_MEMORY_COST", "1024")

from opportune import Opportune, Settings, User
from opportune.db import migrate
from opportune.db.engine import make_engine

PG_URL = os.environ.get("OPPORTUNE_TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PASSWORD = "correct-horse-1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once per test session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_execute(sql: str) -> None:
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def pg_url_for(name: str) -> str:
    """The URL of database ``name`` on the test PostgreSQL server."""
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per session, used as a template; dropped after."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need OPPORTUNE_TEST_POSTGRES_URL")
    name = f"opp_tpl_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(pg_url_for(name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PgClones:
    """Copies of the template database, made one test ahead by a thread of their own.

    PostgreSQL spends up to a second on each CREATE and DROP DATABASE, mostly waiting on the
    disk: a drop waits for a checkpoint, which writes out every test's changes, and a
    checkpoint slows the next copy down too. So used copies are kept while tests run and
    dropped side by side at the end (drops waiting together share a checkpoint); only when
    more than ``KEEP`` are waiting are the oldest dropped meanwhile, to bound the disk used
    (each copy is about 10 MB)."""

    KEEP = 300
    DROPPERS = 4

    def __init__(self, template: str) -> None:
        self.template = template
        self.maker = ThreadPoolExecutor(1, thread_name_prefix="pg-clones")
        self.dropper = ThreadPoolExecutor(1, thread_name_prefix="pg-drops")
        self.upcoming: Future[str] | None = None
        self.used: list[str] = []

    def take(self) -> str:
        """A fresh copy of the template (and start making the next one)."""
        copy = self.upcoming or self.maker.submit(self._clone)
        self.upcoming = self.maker.submit(self._clone)
        return copy.result()

    def give_back(self, name: str) -> None:
        """Keep a used copy for dropping later."""
        self.used.append(name)
        if len(self.used) > self.KEEP:
            oldest, self.used = self.used[: self.KEEP // 2], self.used[self.KEEP // 2 :]
            for old in oldest:
                self.dropper.submit(_drop, old)

    def close(self) -> None:
        """Drop everything made, waiting for it."""
        if self.upcoming is not None:
            self.used.append(self.upcoming.result())
        self.maker.shutdown()
        self.dropper.shutdown()  # waits for the drops under way
        with ThreadPoolExecutor(self.DROPPERS, thread_name_prefix="pg-drops") as droppers:
            list(droppers.map(_drop, self.used))

    def _clone(self) -> str:
        name = f"opp_t_{uuid.uuid4().hex[:12]}"
        _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        # A test's commits need not wait for the disk (a lost test database is no loss):
        # on a machine with slow fsync, waiting on each commit dominated PostgreSQL tests.
        # The setting is the test database's own; the shared server's stays as it is.
        _pg_execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return name


def _drop(name: str) -> None:
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_clones(pg_template: str) -> Iterator[PgClones]:
    """The session's maker of migrated PostgreSQL databases."""
    clones = PgClones(pg_template)
    yield clones
    clones.close()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """An empty, never-migrated PostgreSQL database for this test; dropped after."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need OPPORTUNE_TEST_POSTGRES_URL")
    name = f"opp_t_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    yield pg_url_for(name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database of each engine, as a URL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "opportune.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    clones: PgClones = request.getfixturevalue("pg_clones")
    name = clones.take()
    yield pg_url_for(name)
    clones.give_back(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A freshly migrated SQLite database only (for CLI and browser tests)."""
    path = tmp_path / "opportune.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_settings(database_url: str, tmp_path: Path) -> Settings:
    """Test settings for a database URL. The web app runs background jobs in its own
    process on both engines, so tests need no separate ``opportune worker``."""
    return Settings(
        env="test", database_url=database_url, data_dir=tmp_path / "data", embedded_worker=True
    )


@pytest.fixture
def core(database_url: str, tmp_path: Path) -> Iterator[Opportune]:
    """An Opportune installation on a fresh database of each engine."""
    app = Opportune(make_settings(database_url, tmp_path))
    yield app
    app.close()


def add_user(core: Opportune, name: str, role: str, actor: User | None = None) -> User:
    """Create a user whose email is derived from ``name`` and whose password is PASSWORD."""
    email = f"{name.lower().replace(' ', '.')}@example.com"
    data = {"name": name, "email": email, "role": role, "password": PASSWORD}
    return core.users.create(actor, data)


@pytest.fixture
def admin(core: Opportune) -> User:
    """An administrator."""
    return add_user(core, "Ada Admin", "admin")


@pytest.fixture
def manager(core: Opportune) -> User:
    """A sales manager."""
    return add_user(core, "Max Manager", "manager")


@pytest.fixture
def rep(core: Opportune) -> User:
    """A sales rep."""
    return add_user(core, "Rae Rep", "rep")
