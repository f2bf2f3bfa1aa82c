"""The lead field options shared by ``lead add`` and ``lead update``, and their conversion
into the service's input (snake_case names, labels for picklists, ``owner_id`` for owner)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from opportune.cli import fields
from opportune.cli.fields import FieldOption, resolve_owner, with_fields
from opportune.domain.users import User

__all__ = ["parse_assignments", "resolve_owner", "to_service_data", "with_lead_fields"]

PANEL = "Lead fields"
# (field, option names, help). An empty value ("") clears a field on update.
TEXT_OPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("salutation", ("--salutation",), "Mr., Ms., Mrs., Dr., Prof. or Mx."),
    ("first_name", ("--first-name",), "First name."),
    ("last_name", ("--last-name",), "Last name (required)."),
    ("company", ("--company",), "Company (required)."),
    ("title", ("--title",), "Job title."),
    ("email", ("--email",), "Email address."),
    ("phone", ("--phone",), "Phone number."),
    ("mobile_phone", ("--mobile-phone",), "Mobile phone number."),
    ("fax", ("--fax",), "Fax number."),
    ("website", ("--website",), "Website."),
    ("street", ("--street",), "Street address."),
    ("city", ("--city",), "City."),
    ("state", ("--state",), "State or province."),
    ("postal_code", ("--postal-code",), "Postal code."),
    ("country", ("--country",), "Country."),
    ("status", ("--status",), "Lead status label, e.g. 'Working - Contacted'."),
    ("close_reason", ("--close-reason",), "Why it closed (needed for 'Closed - Not Converted')."),
    ("lead_source", ("--source", "--lead-source"), "Lead source label, e.g. 'Web'."),
    ("rating", ("--rating",), "Hot, Warm or Cold."),
    ("industry", ("--industry",), "Industry, e.g. 'Technology'."),
    ("annual_revenue", ("--annual-revenue",), "Annual revenue, e.g. 2500000."),
    ("number_of_employees", ("--employees", "--number-of-employees"), "Number of employees."),
    ("description", ("--description",), "Free-text description."),
    ("owner", ("--owner",), "Owner: a user id, email or 'me' (default: you)."),
)
FLAG_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("do_not_call", "--do-not-call/--may-call", "Whether the lead asked not to be called."),
    (
        "has_opted_out_of_email",
        "--email-opt-out/--email-opt-in",
        "Whether the lead opted out of email.",
    ),
)
OPTIONS = tuple(FieldOption(name, flags, text) for name, flags, text in TEXT_OPTIONS) + tuple(
    FieldOption(name, (flag,), text, is_flag=True) for name, flag, text in FLAG_OPTIONS
)
ALIASES = {"source": "lead_source", "employees": "number_of_employees", "owner_id": "owner"}

with_lead_fields = with_fields(OPTIONS, PANEL)
"""Add an option per lead field to a command; it receives the given ones as ``fields``."""


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """Turn ``--set field=value`` options into lead fields; ``field=`` clears the field."""
    return fields.parse_assignments(assignments, ALIASES)


def to_service_data(
    given: Mapping[str, object], actor: User, users: Sequence[User]
) -> dict[str, object]:
    """The service's input: the owner reference becomes ``owner_id``; the rest passes as is."""
    data = fields.to_service_data(given, actor, users)
    if "owner" in data:
        data["owner_id"] = data.pop("owner")
    return data
