"""Users, their roles, and the rules for creating and changing them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from opportune.domain.emails import normalize_email
from opportune.domain.fields.spec import MAX_ID
from opportune.domain.text import check_no_control_characters
from opportune.errors import FieldError, ValidationError

NAME_MAX = 120
PASSWORD_MIN = 12
PASSWORD_MAX = 256


class Role(StrEnum):
    """What a user may administer: admins everything, managers their team, reps their own work."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


@dataclass(slots=True)
class User:
    """Someone who signs in to Opportune and owns records."""

    name: str
    email: str
    role: Role
    password_hash: str = ""
    is_active: bool = True
    id: int | None = None
    created_at: datetime | None = None
    # Who this user reports to; managers see and edit what their reports own.
    manager_id: int | None = None
    # Browser sessions started at or before this moment are over (sign-out everywhere).
    sessions_valid_after: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.role is Role.ADMIN


def clean_user_fields(raw: Mapping[str, object], *, creating: bool) -> dict[str, object]:
    """Validate user input (name, email, role, password, is_active); raise naming each field."""
    errors: list[FieldError] = []
    cleaned: dict[str, object] = {}
    allowed = {"name", "email", "role", "password", "is_active", "manager_id"}
    for name in raw:
        if name not in allowed:
            errors.append(FieldError(name, "INVALID_FIELD", "No such user field"))
    for name in ("name", "email", "role", "password"):
        if name in raw or creating:
            try:
                cleaned[name] = _CLEANERS[name](raw.get(name))
            except ValidationError as exc:
                errors.extend(exc.fields)
    if "manager_id" in raw:
        manager = raw["manager_id"]
        if manager is None or (type(manager) is int and 0 < manager <= MAX_ID):
            cleaned["manager_id"] = manager
        else:
            errors.append(FieldError("manager_id", "INVALID_TYPE", "Must be a user id or null"))
    if "is_active" in raw:
        if isinstance(raw["is_active"], bool):
            cleaned["is_active"] = raw["is_active"]
        else:
            errors.append(FieldError("is_active", "INVALID_TYPE", "Must be true or false"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _required_text(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single(field, "REQUIRED_FIELD_MISSING", "Is required")
    check_no_control_characters(field, value)
    if len(value.strip()) > limit:
        raise ValidationError.single(
            field, "STRING_TOO_LONG", f"Must be at most {limit} characters"
        )
    return value.strip()


def _clean_name(value: object) -> str:
    return _required_text("name", value, NAME_MAX)


def _clean_email(value: object) -> str:
    text = _required_text("email", value, 254)
    return normalize_email(text).lower()


def _clean_role(value: object) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError as exc:
        raise ValidationError.single(
            "role", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Must be admin, manager or rep"
        ) from exc


def _clean_password(value: object) -> str:
    if not isinstance(value, str) or len(value) < PASSWORD_MIN:
        raise ValidationError.single(
            "password", "INVALID_NEW_PASSWORD", f"Must be at least {PASSWORD_MIN} characters"
        )
    if len(value) > PASSWORD_MAX:
        raise ValidationError.single(
            "password", "STRING_TOO_LONG", f"Must be at most {PASSWORD_MAX} characters"
        )
    return value


_CLEANERS = {
    "name": _clean_name,
    "email": _clean_email,
    "role": _clean_role,
    "password": _clean_password,
}
