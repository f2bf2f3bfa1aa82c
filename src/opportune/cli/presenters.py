"""Records as the CLI prints them: flat dicts in the REST API's shape, names for ids.

``--json`` prints these dicts as they are; tables and panels pick and format their values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import typer

from opportune.cli.state import get_state
from opportune.domain.accounts import Account
from opportune.domain.activities import Activity
from opportune.domain.contacts import Contact
from opportune.domain.opportunities import Opportunity
from opportune.domain.users import User
from opportune.errors import NotFoundError
from opportune.services import Opportune
from opportune.services.opportunities import OpportunityLookups


@dataclass
class Session:
    """One command's installation and acting user, with names looked up once."""

    core: Opportune
    actor: User
    _users: list[User] | None = field(default=None, repr=False)
    _sources: dict[int, str] | None = field(default=None, repr=False)
    _pipeline: OpportunityLookups | None = field(default=None, repr=False)
    _names: dict[tuple[str, int], str | None] = field(default_factory=dict, repr=False)

    @property
    def users(self) -> list[User]:
        """Every user (to resolve owners and show names)."""
        if self._users is None:
            self._users = self.core.users.list()
        return self._users

    def user_name(self, user_id: int | None) -> str | None:
        """The name of the user with this id."""
        return next((u.name for u in self.users if u.id == user_id), None)

    def source(self, source_id: int | None) -> str | None:
        """The label of the lead source with this id."""
        if self._sources is None:
            sources = self.core.picklists.lead_picklists().sources
            self._sources = {s.id: s.label for s in sources}
        return None if source_id is None else self._sources.get(source_id)

    @property
    def lookups(self) -> OpportunityLookups:
        """Stages, lost reasons, lead sources and users, for opportunities."""
        if self._pipeline is None:
            self._pipeline = self.core.opportunities.lookups()
        return self._pipeline

    def name_of(self, kind: str, record_id: int | None) -> str | None:
        """The name of a lead, contact, account or opportunity (``None`` if it is gone)."""
        if record_id is None:
            return None
        key = (kind, record_id)
        if key not in self._names:
            self._names[key] = self._look_up(kind, record_id)
        return self._names[key]

    def remember(self, kind: str, record_id: int, name: str) -> None:
        """Keep a name looked up elsewhere (several at once), so it is not read again."""
        self._names[(kind, record_id)] = name

    def _look_up(self, kind: str, record_id: int) -> str | None:
        services: Mapping[str, Any] = {
            "lead": self.core.leads, "contact": self.core.contacts,
            "account": self.core.accounts, "opportunity": self.core.opportunities,
        }  # fmt: skip
        try:
            record = services[kind].get(self.actor, record_id, **_quietly(kind))
        except NotFoundError:  # deleted meanwhile
            return None
        return str(record.name)


def _quietly(kind: str) -> dict[str, bool]:
    # Naming a lead in a list must not mark it read for its owner.
    return {"mark_read": False} if kind == "lead" else {}


def session(ctx: typer.Context) -> Session:
    """The session of the running command."""
    state = get_state(ctx)
    return Session(state.open(), state.actor())


def _values(record: Any) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    for key, value in values.items():
        if isinstance(value, Decimal):
            values[key] = str(value)
    return values


def account_record(s: Session, account: Account) -> dict[str, Any]:
    """An account as the REST API shows it: source label, owner and parent named."""
    values = _values(account)
    values["account_source"] = s.source(values.pop("source_id"))
    values["owner_name"] = s.user_name(account.owner_id)
    values["parent_account_name"] = s.name_of("account", account.parent_account_id)
    return values


def contact_record(s: Session, contact: Contact) -> dict[str, Any]:
    """A contact as the REST API shows it: full name, source label, owner and account named."""
    values = _values(contact)
    values["name"] = contact.name
    values["lead_source"] = s.source(values.pop("source_id"))
    values["owner_name"] = s.user_name(contact.owner_id)
    values["account_name"] = s.name_of("account", contact.account_id)
    return values


def opportunity_record(s: Session, opp: Opportunity) -> dict[str, Any]:
    """An opportunity as the REST API shows it: labels for ids, money as decimal strings."""
    return s.lookups.record(opp)


def activity_record(s: Session, activity: Activity) -> dict[str, Any]:
    """A task, call or note as the REST API shows it, its owner named."""
    values = _values(activity)
    values["kind"] = activity.kind.value
    values["owner_name"] = s.user_name(activity.owner_id)
    return values


def money(amount: str | None, currency: str) -> str | None:
    """A decimal string as people read money: ``25,000.00 USD``."""
    return None if amount is None else f"{Decimal(amount):,.2f} {currency}"


def address(record: Mapping[str, Any], prefix: str) -> str | None:
    """A postal address on one line, from the five fields named ``{prefix}street`` etc."""
    street, city, state, postal, country = (
        record.get(f"{prefix}{part}")
        for part in ("street", "city", "state", "postal_code", "country")
    )
    town = " ".join(p for p in (city, state, postal) if p)
    return ", ".join(p for p in (street, town, country) if p) or None


def related(s: Session, record: Mapping[str, Any]) -> str | None:
    """What an activity relates to, as "Contact Ada Ng · Opportunity Big deal"."""
    parts = [
        f"{kind.capitalize()} {s.name_of(kind, record[f'{kind}_id']) or record[f'{kind}_id']}"
        for kind in ("lead", "contact", "account", "opportunity")
        if record.get(f"{kind}_id") is not None
    ]
    return " · ".join(parts) or None
