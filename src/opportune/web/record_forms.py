"""Posted record forms to service input: checkboxes, addresses and account references.

An account reference is typed or picked from a list as 'Acme Corp (#12)'; the id in it
wins, and a bare name is looked up (it must name exactly one account).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from opportune.domain.users import User
from opportune.errors import FieldError, ValidationError
from opportune.services import Opportune
from opportune.services.accounts import AccountFilters
from opportune.web.record_fields import RecordField

REFERENCE_ID = re.compile(r"\(#(\d{1,10})\)\s*$")
# No record has id 0. Posting it for a reference that could not be resolved lets the
# service report every other bad field in the same response while writing nothing.
UNRESOLVED = "0"
OPTION_LIMIT = 20


@dataclass(slots=True)
class PostedRecord:
    """Service input read from a form, and the reference errors found while reading it."""

    data: dict[str, object] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def merged(self, exc: ValidationError) -> ValidationError:
        """One error naming every bad field: the service's, with this form's reference
        errors in place of what the service said of those fields."""
        mine = {e.field for e in self.errors}
        return ValidationError([*self.errors, *(e for e in exc.fields if e.field not in mine)])


def read_form(
    core: Opportune, user: User, form: Mapping[str, object], fields: Iterable[RecordField]
) -> PostedRecord:
    """The service input for ``fields`` from a posted form."""
    posted = PostedRecord()
    for spec in fields:
        if not spec.editable:
            continue
        if spec.kind == "checkbox":
            posted.data[spec.name] = "true" if form.get(spec.name) else "false"
        elif spec.kind == "reference":
            posted.data[spec.name] = _reference(core, user, spec, form.get(spec.name), posted)
        else:
            for name in spec.inputs:
                value = form.get(name)
                posted.data[name] = value if isinstance(value, str) else None
    return posted


def _reference(
    core: Opportune, user: User, spec: RecordField, value: object, posted: PostedRecord
) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        return str(resolve_account(core, user, text, spec.name))
    except ValidationError as exc:
        posted.errors.extend(exc.fields)
        return UNRESOLVED


def resolve_account(core: Opportune, user: User, text: str, field_name: str) -> int:
    """The id of the account ``text`` names: its '(#id)' if it has one, else the one
    account of exactly that name; raise naming ``field_name`` otherwise."""
    found = REFERENCE_ID.search(text)
    if found:
        return int(found.group(1))
    name = text.strip()
    matches = [a for a in account_matches(core, user, name) if a[1].casefold() == name.casefold()]
    if len(matches) == 1:
        return matches[0][0]
    if not matches:
        message = f"No account is named '{name}'; choose one from the list"
    else:
        message = f"{len(matches)} accounts are named '{name}'; choose one from the list"
    raise ValidationError.single(field_name, "INVALID_CROSS_REFERENCE_KEY", message)


def account_matches(
    core: Opportune, user: User, query: str, limit: int = OPTION_LIMIT
) -> list[tuple[int, str]]:
    """Up to ``limit`` accounts whose name or website has every word of ``query``, by name."""
    filters = AccountFilters(q=query or None, sort="name", limit=limit)
    try:
        page = core.accounts.list(user, filters)
    except ValidationError:
        return []  # text the search refuses (control characters) matches nothing
    return [(a.id, a.name) for a in page.items if a.id is not None]


def errors_by_field(errors: Sequence[FieldError], fields: Iterable[RecordField]) -> dict[str, str]:
    """One message per form field; an address collects its parts' messages, each named."""
    found: dict[str, str] = {}
    parts = {name: spec for spec in fields for name in spec.parts}
    for error in errors:
        spec = parts.get(error.field)
        if spec is None:
            found.setdefault(error.field, error.message)
            continue
        part = error.field.removeprefix(f"{spec.name}_").replace("_", " ")
        message = f"{part.capitalize()}: {error.message}"
        found[spec.name] = f"{found[spec.name]}; {message}" if spec.name in found else message
    return found
