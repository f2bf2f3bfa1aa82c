"""The lead's fields as the web UI shows them: labels, input kinds, groups and choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opportune.domain.lead_fields import CHOICE_FIELDS, REQUIRED_FIELDS, TEXT_LIMITS
from opportune.domain.picklists import LeadStatus
from opportune.errors import FieldError
from opportune.services.presenters import LeadLookups


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One lead field in a form: its name, label and the kind of input that edits it."""

    name: str
    label: str
    kind: str = "text"  # text, email, tel, url, textarea, select, number, checkbox
    wide: bool = False

    @property
    def required(self) -> bool:
        """True for fields a lead cannot do without."""
        return self.name in REQUIRED_FIELDS

    @property
    def maxlength(self) -> int | None:
        """The longest text the field accepts."""
        return TEXT_LIMITS.get(self.name)

    @property
    def input_id(self) -> str:
        """The id of the field's input, for labels and error links."""
        return f"f-{self.name}"


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of fields."""

    title: str
    fields: tuple[FieldSpec, ...]


def _f(name: str, label: str, kind: str = "text", *, wide: bool = False) -> FieldSpec:
    return FieldSpec(name, label, kind, wide)


NAME = Section(
    "Name",
    (_f("salutation", "Salutation", "select"), _f("first_name", "First name"),
     _f("last_name", "Last name"), _f("title", "Title")),
)  # fmt: skip
COMPANY = Section("Company", (_f("company", "Company"), _f("website", "Website", "url")))
CONTACT = Section(
    "Contact info",
    (_f("email", "Email", "email"), _f("phone", "Phone", "tel"),
     _f("mobile_phone", "Mobile", "tel"), _f("fax", "Fax", "tel")),
)  # fmt: skip
ADDRESS = Section(
    "Address",
    (_f("street", "Street", "textarea", wide=True), _f("city", "City"),
     _f("state", "State / province"), _f("postal_code", "Postal code"), _f("country", "Country")),
)  # fmt: skip
QUALIFICATION = Section(
    "Qualification",
    (_f("status", "Status", "select"), _f("lead_source", "Lead source", "select"),
     _f("rating", "Rating", "select"), _f("industry", "Industry", "select"),
     _f("annual_revenue", "Annual revenue", "number"),
     _f("number_of_employees", "Employees", "number"), _f("owner_id", "Owner", "select")),
)  # fmt: skip
DESCRIPTION = Section("Description", (_f("description", "Description", "textarea", wide=True),))
FLAGS = Section(
    "Preferences",
    (_f("do_not_call", "Do not call", "checkbox"),
     _f("has_opted_out_of_email", "Opted out of email", "checkbox")),
)  # fmt: skip
FORM_SECTIONS = (NAME, COMPANY, CONTACT, ADDRESS, QUALIFICATION, DESCRIPTION, FLAGS)

# On the lead page the status moves along the path, so it is not an inline-edited field;
# the close reason is edited inline only while the lead is closed.
CLOSE_REASON = _f("close_reason", "Close reason", "select")
_PAGE_QUALIFICATION = Section(
    "Qualification",
    (*(f for f in QUALIFICATION.fields if f.name != "status"), CLOSE_REASON),
)
PAGE_SECTIONS = (NAME, COMPANY, CONTACT, ADDRESS, _PAGE_QUALIFICATION, DESCRIPTION, FLAGS)
PAGE_FIELDS: dict[str, FieldSpec] = {f.name: f for s in PAGE_SECTIONS for f in s.fields}
FORM_FIELDS: dict[str, FieldSpec] = {f.name: f for s in FORM_SECTIONS for f in s.fields}


def open_statuses(statuses: Sequence[LeadStatus]) -> list[LeadStatus]:
    """Statuses a lead can be given by hand when created: active, not closed."""
    return [s for s in statuses if s.is_active and not s.is_closed]


def choices(name: str, lookups: LeadLookups) -> list[tuple[str, str]]:
    """The (value, label) options of a select field."""
    picklists = lookups.picklists
    if name in CHOICE_FIELDS:
        return [(c, c) for c in CHOICE_FIELDS[name]]
    if name == "status":
        return [(s.label, s.label) for s in open_statuses(picklists.statuses)]
    if name == "lead_source":
        return [(v.label, v.label) for v in picklists.sources if v.is_active]
    if name == "close_reason":
        return [(v.label, v.label) for v in picklists.close_reasons if v.is_active]
    if name == "owner_id":
        return [(str(u.id), u.name) for u in lookups.users if u.is_active]
    return []


def form_data(form: Mapping[str, object], names: Sequence[str]) -> dict[str, object]:
    """Lead input from a submitted form: every named field, checkboxes as true or false."""
    data: dict[str, object] = {}
    for name in names:
        spec = FORM_FIELDS.get(name) or PAGE_FIELDS[name]
        value = form.get(name)
        if spec.kind == "checkbox":
            data[name] = "true" if value else "false"
        elif name == "status" and not value:
            continue  # no status chosen: the lead gets the default one
        else:
            data[name] = value if isinstance(value, str) else None
    return data


def errors_by_field(fields: Sequence[FieldError]) -> dict[str, str]:
    """One message per field, the first one given."""
    found: dict[str, str] = {}
    for error in fields:
        found.setdefault(error.field, error.message)
    return found


def field_label(name: str) -> str:
    """The label people see for a field or filter name."""
    spec = FORM_FIELDS.get(name) or PAGE_FIELDS.get(name)
    return spec.label if spec else name.replace("_", " ").capitalize()
