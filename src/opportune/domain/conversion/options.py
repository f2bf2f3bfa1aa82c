"""The options of a lead conversion, as a person or a script gives them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opportune.domain.fields import RecordSpec, clean, flag, label, ref, text

__all__ = ["CONVERT_OPTIONS", "MAX_OPPORTUNITY_NAME", "ConvertOptions", "parse_options"]

MAX_OPPORTUNITY_NAME = 80  # Salesforce's limit for the name given at conversion

CONVERT_OPTIONS = RecordSpec(
    noun="conversion",
    fields=(
        label("converted_status", required=True),
        ref("account_id", "account"),
        ref("contact_id", "contact"),
        flag("do_not_create_opportunity"),
        text("opportunity_name", MAX_OPPORTUNITY_NAME),
        ref("opportunity_id", "opportunity"),
        ref("owner_id", "user"),
        flag("overwrite_lead_source"),
        flag("send_notification_email"),
        flag("allow_duplicates"),
    ),
    read_only=(),
)


@dataclass(frozen=True, slots=True)
class ConvertOptions:
    """How to convert one lead (Salesforce's ``LeadConvert`` in our names).

    ``converted_status`` is the label of a converted lead status. ``account_id`` and
    ``contact_id`` merge into existing records instead of creating them;
    ``opportunity_id`` attaches to an existing opportunity, ``opportunity_name`` names
    the new one (default: the company), ``do_not_create_opportunity`` skips it.
    ``owner_id`` owns the new records (default: the lead's owner).
    ``allow_duplicates`` creates records even where an exact duplicate exists.
    """

    converted_status: str | None = None
    account_id: int | None = None
    contact_id: int | None = None
    do_not_create_opportunity: bool = False
    opportunity_name: str | None = None
    opportunity_id: int | None = None
    owner_id: int | None = None
    overwrite_lead_source: bool = False
    send_notification_email: bool = False
    allow_duplicates: bool = False


def parse_options(raw: Mapping[str, object]) -> ConvertOptions:
    """Options from raw input (JSON, a form, CLI flags); one error naming every bad field.

    Only the shape of each value is checked here; whether the combination makes sense
    for a lead is :func:`~opportune.domain.conversion.plan_conversion`'s job.
    """
    values = clean(CONVERT_OPTIONS, raw, creating=True)
    return ConvertOptions(**values)  # type: ignore[arg-type]
