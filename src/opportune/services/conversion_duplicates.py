"""Existing accounts and contacts that look like a lead, and what to do about them.

:class:`DuplicateFinder` reads the candidates for a whole batch of leads with two indexed
queries (company key or web domain; email or name key) and turns them into suggestions
with reasons. :func:`resolve_duplicates` applies the install's setting to a lead's
options: block the conversion, warn, or merge into the existing record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from opportune.db.repositories.conversions import ConversionRepository
from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.conversion import ConvertOptions
from opportune.domain.duplicates import (
    DuplicateAction,
    PersonKeys,
    account_match,
    company_key,
    contact_match,
    email_domain,
    email_key,
    name_key,
    website_domain,
)
from opportune.domain.leads import Lead
from opportune.errors import FieldError

__all__ = [
    "AccountSuggestion",
    "ContactSuggestion",
    "ConversionSuggestions",
    "DuplicateFinder",
    "Resolved",
    "creation_keys",
    "resolve_duplicates",
]

DUPLICATES = "DUPLICATES_DETECTED"


@dataclass(frozen=True, slots=True)
class AccountSuggestion:
    """An existing account like the lead's company; ``exact`` for the same name or website."""

    account: Account
    reasons: tuple[str, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class ContactSuggestion:
    """An existing contact like the lead's person; ``exact`` for the same email."""

    contact: Contact
    account_name: str | None
    reasons: tuple[str, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class ConversionSuggestions:
    """Existing records a lead could be merged into instead of creating duplicates."""

    accounts: list[AccountSuggestion]
    contacts: list[ContactSuggestion]


@dataclass(frozen=True, slots=True)
class Resolved:
    """A lead's options after the duplicate setting, or why it cannot go ahead."""

    options: ConvertOptions
    errors: list[FieldError]
    warnings: list[str]


class DuplicateFinder:
    """The existing accounts and contacts like any lead of a batch, read once."""

    def __init__(self, repo: ConversionRepository, leads: Iterable[Lead]) -> None:
        leads = list(leads)
        domains = {d for lead in leads for d in _domains(lead)}
        self.accounts = repo.account_candidates(
            {k for lead in leads if (k := company_key(lead.company))}, domains
        )
        self.contacts = repo.contact_candidates(
            {k for lead in leads if (k := email_key(lead.email))},
            {k for lead in leads if (k := name_key(lead.first_name, lead.last_name))},
        )

    def suggestions(self, lead: Lead) -> ConversionSuggestions:
        """The candidates that match ``lead``, exact matches first."""
        return ConversionSuggestions(self._accounts(lead), self._contacts(lead))

    def _accounts(self, lead: Lead) -> list[AccountSuggestion]:
        found = []
        for account in self.accounts:
            assert account.id is not None
            match = account_match(account.id, (lead.company, lead.website, lead.email),
                                  (account.name, account.website))  # fmt: skip
            if match:
                found.append(AccountSuggestion(account, match.reasons, match.exact))
        return _exact_first(found)

    def _contacts(self, lead: Lead) -> list[ContactSuggestion]:
        person = PersonKeys.of(lead.email, lead.first_name, lead.last_name, lead.company,
                               lead.phone or lead.mobile_phone)  # fmt: skip
        found = []
        for contact, account_name in self.contacts:
            assert contact.id is not None
            keys = PersonKeys.of(contact.email, contact.first_name, contact.last_name,
                                 account_name, contact.phone or contact.mobile_phone)  # fmt: skip
            match = contact_match(contact.id, person, keys)
            if match:
                found.append(ContactSuggestion(contact, account_name, match.reasons, match.exact))
        return _exact_first(found)


def resolve_duplicates(
    options: ConvertOptions, found: ConversionSuggestions, action: DuplicateAction
) -> Resolved:
    """Block, warn about or merge into exact duplicates the options would create again."""
    if options.allow_duplicates:
        return Resolved(options, [], [])
    resolved = Resolved(options, [], [])
    account = next((s for s in found.accounts if s.exact), None)
    if options.account_id is None and account is not None:
        resolved = _on_account(resolved, account, action)
    contact = next((s for s in found.contacts if s.exact), None)
    if options.contact_id is None and contact is not None:
        resolved = _on_contact(resolved, contact, action)
    return resolved


def _on_account(resolved: Resolved, found: AccountSuggestion, action: DuplicateAction) -> Resolved:
    account = found.account
    what = f"Account {account.name} (#{account.id}) already exists ({', '.join(found.reasons)})"
    if action is DuplicateAction.MERGE:
        options = dataclasses.replace(resolved.options, account_id=account.id)
        return Resolved(options, resolved.errors, [*resolved.warnings, f"{what}: merged into it"])
    if action is DuplicateAction.WARN:
        return Resolved(resolved.options, resolved.errors, [*resolved.warnings, what])
    message = f"{what}: merge into it with account_id={account.id}, or allow duplicates"
    error = FieldError("account_id", DUPLICATES, message)
    return Resolved(resolved.options, [*resolved.errors, error], resolved.warnings)


def _on_contact(resolved: Resolved, found: ContactSuggestion, action: DuplicateAction) -> Resolved:
    contact, options = found.contact, resolved.options
    where = f", account {found.account_name}" if found.account_name else ""
    what = f"Contact {contact.last_name} (#{contact.id}{where}) already exists " \
           f"({', '.join(found.reasons)})"  # fmt: skip
    mergeable = contact.account_id is not None and options.account_id in (None, contact.account_id)
    if action is DuplicateAction.MERGE and mergeable:
        options = dataclasses.replace(options, account_id=contact.account_id, contact_id=contact.id)
        return Resolved(options, resolved.errors, [*resolved.warnings, f"{what}: merged into it"])
    if action is not DuplicateAction.BLOCK:
        return Resolved(options, resolved.errors, [*resolved.warnings, what])
    hint = (f"merge into it with account_id={contact.account_id} and contact_id={contact.id}"
            if contact.account_id else "merge into it")  # fmt: skip
    error = FieldError("contact_id", DUPLICATES, f"{what}: {hint}, or allow duplicates")
    return Resolved(options, [*resolved.errors, error], resolved.warnings)


def creation_keys(lead: Lead, options: ConvertOptions) -> set[tuple[str, str]]:
    """The keys of the account and contact converting ``lead`` would create, so that a
    second lead of the same batch is not converted into a twin of them."""
    keys: set[tuple[str, str]] = set()
    if options.account_id is None:
        keys |= {("company", k) for k in [company_key(lead.company)] if k}
        keys |= {("domain", d) for d in [website_domain(lead.website)] if d}
    if options.contact_id is None and (mail := email_key(lead.email)):
        keys.add(("email", mail))
    return keys


def _domains(lead: Lead) -> set[str]:
    return {d for d in (website_domain(lead.website), email_domain(lead.email)) if d}


_S = TypeVar("_S", AccountSuggestion, ContactSuggestion)


def _exact_first(items: list[_S]) -> list[_S]:
    return sorted(items, key=lambda s: not s.exact)
