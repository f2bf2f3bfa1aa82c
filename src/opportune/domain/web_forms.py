"""Web-to-lead forms: their configuration, the posted field names, and safe redirects.

A website posts a classic HTML form (Salesforce's field names, see :data:`POSTED_FIELDS`)
naming its form configuration with the hidden ``oid``. Everything here is pure: the
service stores forms and submissions and turns accepted posts into leads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from opportune.domain.lead_fields import LEAD
from opportune.errors import FieldError, ValidationError

__all__ = [
    "CONTROL_FIELDS",
    "DEFAULT_FIELDS",
    "HONEYPOT",
    "POSTED_FIELDS",
    "DuplicateHandling",
    "PostedLead",
    "SubmissionStatus",
    "WebForm",
    "WebFormSubmission",
    "clean_form_config",
    "clean_host",
    "form_config_fields",
    "is_spam",
    "map_posted_fields",
    "redirect_target",
]

# The hidden input bots fill and people never see (hidden with CSS, not type=hidden).
HONEYPOT = "website_url_hp"
# Posted names that are not lead fields: the form's key, the redirect, Salesforce's debug.
CONTROL_FIELDS = frozenset({"oid", "retURL", "debug", "debugEmail", "encoding", HONEYPOT})

# Salesforce's web-to-lead names -> Opportune lead fields, in the order a snippet shows them.
SALESFORCE_NAMES: dict[str, str] = {
    "salutation": "salutation",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "company": "company",
    "title": "title",
    "phone": "phone",
    "mobile": "mobile_phone",
    "fax": "fax",
    "URL": "website",
    "street": "street",
    "city": "city",
    "state": "state",
    "zip": "postal_code",
    "country": "country",
    "description": "description",
    "lead_source": "lead_source",
    "industry": "industry",
    "rating": "rating",
    "revenue": "annual_revenue",
    "employees": "number_of_employees",
    "emailOptOut": "has_opted_out_of_email",
    "doNotCall": "do_not_call",
}
# Opportune's own names are accepted as well (a JSON client may prefer them).
OWN_NAMES = {
    name: name
    for name in (*SALESFORCE_NAMES.values(), "campaign")
}  # fmt: skip
POSTED_FIELDS: dict[str, str] = {**OWN_NAMES, **SALESFORCE_NAMES}
# What a form may preset on its leads when the post does not say.
DEFAULT_FIELDS = ("lead_source", "campaign", "status", "rating")

LIMIT_MAX = 1_000_000
NAME_MAX = 120
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class SubmissionStatus(StrEnum):
    """What became of a post."""

    CREATED = "created"  # a new lead
    QUEUED = "queued"  # over the daily cap: waits for process_queue()
    ATTACHED = "attached"  # a duplicate: a task with the data on the existing record
    FLAGGED = "flagged"  # a duplicate: created anyway and reported
    REJECTED = "rejected"  # invalid input (the poster was told why)
    SPAM = "spam"  # the honeypot was filled: no lead


class DuplicateHandling(StrEnum):
    """What a form does with a post that matches an existing lead or contact."""

    ATTACH = "attach"
    FLAG = "flag"


@dataclass(slots=True)
class WebForm:
    """One form configuration: its public key, defaults, owner and protections."""

    key: str
    name: str
    created_by_id: int
    id: int | None = None
    is_active: bool = True
    defaults: dict[str, str] = field(default_factory=dict)
    owner_id: int | None = None
    use_assignment_rule: bool = True
    allowed_redirect_hosts: list[str] = field(default_factory=list)
    duplicate_action: DuplicateHandling = DuplicateHandling.ATTACH
    daily_cap: int = 500
    per_ip_per_hour: int = 20
    per_form_per_minute: int = 60
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class WebFormSubmission:
    """One post to a form, as received, and what became of it."""

    form_id: int
    received_at: datetime
    ip: str
    payload: dict[str, object]
    status: SubmissionStatus
    id: int | None = None
    lead_id: int | None = None
    error: str | None = None
    processed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostedLead:
    """A post split into lead input (Opportune names) and the names it did not know."""

    values: dict[str, object]
    ignored: tuple[str, ...]


# --- posts --------------------------------------------------------------------------------


def map_posted_fields(
    payload: Mapping[str, object], defaults: Mapping[str, str] | None = None
) -> PostedLead:
    """Turn posted names into lead fields, filling empty ones from the form's ``defaults``.

    Unknown names are ignored (as Salesforce does) but reported, so ``debug`` can show them.
    Empty strings count as not given, so a blank optional input never hides a default.
    """
    values: dict[str, object] = {}
    ignored: list[str] = []
    for name, value in payload.items():
        target = POSTED_FIELDS.get(name)
        if target is None:
            if name not in CONTROL_FIELDS:
                ignored.append(name)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        values[target] = value
    for name, value in (defaults or {}).items():
        if value not in (None, ""):
            values.setdefault(name, value)
    return PostedLead(values, tuple(ignored))


def posted_field_errors(errors: Iterable[FieldError]) -> list[FieldError]:
    """Name each error by the field as posted (``zip``, not ``postal_code``)."""
    posted = {target: name for name, target in SALESFORCE_NAMES.items()}
    return [FieldError(posted.get(e.field, e.field), e.code, e.message) for e in errors]


def is_spam(payload: Mapping[str, object]) -> bool:
    """True when the honeypot input, invisible to people, was filled in."""
    value = payload.get(HONEYPOT)
    return value not in (None, "") and not (isinstance(value, str) and not value.strip())


def redirect_target(ret_url: object, allowed_hosts: Iterable[str]) -> str | None:
    """``retURL`` when it is an http(s) URL on one of the allowed hosts, else ``None``.

    Never an open redirect: relative URLs, other schemes, credentials in the URL and
    hosts not listed all give ``None`` (the visitor sees a thank-you page instead).
    """
    if not isinstance(ret_url, str) or not ret_url or len(ret_url) > 2000:
        return None
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in ret_url):
        return None
    try:
        parts = urlsplit(ret_url)
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    return ret_url if host_allowed(host, allowed_hosts) else None


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """True when ``host`` is listed, or is a subdomain of a ``*.domain`` entry."""
    host = host.lower().rstrip(".")
    for allowed in allowed_hosts:
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and host != allowed[2:]:
                return True
        elif host == allowed:
            return True
    return False


# --- configuration ------------------------------------------------------------------------


def clean_host(raw: str) -> str:
    """A redirect host as stored: lower case, no scheme, path or port; ``*.`` allowed.

    Raises ``ValueError`` with a message for anything that is not a host name.
    """
    text = raw.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/")[0].rstrip(".")
    if text.count(":") == 1:
        text = text.split(":")[0]
    wildcard = text.startswith("*.")
    labels = (text[2:] if wildcard else text).split(".")
    if not text or not all(_HOST_LABEL.match(label) for label in labels):
        raise ValueError(f"'{raw.strip()}' is not a host name (like www.example.com)")
    if wildcard and len(labels) < 2:
        raise ValueError(f"'{raw.strip()}' is too broad: use *.example.com")
    return text


def clean_form_config(raw: Mapping[str, object], *, creating: bool) -> dict[str, object]:
    """Validate a form configuration's settings; raise one error naming every bad one.

    Accepted: name, is_active, defaults ({lead_source, campaign, status, rating}),
    owner_id, use_assignment_rule, allowed_redirect_hosts, duplicate_action ("attach"
    or "flag"), daily_cap, per_ip_per_hour, per_form_per_minute. Picklist labels in the
    defaults and the owner are checked by the service, which knows the lists and users.
    """
    cleaned, errors = form_config_fields(raw, creating=creating)
    if errors:
        raise ValidationError(errors)
    return cleaned


def form_config_fields(
    raw: Mapping[str, object], *, creating: bool
) -> tuple[dict[str, object], list[FieldError]]:
    """The settings that are valid, cleaned, and an error for each one that is not."""
    errors: list[FieldError] = []
    cleaned: dict[str, object] = {}
    for name, value in raw.items():
        cleaner = _CLEANERS.get(name)
        if cleaner is None:
            errors.append(FieldError(name, "INVALID_FIELD", "No such setting"))
            continue
        try:
            cleaned[name] = cleaner(value)
        except ValidationError as exc:
            errors.extend(exc.fields)
        except ValueError as exc:
            errors.append(FieldError(name, "INVALID_FIELD", str(exc)))
    if creating and not cleaned.get("name") and not _names(errors, "name"):
        errors.append(FieldError("name", "REQUIRED_FIELD_MISSING", "Is required"))
    return cleaned, errors


def _names(errors: list[FieldError], name: str) -> bool:
    return any(e.field == name for e in errors)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single("name", "REQUIRED_FIELD_MISSING", "Is required")
    if len(value.strip()) > NAME_MAX:
        raise ValidationError.single("name", "STRING_TOO_LONG", f"At most {NAME_MAX} characters")
    return value.strip()


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "off", ""}:
        return False
    raise ValueError("Must be true or false")


def _limit(value: object) -> int:
    number = _integer(value)
    if not 1 <= number <= LIMIT_MAX:
        raise ValueError(f"Must be a whole number from 1 to {LIMIT_MAX:,}")
    return number


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("Must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 10:
        return int(value.strip())
    raise ValueError("Must be a whole number")


def _owner(value: object) -> int | None:
    if value in (None, ""):
        return None
    number = _integer(value)
    if number < 1:
        raise ValueError("Must be a user id")
    return number


def _hosts(value: object) -> list[str]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,]+", value) if v]
    if not isinstance(value, list | tuple):
        raise ValueError("Must be a list of host names")
    hosts: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError("Must be a list of host names")
        host = clean_host(item)
        if host not in hosts:
            hosts.append(host)
    if len(hosts) > 50:
        raise ValueError("At most 50 hosts")
    return hosts


def _duplicate_action(value: object) -> DuplicateHandling:
    try:
        return DuplicateHandling(str(value).strip().lower())
    except ValueError:
        raise ValueError("Must be 'attach' or 'flag'") from None


def _defaults(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError("Must be an object of field defaults")
    errors: list[FieldError] = []
    cleaned: dict[str, str] = {}
    for name, item in value.items():
        where = f"defaults.{name}"
        if name not in DEFAULT_FIELDS:
            errors.append(
                FieldError(where, "INVALID_FIELD", f"One of: {', '.join(DEFAULT_FIELDS)}")
            )
        elif item is not None and not isinstance(item, str):
            errors.append(FieldError(where, "INVALID_TYPE", "Must be text"))
        elif item and item.strip():
            cleaned[str(name)] = item.strip()
    if "campaign" in cleaned and len(cleaned["campaign"]) > LEAD.text_limits()["campaign"]:
        limit = LEAD.text_limits()["campaign"]
        errors.append(
            FieldError("defaults.campaign", "STRING_TOO_LONG", f"At most {limit} characters")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


_CLEANERS = {
    "name": _name,
    "is_active": _flag,
    "defaults": _defaults,
    "owner_id": _owner,
    "use_assignment_rule": _flag,
    "allowed_redirect_hosts": _hosts,
    "duplicate_action": _duplicate_action,
    "daily_cap": _limit,
    "per_ip_per_hour": _limit,
    "per_form_per_minute": _limit,
}
