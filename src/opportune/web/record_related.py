"""What a record page shows besides its fields: the header, related lists, the stage path,
contact roles, and the opportunity's stage history with its metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.opportunities import CONTACT_ROLES, Opportunity
from opportune.domain.users import User
from opportune.services import Opportune
from opportune.services.opportunities import OpportunityFilters
from opportune.web.formatting import format_date
from opportune.web.record_data import Record, RecordLookups, money, present

RELATED_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Fact:
    """One labelled value of a page header, possibly a link or a badge."""

    label: str
    text: str
    href: str | None = None
    badge: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """The record's name, a line under it and the key facts beside it."""

    title: str
    subtitle: tuple[Fact, ...]
    facts: tuple[Fact, ...]


def account_link(rec: dict[str, Any], key: str = "account_id") -> Fact | None:
    """A link to the account a record refers to, if any."""
    account_id = rec.get(key)
    if account_id is None:
        return None
    name_key = "parent_account_name" if key == "parent_account_id" else "account_name"
    return Fact("Account", rec.get(name_key) or f"Account #{account_id}", f"/accounts/{account_id}")


def header(record: Record, rec: dict[str, Any], currency: str) -> Header:
    """The header of a record page."""
    owner = Fact("Owner", rec.get("owner_name") or "—")
    if isinstance(record, Account):
        return _account_header(record, rec, owner)
    if isinstance(record, Contact):
        return _contact_header(record, rec, owner)
    return _opportunity_header(record, rec, owner, currency)


def _account_header(account: Account, rec: dict[str, Any], owner: Fact) -> Header:
    place = ", ".join(p for p in (account.billing_city, account.billing_country) if p)
    parent = account_link(rec, "parent_account_id")
    facts = (
        Fact("Rating", account.rating or "—", badge=_rating_badge(account.rating)),
        owner,
        Fact("Phone", account.phone or "—"),
        Fact("Parent", parent.text, parent.href) if parent else Fact("Parent", "—"),
    )
    return Header(account.name, tuple(Fact("", t) for t in (account.industry, place) if t), facts)


def _contact_header(contact: Contact, rec: dict[str, Any], owner: Fact) -> Header:
    job = Fact("", contact.title) if contact.title else None
    sub = tuple(f for f in (job, account_link(rec)) if f is not None)
    email = Fact("Email", contact.email, f"mailto:{contact.email}") if contact.email else None
    facts = (
        email or Fact("Email", "—"),
        Fact("Phone", contact.phone or "—"),
        owner,
        Fact("Lead source", rec.get("lead_source") or "—"),
    )
    title = " ".join(p for p in (contact.salutation, contact.name) if p)
    return Header(title, sub, facts)


def _opportunity_header(
    opp: Opportunity, rec: dict[str, Any], owner: Fact, currency: str
) -> Header:
    facts = (
        Fact("Stage", rec["stage"], badge=f"badge-status badge-{rec['stage_kind']}"),
        Fact("Amount", money(opp.amount, currency) or "—"),
        Fact("Expected revenue", money(opp.expected_revenue, currency) or "—"),
        Fact("Close date", format_date(opp.close_date)),
        owner,
    )
    link = account_link(rec)
    return Header(opp.name, (link,) if link else (), facts)


def _rating_badge(rating: str | None) -> str | None:
    return f"badge-rating badge-{rating.lower()}" if rating else None


def related(core: Opportune, user: User, record: Record, lookups: RecordLookups) -> dict[str, Any]:
    """The related lists of the record's page."""
    if isinstance(record, Account):
        return account_related(core, user, record, lookups)
    if isinstance(record, Contact):
        return contact_related(core, user, record, lookups)
    return opportunity_related(core, user, record, lookups)


def account_related(
    core: Opportune, user: User, account: Account, lookups: RecordLookups
) -> dict[str, Any]:
    """An account's contacts and opportunities (the first ones by close date)."""
    assert account.id is not None
    contacts = core.accounts.contacts_of(user, account.id)
    filters = OpportunityFilters(account=[account.id], sort="close_date", limit=RELATED_LIMIT)
    page = core.opportunities.list(user, filters).page
    opportunities = [present(o, lookups) for o in page.items]
    return {"contacts": contacts, "opportunities": opportunities,
            "more_opportunities": page.next_cursor is not None}  # fmt: skip


def contact_related(
    core: Opportune, user: User, contact: Contact, lookups: RecordLookups
) -> dict[str, Any]:
    """The opportunities the contact has a role in, with the role."""
    assert contact.id is not None
    pairs = core.contacts.opportunity_roles(user, contact.id)
    names = core.accounts.names(user, {o.account_id for _, o in pairs})
    found = RecordLookups(lookups.opportunity, {**lookups.account_names, **names}, lookups.currency)
    rows = [{"role": r, "opp": present(o, found)} for r, o in pairs]
    return {"roles": rows}


def opportunity_related(
    core: Opportune, user: User, opp: Opportunity, lookups: RecordLookups
) -> dict[str, Any]:
    """The stage path, contact roles and stage history of an opportunity."""
    return {
        "steps": stage_path(opp, lookups),
        **roles_context(core, user, opp),
        **history_context(core, user, opp, lookups),
    }


@dataclass(frozen=True, slots=True)
class StageStep:
    """One stage of the path: done, current or still to do."""

    label: str
    state: str
    is_closed: bool
    is_won: bool

    @property
    def is_lost(self) -> bool:
        """True for a closed stage that is not won: moving there asks for a reason."""
        return self.is_closed and not self.is_won


def stage_path(opp: Opportunity, lookups: RecordLookups) -> list[StageStep]:
    """The active stages in order (the current one even if inactive), marked done,
    current or to do. Closed stages other than the current one are never done."""
    stages = [s for s in lookups.opportunity.pipeline.stages if s.is_active or s.id == opp.stage_id]
    current = next(i for i, s in enumerate(stages) if s.id == opp.stage_id)
    steps = []
    for index, stage in enumerate(stages):
        if index == current:
            state = "current"
        elif not stage.is_closed and (index < current or opp.is_closed):
            state = "done"
        else:
            state = "todo"
        steps.append(StageStep(stage.label, state, stage.is_closed, stage.is_won))
    return steps


def roles_context(core: Opportune, user: User, opp: Opportunity) -> dict[str, Any]:
    """The opportunity's contact roles with their contacts, and the contacts that can get
    one (the account's)."""
    assert opp.id is not None
    roles = core.opportunities.contact_roles(user, opp.id)
    candidates = core.accounts.contacts_of(user, opp.account_id)
    known = {c.id: c for c in candidates}
    for role in roles:
        if role.contact_id not in known:  # a contact of another account, added by the API
            known[role.contact_id] = core.contacts.get(user, role.contact_id)
    rows = [{"role": r, "contact": known[r.contact_id]} for r in roles]
    return {"roles": rows, "candidates": candidates, "role_choices": CONTACT_ROLES,
            "has_primary": any(r.is_primary for r in roles), "role_values": {}}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure derived from the stage history."""

    label: str
    text: str


def history_context(
    core: Opportune, user: User, opp: Opportunity, lookups: RecordLookups
) -> dict[str, Any]:
    """The stage history, newest first, and what it tells (time in each stage...)."""
    assert opp.id is not None
    snapshots = core.opportunities.stage_history(user, opp.id)
    metrics = core.opportunities.metrics(user, opp.id)
    pipeline = lookups.opportunity.pipeline
    rows = [
        {"stage": pipeline.stage(s.stage_id).label, "amount": money(s.amount, opp.currency_code),
         "probability": s.probability, "close_date": s.close_date,
         "who": lookups.user_name(s.changed_by_id) or "Someone", "when": s.changed_at}
        for s in reversed(snapshots)
    ]  # fmt: skip
    in_stages = [Metric(s.label, duration(metrics.time_in_stages[s.id]))
                 for s in pipeline.stages if s.id in metrics.time_in_stages]  # fmt: skip
    figures = [
        Metric("Stage age", duration(metrics.stage_age) if metrics.stage_age else "—"),
        Metric("Days to close", "Still open" if metrics.days_to_close is None
               else _days(metrics.days_to_close)),
        Metric("Close date pushed out", _times(metrics.close_date_pushes)),
    ]  # fmt: skip
    return {"stage_history": rows, "time_in_stages": in_stages, "figures": figures}


def duration(span: timedelta) -> str:
    """A time span in its two largest units: '3 days 4 h', '2 h 5 min', 'under a minute'."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{_days(days)} {hours} h" if hours else _days(days)
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "under a minute"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _times(n: int) -> str:
    return "never" if n == 0 else ("once" if n == 1 else f"{n} times")
