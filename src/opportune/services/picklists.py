"""Administering the lead status, lead source and close reason lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Literal, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from opportune.domain.leads import LeadPicklists
from opportune.domain.picklists import (
    LeadStatus,
    PicklistValue,
    check_label,
    check_status_list,
    find_by_label,
)
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import utc_now
from opportune.services.permissions import require_admin
from opportune.services.reference_cache import cached
from opportune.services.uow import UnitOfWork

ValueList = Literal["lead_sources", "lead_close_reasons"]
STATUS_FLAGS = ("is_default", "is_converted", "is_closed", "is_active")


class PicklistService:
    """Read the lead picklists; administrators add and change values (values in use are
    deactivated, never deleted, so old records keep their meaning)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lead_picklists(self) -> LeadPicklists:
        """Statuses, sources and close reasons, each in sort order."""
        with UnitOfWork(self.engine) as uow:
            return load_lead_picklists(uow)

    def save_status(
        self, actor: User | None, data: Mapping[str, object], status_id: int | None = None
    ) -> LeadStatus:
        """Create (no id) or change a lead status; the list must stay valid."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            statuses = list(uow.picklists.statuses())
            current = find_by_id(statuses, status_id, "Lead status")
            base = current or LeadStatus(0, "", next_order(statuses))
            status = dataclasses.replace(base, **_clean_status(data, creating=current is None))  # type: ignore[arg-type]
            others = [s for s in statuses if s.id != status_id]
            if status.is_default:
                others = [dataclasses.replace(s, is_default=False) for s in others]
                uow.picklists.clear_default_status()
            check_status_list([*others, status])
            new_id = save_unique_label(uow, lambda: uow.picklists.save_status(status))
            saved = dataclasses.replace(status, id=new_id)
            setting_changed(uow, actor, utc_now(), "lead_status", current, saved)
            uow.commit()
        return saved

    def save_value(
        self,
        actor: User | None,
        table: ValueList,
        data: Mapping[str, object],
        value_id: int | None = None,
    ) -> PicklistValue:
        """Create (no id) or change a lead source or close reason."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            values = list(uow.picklists.values(table))
            current = find_by_id(values, value_id, "Value")
            base = current or PicklistValue(0, "", next_order(values))
            value = dataclasses.replace(base, **clean_value(data, creating=current is None))  # type: ignore[arg-type]
            check_label_free(values, value)
            saved = dataclasses.replace(
                value, id=save_unique_label(uow, lambda: uow.picklists.save_value(table, value))
            )
            setting_changed(uow, actor, utc_now(), table.removesuffix("s"), current, saved)
            uow.commit()
        return saved


def load_lead_picklists(uow: UnitOfWork) -> LeadPicklists:
    """The lead picklists, read inside an open unit of work (or the process's current copy)."""
    return cached(
        uow,
        "lead picklists",
        lambda: LeadPicklists(
            statuses=uow.picklists.statuses(),
            sources=uow.picklists.values("lead_sources"),
            close_reasons=uow.picklists.values("lead_close_reasons"),
        ),
    )


_V = TypeVar("_V", LeadStatus, PicklistValue)


def find_by_id(values: list[_V], value_id: int | None, kind: str) -> _V | None:
    """The value with this id (None when no id is given); NotFoundError naming ``kind``."""
    if value_id is None:
        return None
    found = next((v for v in values if v.id == value_id), None)
    if found is None:
        raise NotFoundError.for_record(kind, value_id)
    return found


def check_label_free(values: list[PicklistValue], value: PicklistValue) -> None:
    """Labels are matched ignoring case, so they must be unique ignoring case too."""
    same = find_by_label(values, value.label)
    if same is not None and same.id != value.id:
        raise ValidationError.single("label", "DUPLICATE_VALUE", f"'{same.label}' already exists")


def next_order(values: list[LeadStatus] | list[PicklistValue]) -> int:
    """The sort order that puts a new value last."""
    return max((v.sort_order for v in values), default=0) + 10


def save_unique_label(uow: UnitOfWork, save: Callable[[], int]) -> int:
    """Run ``save`` and return the id; a label taken meanwhile is a field error, not a crash."""
    try:
        return int(save())
    except IntegrityError as exc:
        raise ValidationError.single(
            "label", "DUPLICATE_VALUE", "A value with this label already exists"
        ) from exc


def clean_value(
    data: Mapping[str, object], *, creating: bool, flags: tuple[str, ...] = ("is_active",)
) -> dict[str, object]:
    """Clean a picklist value's label, sort order and ``flags``; name every bad field."""
    errors: list[FieldError] = []
    cleaned: dict[str, object] = {}
    for name, value in data.items():
        try:
            cleaned[name] = _clean_field(name, value, flags)
        except ValidationError as exc:
            errors.extend(exc.fields)
    if creating and "label" not in data:
        errors.append(FieldError("label", "REQUIRED_FIELD_MISSING", "Is required"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_status(data: Mapping[str, object], *, creating: bool) -> dict[str, object]:
    return clean_value(data, creating=creating, flags=STATUS_FLAGS)


def _clean_field(name: str, value: object, flags: tuple[str, ...]) -> object:
    if name == "label":
        if not isinstance(value, str):
            raise ValidationError.single("label", "REQUIRED_FIELD_MISSING", "Label is required")
        return check_label(value)
    if name == "sort_order":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise ValidationError.single(
                name, "INVALID_TYPE", "Must be a whole number from 0 to 1000000"
            )
        return value
    if name in flags:
        if not isinstance(value, bool):
            raise ValidationError.single(name, "INVALID_TYPE", "Must be true or false")
        return value
    raise ValidationError.single(name, "INVALID_FIELD", "No such field")
