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
from typing import Any

from sqlalchemy import Engine

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
from opportune.domain.opportunities import ContactRole
from opportune.domain.users import User
from opportune.errors import (
    ConvertedLeadError,
    FieldError,
    NotFoundError,
    OpportuneError,
    ValidationError,
)
from opportune.services.clock import Clock
from opportune.services.conversion_apply import Planned, apply_plans
from opportune.services.conversion_undo import UndoResult, undo_conversion
from opportune.services.permissions import require_admin
from opportune.services.picklists import load_lead_picklists
from opportune.services.pipeline import load_pipeline
from opportune.services.uow import UnitOfWork

__all__ = ["ConversionResult", "ConversionService", "ConvertRequest", "UndoResult"]

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


class ConversionService:
    """Convert leads into accounts, contacts and opportunities, preview it, and undo it."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        currency: str = "USD",
        fiscal_year_start_month: int = 1,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.currency = currency
        self.fiscal_year_start_month = fiscal_year_start_month
        self.batch_size = batch_size

    def preview(
        self, actor: User, lead_id: int, options: ConvertOptions | Mapping[str, object]
    ) -> ConversionPlan:
        """The plan for converting the lead, without converting it (raises what is wrong)."""
        with UnitOfWork(self.engine) as uow:
            batch = _Loader(uow, self._setup(uow)).plan([ConvertRequest(lead_id, options)])
        return _single(batch, lead_id).plan

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
        if all_or_none:
            return self._all_or_none(actor, requests, progress)
        results: list[ConversionResult] = []
        for start in range(0, len(requests), self.batch_size):
            chunk = requests[start : start + self.batch_size]
            with UnitOfWork(self.engine, write=True) as uow:
                results.extend(self._batch(uow, actor, chunk))
                uow.commit()
            if progress:
                progress(len(results))
        return results

    def _all_or_none(
        self, actor: User, requests: Sequence[ConvertRequest], progress: Progress | None
    ) -> list[ConversionResult]:
        results: list[ConversionResult] = []
        with UnitOfWork(self.engine, write=True) as uow:
            for start in range(0, len(requests), self.batch_size):
                chunk = requests[start : start + self.batch_size]
                results.extend(self._batch(uow, actor, chunk, stop_on_error=True))
                if progress:
                    progress(len(results))
                if not all(r.success for r in results):
                    break  # nothing will be kept: no need to plan the rest
            if all(r.success for r in results) and len(results) == len(requests):
                uow.commit()
                return results
        return _rolled_back(requests, results)

    def _batch(
        self,
        uow: UnitOfWork,
        actor: User,
        requests: Sequence[ConvertRequest],
        *,
        stop_on_error: bool = False,
    ) -> list[ConversionResult]:
        loaded = _Loader(uow, self._setup(uow)).plan(requests)
        good = [p for p in loaded if isinstance(p, Planned)]
        if stop_on_error and len(good) != len(loaded):
            return [_failed(r, p) for r, p in zip(requests, loaded, strict=True)]
        applied = iter(apply_plans(uow.conversions, good, _id(actor), self.clock()))
        return [_failed(r, p) if not isinstance(p, Planned) else _succeeded(next(applied))
                for r, p in zip(requests, loaded, strict=True)]  # fmt: skip

    def _setup(self, uow: UnitOfWork) -> ConversionSetup:
        now = self.clock()
        stages = [s for s in load_pipeline(uow).stages if s.is_active and not s.is_closed]
        return ConversionSetup(
            statuses=load_lead_picklists(uow).statuses, first_stage=stages[0],
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
            result = undo_conversion(uow, lead_id, _id(actor), self.clock(), force=force)
            uow.commit()
        return result

    def conversion(self, actor: User, lead_id: int) -> ConversionRecord:
        """The lead's conversion in force: what was created, merged, moved and not mapped."""
        with UnitOfWork(self.engine) as uow:
            if uow.leads.get(lead_id) is None:
                raise NotFoundError.for_record("Lead", lead_id)
            record = uow.conversions.in_force(lead_id)
        if record is None:
            raise NotFoundError(f"Lead {lead_id} is not converted")
        return record

    def history(self, actor: User, lead_id: int) -> list[ConversionRecord]:
        """Every conversion of the lead, undone ones included, oldest first."""
        with UnitOfWork(self.engine) as uow:
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
            uow.commit()
        return list(mappings)


class _Loader:
    """Reads what the plans of one batch need, then plans each lead in order.

    Records merged into are tracked as the batch changes them, so two leads merging into
    one account fill each empty field once, and a second primary role is never planned.
    """

    def __init__(self, uow: UnitOfWork, setup: ConversionSetup) -> None:
        self.uow, self.setup = uow, setup
        self.records: dict[str, dict[int, Any]] = {}
        self.roles: dict[int, list[ContactRole]] = {}

    def plan(self, requests: Sequence[ConvertRequest]) -> list[Planned | list[FieldError]]:
        options = [_options(r) for r in requests]
        repo = self.uow.conversions
        leads = repo.leads_for_update(r.lead_id for r in requests)
        valid = [o for o in options if isinstance(o, ConvertOptions)]
        self.records = {
            "account": repo.accounts(o.account_id for o in valid if o.account_id),
            "contact": repo.contacts(o.contact_id for o in valid if o.contact_id),
            "opportunity": repo.opportunities(o.opportunity_id for o in valid if o.opportunity_id),
        }
        self.roles = repo.roles_of(self.records["opportunity"])
        activities = repo.activities_of_leads(leads)
        seen: set[int] = set()
        planned: list[Planned | list[FieldError]] = []
        for request, option in zip(requests, options, strict=True):
            lead = leads.get(request.lead_id)
            if isinstance(option, list) or lead is None or request.lead_id in seen:
                planned.append(_refusal(request.lead_id, option, lead is None))
                continue
            seen.add(request.lead_id)
            planned.append(self._plan_one(lead, option, activities.get(request.lead_id, [])))
        return planned

    def _plan_one(self, lead: Any, options: ConvertOptions, activities: Any) -> Any:
        found = {kind: self.records[kind].get(getattr(options, f"{kind}_id") or 0)
                 for kind in ("account", "contact", "opportunity")}  # fmt: skip
        opp = found["opportunity"]
        targets = ConversionTargets(
            account=found["account"], contact=found["contact"], opportunity=opp,
            opportunity_roles=tuple(self.roles.get(opp.id, ())) if opp else (),
            activities=activities,
        )  # fmt: skip
        result = plan_conversion(lead, options, targets, self.setup)
        if isinstance(result, list):
            return result
        self._remember(result, found)
        return Planned(result, lead, {k: v for k, v in found.items() if v is not None},
                       activities, _options_record(options))  # fmt: skip

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
    return {k: v for k, v in dataclasses.asdict(options).items() if v not in (None, False)}


def _refusal(lead_id: int, option: object, missing: bool) -> list[FieldError]:
    if missing:
        return [FieldError("lead_id", "INVALID_CROSS_REFERENCE_KEY", f"No lead with id {lead_id}")]
    if isinstance(option, list):
        return option
    message = f"Lead {lead_id} appears more than once in this request"
    return [FieldError("lead_id", "DUPLICATE_VALUE", message)]


def _single(batch: Sequence[Planned | list[FieldError]], lead_id: int) -> Planned:
    (planned,) = batch
    if isinstance(planned, Planned):
        return planned
    raise _as_error(ConversionResult(lead_id, False, errors=tuple(planned)))


def _as_error(result: ConversionResult) -> OpportuneError:
    """The exception a single conversion raises for its errors."""
    codes = {e.code for e in result.errors}
    if "CANNOT_UPDATE_CONVERTED_LEAD" in codes:
        return ConvertedLeadError(result.errors[0].message, fields=result.errors)
    missing = [e for e in result.errors if e.field == "lead_id" and "No lead" in e.message]
    if missing:
        return NotFoundError.for_record("Lead", result.lead_id)
    return ValidationError(list(result.errors))


def _failed(request: ConvertRequest, planned: Planned | list[FieldError]) -> ConversionResult:
    errors = () if isinstance(planned, Planned) else tuple(planned)
    if not errors:
        errors = (FieldError("lead_id", "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                             "Not converted: another lead in the request failed"),)  # fmt: skip
    return ConversionResult(request.lead_id, False, errors=errors)


def _succeeded(applied: Any) -> ConversionResult:
    return ConversionResult(applied.lead_id, True, applied.account_id, applied.contact_id,
                            applied.opportunity_id)  # fmt: skip


def _rolled_back(
    requests: Sequence[ConvertRequest], results: Sequence[ConversionResult]
) -> list[ConversionResult]:
    """All-or-none failed: every lead reports its own errors or the roll-back."""
    by_index = list(results) + [ConversionResult(r.lead_id, False)
                                for r in requests[len(results):]]  # fmt: skip
    return [r if r.errors else _failed(request, []) for r, request in
            zip(by_index, requests, strict=True)]  # fmt: skip


def _id(user: User) -> int:
    assert user.id is not None
    return user.id
