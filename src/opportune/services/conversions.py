"""Lead conversion as a library call: one lead, or any number in batches, and undo.

Each batch is one transaction: the leads are locked, everything the plans need is read
with a few set-based queries, :func:`~opportune.domain.conversion.plan_conversion`
decides for each lead, and :func:`~opportune.services.conversion_apply.apply_plans`
writes the batch. Without ``all_or_none`` each lead succeeds or fails on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from opportune.domain.activities import Activity
from opportune.domain.audit import AuditAction
from opportune.domain.conversion import (
    ConversionPlan,
    ConversionRecord,
    ConversionSetup,
    ConversionTargets,
    ConvertOptions,
    FieldMapping,
    check_mappings,
    fiscal_quarter_end,
    parse_options,
    plan_conversion,
)
from opportune.domain.duplicates import DuplicateAction
from opportune.domain.leads import Lead
from opportune.domain.notifications import Notification, conversion_notice
from opportune.domain.opportunities import ContactRole
from opportune.domain.sharing import Access, Viewer
from opportune.domain.users import User
from opportune.errors import (
    ConvertedLeadError,
    FieldError,
    MergedRecordError,
    NotFoundError,
    OpportuneError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.conversion_access import (
    NO_ACCESS,
    lead_access,
    lead_access_errors,
    readable_records,
    require_undo_access,
    visible_suggestions,
)
from opportune.services.conversion_apply import Planned, apply_plans
from opportune.services.conversion_duplicates import (
    ConversionSuggestions,
    DuplicateFinder,
    Resolved,
    creation_keys,
    resolve_duplicates,
)
from opportune.services.conversion_undo import UndoResult, undo_conversion
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork

__all__ = [
    "ConversionResult",
    "ConversionService",
    "ConversionSuggestions",
    "ConvertRequest",
    "UndoResult",
]

DEFAULT_BATCH = 500
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ConvertRequest:
    """One lead to convert and how (options as :class:`ConvertOptions` or raw input)."""

    lead_id: int
    options: ConvertOptions | Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ConversionResult:
    """What became of one lead (Salesforce's ``LeadConvertResult``)."""

    lead_id: int
    success: bool
    account_id: int | None = None
    contact_id: int | None = None
    opportunity_id: int | None = None
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[str, ...] = ()


class ConversionService:
    """Convert leads into accounts, contacts and opportunities, preview it, and undo it."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        currency: str = "USD",
        fiscal_year_start_month: int = 1,
        duplicate_action: DuplicateAction = DuplicateAction.BLOCK,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.currency = currency
        self.fiscal_year_start_month = fiscal_year_start_month
        self.duplicate_action = duplicate_action
        self.batch_size = batch_size

    def preview(
        self, actor: User, lead_id: int, options: ConvertOptions | Mapping[str, object]
    ) -> ConversionPlan:
        """The plan for converting the lead, without converting it (raises what is wrong)."""
        with UnitOfWork(self.engine) as uow:
            batch = self._loader(uow, actor).plan([ConvertRequest(lead_id, options)])
        return _single(batch, lead_id).plan

    def suggestions(self, actor: User, lead_id: int) -> ConversionSuggestions:
        """Existing accounts (same company name or website, or the email's domain) and
        contacts (same email, or same name with the same company or phone) the lead could
        be merged into instead of creating duplicates; exact matches first. Only records
        ``actor`` may read are suggested."""
        with UnitOfWork(self.engine) as uow:
            viewer = viewer_for(uow, actor)
            require_access(uow, viewer, "lead", lead_id)
            lead = uow.leads.get(lead_id)
            if lead is None:
                raise NotFoundError.for_record("Lead", lead_id)
            found = DuplicateFinder(uow.conversions, [lead]).suggestions(lead)
            return visible_suggestions(uow, viewer, found)

    def convert(
        self, actor: User, lead_id: int, options: ConvertOptions | Mapping[str, object]
    ) -> ConversionResult:
        """Convert one lead; raise the error (422, 404 or 409) when it cannot be."""
        (result,) = self.convert_many(actor, [ConvertRequest(lead_id, options)], all_or_none=True)
        if not result.success:
            raise _as_error(result)
        return result

    def convert_many(
        self,
        actor: User,
        requests: Sequence[ConvertRequest],
        *,
        all_or_none: bool = False,
        progress: Progress | None = None,
    ) -> list[ConversionResult]:
        """Convert any number of leads; one result per request, in the same order.

        With ``all_or_none`` nothing is converted unless every lead can be. ``progress``
        is called with the number of leads done after each batch.
        """
        results: dict[int, ConversionResult] = {}
        if not all_or_none:
            self._rounds(actor, requests, results, progress, None)
            return [results[i] for i in range(len(requests))]
        with UnitOfWork(self.engine, write=True) as uow:
            self._rounds(actor, requests, results, progress, uow)
            if len(results) == len(requests) and all(r.success for r in results.values()):
                uow.commit()
                return [results[i] for i in range(len(requests))]
        return _rolled_back(requests, results)

    def _rounds(
        self,
        actor: User,
        requests: Sequence[ConvertRequest],
        results: dict[int, ConversionResult],
        progress: Progress | None,
        shared: UnitOfWork | None,
    ) -> None:
        """Convert in batches; leads that would twin a record another lead of their batch
        creates wait for a later round, when that record exists and can be matched."""
        todo = list(range(len(requests)))
        while todo:
            waiting: list[int] = []
            for start in range(0, len(todo), self.batch_size):
                indexes = todo[start : start + self.batch_size]
                outcome = self._batch_in(shared, actor, [requests[i] for i in indexes])
                for index, result in zip(indexes, outcome, strict=True):
                    if result is None:
                        waiting.append(index)
                    else:
                        results[index] = result
                if progress:
                    progress(len(results))
                if shared is not None and not all(r.success for r in results.values()):
                    return  # nothing will be kept: no need to plan the rest
            todo = waiting

    def _batch_in(
        self, shared: UnitOfWork | None, actor: User, requests: Sequence[ConvertRequest]
    ) -> list[ConversionResult | None]:
        if shared is not None:
            return self._batch(shared, actor, requests, stop_on_error=True)
        with UnitOfWork(self.engine, write=True) as uow:
            outcome = self._batch(uow, actor, requests)
            uow.commit()
        return outcome

    def _batch(
        self,
        uow: UnitOfWork,
        actor: User,
        requests: Sequence[ConvertRequest],
        *,
        stop_on_error: bool = False,
    ) -> list[ConversionResult | None]:
        """One batch: plan every lead, write the good plans. ``None`` marks a lead that waits."""
        loaded = self._loader(uow, actor).plan(requests)
        good = [p for p in loaded if isinstance(p, Planned)]
        if stop_on_error and any(isinstance(p, list) for p in loaded):
            return [None if p is None else _failed(r, p)
                    for r, p in zip(requests, loaded, strict=True)]  # fmt: skip
        now = self.clock()
        done = apply_plans(uow.conversions, good, _id(actor), now)
        _audit_conversions(uow, done, actor, now)
        applied = iter(done)
        uow.notifications.add_many(_notices(good, actor, now))
        outcome: list[ConversionResult | None] = []
        for request, planned in zip(requests, loaded, strict=True):
            if isinstance(planned, Planned):
                outcome.append(_succeeded(next(applied), planned.warnings))
            else:
                outcome.append(None if planned is None else _failed(request, planned))
        return outcome

    def _loader(self, uow: UnitOfWork, actor: User | None) -> _Loader:
        return _Loader(uow, self._setup(uow), self.duplicate_action, viewer_for(uow, actor))

    def _setup(self, uow: UnitOfWork) -> ConversionSetup:
        now = self.clock()
        stages = [s for s in uow.stages.stages() if s.is_active and not s.is_closed]
        return ConversionSetup(
            statuses=uow.picklists.statuses(), first_stage=stages[0],
            close_date=fiscal_quarter_end(now.date(), self.fiscal_year_start_month),
            today=now.date(), currency=self.currency,
            users={u.id: u.is_active for u in uow.users.all() if u.id is not None},
            mappings=uow.conversions.mappings(),
        )  # fmt: skip

    # --- undo and the record ----------------------------------------------------------------

    def unconvert(self, actor: User, lead_id: int, *, force: bool = False) -> UndoResult:
        """Undo the lead's conversion (see :func:`~opportune.domain.conversion.plan_undo`):
        refused with a list of what changed since, unless ``force`` keeps changed records."""
        with UnitOfWork(self.engine, write=True) as uow:
            record = uow.conversions.in_force(lead_id)
            created = [(kind, ids[0]) for kind, ids in record.created.items()] if record else []
            require_undo_access(uow, viewer_for(uow, actor), lead_id, created)
            now = self.clock()
            result = undo_conversion(uow, lead_id, _id(actor), now, force=force)
            audit(uow, AuditAction.CONVERSION_UNDONE, actor, now, object_type="lead",
                  object_id=lead_id, details={"deleted": len(result.deleted),
                                              "kept": len(result.kept)})  # fmt: skip
            uow.commit()
        return result

    def conversion(self, actor: User, lead_id: int) -> ConversionRecord:
        """The lead's conversion in force: what was created, merged, moved and not mapped."""
        with UnitOfWork(self.engine) as uow:
            require_access(uow, viewer_for(uow, actor), "lead", lead_id)
            if uow.leads.get(lead_id) is None:
                raise NotFoundError.for_record("Lead", lead_id)
            record = uow.conversions.in_force(lead_id)
        if record is None:
            raise NotFoundError(f"Lead {lead_id} is not converted")
        return record

    def history(self, actor: User, lead_id: int) -> list[ConversionRecord]:
        """Every conversion of the lead, undone ones included, oldest first."""
        with UnitOfWork(self.engine) as uow:
            require_access(uow, viewer_for(uow, actor), "lead", lead_id)
            if uow.leads.get(lead_id) is None:
                raise NotFoundError.for_record("Lead", lead_id)
            return uow.conversions.history(lead_id)

    # --- field mappings ---------------------------------------------------------------------

    def mappings(self) -> list[FieldMapping]:
        """The extra field mappings an administrator added to the standard ones."""
        with UnitOfWork(self.engine) as uow:
            return uow.conversions.mappings()

    def save_mappings(self, actor: User, mappings: Sequence[FieldMapping]) -> list[FieldMapping]:
        """Replace the extra field mappings (administrators only); refuse any that cannot work."""
        require_admin(actor)
        errors = check_mappings(mappings)
        if errors:
            raise ValidationError(errors)
        with UnitOfWork(self.engine, write=True) as uow:
            uow.conversions.replace_mappings(mappings)
            audit(uow, AuditAction.SETTING_CHANGED, actor, self.clock(),
                  object_type="conversion_mappings",
                  details={"setting": "conversion_mappings", "count": len(mappings)})  # fmt: skip
            uow.commit()
        return list(mappings)


class _Loader:
    """Reads what the plans of one batch need, then plans each lead in order.

    Records merged into are tracked as the batch changes them, so two leads merging into
    one account fill each empty field once, and a second primary role is never planned.
    A lead that would create a twin of a record an earlier lead of the batch creates
    waits (``None``) for the next round.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        setup: ConversionSetup,
        action: DuplicateAction,
        viewer: Viewer | None = None,
    ) -> None:
        self.uow, self.setup, self.action, self.viewer = uow, setup, action, viewer
        self.records: dict[str, dict[int, Any]] = {}
        self.roles: dict[int, list[ContactRole]] = {}
        self.creating: set[tuple[str, str]] = set()

    def plan(self, requests: Sequence[ConvertRequest]) -> list[Planned | list[FieldError] | None]:
        """A plan, the errors, or ``None`` (wait for the next round) for each request."""
        repo = self.uow.conversions
        leads = repo.leads_for_update(r.lead_id for r in requests)
        finder = DuplicateFinder(repo, leads.values())
        resolved = [self._resolve(r, leads.get(r.lead_id), finder) for r in requests]
        self._load([x.options for x in resolved if isinstance(x, Resolved)])
        activities = repo.activities_of_leads(leads)
        seen: set[int] = set()
        planned: list[Planned | list[FieldError] | None] = []
        for request, item in zip(requests, resolved, strict=True):
            if isinstance(item, list) or request.lead_id in seen:
                planned.append(item if isinstance(item, list) else _twice(request.lead_id))
                continue
            seen.add(request.lead_id)
            lead = leads[request.lead_id]
            planned.append(self._plan_one(lead, item, activities.get(request.lead_id, [])))
        return planned

    def _resolve(
        self, request: ConvertRequest, lead: Lead | None, finder: DuplicateFinder
    ) -> Resolved | list[FieldError]:
        options = _options(request)
        access = Access.NONE if lead is None else lead_access(self.uow, self.viewer, lead)
        denied = lead_access_errors(request.lead_id, access)
        if lead is None or denied:
            return denied
        if isinstance(options, list):
            return options
        if lead.is_converted or lead.merged_into_id is not None:  # the plan refuses it
            return Resolved(options, [], [])
        found = visible_suggestions(self.uow, self.viewer, finder.suggestions(lead))
        return resolve_duplicates(options, found, self.action)

    def _load(self, options: Sequence[ConvertOptions]) -> None:
        repo = self.uow.conversions
        found: dict[str, Mapping[int, Any]] = {
            "account": repo.accounts(o.account_id for o in options if o.account_id),
            "contact": repo.contacts(o.contact_id for o in options if o.contact_id),
            "opportunity": repo.opportunities(
                o.opportunity_id for o in options if o.opportunity_id
            ),
        }
        # A record the user may not read is refused exactly as a missing one.
        self.records = {kind: readable_records(self.uow, self.viewer, kind, records)
                        for kind, records in found.items()}  # fmt: skip
        self.roles = repo.roles_of(self.records["opportunity"])

    def _plan_one(
        self, lead: Lead, resolved: Resolved, activities: Sequence[Activity]
    ) -> Planned | list[FieldError] | None:
        options = resolved.options
        keys = set() if options.allow_duplicates else creation_keys(lead, options)
        if keys & self.creating:
            return None
        found = {kind: self.records[kind].get(getattr(options, f"{kind}_id") or 0)
                 for kind in ("account", "contact", "opportunity")}  # fmt: skip
        result = plan_conversion(lead, options, self._targets(found, activities), self.setup)
        if isinstance(result, list) or resolved.errors:
            return [*(result if isinstance(result, list) else []), *resolved.errors]
        self.creating |= keys
        self._remember(result, found)
        return Planned(result, lead, {k: v for k, v in found.items() if v is not None},
                       activities, _options_record(options), tuple(resolved.warnings))  # fmt: skip

    def _targets(self, found: dict[str, Any], activities: Sequence[Activity]) -> ConversionTargets:
        opp = found["opportunity"]
        return ConversionTargets(
            account=found["account"], contact=found["contact"], opportunity=opp,
            opportunity_roles=tuple(self.roles.get(opp.id, ())) if opp else (),
            activities=activities,
        )  # fmt: skip

    def _remember(self, plan: ConversionPlan, found: dict[str, Any]) -> None:
        """Apply the plan's fills and role to the batch's view of the existing records."""
        for kind in ("account", "contact", "opportunity"):
            record_plan = getattr(plan, kind)
            if record_plan is not None and not record_plan.creates and record_plan.values:
                record = found[kind]
                self.records[kind][record.id] = dataclasses.replace(record, **record_plan.values)
        opp = found["opportunity"]
        if opp is not None and plan.primary_role is not None:
            contact_id = found["contact"].id if found["contact"] else -plan.lead_id
            role = ContactRole(opp.id, contact_id, None, plan.primary_role)
            self.roles.setdefault(opp.id, []).append(role)


def _options(request: ConvertRequest) -> ConvertOptions | list[FieldError]:
    if isinstance(request.options, ConvertOptions):
        return request.options
    try:
        return parse_options(request.options)
    except ValidationError as exc:
        return exc.fields


def _options_record(options: ConvertOptions) -> dict[str, object]:
    """The options as given, for the conversion record (unset ones left out)."""
    values = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    return {k: v for k, v in values.items() if v not in (None, False)}


def _notices(batch: Sequence[Planned], actor: User, now: datetime) -> list[Notification]:
    """A notification for each new owner who asked to be told (never for yourself)."""
    return [
        conversion_notice(p.plan.owner_id, p.plan.lead_id, p.lead.name, p.lead.company,
                          actor.name, now, _id(actor))
        for p in batch
        if p.plan.notify_owner and p.plan.owner_id != actor.id
    ]  # fmt: skip


def _twice(lead_id: int) -> list[FieldError]:
    message = f"Lead {lead_id} appears more than once in this request"
    return [FieldError("lead_id", "DUPLICATE_VALUE", message)]


def _single(batch: Sequence[Planned | list[FieldError] | None], lead_id: int) -> Planned:
    (planned,) = batch
    if isinstance(planned, Planned):
        return planned
    assert planned is not None, "a lead alone in its batch never waits"
    raise _as_error(ConversionResult(lead_id, False, errors=tuple(planned)))


def _as_error(result: ConversionResult) -> OpportuneError:
    """The exception a single conversion raises for its errors."""
    codes = {e.code for e in result.errors}
    if NO_ACCESS in codes:
        return PermissionDeniedError(result.errors[0].message, fields=result.errors)
    if "CANNOT_UPDATE_CONVERTED_LEAD" in codes:
        return ConvertedLeadError(result.errors[0].message, fields=result.errors)
    if MergedRecordError.code in codes:
        merged = next(e for e in result.errors if e.code == MergedRecordError.code)
        return MergedRecordError(merged.message, fields=result.errors)
    missing = [e for e in result.errors if e.field == "lead_id" and "No lead" in e.message]
    if missing:
        return NotFoundError.for_record("Lead", result.lead_id)
    return ValidationError(list(result.errors))


def _failed(request: ConvertRequest, planned: Planned | Sequence[FieldError]) -> ConversionResult:
    errors = () if isinstance(planned, Planned) else tuple(planned)
    if not errors:
        errors = (FieldError("lead_id", "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                             "Not converted: another lead in the request failed"),)  # fmt: skip
    return ConversionResult(request.lead_id, False, errors=errors)


def _audit_conversions(uow: UnitOfWork, applied: Sequence[Any], actor: User, now: datetime) -> None:
    """One entry per converted lead (bulk conversions too), naming what it became."""
    for done in applied:
        details = {"account_id": done.account_id, "contact_id": done.contact_id,
                   "opportunity_id": done.opportunity_id}  # fmt: skip
        audit(uow, AuditAction.CONVERTED, actor, now, object_type="lead",
              object_id=done.lead_id, details=details)  # fmt: skip


def _succeeded(applied: Any, warnings: tuple[str, ...]) -> ConversionResult:
    return ConversionResult(applied.lead_id, True, applied.account_id, applied.contact_id,
                            applied.opportunity_id, warnings=warnings)  # fmt: skip


def _rolled_back(
    requests: Sequence[ConvertRequest], results: Mapping[int, ConversionResult]
) -> list[ConversionResult]:
    """All-or-none failed: every lead reports its own errors or the roll-back."""
    outcome = []
    for index, request in enumerate(requests):
        result = results.get(index)
        outcome.append(result if result and result.errors else _failed(request, []))
    return outcome


def _id(user: User) -> int:
    assert user.id is not None
    return user.id
