"""The lead field options shared by ``lead add`` and ``lead update``, and their conversion
into the service's input (snake_case names, labels for picklists, ``owner_id`` for owner)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer

from opportune.domain.users import User
from opportune.errors import ValidationError

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
FIELD_NAMES = tuple(name for name, _, _ in TEXT_OPTIONS) + tuple(n for n, _, _ in FLAG_OPTIONS)
ALIASES = {"source": "lead_source", "employees": "number_of_employees", "owner_id": "owner"}
_PREFIX = "field_"


def _field_parameters() -> list[inspect.Parameter]:
    params = [
        _keyword(name, str | None, typer.Option(*flags, help=text, rich_help_panel=PANEL))
        for name, flags, text in TEXT_OPTIONS
    ]
    params += [
        _keyword(name, bool | None, typer.Option(flag, help=text, rich_help_panel=PANEL))
        for name, flag, text in FLAG_OPTIONS
    ]
    return params


def _keyword(name: str, kind: Any, option: Any) -> inspect.Parameter:
    return inspect.Parameter(
        _PREFIX + name, inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[kind, option],
    )  # fmt: skip


def with_lead_fields(func: Callable[..., None]) -> Callable[..., None]:
    """Add an option per lead field to a command; it receives the given ones as ``fields``.

    Typer reads a command's options from its signature, so the shared options are added
    to the signature here instead of being repeated in every command.
    """
    own = [
        p for p in inspect.signature(func, eval_str=True).parameters.values() if p.name != "fields"
    ]

    @functools.wraps(func)
    def command(**kwargs: Any) -> None:
        given = {name: kwargs.pop(_PREFIX + name) for name in FIELD_NAMES}
        func(fields={k: v for k, v in given.items() if v is not None}, **kwargs)

    params = [*own, *_field_parameters()]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """Turn ``--set field=value`` options into fields; ``field=`` clears the field."""
    fields: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"'{assignment}' is not FIELD=VALUE", param_hint="--set")
        key = name.strip().lower().replace("-", "_")
        fields[ALIASES.get(key, key)] = value
    return fields


def to_service_data(
    fields: Mapping[str, object], actor: User, users: Sequence[User]
) -> dict[str, object]:
    """The service's input: the owner reference becomes ``owner_id``; the rest passes as is."""
    data = {k: v for k, v in fields.items() if k != "owner"}
    if "owner" in fields:
        data["owner_id"] = resolve_owner(str(fields["owner"]), actor, users)
    return data


def resolve_owner(ref: str, actor: User, users: Sequence[User]) -> object:
    """A user id for an owner given as an id, an email or ``me``."""
    ref = ref.strip()
    if ref.lower() == "me":
        return actor.id
    if not ref or ref.isdigit():
        return ref  # the service validates ids (and refuses an empty owner)
    user = next((u for u in users if u.email.lower() == ref.lower()), None)
    if user is None:
        raise ValidationError.single(
            "owner", "INVALID_CROSS_REFERENCE_KEY", f"No user with email {ref}"
        )
    return user.id
