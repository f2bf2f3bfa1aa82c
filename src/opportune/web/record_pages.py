"""The record pages, declared: accounts, contacts and opportunities as the web UI shows them.

Each :class:`RecordPage` says which sections of fields the record page and the new-record
form show, which columns, sorts and filters its list has, and which extra panels (related
lists, the stage path) its page carries. The routes and templates in ``routes/records.py``
and ``templates/records/`` are shared and driven entirely by these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from opportune.domain.accounts import ACCOUNT
from opportune.domain.contacts import CONTACT
from opportune.domain.opportunities import OPPORTUNITY
from opportune.web.drill_filters import OPPORTUNITY_DRILL_FILTERS, DrillFilter
from opportune.web.record_fields import Column, FieldFactory, ListFilter, RecordField, Section


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One kind of record in the web UI: its URLs, words, fields, list and panels.

    ``kind`` is the URL segment (``/accounts``) and ``object_type`` the name field history
    uses. ``above`` are templates drawn between the header and the fields (the stage
    path); ``panels`` are templates of related lists drawn below them.
    """

    kind: str
    object_type: str
    noun: str
    plural: str
    blurb: str
    sections: tuple[Section, ...]
    form_sections: tuple[Section, ...]
    columns: tuple[Column, ...]
    default_sort: str
    search_hint: str
    filters: tuple[ListFilter, ...] = ()
    hidden_filters: tuple[str, ...] = ()
    # Filters report click-throughs set in the address (the form has no inputs for them).
    drill_filters: tuple[DrillFilter, ...] = ()
    above: tuple[str, ...] = ()
    panels: tuple[str, ...] = ()

    def field(self, name: str) -> RecordField | None:
        """The page's or the form's field called ``name``."""
        for section in (*self.sections, *self.form_sections):
            found = next((f for f in section.fields if f.name == name), None)
            if found is not None:
                return found
        return None

    @property
    def page_fields(self) -> tuple[RecordField, ...]:
        """Every field of the record page, in order."""
        return tuple(f for s in self.sections for f in s.fields)

    @property
    def form_fields(self) -> tuple[RecordField, ...]:
        """Every field of the new-record form, in order."""
        return tuple(f for s in self.form_sections for f in s.fields)

    @property
    def filter_names(self) -> tuple[str, ...]:
        """The query parameters that narrow the list."""
        return (
            "q", "owner", *(f.name for f in self.filters), *self.hidden_filters,
            *(f.name for f in self.drill_filters),
        )  # fmt: skip

    def column(self, sort: str) -> Column | None:
        """The column sorted by ``sort`` (with or without its leading ``-``)."""
        return next((c for c in self.columns if c.sort == sort.lstrip("-")), None)

    @property
    def label(self) -> str:
        """The noun with a capital, for headings: 'Account'."""
        return self.noun.capitalize()


OWNER_FILTER = ListFilter("owner", "Owner", "Anyone", source="owners")

_a = FieldFactory(ACCOUNT)
_ACCOUNT_MAIN = Section(
    "Account",
    (_a("name", "Account name"), _a("website", "Website", "url"), _a("phone", "Phone", "tel"),
     _a("fax", "Fax", "tel"), _a("parent_account_id", "Parent account", "reference"),
     _a("owner_id", "Owner", "select", source="users", blank=False)),
)  # fmt: skip
_ACCOUNT_BUSINESS = Section(
    "Business",
    (_a("industry", "Industry", "select"), _a("rating", "Rating", "select"),
     _a("annual_revenue", "Annual revenue", "number"),
     _a("number_of_employees", "Employees", "number"),
     _a("account_source", "Account source", "select", source="lead_sources")),
)  # fmt: skip
_ACCOUNT_ADDRESSES = Section(
    "Addresses",
    (_a.address("billing", "Billing address"), _a.address("shipping", "Shipping address")),
    wide=True,
)
_ACCOUNT_DESCRIPTION = Section(
    "Description", (_a("description", "Description", "textarea", wide=True),), wide=True
)
_ACCOUNT_SECTIONS = (_ACCOUNT_MAIN, _ACCOUNT_BUSINESS, _ACCOUNT_ADDRESSES, _ACCOUNT_DESCRIPTION)

ACCOUNTS = RecordPage(
    kind="accounts", object_type="account", noun="account", plural="accounts",
    blurb="The companies and organisations you do business with.",
    sections=_ACCOUNT_SECTIONS, form_sections=_ACCOUNT_SECTIONS,
    columns=(
        Column("name", "Name", "link", "name"), Column("industry", "Industry", sort="industry"),
        Column("rating", "Rating", "rating", "rating"), Column("phone", "Phone"),
        Column("billing_city", "City", sort="billing_city"),
        Column("billing_country", "Country", sort="billing_country"),
        Column("owner_name", "Owner"),
        Column("created_at", "Created", "date", "created_at", "date"),
    ),
    default_sort="name", search_hint="Search name or website",
    filters=(
        OWNER_FILTER,
        ListFilter("industry", "Industry", "Any industry", options=tuple(
            (v, v) for v in ACCOUNT.choice_lists()["industry"])),
        ListFilter("rating", "Rating", "Any rating", options=tuple(
            (v, v) for v in ACCOUNT.choice_lists()["rating"])),
    ),
    panels=("records/_account_related.html",),
)  # fmt: skip

_c = FieldFactory(CONTACT)
_CONTACT_NAME = Section(
    "Name",
    (_c("salutation", "Salutation", "select"), _c("first_name", "First name"),
     _c("last_name", "Last name"), _c("title", "Title")),
)  # fmt: skip
_CONTACT_INFO = Section(
    "Contact info",
    (_c("email", "Email", "email"), _c("phone", "Phone", "tel"),
     _c("mobile_phone", "Mobile", "tel"), _c("fax", "Fax", "tel")),
)  # fmt: skip
_CONTACT_WORK = Section(
    "Account and owner",
    (_c("account_id", "Account", "reference"),
     _c("owner_id", "Owner", "select", source="users", blank=False),
     _c("lead_source", "Lead source", "select", source="lead_sources")),
)  # fmt: skip
_CONTACT_PREFERENCES = Section(
    "Preferences",
    (_c("do_not_call", "Do not call", "checkbox"),
     _c("has_opted_out_of_email", "Opted out of email", "checkbox")),
)  # fmt: skip
_CONTACT_ADDRESS = Section("Mailing address", (_c.address("mailing", "Mailing address"),))
_CONTACT_DESCRIPTION = Section(
    "Description", (_c("description", "Description", "textarea", wide=True),), wide=True
)
_CONTACT_SECTIONS = (
    _CONTACT_NAME, _CONTACT_INFO, _CONTACT_WORK, _CONTACT_PREFERENCES, _CONTACT_ADDRESS,
    _CONTACT_DESCRIPTION,
)  # fmt: skip

CONTACTS = RecordPage(
    kind="contacts", object_type="contact", noun="contact", plural="contacts",
    blurb="The people at your accounts.",
    sections=_CONTACT_SECTIONS, form_sections=_CONTACT_SECTIONS,
    columns=(
        Column("name", "Name", "link", "last_name"), Column("title", "Title", sort="title"),
        Column("account_name", "Account", "account"), Column("email", "Email", sort="email"),
        Column("phone", "Phone"), Column("mailing_city", "City", sort="mailing_city"),
        Column("owner_name", "Owner"),
        Column("created_at", "Created", "date", "created_at", "date"),
    ),
    default_sort="last_name", search_hint="Search name or email",
    filters=(OWNER_FILTER,), hidden_filters=("account",),
    panels=("records/_contact_related.html",),
)  # fmt: skip

_o = FieldFactory(OPPORTUNITY)
_OPPORTUNITY_MAIN = Section(
    "Opportunity",
    (_o("name", "Opportunity name"), _o("account_id", "Account", "reference"),
     _o("type", "Type", "select"), _o("lead_source", "Lead source", "select",
                                      source="lead_sources"),
     _o("owner_id", "Owner", "select", source="users", blank=False),
     _o("next_step", "Next step", wide=True)),
)  # fmt: skip
_FORECAST_FIELDS = (
    _o("amount", "Amount", "money"), _o("close_date", "Close date", "date"),
    _o("probability", "Probability (%)", "percent"),
    _o("forecast_category", "Forecast category", "select"),
)  # fmt: skip
_OPPORTUNITY_FORECAST = Section(
    "Forecast",
    (*_FORECAST_FIELDS, _o("expected_revenue", "Expected revenue", "computed"),
     _o("lost_reason", "Lost reason", "select", source="lost_reasons", shown_if="is_lost"),
     _o("is_closed", "Closed", "computed"), _o("is_won", "Won", "computed")),
)  # fmt: skip
_OPPORTUNITY_DESCRIPTION = Section(
    "Description", (_o("description", "Description", "textarea", wide=True),), wide=True
)
_OPPORTUNITY_NEW_FORECAST = Section(
    "Stage and forecast",
    (_o("stage", "Stage", "select", source="stages", blank=False), *_FORECAST_FIELDS,
     _o("lost_reason", "Lost reason (when closed lost)", "select", source="lost_reasons")),
)  # fmt: skip

OPPORTUNITIES = RecordPage(
    kind="opportunities", object_type="opportunity", noun="opportunity",
    plural="opportunities", blurb="Deals in your pipeline, from first contact to closed.",
    sections=(_OPPORTUNITY_MAIN, _OPPORTUNITY_FORECAST, _OPPORTUNITY_DESCRIPTION),
    form_sections=(_OPPORTUNITY_MAIN, _OPPORTUNITY_NEW_FORECAST, _OPPORTUNITY_DESCRIPTION),
    columns=(
        Column("name", "Name", "link", "name"), Column("account_name", "Account", "account"),
        Column("stage", "Stage", "badge"), Column("amount", "Amount", "money", "amount", "number"),
        Column("probability", "Probability", "percent", "probability", "number"),
        Column("close_date", "Close date", "date", "close_date", "date"),
        Column("owner_name", "Owner"),
    ),
    default_sort="close_date", search_hint="Search opportunity names",
    filters=(
        OWNER_FILTER,
        ListFilter("state", "State", "Open and closed", options=(
            ("open", "Open"), ("closed", "Closed"), ("won", "Won"), ("lost", "Lost"))),
        ListFilter("stage", "Stage", "Any stage", source="stages"),
    ),
    hidden_filters=("account",),
    drill_filters=OPPORTUNITY_DRILL_FILTERS,
    above=("records/_stage_path.html",),
    panels=("records/_opportunity_related.html",),
)  # fmt: skip

PAGES: dict[str, RecordPage] = {p.kind: p for p in (ACCOUNTS, CONTACTS, OPPORTUNITIES)}
