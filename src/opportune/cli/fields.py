"""Record fields as command-line options, shared by every ``add`` and ``update`` command.

A record's input fields are declared once in the domain (a
:class:`~opportune.domain.fields.RecordSpec`); :func:`spec_options` turns them into
:class:`FieldOption` values, :func:`with_fields` adds those options to a command, and
:func:`to_service_data` turns what was given into the service's input. Values pass to the
service as typed, so that the domain names the field at fault exactly as the REST API does.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from opportune.domain.fields import FieldSpec, Kind, RecordSpec
from opportune.domain.users import User
from opportune.errors import ValidationError

_PREFIX = "field_"
# Reference fields whose options take a user (id, email or 'me') rather than a bare id.
USER_REFERENCES = frozenset({"owner", "owner_id"})


@dataclass(frozen=True, slots=True)
class FieldOption:
    """One record field as an option: the service's field name, the option's names, help.

    A flag option is a pair such as ``--do-not-call/--may-call``; any other option takes a
    value, and an empty value ("") clears the field on update.
    """

    field: str
    flags: tuple[str, ...]
    help: str
    is_flag: bool = False


def spec_options(
    spec: RecordSpec,
    *,
    flags: Mapping[str, tuple[str, ...]] | None = None,
    helps: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
) -> tuple[FieldOption, ...]:
    """An option for each field of ``spec`` (except ``skip``), in declaration order.

    Options are named after their fields (``billing_city`` is ``--billing-city``) unless
    ``flags`` names them; help comes from the field's kind unless ``helps`` gives it.
    """
    flags, helps, skipped = flags or {}, helps or {}, set(skip)
    return tuple(
        FieldOption(
            field.name,
            flags.get(field.name) or _default_flags(field),
            helps.get(field.name) or describe(field),
            is_flag=field.kind is Kind.BOOLEAN,
        )
        for field in spec.fields
        if field.name not in skipped
    )


def _default_flags(field: FieldSpec) -> tuple[str, ...]:
    dashed = field.name.removesuffix("_id").replace("_", "-")
    return (f"--{dashed}/--no-{dashed}",) if field.kind is Kind.BOOLEAN else (f"--{dashed}",)


def describe(field: FieldSpec) -> str:
    """Help text for a field, from what it accepts."""
    name = field.name.removesuffix("_id").replace("_", " ").capitalize()
    required = " Required." if field.required else ""
    texts = {
        Kind.CHOICE: f"One of: {', '.join(field.choices)} (any case).",
        Kind.DECIMAL: f"{name}: a number such as 25000 or 1,500,000.50.",
        Kind.INTEGER: f"{name}: a whole number"
        + (f" from 0 to {field.maximum}." if field.maximum is not None else "."),
        Kind.DATE: f"{name}: a day, YYYY-MM-DD.",
        Kind.DATETIME: f"{name}: ISO 8601 date and time (UTC when no zone is given).",
        Kind.ID: f"The {field.what}'s id."
        if field.name not in USER_REFERENCES
        else "A user id, email or 'me' (default: you).",
        Kind.LABEL: f"{name}: a label of its configurable list (any case).",
        Kind.EMAIL: "Email address.",
        Kind.BOOLEAN: f"{name}: yes or no.",
    }
    return texts.get(field.kind, f"{name}.") + required


def with_fields(
    options: Sequence[FieldOption], panel: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add ``options`` to a command; it receives the ones given as ``fields``.

    Typer reads a command's options from its signature, so the shared options are added
    to the signature here instead of being repeated in every command.
    """

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        own = [
            p
            for p in inspect.signature(func, eval_str=True).parameters.values()
            if p.name != "fields"
        ]

        @functools.wraps(func)
        def command(**kwargs: Any) -> None:
            given = {o.field: kwargs.pop(_PREFIX + o.field) for o in options}
            func(fields={k: v for k, v in given.items() if v is not None}, **kwargs)

        params = [*own, *(_parameter(o, panel) for o in options)]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate


def _parameter(option: FieldOption, panel: str) -> inspect.Parameter:
    kind = bool | None if option.is_flag else str | None
    typer_option = typer.Option(*option.flags, help=option.help, rich_help_panel=panel)
    return inspect.Parameter(
        _PREFIX + option.field, inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[kind, typer_option],
    )  # fmt: skip


def parse_assignments(assignments: Iterable[str], aliases: Mapping[str, str]) -> dict[str, str]:
    """Turn ``--set field=value`` options into fields; ``field=`` clears the field.

    Names are matched ignoring case, with ``-`` for ``_``; ``aliases`` maps the short
    names people type (``owner``, ``source``) to the field names.
    """
    fields: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"'{assignment}' is not FIELD=VALUE", param_hint="--set")
        key = name.strip().lower().replace("-", "_")
        fields[aliases.get(key, key)] = value
    return fields


def changes(
    fields: Mapping[str, object], assignments: Sequence[str] | None, aliases: Mapping[str, str]
) -> dict[str, object]:
    """The fields an ``update`` gives, options and ``--set`` together; refuse none at all."""
    found = {**fields, **parse_assignments(assignments or [], aliases)}
    if not found:
        raise ValidationError([], "Nothing to change: give at least one field option or --set")
    return found


def to_service_data(
    fields: Mapping[str, object], actor: User, users: Sequence[User]
) -> dict[str, object]:
    """The service's input: an owner given as an email or ``me`` becomes a user id."""
    data = dict(fields)
    for name in USER_REFERENCES & data.keys():
        data[name] = resolve_owner(str(data[name]), actor, users)
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
