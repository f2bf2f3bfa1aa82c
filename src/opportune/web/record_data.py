"""Records shaped for the record pages: labels for ids, names for owners and accounts,
field values as people read them and as inputs hold them, and the choices of selects."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.opportunities import Opportunity
from opportune.domain.users import User
from opportune.services import Opportune
from opportune.services.opportunities import OpportunityLookups
from opportune.web.formatting import format_date, format_number
from opportune.web.record_fields import NUMBER_KINDS, RecordField
from opportune.web.record_pages import RecordPage

Record = Account | Contact | Opportunity


@dataclass(frozen=True, slots=True)
class RecordLookups:
    """What turns a record's ids into words: the pipeline, lead sources, users and the
    names of the accounts the shown records refer to."""

    opportunity: OpportunityLookups
    account_names: dict[int, str]
    currency: str

    @property
    def users(self) -> list[User]:
        """Every user, inactive ones included (old records still name them)."""
        return self.opportunity.users

    def user_name(self, user_id: int | None) -> str | None:
        """The name of the user with this id."""
        return next((u.name for u in self.users if u.id == user_id), None)

    def source_label(self, source_id: int | None) -> str | None:
        """The label of the lead source with this id."""
        sources = self.opportunity.lead_sources
        return next((s.label for s in sources if s.id == source_id), None)

    def account_name(self, account_id: int | None) -> str | None:
        """The name of the account with this id, when it was loaded."""
        return None if account_id is None else self.account_names.get(account_id)


def load_lookups(core: Opportune, user: User, account_ids: Iterable[int | None]) -> RecordLookups:
    """The lookups for showing records that refer to these accounts."""
    wanted = [i for i in account_ids if i is not None]
    names = core.accounts.names(user, wanted) if wanted else {}
    return RecordLookups(core.opportunities.lookups(), names, core.settings.currency)


def account_refs(record: Record) -> list[int | None]:
    """The accounts a record refers to (its account, or an account's parent)."""
    if isinstance(record, Account):
        return [record.parent_account_id]
    return [record.account_id]


def present(record: Record, lookups: RecordLookups) -> dict[str, Any]:
    """The record as a flat dict of what its page shows: labels for ids, names, flags."""
    if isinstance(record, Opportunity):
        values = lookups.opportunity.record(record)
        stage = lookups.opportunity.pipeline.stage(record.stage_id)
        values.update(is_lost=stage.is_lost, stage_kind=stage_kind(stage.is_closed, stage.is_won))
        values["account_name"] = lookups.account_name(record.account_id)
        values["amount_text"] = money(record.amount, record.currency_code)
        return values
    values = dataclasses.asdict(record)
    values["owner_name"] = lookups.user_name(record.owner_id)
    source = "account_source" if isinstance(record, Account) else "lead_source"
    values[source] = lookups.source_label(record.source_id)
    if isinstance(record, Account):
        values["parent_account_name"] = lookups.account_name(record.parent_account_id)
    else:
        values["name"] = record.name
        values["account_name"] = lookups.account_name(record.account_id)
    return values


def stage_kind(is_closed: bool, is_won: bool) -> str:
    """A badge colour family for a stage: working (open), converted (won) or closed."""
    if not is_closed:
        return "working"
    return "converted" if is_won else "closed"


def reference_name(spec: RecordField, record: dict[str, Any]) -> str | None:
    """The name of the account a reference field points at."""
    key = "parent_account_name" if spec.name == "parent_account_id" else "account_name"
    return record.get(key)


def reference_text(account_id: object, name: str | None) -> str:
    """An account as a reference input holds it: 'Acme Corp (#12)'."""
    if account_id is None or account_id == "":
        return ""
    return f"{name or 'Account'} (#{account_id})"


def address_lines(spec: RecordField, record: dict[str, Any]) -> list[str]:
    """An address as people write it: street lines, 'city, state postal code', country."""
    street, city, state, postal, country = (record.get(p) or "" for p in spec.parts)
    region = " ".join(p for p in (state, postal) if p)
    locality = ", ".join(p for p in (city, region) if p)
    return [line for line in (*street.splitlines(), locality, country) if line]


def money(value: object, currency: str) -> str:
    """An amount with its currency: 'USD 125,000'."""
    text = format_number(value)
    return f"{currency} {text}" if text else ""


def display_value(spec: RecordField, record: dict[str, Any], currency: str) -> str:
    """The field's value as the page shows it (empty when unset)."""
    value = record.get(spec.name)
    if spec.name == "owner_id":
        return str(record.get("owner_name") or "")
    if spec.kind == "reference":
        return reference_name(spec, record) or ""
    if spec.kind == "address":
        return "\n".join(address_lines(spec, record))
    if spec.kind == "checkbox" or isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "":
        return ""
    if spec.kind == "money" or spec.name == "expected_revenue":
        return money(value, record.get("currency_code") or currency)
    if spec.kind == "percent":
        return f"{value}%"
    if spec.kind in NUMBER_KINDS:
        return format_number(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def input_value(spec: RecordField, record: dict[str, Any]) -> dict[str, str]:
    """The field's current value as its inputs hold it, by input name."""
    if spec.kind == "reference":
        return {spec.name: reference_text(record.get(spec.name), reference_name(spec, record))}
    values: dict[str, str] = {}
    for name in spec.inputs:
        value = record.get(name)
        if value is None or value is False:
            values[name] = ""
        elif value is True:
            values[name] = "true"
        elif isinstance(value, date):
            values[name] = value.isoformat()
        else:
            values[name] = str(value) if not isinstance(value, Decimal) else format(value, "f")
    return values


def choices(spec: RecordField | None, lookups: RecordLookups) -> list[tuple[str, str]]:
    """The (value, label) options of a select field: active values only."""
    if spec is None:
        return []
    if spec.options:
        return [(o, o) for o in spec.options]
    return source_choices(spec.source, lookups)


def source_choices(source: str | None, lookups: RecordLookups) -> list[tuple[str, str]]:
    """The (value, label) options a lookup offers a select."""
    pipeline = lookups.opportunity.pipeline
    if source == "users":
        return [(str(u.id), u.name) for u in lookups.users if u.is_active]
    if source == "owners":
        return [("me", "Me"), *source_choices("users", lookups)]
    if source == "lead_sources":
        return [(s.label, s.label) for s in lookups.opportunity.lead_sources if s.is_active]
    if source == "stages":
        return [(s.label, s.label) for s in pipeline.stages if s.is_active]
    if source == "lost_reasons":
        return [(r.label, r.label) for r in pipeline.lost_reasons if r.is_active]
    return []


@dataclass(frozen=True, slots=True)
class RecordView:
    """One shown record, for the templates: field values as people read them, and which
    fields the page shows."""

    page: RecordPage
    rec: dict[str, Any]
    currency: str

    def value(self, spec: RecordField) -> str:
        """The field's value as the page shows it."""
        return display_value(spec, self.rec, self.currency)

    def shown(self, spec: RecordField) -> bool:
        """True when the field applies to this record (a lost reason only when lost)."""
        return spec.shown_if is None or bool(self.rec.get(spec.shown_if))

    @property
    def computed(self) -> list[RecordField]:
        """The shown fields that follow from others (refreshed after every save)."""
        return [f for f in self.page.page_fields if not f.editable and self.shown(f)]
