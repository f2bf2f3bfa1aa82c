"""The convert dialog's state: the choices its form posts, what they are chosen from, and
the conversion options they make.

Every change in the dialog posts the whole form. :func:`load_dialog` reads what the
choices are made from (converted statuses, owners, the suggested accounts and contacts,
the contacts and open opportunities of the chosen account), fits the choices to them and
turns them into the raw options :class:`~opportune.services.conversions.ConversionService`
takes, so that the preview and the conversion see exactly what the dialog shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.leads import Lead
from opportune.domain.opportunities import Opportunity
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.conversions import ConversionSuggestions
from opportune.services.opportunities import OpportunityFilters, OpportunityLookups
from opportune.web.record_forms import resolve_account

__all__ = ["NEW", "NONE", "OTHER", "Choices", "ContactOption", "Dialog", "load_dialog"]

NEW, OTHER, NONE = "new", "other", "none"
RELATED_LIMIT = 25  # contacts and opportunities of the chosen account listed as choices
CROSS_REF = "INVALID_CROSS_REFERENCE_KEY"


@dataclass(frozen=True, slots=True)
class Choices:
    """What the dialog's form says, as posted.

    ``account`` is ``new``, an account id or ``other`` (then ``account_text`` names the
    account, typed or picked in the search box); ``contact`` is ``new`` or a contact id;
    ``opportunity`` is ``new``, an opportunity id or ``none``.
    """

    status: str = ""
    account: str = NEW
    account_text: str = ""
    contact: str = NEW
    opportunity: str = NEW
    opportunity_name: str = ""
    owner_id: str = ""
    allow_duplicates: bool = False
    overwrite_lead_source: bool = False
    notify_owner: bool = False

    @classmethod
    def from_form(cls, form: Mapping[str, object]) -> Choices:
        """The choices of a posted dialog form (missing ones take their defaults)."""

        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            status=text("converted_status"), account=text("account") or NEW,
            account_text=text("account_id"), contact=text("contact") or NEW,
            opportunity=text("opportunity") or NEW, opportunity_name=text("opportunity_name"),
            owner_id=text("owner_id"), allow_duplicates=bool(text("allow_duplicates")),
            overwrite_lead_source=bool(text("overwrite_lead_source")),
            notify_owner=bool(text("send_notification_email")),
        )  # fmt: skip

    @classmethod
    def initial(cls, lead: Lead, statuses: list[str], found: ConversionSuggestions) -> Choices:
        """The choices a fresh dialog starts with: the first converted status, the lead's
        owner, an opportunity named after the company, and a merge into any exact
        duplicate (so that converting as suggested never creates one)."""
        choices = cls(status=statuses[0] if statuses else "", opportunity_name=lead.company,
                      owner_id=str(lead.owner_id))  # fmt: skip
        return _merge_exact(choices, found)


def _merge_exact(choices: Choices, found: ConversionSuggestions) -> Choices:
    """The choices merging into the exact duplicate account and contact, if there are."""
    account = next((s.account for s in found.accounts if s.exact), None)
    contact = next((s for s in found.contacts if s.exact and s.contact.account_id), None)
    if contact is None or (account is not None and contact.contact.account_id != account.id):
        # No exact contact, or one at another account: the user picks (a preview says why).
        return replace(choices, account=str(account.id)) if account else choices
    account_id = contact.contact.account_id
    choices = replace(choices, contact=str(contact.contact.id))
    if any(s.account.id == account_id for s in found.accounts):
        return replace(choices, account=str(account_id))
    text = f"{contact.account_name} (#{account_id})"
    return replace(choices, account=OTHER, account_text=text)


@dataclass(frozen=True, slots=True)
class ContactOption:
    """A contact the lead may be merged into: suggested (with reasons) or of the account."""

    contact: Contact
    account_name: str | None
    reasons: tuple[str, ...] = ()
    exact: bool = False

    @property
    def value(self) -> str:
        """The radio button's value."""
        return str(self.contact.id)


@dataclass(frozen=True, slots=True)
class Dialog:
    """Everything the convert dialog shows, and the options its choices make."""

    lead: Lead
    choices: Choices
    statuses: list[str]
    owners: list[tuple[str, str]]
    suggestions: ConversionSuggestions
    account: Account | None
    contacts: list[ContactOption]
    opportunities: list[Opportunity]
    lookups: OpportunityLookups
    errors: list[FieldError]

    def options(self) -> dict[str, object]:
        """The conversion options the choices make, as raw input for the service."""
        choices, lead = self.choices, self.lead
        raw: dict[str, object] = {"converted_status": choices.status}
        if self.account is not None:
            raw["account_id"] = self.account.id
        if choices.contact != NEW:
            raw["contact_id"] = choices.contact
        raw.update(self._opportunity_options())
        if choices.owner_id and choices.owner_id != str(lead.owner_id):
            raw["owner_id"] = choices.owner_id
        for name, flag in (("allow_duplicates", choices.allow_duplicates),
                           ("overwrite_lead_source", choices.overwrite_lead_source),
                           ("send_notification_email", choices.notify_owner)):  # fmt: skip
            if flag:
                raw[name] = True
        return raw

    def _opportunity_options(self) -> dict[str, object]:
        choice, name = self.choices.opportunity, self.choices.opportunity_name
        if choice == NONE:
            return {"do_not_create_opportunity": True}
        if choice != NEW:
            return {"opportunity_id": choice}
        # The company is the default name; leaving it be keeps a long company working.
        return {"opportunity_name": name} if name and name != self.lead.company else {}

    @property
    def contact_choice(self) -> ContactOption | None:
        """The existing contact chosen, if any."""
        return next((c for c in self.contacts if c.value == self.choices.contact), None)

    @property
    def opportunity_choice(self) -> Opportunity | None:
        """The existing opportunity chosen, if any."""
        return next((o for o in self.opportunities if str(o.id) == self.choices.opportunity), None)


def load_dialog(
    core: Opportune, user: User, lead: Lead, form: Mapping[str, object] | None
) -> Dialog:
    """The dialog for ``lead``: fresh (no ``form``) or as the posted form left it."""
    assert lead.id is not None
    picklists = core.leads.lookups().picklists
    statuses = [s.label for s in picklists.statuses if s.is_converted and s.is_active]
    found = core.conversions.suggestions(user, lead.id)
    choices = Choices.initial(lead, statuses, found) if form is None else Choices.from_form(form)
    errors: list[FieldError] = []
    account = _chosen_account(core, user, choices, found, errors)
    contacts = _contact_options(core, user, found, account)
    opportunities, lookups = _open_opportunities(core, user, account)
    return Dialog(
        lead=lead, choices=_fitted(choices, contacts, opportunities), statuses=statuses,
        owners=_owners(lookups, lead), suggestions=found, account=account, contacts=contacts,
        opportunities=opportunities, lookups=lookups, errors=errors,
    )  # fmt: skip


def _chosen_account(
    core: Opportune,
    user: User,
    choices: Choices,
    found: ConversionSuggestions,
    errors: list[FieldError],
) -> Account | None:
    """The existing account chosen (``None`` for a new one); a problem goes to ``errors``."""
    if choices.account == NEW:
        return None
    try:
        account_id = _account_id(core, user, choices)
        suggested = next((s.account for s in found.accounts if s.account.id == account_id), None)
        return suggested or core.accounts.get(user, account_id)
    except ValidationError as exc:
        errors.extend(exc.fields)
    except NotFoundError as exc:
        errors.append(FieldError("account_id", CROSS_REF, exc.message))
    return None


def _account_id(core: Opportune, user: User, choices: Choices) -> int:
    if choices.account != OTHER:
        if not choices.account.isdigit():
            raise ValidationError.single("account_id", CROSS_REF, "Choose an account")
        return int(choices.account)
    if not choices.account_text:
        message = "Type the name of the account to merge into and pick it from the list"
        raise ValidationError.single("account_id", "REQUIRED_FIELD_MISSING", message)
    return resolve_account(core, user, choices.account_text, "account_id")


def _contact_options(
    core: Opportune, user: User, found: ConversionSuggestions, account: Account | None
) -> list[ContactOption]:
    """The suggested contacts, then the other contacts of the chosen account."""
    options = [ContactOption(s.contact, s.account_name, s.reasons, s.exact) for s in found.contacts]
    if account is None or account.id is None:
        return options
    listed = {o.contact.id for o in options}
    others = [c for c in core.accounts.contacts_of(user, account.id) if c.id not in listed]
    return options + [ContactOption(c, account.name) for c in others[:RELATED_LIMIT]]


def _open_opportunities(
    core: Opportune, user: User, account: Account | None
) -> tuple[list[Opportunity], OpportunityLookups]:
    """The chosen account's open opportunities, soonest to close first, and the lookups."""
    if account is None or account.id is None:
        return [], core.opportunities.lookups()
    filters = OpportunityFilters(account=[account.id], state="open", limit=RELATED_LIMIT)
    found = core.opportunities.list(user, filters)
    return list(found.page.items), found.lookups


def _owners(lookups: OpportunityLookups, lead: Lead) -> list[tuple[str, str]]:
    """Active users who can own the new records; the lead's owner is always offered."""
    owners = []
    for person in lookups.users:
        if person.is_active:
            owners.append((str(person.id), person.name))
        elif person.id == lead.owner_id:
            owners.append((str(person.id), f"{person.name} (inactive)"))
    return owners


def _fitted(
    choices: Choices, contacts: list[ContactOption], opportunities: list[Opportunity]
) -> Choices:
    """The choices with a contact or opportunity no longer offered (the account changed)
    put back to creating a new one."""
    if choices.contact != NEW and choices.contact not in {c.value for c in contacts}:
        choices = replace(choices, contact=NEW)
    offered = {str(o.id) for o in opportunities} | {NEW, NONE}
    if choices.opportunity not in offered:
        choices = replace(choices, opportunity=NEW)
    if choices.contact == NEW:
        choices = replace(choices, overwrite_lead_source=False)
    return choices
