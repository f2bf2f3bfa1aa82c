"""Users and their API tokens."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    insert,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.users import Role, User


class UserRepository:
    """Users and their API tokens."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: int) -> User | None:
        """The user with this id, if any."""
        row = self.conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        stmt = select(t.users).where(func.lower(t.users.c.email) == email.strip().lower())
        row = self.conn.execute(stmt).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        """All users, by name."""
        rows = self.conn.execute(select(t.users).order_by(t.users.c.name, t.users.c.id))
        return [_user(r) for r in rows]

    def existing_active_ids(self, ids: Iterable[int]) -> set[int]:
        """The subset of ``ids`` that are active users."""
        stmt = select(t.users.c.id).where(t.users.c.id.in_(list(ids)), t.users.c.is_active)
        return set(self.conn.execute(stmt).scalars())

    def count(self) -> int:
        """How many users exist."""
        return int(self.conn.execute(select(func.count()).select_from(t.users)).scalar_one())

    def add(self, user: User) -> int:
        """Insert a user and return its id."""
        values = _user_values(user)
        return new_id(self.conn.execute(insert(t.users).values(values)))

    def update(self, user: User) -> None:
        """Save a changed user."""
        stmt = update(t.users).where(t.users.c.id == user.id).values(_user_values(user))
        self.conn.execute(stmt)

    def add_token(self, **values: Any) -> int:
        """Insert an API token row (its hash, never the token) and return its id."""
        return new_id(self.conn.execute(insert(t.api_tokens).values(values)))

    def token_by_hash(self, token_hash: str) -> dict[str, Any] | None:
        """The token row with this hash, if any."""
        stmt = select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def tokens_of(self, user_id: int) -> list[dict[str, Any]]:
        """A user's tokens, newest first."""
        stmt = (
            select(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id)
            .order_by(t.api_tokens.c.id.desc())
        )
        return [dict(r) for r in self.conn.execute(stmt).mappings()]

    def touch_token(self, token_id: int, when: datetime) -> None:
        """Record that a token was used."""
        stmt = update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=when)
        self.conn.execute(stmt)

    def revoke_token(self, token_id: int, user_id: int, when: datetime) -> bool:
        """Revoke one of a user's tokens; return False when there is no such token."""
        stmt = (
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.user_id == user_id)
            .values(revoked_at=when)
        )
        return self.conn.execute(stmt).rowcount == 1


def _user(row: Any) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        name=m["name"],
        email=m["email"],
        role=Role(m["role"]),
        password_hash=m["password_hash"],
        is_active=m["is_active"],
        created_at=m["created_at"],
    )


def _user_values(user: User) -> dict[str, Any]:
    values = dataclasses.asdict(user)
    values["role"] = user.role.value
    values.pop("id")
    return values
