"""From a CSV row to a valid new record (or the reasons it is not one), by the API's rules.

A row arrives as ``{field: cell text}`` (see :class:`~opportune.domain.imports.ColumnMapping`).
:func:`prepare` rewrites dates and numbers (:func:`~opportune.domain.imports.normalise`),
fills empty cells from the import's defaults and drops the cells that are still empty, so
an empty cell means "not given" exactly like a field left out of an API request.
References the file writes in people's terms (an owner's email, an account's name) are
resolved by the caller into :class:`References`; :class:`RecordBuilder` then builds the
record with the same ``new_*`` function the API uses, so every rule applies unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opportune.domain.accounts import Account, new_account
from opportune.domain.contacts import Contact, new_contact
from opportune.domain.fields import FieldSpec, RecordSpec
from opportune.domain.imports.columns import SPECS
from opportune.domain.imports.values import Formats, normalise
from opportune.domain.leads import Lead, LeadPicklists, new_lead
from opportune.domain.opportunities import Opportunity, new_opportunity
from opportune.domain.picklists import PicklistValue
from opportune.domain.spreadsheet import unguard_formula
from opportune.domain.stages import Stage
from opportune.errors import FieldError, ValidationError

__all__ = [
    "ACCOUNT_REFERENCES",
    "INVALID_REFERENCE",
    "ImportRecord",
    "Lists",
    "RecordBuilder",
    "References",
    "account_reference_fields",
    "prepare",
]

ImportRecord = Lead | Account | Contact | Opportunity
INVALID_REFERENCE = "INVALID_CROSS_REFERENCE_KEY"
# The fields that name an account, by name or by id, per kind of record.
ACCOUNT_REFERENCES: dict[str, tuple[str, ...]] = {
    "lead": (),
    "account": ("parent_account_id",),
    "contact": ("account_id",),
    "opportunity": ("account_id",),
}


def account_reference_fields(kind: str) -> tuple[str, ...]:
    """The fields of ``kind`` that refer to an account (by id or by name)."""
    return ACCOUNT_REFERENCES[kind]


def _specs(spec: RecordSpec) -> dict[str, FieldSpec]:
    return {name: found for name in spec.names if (found := spec.get(name)) is not None}


_FIELD_SPECS = {kind: _specs(spec) for kind, spec in SPECS.items()}
# Only dates and numbers are rewritten; every other cell goes to the rules as it is.
_REWRITTEN = {
    kind: frozenset(n for n, s in specs.items() if s.kind.value in ("date", "decimal", "integer"))
    for kind, specs in _FIELD_SPECS.items()
}


def prepare(
    kind: str,
    cells: Mapping[str, str],
    formats: Formats,
    defaults: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The row as API-style input: dates and numbers rewritten, defaults filling empty
    cells, empty cells left out (an empty cell is a field not given), and the apostrophe
    an export puts before a formula-like text removed."""
    specs, rewritten = _FIELD_SPECS[kind], _REWRITTEN[kind]
    raw: dict[str, str] = {}
    for name, text in cells.items():
        if not text or text.isspace():
            continue
        text = unguard_formula(text)  # an export's apostrophe before =, +, -, @
        raw[name] = normalise(specs[name], text, formats) if name in rewritten else text
    for name, text in (defaults or {}).items():
        if name not in raw and text:
            raw[name] = normalise(specs[name], text, formats) if name in rewritten else text
    return raw


@dataclass(frozen=True, slots=True)
class Lists:
    """The configurable lists the rules resolve labels against (loaded once per import)."""

    lead: LeadPicklists
    stages: tuple[Stage, ...] = ()
    lost_reasons: tuple[PicklistValue, ...] = ()
    currency: str = "USD"


@dataclass(slots=True)
class References:
    """Owners and accounts as the file names them, resolved to ids.

    ``users_by_email`` and ``active_user_ids`` cover every active user; ``accounts`` maps
    a reference cell (an id or a name, as written) to an account id or to the reason it
    names no single account.
    """

    users_by_email: Mapping[str, int]
    active_user_ids: frozenset[int]
    accounts: dict[str, int | str] = field(default_factory=dict)

    def owner(self, text: str) -> int | FieldError:
        """The active user a cell names by email or id."""
        value = text.strip()
        if "@" in value:
            found = self.users_by_email.get(value.lower())
            return (
                found if found is not None else _owner_error(f"No active user with email {value}")
            )
        if value.isdigit() and int(value) in self.active_user_ids:
            return int(value)
        return _owner_error(f"No active user with id or email '{value}'")

    def account(self, name: str, text: str) -> int | FieldError:
        """The account a cell names by id or by name."""
        found = self.accounts.get(text.strip())
        if isinstance(found, int):
            return found
        return FieldError(name, INVALID_REFERENCE, found or f"No account '{text.strip()}'")


def _owner_error(message: str) -> FieldError:
    return FieldError("owner_id", INVALID_REFERENCE, message)


Build = Callable[[Mapping[str, object]], ImportRecord]


class RecordBuilder:
    """Builds new records of one kind from prepared rows, with the API's rules."""

    def __init__(
        self, kind: str, lists: Lists, refs: References, *, actor_id: int, now: datetime
    ) -> None:
        self.kind = kind
        self.lists = lists
        self.refs = refs
        self._build = _builder(kind, lists, actor_id, now)

    def resolve(self, raw: Mapping[str, str]) -> tuple[dict[str, object], list[FieldError]]:
        """The row with its owner and account references turned into ids."""
        values: dict[str, object] = dict(raw)
        errors: list[FieldError] = []
        owner = raw.get("owner_id")
        if owner is not None:
            found = self.refs.owner(owner)
            _keep(values, errors, "owner_id", found)
        for name in ACCOUNT_REFERENCES[self.kind]:
            if name in raw:
                _keep(values, errors, name, self.refs.account(name, raw[name]))
        return values, errors

    def build(self, raw: Mapping[str, str]) -> ImportRecord | list[FieldError]:
        """The new record, or every reason the row cannot be one."""
        values, errors = self.resolve(raw)
        try:
            record = self._build(values)
        except ValidationError as exc:
            return _merged(errors, exc.fields)
        return errors or record

    def values(self, raw: Mapping[str, str]) -> dict[str, object] | list[FieldError]:
        """The row as update input (references resolved), or why it cannot be."""
        values, errors = self.resolve(raw)
        return errors or values


def _keep(values: dict[str, object], errors: list[FieldError], name: str, found: Any) -> None:
    if isinstance(found, FieldError):
        errors.append(found)
        values.pop(name, None)
    else:
        values[name] = found


def _merged(first: Sequence[FieldError], more: Sequence[FieldError]) -> list[FieldError]:
    named = {e.field for e in first}
    return [*first, *(e for e in more if e.field not in named)]


def _builder(kind: str, lists: Lists, actor_id: int, now: datetime) -> Build:
    sources = lists.lead.sources
    if kind == "lead":
        return lambda raw: new_lead(raw, picklists=lists.lead, actor_id=actor_id, now=now)
    if kind == "account":
        return lambda raw: new_account(raw, sources=sources, actor_id=actor_id, now=now)
    if kind == "contact":
        return lambda raw: new_contact(raw, sources=sources, actor_id=actor_id, now=now)
    return lambda raw: new_opportunity(
        raw, stages=lists.stages, lost_reasons=lists.lost_reasons, actor_id=actor_id,
        now=now, currency=lists.currency, lead_sources=sources,
    )  # fmt: skip
