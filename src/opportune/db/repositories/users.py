"""Users and their API tokens."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.users import Role, User

# Deeper reporting lines than this are not followed (no real organisation has one).
MAX_DEPTH = 50


# Built once: every API request looks its token up.
_TOKEN_BY_HASH = select(t.api_tokens).where(t.api_tokens.c.token_hash == bindparam("token_hash"))


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

    def managers_above(self, user_id: int) -> list[int]:
        """The user's manager, that manager's manager, and so on up the reporting line."""
        up = select(t.users.c.manager_id.label("id"), literal(1).label("depth"))
        up = up.where(t.users.c.id == user_id, t.users.c.manager_id.is_not(None))
        chain = up.cte("chain", recursive=True)
        step = select(t.users.c.manager_id, chain.c.depth + 1).join(
            chain, t.users.c.id == chain.c.id
        )
        # The depth cap stops a loop that bad data might hold from running forever.
        step = step.where(t.users.c.manager_id.is_not(None), chain.c.depth < MAX_DEPTH)
        chain = chain.union(step)
        rows = self.conn.execute(select(chain.c.id).order_by(chain.c.depth))
        return list(rows.scalars())

    def reports_below(self, user_id: int) -> set[int]:
        """Everyone who reports to the user, directly or through others."""
        down = select(t.users.c.id, literal(1).label("depth"))
        down = down.where(t.users.c.manager_id == user_id)
        tree = down.cte("tree", recursive=True)
        step = select(t.users.c.id, tree.c.depth + 1).join(tree, t.users.c.manager_id == tree.c.id)
        tree = tree.union(step.where(tree.c.depth < MAX_DEPTH))
        return set(self.conn.execute(select(tree.c.id)).scalars()) - {user_id}

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
        row = self.conn.execute(_TOKEN_BY_HASH, {"token_hash": token_hash}).mappings().first()
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

    def end_sessions(self, user_id: int, when: datetime) -> None:
        """End the user's browser sessions started at or before ``when``."""
        stmt = update(t.users).where(t.users.c.id == user_id).values(sessions_valid_after=when)
        self.conn.execute(stmt)

    def revoke_all_tokens(self, user_id: int, when: datetime) -> int:
        """Revoke every unrevoked token of a user; return how many."""
        stmt = (
            update(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )
        return int(self.conn.execute(stmt).rowcount)

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
        manager_id=m["manager_id"],
        sessions_valid_after=m["sessions_valid_after"],
    )


def _user_values(user: User) -> dict[str, Any]:
    values = dataclasses.asdict(user)
    values["role"] = user.role.value
    values.pop("id")
    return values
