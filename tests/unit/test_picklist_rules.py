"""Rules that keep the configurable lead status list usable."""

from __future__ import annotations

import pytest

from opportune.domain.picklists import LeadStatus, check_label, check_status_list
from opportune.errors import ValidationError

OPEN = LeadStatus(1, "Open", 10, is_default=True)
WON = LeadStatus(2, "Converted", 20, is_converted=True, is_closed=True)


def codes(statuses: list[LeadStatus]) -> set[str]:
    with pytest.raises(ValidationError) as exc:
        check_status_list(statuses)
    return {f.code for f in exc.value.fields}


def test_the_default_list_shape_is_accepted() -> None:
    check_status_list([OPEN, WON, LeadStatus(3, "Lost", 30, is_closed=True)])


def test_exactly_one_default_is_required() -> None:
    assert codes([LeadStatus(1, "Open", 10), WON]) == {"INVALID_DEFAULT"}
    assert codes([OPEN, LeadStatus(3, "Also open", 30, is_default=True), WON]) == {
        "INVALID_DEFAULT"
    }


def test_the_default_cannot_be_closed_converted_or_inactive() -> None:
    closed = LeadStatus(1, "Open", 10, is_default=True, is_closed=True)
    inactive = LeadStatus(1, "Open", 10, is_default=True, is_active=False)
    assert codes([closed, WON]) == {"INVALID_DEFAULT"}
    assert codes([inactive, WON]) == {"INVALID_DEFAULT"}


def test_an_active_converted_status_is_required() -> None:
    assert codes([OPEN]) == {"INVALID_STATUS"}


def test_labels_must_be_unique_ignoring_case() -> None:
    assert codes([OPEN, WON, LeadStatus(3, "open", 30)]) == {"DUPLICATE_VALUE"}


@pytest.mark.parametrize(("label", "code"), [("", "REQUIRED_FIELD_MISSING"),
                                             ("x" * 81, "STRING_TOO_LONG"),
                                             ("Fairs, shows", "INVALID_CHARACTER")])  # fmt: skip
def test_labels_are_checked(label: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_label(label)
    assert exc.value.fields[0].code == code
