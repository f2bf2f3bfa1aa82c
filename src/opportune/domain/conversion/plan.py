"""The rules of lead conversion as one pure function: a lead and options in, a plan out.

:func:`plan_conversion` checks the options against the lead and the existing records
the service loaded, and returns either a :class:`ConversionPlan` (every record to
create, every empty field to fill on a record merged into, every activity to re-link)
or the list of what is wrong, each with the code a Salesforce user knows. Applying the
plan, in one transaction, is the service's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from opportune.domain.accounts import Account
from opportune.domain.activities import Activity
from opportune.domain.contacts import Contact
from opportune.domain.conversion.mapping import LEAD_VALUE_FIELDS, FieldMapping, mapping_for
from opportune.domain.conversion.options import ConvertOptions
from opportune.domain.leads import Lead
from opportune.domain.merged import MERGED, merged_message
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.picklists import LeadStatus, find_by_label
from opportune.domain.stages import Stage
from opportune.errors import FieldError

__all__ = [
    "ActivityMove",
    "ConversionPlan",
    "ConversionSetup",
    "ConversionTargets",
    "RecordPlan",
    "plan_conversion",
]

MAX_NEW_OPPORTUNITY_NAME = 120  # the opportunity name column; a longer company is cut
CONVERTED = "CANNOT_UPDATE_CONVERTED_LEAD"
CROSS_REF = "INVALID_CROSS_REFERENCE_KEY"
INVALID = "INVALID_FIELD"
MISSING = "REQUIRED_FIELD_MISSING"
STATUS = "INVALID_STATUS"
INACTIVE_OWNER = "INACTIVE_OWNER_OR_USER"


@dataclass(frozen=True, slots=True)
class ConversionSetup:
    """What every conversion of one call shares, loaded once by the service.

    ``users`` maps each user id to whether the user is active. A lead waiting in a queue
    (``queue_id`` set) needs the owner of the new records given.
    """

    statuses: Sequence[LeadStatus]
    first_stage: Stage
    close_date: date
    today: date
    currency: str
    users: Mapping[int, bool]
    mappings: Sequence[FieldMapping] = ()


@dataclass(frozen=True, slots=True)
class ConversionTargets:
    """The existing records the options name, as found (``None``: no such record)."""

    account: Account | None = None
    contact: Contact | None = None
    opportunity: Opportunity | None = None
    opportunity_roles: Sequence[ContactRole] = ()
    activities: Sequence[Activity] = ()  # the lead's activities, to follow it


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """What happens to one of the account, contact and opportunity.

    ``action`` is ``create`` (``values`` are the new record's fields) or ``merge``
    (``values`` are the fields that will be filled on record ``record_id``, and
    ``previous`` what each of them holds now, for undo).
    """

    kind: str
    action: str
    record_id: int | None
    values: dict[str, object]
    previous: dict[str, object] = field(default_factory=dict)

    @property
    def creates(self) -> bool:
        """True when the conversion makes this record."""
        return self.action == "create"


@dataclass(frozen=True, slots=True)
class ActivityMove:
    """An activity of the lead following it; ``owner_id`` is set when an open task
    changes hands to the owner of the new records."""

    activity_id: int
    owner_id: int | None


@dataclass(frozen=True, slots=True)
class ConversionPlan:
    """Everything a conversion of one lead will do, before anything is written.

    ``unmapped`` holds the lead's values that no record receives (they stay on the
    converted lead and in the conversion record). ``primary_role`` tells whether the
    contact's new role on the opportunity is primary; ``None`` means no role is added.
    """

    lead_id: int
    status_id: int
    converted_date: date
    owner_id: int
    account: RecordPlan
    contact: RecordPlan
    opportunity: RecordPlan | None
    primary_role: bool | None
    activities: tuple[ActivityMove, ...]
    unmapped: dict[str, object]
    notify_owner: bool


def plan_conversion(
    lead: Lead, options: ConvertOptions, targets: ConversionTargets, setup: ConversionSetup
) -> ConversionPlan | list[FieldError]:
    """The plan for converting ``lead`` with ``options``, or every reason it cannot be."""
    errors = _check(lead, options, targets, setup)
    if errors:
        return errors
    assert lead.id is not None
    status = _converted_status(options, setup)
    assert status is not None
    owner_id = options.owner_id or lead.owner_id
    account = _record_plan("account", lead, targets.account, owner_id, setup, options)
    contact = _record_plan("contact", lead, targets.contact, owner_id, setup, options)
    opportunity = _opportunity_plan(lead, options, targets, owner_id, setup)
    return ConversionPlan(
        lead_id=lead.id, status_id=status.id, converted_date=setup.today, owner_id=owner_id,
        account=account, contact=contact, opportunity=opportunity,
        primary_role=_primary_role(targets, opportunity),
        activities=_activity_moves(targets.activities, options, lead),
        unmapped=_unmapped(lead, (account, contact, opportunity), targets, setup.mappings),
        notify_owner=options.send_notification_email,
    )  # fmt: skip


# --- checks -----------------------------------------------------------------------------


def _check(
    lead: Lead, options: ConvertOptions, targets: ConversionTargets, setup: ConversionSetup
) -> list[FieldError]:
    if lead.is_converted:
        return [FieldError("lead_id", CONVERTED, f"Lead {lead.id} is already converted")]
    merged = _merged_errors(lead, targets)
    if merged:
        return merged
    return [
        *_status_errors(options, setup),
        *_account_errors(options, targets),
        *_contact_errors(options, targets),
        *_opportunity_errors(options, targets),
        *_owner_errors(lead, options, setup),
    ]


def _merged_errors(lead: Lead, targets: ConversionTargets) -> list[FieldError]:
    """A merged lead cannot be converted, nor a lead into a merged account or contact."""
    named = (("lead_id", lead), ("account_id", targets.account), ("contact_id", targets.contact))
    return [
        FieldError(field, MERGED, message)
        for field, record in named
        if (message := merged_message(record)) is not None
    ]


def _converted_status(options: ConvertOptions, setup: ConversionSetup) -> LeadStatus | None:
    if not options.converted_status:
        return None
    found = find_by_label(setup.statuses, options.converted_status)
    return found if found and found.is_converted and found.is_active else None


def _status_errors(options: ConvertOptions, setup: ConversionSetup) -> list[FieldError]:
    if not options.converted_status:
        return [FieldError("converted_status", MISSING, "Give the converted status")]
    if _converted_status(options, setup) is None:
        allowed = ", ".join(s.label for s in setup.statuses if s.is_converted and s.is_active)
        message = f"'{options.converted_status}' is not a converted status; use: {allowed}"
        return [FieldError("converted_status", STATUS, message)]
    return []


def _account_errors(options: ConvertOptions, targets: ConversionTargets) -> list[FieldError]:
    if options.account_id is not None and targets.account is None:
        return [FieldError("account_id", CROSS_REF, f"No account with id {options.account_id}")]
    return []


def _contact_errors(options: ConvertOptions, targets: ConversionTargets) -> list[FieldError]:
    errors: list[FieldError] = []
    if options.overwrite_lead_source and options.contact_id is None:
        message = "Overwriting the lead source applies only to an existing contact"
        errors.append(FieldError("overwrite_lead_source", INVALID, message))
    if options.contact_id is None:
        return errors
    if options.account_id is None:
        message = "An existing contact needs its account: give account_id too"
        return [*errors, FieldError("contact_id", INVALID, message)]
    contact = targets.contact
    if contact is None:
        message = f"No contact with id {options.contact_id}"
        errors.append(FieldError("contact_id", CROSS_REF, message))
    elif targets.account is not None and contact.account_id != options.account_id:
        message = f"Contact {contact.id} does not belong to account {options.account_id}"
        errors.append(FieldError("contact_id", CROSS_REF, message))
    return errors


def _opportunity_errors(options: ConvertOptions, targets: ConversionTargets) -> list[FieldError]:
    name, existing = options.opportunity_name, options.opportunity_id
    if options.do_not_create_opportunity and (name or existing is not None):
        field_name = "opportunity_name" if name else "opportunity_id"
        message = "Leave it empty when no opportunity is to be created"
        return [FieldError(field_name, INVALID, message)]
    if existing is None:
        return []
    if name:
        message = "Give either a name for a new opportunity or an existing opportunity"
        return [FieldError("opportunity_name", INVALID, message)]
    return _existing_opportunity_errors(options, targets)


def _existing_opportunity_errors(
    options: ConvertOptions, targets: ConversionTargets
) -> list[FieldError]:
    opp = targets.opportunity
    if opp is None:
        message = f"No opportunity with id {options.opportunity_id}"
        return [FieldError("opportunity_id", CROSS_REF, message)]
    if options.account_id is None:
        message = "An existing opportunity needs its account: give account_id too"
        return [FieldError("opportunity_id", INVALID, message)]
    if opp.account_id != options.account_id:
        message = f"Opportunity {opp.id} does not belong to account {options.account_id}"
        return [FieldError("opportunity_id", CROSS_REF, message)]
    return []


def _owner_errors(lead: Lead, options: ConvertOptions, setup: ConversionSetup) -> list[FieldError]:
    if options.owner_id is None:
        if lead.queue_id is not None:
            message = "A queue owns this lead: give the owner of the new records"
            return [FieldError("owner_id", MISSING, message)]
        return []
    active = setup.users.get(options.owner_id)
    if active is None:
        return [FieldError("owner_id", CROSS_REF, f"No user with id {options.owner_id}")]
    if not active:
        message = f"User {options.owner_id} is inactive and cannot own records"
        return [FieldError("owner_id", INACTIVE_OWNER, message)]
    return []


# --- the plan ---------------------------------------------------------------------------


def _record_plan(
    kind: str,
    lead: Lead,
    existing: Account | Contact | None,
    owner_id: int,
    setup: ConversionSetup,
    options: ConvertOptions,
) -> RecordPlan:
    values = {target: getattr(lead, source) for source, target in
              mapping_for(kind, setup.mappings)}  # fmt: skip
    if existing is None:
        return RecordPlan(kind, "create", None, {**values, "owner_id": owner_id})
    if kind == "contact":
        # Salesforce never changes an existing contact's call and email preferences.
        for name in ("do_not_call", "has_opted_out_of_email"):
            values.pop(name)
    overwrite = {"source_id"} if kind == "contact" and options.overwrite_lead_source else set()
    return _merge_plan(kind, existing, values, overwrite)


def _merge_plan(
    kind: str, existing: object, values: Mapping[str, object], overwrite: set[str]
) -> RecordPlan:
    """Fill the existing record's empty fields (and ``overwrite`` ones) from the lead."""
    fills: dict[str, object] = {}
    previous: dict[str, object] = {}
    for name, value in values.items():
        current = getattr(existing, name)
        if _is_empty(value) or current == value:
            continue
        if _is_empty(current) or name in overwrite:
            fills[name], previous[name] = value, current
    record_id = getattr(existing, "id", None)
    return RecordPlan(kind, "merge", record_id, fills, previous)


def _opportunity_plan(
    lead: Lead,
    options: ConvertOptions,
    targets: ConversionTargets,
    owner_id: int,
    setup: ConversionSetup,
) -> RecordPlan | None:
    if options.do_not_create_opportunity:
        return None
    values = {target: getattr(lead, source) for source, target in
              mapping_for("opportunity", setup.mappings)}  # fmt: skip
    if targets.opportunity is not None:
        return _merge_plan("opportunity", targets.opportunity, values, set())
    stage = setup.first_stage
    name = options.opportunity_name or lead.company[:MAX_NEW_OPPORTUNITY_NAME]
    values.update(
        name=name, stage_id=stage.id, close_date=setup.close_date, owner_id=owner_id,
        currency_code=setup.currency, probability=stage.probability,
        forecast_category=stage.forecast_category, is_closed=stage.is_closed,
        is_won=stage.is_won,
    )  # fmt: skip
    return RecordPlan("opportunity", "create", None, values)


def _primary_role(targets: ConversionTargets, opportunity: RecordPlan | None) -> bool | None:
    """Whether the contact's role on the opportunity is primary; ``None``: add no role."""
    if opportunity is None:
        return None
    if opportunity.creates:
        return True
    contact = targets.contact
    roles = targets.opportunity_roles
    if contact is not None and any(r.contact_id == contact.id for r in roles):
        return None  # the contact already has a part in this deal
    return not any(r.is_primary for r in roles)


def _activity_moves(
    activities: Sequence[Activity], options: ConvertOptions, lead: Lead
) -> tuple[ActivityMove, ...]:
    """Every activity follows the lead; open tasks go to a new owner when one is given."""
    new_owner = options.owner_id if options.owner_id not in (None, lead.owner_id) else None
    moves = []
    for activity in activities:
        assert activity.id is not None
        owner = new_owner if activity.is_open_task else None
        moves.append(ActivityMove(activity.id, owner))
    return tuple(moves)


def _unmapped(
    lead: Lead,
    plans: Sequence[RecordPlan | None],
    targets: ConversionTargets,
    mappings: Sequence[FieldMapping],
) -> dict[str, object]:
    """The lead's values that reach no record: kept on the lead and the conversion record."""
    carried: set[str] = set()
    existing = {"account": targets.account, "contact": targets.contact,
                "opportunity": targets.opportunity}  # fmt: skip
    for plan in plans:
        if plan is not None:
            carried |= _carried_by(lead, plan, existing[plan.kind], mappings)
    return {
        name: getattr(lead, name)
        for name in LEAD_VALUE_FIELDS
        if name not in carried and not _is_empty(getattr(lead, name))
    }


def _carried_by(
    lead: Lead, plan: RecordPlan, existing: object, mappings: Sequence[FieldMapping]
) -> set[str]:
    """Lead fields whose value the record will hold after the conversion."""
    carried = set()
    for source, target in mapping_for(plan.kind, mappings):
        value = getattr(lead, source)
        if plan.creates or target in plan.values or getattr(existing, target, None) == value:
            carried.add(source)
    return carried


def _is_empty(value: object) -> bool:
    """Nothing to copy: no value, blank text, or an unset flag."""
    return value is None or value == "" or value is False
