"""Lead conversion shaped for templates: the dialog's preview and the converted lead's panel.

Both show records the same way: a record created with its main fields, or a record merged
into with exactly the fields the conversion fills (empty before, the lead's value after),
and the lead's values that no record receives. Field names become the labels the record
pages use; ids become names and labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from opportune.domain.conversion import ConversionPlan, ConversionRecord, RecordPlan
from opportune.errors import FieldError
from opportune.services.opportunities import OpportunityLookups
from opportune.web.fields import PAGE_FIELDS
from opportune.web.formatting import format_date, format_number
from opportune.web.record_fields import address_part_label
from opportune.web.record_pages import PAGES

__all__ = [
    "CHOICE_OF_FIELD",
    "ConversionPanel",
    "FieldRow",
    "Names",
    "PlanPreview",
    "RecordView",
    "errors_by_choice",
    "present_plan",
    "present_record",
    "undo_blockers",
]

KINDS = ("account", "contact", "opportunity")
PAGE_OF = {"account": "accounts", "contact": "contacts", "opportunity": "opportunities"}
# Values every new record gets that say nothing to the person converting.
HIDDEN = frozenset({"currency_code", "is_closed", "is_won"})
SPECIAL_LABELS = {
    ("account", "source_id"): "Account source", ("contact", "source_id"): "Lead source",
    ("opportunity", "lead_source_id"): "Lead source", ("lead", "source_id"): "Lead source",
    ("opportunity", "stage_id"): "Stage",
}  # fmt: skip
# Which of the dialog's choices an option's error belongs next to.
CHOICE_OF_FIELD = {
    "converted_status": "status", "account_id": "account", "allow_duplicates": "account",
    "contact_id": "contact", "overwrite_lead_source": "contact",
    "opportunity_id": "opportunity", "opportunity_name": "opportunity",
    "do_not_create_opportunity": "opportunity", "owner_id": "owner",
    "send_notification_email": "owner",
}  # fmt: skip
# The service speaks in API option names; the dialog in what its choices say.
DUPLICATE_HINT = ": merge into it, or tick “Create a duplicate anyway”"
API_WORDS = (
    ("give account_id too", "choose its account too"),
    ("give the owner of the new records", "choose the owner of the new records"),
)


@dataclass(frozen=True, slots=True)
class Names:
    """Names and labels for the ids a record holds: users, lead sources, stages."""

    users: Mapping[int, str]
    sources: Mapping[int, str]
    stages: Mapping[int, str]

    @classmethod
    def of(cls, lookups: OpportunityLookups) -> Names:
        """The names the opportunity lookups know."""
        return cls(
            users={u.id: u.name for u in lookups.users if u.id is not None},
            sources={s.id: s.label for s in lookups.lead_sources},
            stages={s.id: s.label for s in lookups.pipeline.stages if s.id is not None},
        )

    def shown(self, name: str, value: object) -> str:
        """The value of field ``name`` as people read it ('' for nothing)."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, int) and name.endswith("_id"):
            table = {"owner_id": self.users, "stage_id": self.stages}.get(name, self.sources)
            return table.get(value, f"#{value}")
        if isinstance(value, datetime | date):
            return format_date(value)
        if isinstance(value, int | Decimal) and name != "probability":
            return format_number(value)
        return str(value)


def label_of(kind: str, name: str) -> str:
    """The label of field ``name`` of a ``kind`` record (``lead`` for a lead's own)."""
    special = SPECIAL_LABELS.get((kind, name))
    if special:
        return special
    if kind == "lead":
        spec = PAGE_FIELDS.get(name)
        return spec.label if spec else name.replace("_", " ").capitalize()
    found = PAGES[PAGE_OF[kind]].field(name)
    if found is not None:
        return found.label
    return address_part_label(name) or name.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One field shown: its label, its value, and (for a filled field) what it held."""

    label: str
    value: str
    before: str = ""


@dataclass(frozen=True, slots=True)
class RecordView:
    """An account, contact or opportunity a conversion creates or merges into.

    ``rows`` are the new record's fields, or the fields filled on the existing one.
    """

    kind: str
    creates: bool
    name: str
    url: str | None
    rows: tuple[FieldRow, ...]

    @property
    def title(self) -> str:
        """'Account', 'Contact' or 'Opportunity'."""
        return self.kind.capitalize()


@dataclass(frozen=True, slots=True)
class PlanPreview:
    """What converting will do, as the dialog shows it."""

    records: tuple[RecordView, ...]
    kept: tuple[FieldRow, ...]
    owner: str
    activities: int


def _created_rows(plan: RecordPlan, names: Names) -> tuple[FieldRow, ...]:
    rows = []
    for field, value in plan.values.items():
        shown = names.shown(field, value)
        if field not in HIDDEN and shown and value is not False:
            rows.append(FieldRow(label_of(plan.kind, field), shown))
    return tuple(rows)


def _filled_rows(
    kind: str, fields: Mapping[str, tuple[object, object]], names: Names
) -> tuple[FieldRow, ...]:
    """Each filled field with its value before and after (``fields``: name -> both)."""
    return tuple(
        FieldRow(label_of(kind, field), names.shown(field, after), names.shown(field, before))
        for field, (before, after) in fields.items()
    )


def _kept(unmapped: Mapping[str, object], names: Names) -> tuple[FieldRow, ...]:
    """The lead's values no record receives, as the lead page labels them."""
    return tuple(FieldRow(label_of("lead", f), names.shown(f, v)) for f, v in unmapped.items())


def _record_name(plan: RecordPlan, lead_company: str) -> str:
    if plan.kind == "account":
        return str(plan.values.get("name") or lead_company)
    if plan.kind == "contact":
        parts = (plan.values.get("first_name"), plan.values.get("last_name"))
        return " ".join(str(p) for p in parts if p)
    return str(plan.values.get("name") or "")


def present_plan(
    plan: ConversionPlan, targets: Mapping[str, str], names: Names, lead_company: str
) -> PlanPreview:
    """The preview of ``plan``; ``targets`` names the records merged into, by kind."""
    records = []
    for kind in KINDS:
        record: RecordPlan | None = getattr(plan, kind)
        if record is None:
            continue
        if record.creates:
            name, rows = _record_name(record, lead_company), _created_rows(record, names)
            records.append(RecordView(kind, True, name, None, rows))
            continue
        fills = {f: (record.previous.get(f), v) for f, v in record.values.items()}
        url = f"/{PAGE_OF[kind]}/{record.record_id}"
        name = targets.get(kind, f"#{record.record_id}")
        records.append(RecordView(kind, False, name, url, _filled_rows(kind, fills, names)))
    return PlanPreview(tuple(records), _kept(plan.unmapped, names),
                       names.shown("owner_id", plan.owner_id),
                       len(plan.activities))  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConversionPanel:
    """What a converted lead became: shown on its page, with the way back (undo)."""

    converted_on: str
    converted_at: datetime
    converted_by: str
    records: tuple[RecordView, ...]
    kept: tuple[FieldRow, ...]
    activities: int


def present_record(
    record: ConversionRecord, record_names: Mapping[str, str], names: Names
) -> ConversionPanel:
    """The panel for a conversion; ``record_names`` names its records by kind."""
    views = []
    for kind in KINDS:
        record_id = getattr(record, f"{kind}_id")
        if record_id is None:
            continue
        merged = record.merged.get(kind)
        rows = _filled_rows(kind, merged.fields, names) if merged else ()
        name = record_names.get(kind) or f"#{record_id} (deleted since)"
        url = f"/{PAGE_OF[kind]}/{record_id}" if kind in record_names else None
        views.append(RecordView(kind, kind in record.created, name, url, rows))
    return ConversionPanel(
        converted_on=format_date(record.converted_at), converted_at=record.converted_at,
        converted_by=names.users.get(record.converted_by_id, "someone"),
        records=tuple(views), kept=_kept(record.unmapped, names),
        activities=len(record.activities),
    )  # fmt: skip


def web_message(error: FieldError) -> str:
    """An error's message in the dialog's words rather than the API's option names."""
    message = error.message
    if error.code == "DUPLICATES_DETECTED":
        return message.split(": merge into it")[0] + DUPLICATE_HINT
    for api, web in API_WORDS:
        message = message.replace(api, web)
    return message


def errors_by_choice(errors: list[FieldError]) -> dict[str, list[str]]:
    """The messages to show next to each choice of the dialog (``general``: above them)."""
    found: dict[str, list[str]] = {}
    for error in errors:
        choice = CHOICE_OF_FIELD.get(error.field, "general")
        found.setdefault(choice, []).append(web_message(error))
    return found


@dataclass(frozen=True, slots=True)
class Blocker:
    """One change since the conversion that stands in the way of undo."""

    record: str  # 'Contact #31'
    url: str | None
    message: str


def undo_blockers(errors: tuple[FieldError, ...] | list[FieldError]) -> list[Blocker]:
    """The changes an ``UNDO_BLOCKED`` refusal lists (fields ``contact:31``), with links."""
    blockers = []
    for error in errors:
        kind, _, record_id = error.field.partition(":")
        page = PAGE_OF.get(kind)
        url = f"/{page}/{record_id}" if page and record_id.isdigit() else None
        blockers.append(Blocker(f"{kind.capitalize()} #{record_id}", url, error.message))
    return blockers
