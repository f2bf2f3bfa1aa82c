"""Which lead field goes where when a lead is converted.

The standard mapping follows Salesforce (reference §2); an administrator may add
:class:`FieldMapping` rows that carry more lead fields onto account, contact or
opportunity fields. Whatever a conversion does not carry stays on the converted lead
and in the conversion record, so no lead value is ever lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opportune.domain.accounts import ACCOUNT
from opportune.domain.contacts import CONTACT
from opportune.domain.fields import FieldSpec, Kind, RecordSpec
from opportune.domain.lead_fields import LEAD
from opportune.domain.opportunities import OPPORTUNITY
from opportune.errors import FieldError

__all__ = [
    "LEAD_VALUE_FIELDS",
    "STANDARD_MAPPING",
    "TARGETS",
    "FieldMapping",
    "check_mappings",
    "mapping_for",
]

_ADDRESS = ("street", "city", "state", "postal_code", "country")

# Lead fields holding what people typed about the person and company, by attribute name.
LEAD_VALUE_FIELDS: tuple[str, ...] = (
    "salutation", "first_name", "last_name", "company", "title", "email", "phone",
    "mobile_phone", "fax", "website", *_ADDRESS, "description", "source_id", "rating",
    "industry", "annual_revenue", "number_of_employees", "do_not_call",
    "has_opted_out_of_email",
)  # fmt: skip

# (lead field, target field) per target object.
STANDARD_MAPPING: dict[str, tuple[tuple[str, str], ...]] = {
    "account": (
        ("company", "name"),
        *((f, f"billing_{f}") for f in _ADDRESS),
        ("phone", "phone"), ("fax", "fax"), ("website", "website"),
        ("industry", "industry"), ("annual_revenue", "annual_revenue"),
        ("number_of_employees", "number_of_employees"), ("rating", "rating"),
        ("source_id", "source_id"),
    ),
    "contact": (
        ("salutation", "salutation"), ("first_name", "first_name"),
        ("last_name", "last_name"), ("title", "title"), ("email", "email"),
        ("phone", "phone"), ("mobile_phone", "mobile_phone"), ("fax", "fax"),
        *((f, f"mailing_{f}") for f in _ADDRESS),
        ("description", "description"), ("source_id", "source_id"),
        ("do_not_call", "do_not_call"), ("has_opted_out_of_email", "has_opted_out_of_email"),
    ),
    "opportunity": (("source_id", "lead_source_id"),),
}  # fmt: skip
TARGETS: dict[str, RecordSpec] = {
    "account": ACCOUNT,
    "contact": CONTACT,
    "opportunity": OPPORTUNITY,
}
# Kinds an extra mapping may copy between: a value's meaning must survive the copy.
_MAPPABLE = frozenset({Kind.TEXT, Kind.EMAIL, Kind.CHOICE, Kind.DECIMAL, Kind.INTEGER,
                       Kind.BOOLEAN})  # fmt: skip
_INTO = {Kind.EMAIL: (Kind.EMAIL, Kind.TEXT), Kind.CHOICE: (Kind.CHOICE, Kind.TEXT),
         Kind.INTEGER: (Kind.INTEGER, Kind.DECIMAL)}  # fmt: skip
INVALID = "INVALID_FIELD"


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """An administrator's rule: copy ``lead_field`` into ``target_field`` of ``target``."""

    lead_field: str
    target: str  # account, contact or opportunity
    target_field: str


def mapping_for(target: str, extra: Iterable[FieldMapping] = ()) -> tuple[tuple[str, str], ...]:
    """The (lead field, target field) pairs a conversion copies onto ``target``."""
    added = tuple((m.lead_field, m.target_field) for m in extra if m.target == target)
    return STANDARD_MAPPING[target] + added


def check_mappings(mappings: Sequence[FieldMapping]) -> list[FieldError]:
    """Errors for mappings that cannot work: unknown fields, kinds that do not fit,
    text that may not fit, or a target field something else already fills."""
    errors: list[FieldError] = []
    taken = {(t, f) for t, pairs in STANDARD_MAPPING.items() for _, f in pairs}
    for index, mapping in enumerate(mappings):
        problem = _problem(mapping, taken)
        if problem:
            errors.append(FieldError(f"mappings[{index}]", INVALID, problem))
        taken.add((mapping.target, mapping.target_field))
    return errors


def _problem(mapping: FieldMapping, taken: set[tuple[str, str]]) -> str | None:
    source = _lead_spec(mapping.lead_field)
    if source is None:
        return f"Leads have no field '{mapping.lead_field}' that can be mapped"
    spec = TARGETS.get(mapping.target)
    if spec is None:
        return f"'{mapping.target}' is not account, contact or opportunity"
    target = spec.get(mapping.target_field)
    if target is None or target.kind not in _MAPPABLE:
        return f"{spec.noun.capitalize()}s have no field '{mapping.target_field}' to map onto"
    if (mapping.target, mapping.target_field) in taken:
        return f"{spec.noun.capitalize()} field '{mapping.target_field}' is already filled"
    return _fit_problem(source, target)


def _fit_problem(source: FieldSpec, target: FieldSpec) -> str | None:
    if target.kind not in _INTO.get(source.kind, (source.kind,)):
        return f"A {source.kind.value} field cannot go into a {target.kind.value} field"
    if target.kind is Kind.CHOICE and not set(source.choices) <= set(target.choices):
        return f"'{target.name}' does not offer every value of '{source.name}'"
    if target.max_length is not None and (source.max_length or 0) > target.max_length:
        return f"'{source.name}' may hold {source.max_length} characters, '{target.name}' " \
               f"only {target.max_length}"  # fmt: skip
    return None


def _lead_spec(name: str) -> FieldSpec | None:
    # The lead source is carried by the standard mapping; it is a list value, not text.
    if name not in LEAD_VALUE_FIELDS or name == "source_id":
        return None
    return LEAD.get(name)
