"""The ``add``, ``show``, ``update`` and ``delete`` commands every record group shares.

A :class:`RecordKind` says how one kind of record is reached (its service), shown (its
record dict, title and panel values) and edited (its field options);
:func:`add_record_commands` registers the four commands for it on a Typer group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import typer

from opportune.cli.duplicate_alerts import SavedAlerts
from opportune.cli.fields import FieldOption, changes, to_service_data, with_fields
from opportune.cli.options import ExpectVersion, JsonOption, SetOption, YesOption
from opportune.cli.output import note, print_json, print_record, print_table
from opportune.cli.presenters import Session, session
from opportune.domain.users import User
from opportune.services import Opportune
from opportune.services.duplicates import DuplicateCandidate
from opportune.services.saved_alerts import collecting_alerts

RecordId = Annotated[int, typer.Argument(metavar="ID", help="The record's id.")]


class RecordService(Protocol):
    """What the commands need of a record's service."""

    def create(self, actor: User, data: Mapping[str, object], /) -> Any:
        """Create a record."""

    def get(self, actor: User, record_id: int, /) -> Any:
        """Read a record."""

    def update(
        self,
        actor: User,
        record_id: int,
        data: Mapping[str, object],
        /,
        *,
        expected_version: int | None = None,
    ) -> Any:
        """Change a record."""

    def delete(self, actor: User, record_id: int, /) -> None:
        """Delete a record."""


@dataclass(frozen=True, slots=True)
class RecordKind:
    """How the shared commands reach, show and edit one kind of record.

    ``title`` names a record in headings and prompts ("account 3 · Acme"); ``shown``
    picks and formats the values of its panel; ``after_show`` prints related lists under
    it on ``show``. ``examples`` holds an example line per command for its help, and
    ``add_hint`` says what ``add`` needs (its required fields). With ``duplicate_rules``,
    ``add`` and ``update`` also tell of the possible duplicates alert rules found.
    """

    noun: str
    service: Callable[[Opportune], RecordService]
    present: Callable[[Session, Any], dict[str, Any]]
    title: Callable[[dict[str, Any]], str]
    shown: Callable[[Session, dict[str, Any]], dict[str, Any]]
    options: tuple[FieldOption, ...]
    aliases: Mapping[str, str]
    examples: Mapping[str, str]
    after_show: Callable[[Session, dict[str, Any]], None] | None = None
    add_hint: str = ""
    duplicate_rules: bool = False

    def help(self, command: str, text: str) -> str:
        """A command's help: what it does, then its example."""
        return f"{text}\n\nExample: {self.examples[command]}"

    def print(self, s: Session, record: Any, *, as_json: bool, verb: str = "") -> None:
        """Print one record: its JSON, or a panel headed by ``verb`` and its title."""
        values = self.present(s, record)
        if as_json:
            print_json(values)
            return
        title = self.title(values)
        print_record(f"{verb} {title}" if verb else title[:1].upper() + title[1:],
                     self.shown(s, values))  # fmt: skip
        if self.after_show is not None and not verb:
            self.after_show(s, values)

    def print_saved(
        self, s: Session, record: Any, found: list[DuplicateCandidate], *, as_json: bool,
        event: str,
    ) -> None:  # fmt: skip
        """Print a record just created or changed (``event``), then the possible duplicates
        alert rules found while saving it (``found``, from :func:`collecting_alerts`): a
        warning on stderr, and ``possible_duplicates`` in its JSON."""
        verb = "Created" if event == "create" else "Updated"
        alerts = SavedAlerts(self.noun, record.id, tuple(found)) if self.duplicate_rules else None
        if as_json and alerts is not None:
            print_json({**self.present(s, record), **alerts.as_json()})
        else:
            self.print(s, record, as_json=as_json, verb=verb)
        if alerts is not None:
            alerts.warn()


def add_record_commands(app: typer.Typer, kind: RecordKind, *, add: bool = True) -> None:
    """Register ``add`` (unless told not to), ``show``, ``update`` and ``delete``."""
    noun = kind.noun
    if add:
        text = f"Create {_article(noun)} {noun}. {kind.add_hint}".strip()
        app.command("add", help=kind.help("add", text))(_add(kind))
    show_text = f"Show every field of {_article(noun)} {noun}."
    app.command("show", help=kind.help("show", show_text))(_show(kind))
    update_text = f"Change {_article(noun)} {noun}: only the fields given change; '' clears one."
    app.command("update", help=kind.help("update", update_text))(_update(kind))
    delete_text = (
        f"Move {_article(noun)} {noun} to the recycle bin with what goes with it "
        "(asks first unless --yes)."
    )
    app.command("delete", help=kind.help("delete", delete_text))(_delete(kind))


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _add(kind: RecordKind) -> Callable[..., None]:
    @with_fields(kind.options, f"{kind.noun.capitalize()} fields")
    def add(ctx: typer.Context, fields: dict[str, object], as_json: JsonOption = False) -> None:
        s = session(ctx)
        data = to_service_data(fields, s.actor, s.users)
        with collecting_alerts() as found:
            record = kind.service(s.core).create(s.actor, data)
        kind.print_saved(s, record, found, as_json=as_json, event="create")

    return add


def _show(kind: RecordKind) -> Callable[..., None]:
    def show(ctx: typer.Context, record_id: RecordId, as_json: JsonOption = False) -> None:
        s = session(ctx)
        kind.print(s, kind.service(s.core).get(s.actor, record_id), as_json=as_json)

    return show


def _update(kind: RecordKind) -> Callable[..., None]:
    @with_fields(kind.options, f"{kind.noun.capitalize()} fields")
    def update(
        ctx: typer.Context,
        fields: dict[str, object],
        record_id: RecordId,
        assignments: SetOption = None,
        expect_version: ExpectVersion = None,
        as_json: JsonOption = False,
    ) -> None:
        given = changes(fields, assignments, kind.aliases)
        s = session(ctx)
        data = to_service_data(given, s.actor, s.users)
        with collecting_alerts() as found:
            record = kind.service(s.core).update(
                s.actor, record_id, data, expected_version=expect_version
            )
        kind.print_saved(s, record, found, as_json=as_json, event="edit")

    return update


def _delete(kind: RecordKind) -> Callable[..., None]:
    def delete(
        ctx: typer.Context, record_id: RecordId, yes: YesOption = False, as_json: JsonOption = False
    ) -> None:
        s = session(ctx)
        service = kind.service(s.core)
        title = kind.title(kind.present(s, service.get(s.actor, record_id)))
        if not yes:
            typer.confirm(f"Delete {title} (to the recycle bin)?", abort=True)
        service.delete(s.actor, record_id)
        if as_json:
            print_json({"deleted": record_id})
        else:
            note(f"Deleted {title}.")

    return delete


def print_page(
    records: Sequence[dict[str, Any]],
    *,
    noun: str,
    columns: Sequence[str],
    row: Callable[[dict[str, Any]], Iterable[Any]],
    next_cursor: str | None,
    total: int | None,
    as_json: bool,
) -> None:
    """Print one page of a list: JSON with its cursor and total, or a table and a footer."""
    if as_json:
        print_json({"items": list(records), "next_cursor": next_cursor, "total": total})
        return
    print_table(columns, [tuple(row(r)) for r in records])
    shown = f"{len(records)} {noun if len(records) == 1 else plural(noun)}"
    note(shown + (f" of {total}" if total is not None else ""), style="dim")
    if next_cursor:
        note(f"More: add --cursor {next_cursor}", style="dim")


def plural(noun: str) -> str:
    """``opportunity`` → ``opportunities``, ``account`` → ``accounts``."""
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def limit_or_default(s: Session, limit: int | None) -> int:
    """The page size asked for, or the installation's default."""
    return s.core.settings.page_size_default if limit is None else limit
