"""What every command needs: the settings, the opened installation and the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from opportune.domain.users import User
from opportune.errors import AuthenticationError, OpportuneError
from opportune.services import Opportune
from opportune.settings import Settings

NO_USERS = "No users yet: run `opportune user create` or `opportune demo` first"


@dataclass
class CliState:
    """Lazily opened resources of one CLI invocation; closed when it ends."""

    user_email: str | None = None
    # An API token to act as its user (kept out of repr so it never reaches a log).
    token: str | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)
    _core: Opportune | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """Settings read from the environment now (not cached across invocations)."""
        if self._settings is None:
            self._settings = Settings()
        return self._settings

    def open(self, *, migrated: bool = True) -> Opportune:
        """The installation; unless told otherwise, refuse a database that is not migrated."""
        if self._core is None:
            self._core = Opportune(self.settings)
        if migrated:
            check_migrated(self._core)
        return self._core

    def actor(self) -> User:
        """The acting user: ``--token``'s user, ``--user EMAIL`` or, by default, the first
        active administrator. Every command's reads and writes follow this user's access."""
        core = self.open()
        if self.token and self.user_email:
            raise OpportuneError("Pass --user or --token, not both", code="INVALID_OPTIONS")
        if self.token:
            return core.auth.user_for_token(self.token)
        if self.user_email:
            user = core.users.get_by_email(self.user_email)
            if not user.is_active:
                raise AuthenticationError(f"User {user.email} is inactive")
            return user
        users = core.users.list()
        if not users:
            raise OpportuneError(NO_USERS, code="NO_USERS")
        admins = sorted((u for u in users if u.is_admin and u.is_active), key=lambda u: u.id or 0)
        if not admins:
            raise OpportuneError(
                "No active administrator: pass --user EMAIL", code="NO_ACTIVE_ADMIN"
            )
        return admins[0]

    def close(self) -> None:
        """Release database connections."""
        if self._core is not None:
            self._core.close()
            self._core = None


def check_migrated(core: Opportune) -> None:
    """Raise a clear error unless the database schema is at the code's newest revision."""
    if core.schema_is_current():
        return
    current = core.schema_revision()
    head = core.head_revision()
    where = database_label(core)
    if current is None:
        raise OpportuneError(
            f"The database {where} is not set up: run `opportune db upgrade`",
            code="DATABASE_NOT_MIGRATED",
        )
    raise OpportuneError(
        f"The database {where} is at revision {current} but Opportune needs {head}: "
        "run `opportune db upgrade`",
        code="DATABASE_NOT_MIGRATED",
    )


def database_label(core: Opportune) -> str:
    """The database URL without its password, for messages."""
    return core.engine.url.render_as_string(hide_password=True)


def get_state(ctx: typer.Context) -> CliState:
    """The invocation's state, set up by the root callback."""
    state = ctx.find_root().obj
    assert isinstance(state, CliState), "commands run under the opportune root command"
    return state
