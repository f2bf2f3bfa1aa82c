"""Which CSV column holds which field: matched by header name, overridable, reusable.

A header matches a field when both reduce to the same key (case, spaces, dashes and
underscores ignored), so ``first_name``, ``First Name``, ``FIRST-NAME`` and Salesforce's
``FirstName`` all find ``first_name``. Known variants (``Surname``, ``Zip``, ``E-mail``,
Salesforce's ``Lead Source`` or ``No. of Employees``...) are listed per kind of record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opportune.domain.accounts import ACCOUNT
from opportune.domain.contacts import CONTACT
from opportune.domain.fields import RecordSpec
from opportune.domain.lead_fields import LEAD
from opportune.domain.opportunities import OPPORTUNITY
from opportune.errors import FieldError

__all__ = ["SPECS", "ColumnMapping", "header_key", "map_columns"]

SPECS: dict[str, RecordSpec] = {
    "lead": LEAD,
    "account": ACCOUNT,
    "contact": CONTACT,
    "opportunity": OPPORTUNITY,
}
_ADDRESS = {"street": ("address", "street address", "address line 1", "mailing street"),
            "city": ("town", "locality"),
            "state": ("state/province", "province", "region", "county"),
            "postal_code": ("zip", "zip code", "zip/postal code", "postcode", "post code"),
            "country": ("country/region", "nation")}  # fmt: skip
_PERSON = {
    "first_name": ("given name", "forename", "first"),
    "last_name": ("surname", "family name", "last"),
    "email": ("e-mail", "email address", "e-mail address", "mail"),
    "phone": ("phone number", "telephone", "tel", "business phone", "work phone"),
    "mobile_phone": ("mobile", "cell", "cell phone", "mobile number"),
    "title": ("job title", "position", "role"),
    "do_not_call": ("dnc",),
    "has_opted_out_of_email": ("email opt out", "opted out of email", "unsubscribed"),
    "owner_id": ("owner", "lead owner", "assigned to", "ownerid"),
}
_COMPANY = {
    "website": ("web site", "url", "web", "homepage", "site"),
    "annual_revenue": ("revenue", "annual sales", "turnover"),
    "number_of_employees": ("employees", "no. of employees", "employee count", "headcount",
                            "number of employees", "size"),
    "industry": ("sector", "vertical"),
}  # fmt: skip
VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "lead": {**_PERSON, **_COMPANY, **_ADDRESS,
             "company": ("company name", "organisation", "organization", "account name",
                         "employer", "business name"),
             "status": ("lead status",),
             "lead_source": ("source", "leadsource", "lead origin", "channel"),
             "description": ("notes", "comments", "note", "comment")},
    "account": {**_COMPANY,
                **{f"billing_{k}": tuple(f"billing {v}" for v in (k, *vs)) + vs
                   for k, vs in _ADDRESS.items()},
                "name": ("account name", "company", "company name", "organisation",
                         "organization"),
                "account_source": ("source", "lead source"), "phone": ("phone number",
                                                                        "telephone"),
                "parent_account_id": ("parent account", "parent id", "parentid"),
                "owner_id": ("owner", "account owner", "ownerid")},
    "contact": {**_PERSON,
                **{f"mailing_{k}": tuple(f"mailing {v}" for v in (k, *vs)) + vs
                   for k, vs in _ADDRESS.items()},
                "account_id": ("account", "account id", "accountid", "company id",
                               "account name"),
                "lead_source": ("source",)},
    "opportunity": {"name": ("opportunity name", "deal", "deal name"),
                    "account_id": ("account", "account id", "accountid", "account name"),
                    "stage": ("stage name", "stagename", "pipeline stage"),
                    "close_date": ("close", "expected close date", "closedate"),
                    "amount": ("value", "deal value", "deal size"),
                    "lead_source": ("source",), "owner_id": ("owner", "opportunity owner"),
                    "next_step": ("nextstep",), "type": ("opportunity type",)},
}  # fmt: skip
_NOT_KEY = re.compile(r"[^a-z0-9]+")
AMBIGUOUS = "AMBIGUOUS_COLUMN"
UNKNOWN = "INVALID_FIELD"


def header_key(header: str) -> str:
    """The header reduced to lower-case letters and digits, for comparing names."""
    return _NOT_KEY.sub("", header.strip().lstrip("\ufeff").lower())


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Field name by column index, and the headers nothing was found for (ignored)."""

    fields: dict[int, str]
    ignored: list[str] = field(default_factory=list)

    def row(self, values: Sequence[str]) -> dict[str, str]:
        """The fields of one CSV row (columns beyond the row's end count as empty)."""
        return {name: values[i] if i < len(values) else "" for i, name in self.fields.items()}


def _lookup(kind: str) -> dict[str, str]:
    spec = SPECS[kind]
    keys = {header_key(name): name for name in spec.names}
    for name, variants in VARIANTS[kind].items():
        for variant in variants:
            keys.setdefault(header_key(variant), name)
    keys.update({header_key(name): name for name in spec.names})  # our own names win
    return keys


def map_columns(
    kind: str, headers: Sequence[str], overrides: Mapping[str, str | None] | None = None
) -> ColumnMapping | list[FieldError]:
    """Match ``headers`` to the fields of ``kind``; ``overrides`` maps a header to a field
    name (or ``None`` to ignore it) and wins over matching by name. Two columns for one
    field, or an override naming no field, are errors."""
    lookup, given = _lookup(kind), dict(overrides or {})
    fields: dict[int, str] = {}
    ignored: list[str] = []
    errors: list[FieldError] = []
    for index, header in enumerate(headers):
        name = given[header] if header in given else lookup.get(header_key(header))
        if name is None:
            ignored.append(header)
        elif name not in SPECS[kind].names:
            errors.append(
                FieldError(header, UNKNOWN, f"{kind.capitalize()}s have no field '{name}'")
            )
        elif name in fields.values():
            first = headers[next(i for i, n in fields.items() if n == name)]
            message = f"Both '{first}' and '{header}' would fill {name}: map one of them elsewhere"
            errors.append(FieldError(header, AMBIGUOUS, message))
        else:
            fields[index] = name
    return errors or ColumnMapping(fields, ignored)
