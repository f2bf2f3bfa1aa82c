"""The field-cleaning engine: every kind of field, required fields, read-only fields, stamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from opportune.domain.fields import (
    MAX_INT,
    STAMP_FIELDS,
    Kind,
    ReadOnly,
    RecordSpec,
    address,
    choice,
    clean,
    clean_fields,
    clean_value,
    day,
    decimal,
    email,
    finish_update,
    flag,
    integer,
    label,
    moment,
    ref,
    resolve_labels,
    stamp_new,
    text,
)
from opportune.domain.picklists import PicklistValue
from opportune.errors import FieldError, ValidationError

SPEC = RecordSpec(
    noun="gadget",
    fields=(
        text("name", 10, required=True),
        email("email"),
        choice("colour", ("Red", "Dark Blue")),
        flag("is_shiny"),
        decimal("price", below=Decimal(1000)),
        integer("legs", what="legs", maximum=8),
        integer("count"),
        day("due"),
        moment("seen_at"),
        ref("owner_id", "user"),
        label("source"),
        *address("home_"),
    ),
    read_only=(ReadOnly(frozenset({"serial"}), "Set by the factory"), ReadOnly(STAMP_FIELDS)),
)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def codes(raw: dict[str, object], *, creating: bool = False) -> dict[str, str]:
    _, errors = clean_fields(SPEC, {"name": "Widget", **raw}, creating=creating)
    return {e.field: e.code for e in errors}


def value(name: str, raw: object) -> object:
    return clean(SPEC, {name: raw}, creating=False)[name]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        clean(
            SPEC,
            {"email": "nope", "colour": "Green", "price": -1, "legs": 9, "due": "soon",
             "owner_id": "me", "serial": "X1", "wings": 2, "home_city": "x" * 41},
            creating=True,
        )  # fmt: skip
    assert {f.field: f.code for f in exc.value.fields} == {
        "name": "REQUIRED_FIELD_MISSING",
        "email": "INVALID_EMAIL_ADDRESS",
        "colour": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "price": "NUMBER_OUTSIDE_VALID_RANGE",
        "legs": "NUMBER_OUTSIDE_VALID_RANGE",
        "due": "INVALID_TYPE",
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
        "serial": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "wings": "INVALID_FIELD",
        "home_city": "STRING_TOO_LONG",
    }


def test_read_only_and_unknown_fields_get_their_own_messages() -> None:
    _, errors = clean_fields(SPEC, {"serial": 1, "version": 3, "wings": 2}, creating=False)
    assert [(e.code, e.message) for e in errors] == [
        ("INVALID_FIELD_FOR_INSERT_UPDATE", "Set by the factory"),
        ("INVALID_FIELD_FOR_INSERT_UPDATE", "This field is read-only"),
        ("INVALID_FIELD", "No such gadget field"),
    ]


def test_a_required_field_is_missing_when_absent_on_create_or_cleared_on_update() -> None:
    assert codes({"name": "  "}) == {"name": "REQUIRED_FIELD_MISSING"}
    _, errors = clean_fields(SPEC, {}, creating=True)
    assert [e.code for e in errors] == ["REQUIRED_FIELD_MISSING"]
    assert clean_fields(SPEC, {}, creating=False) == ({}, [])


def test_a_bad_required_field_is_reported_once() -> None:
    assert codes({"name": "x" * 11}, creating=True) == {"name": "STRING_TOO_LONG"}


def test_text_is_trimmed_blank_becomes_none_and_control_characters_are_refused() -> None:
    assert value("home_street", "  1 Main St \n") == "1 Main St"
    assert value("home_street", "   ") is None
    assert value("home_street", "line one\nline two\tend") == "line one\nline two\tend"
    assert codes({"home_street": "a\x00b"}) == {"home_street": "INVALID_CHARACTER"}
    assert codes({"home_street": 12}) == {"home_street": "INVALID_TYPE"}


def test_email_is_validated_and_its_domain_lower_cased() -> None:
    assert value("email", " Ann@Example.COM ") == "Ann@example.com"
    assert codes({"email": "two@@example.com"}) == {"email": "INVALID_EMAIL_ADDRESS"}
    assert codes({"email": "x" * 75 + "@a.com"}) == {"email": "STRING_TOO_LONG"}


def test_choices_match_any_case_and_come_back_canonical() -> None:
    assert value("colour", " dark blue ") == "Dark Blue"
    assert value("colour", "") is None
    _, errors = clean_fields(SPEC, {"colour": 3}, creating=False)
    assert errors[0].message == "Must be one of: Red, Dark Blue"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("yes", True), (" ON ", True), ("1", True), ("no", False), ("", False),
     (None, False), (False, False)],
)  # fmt: skip
def test_booleans_accept_the_usual_spellings(raw: object, expected: bool) -> None:
    assert value("is_shiny", raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 1, 2.0, []])
def test_anything_else_is_not_a_boolean(raw: object) -> None:
    assert codes({"is_shiny": raw}) == {"is_shiny": "INVALID_TYPE"}


def test_decimals_are_parsed_kept_to_two_places_and_bounded() -> None:
    assert value("price", "1,25.5") == Decimal("125.50")
    assert value("price", 3.145) == Decimal("3.14")
    assert value("price", Decimal("999.99")) == Decimal("999.99")
    assert codes({"price": 1000}) == {"price": "NUMBER_OUTSIDE_VALID_RANGE"}
    assert codes({"price": "1e400"}) == {"price": "NUMBER_OUTSIDE_VALID_RANGE"}
    assert codes({"price": "NaN"}) == {"price": "NUMBER_OUTSIDE_VALID_RANGE"}
    assert codes({"price": True}) == {"price": "INVALID_TYPE"}
    assert codes({"price": "cheap"}) == {"price": "INVALID_TYPE"}


def test_integers_are_whole_non_negative_and_fit_a_32_bit_column() -> None:
    assert value("count", "42") == 42
    assert value("count", MAX_INT) == MAX_INT
    assert codes({"count": MAX_INT + 1}) == {"count": "INVALID_TYPE"}
    assert codes({"count": 2.5}) == {"count": "INVALID_TYPE"}
    assert codes({"count": -1}) == {"count": "NUMBER_OUTSIDE_VALID_RANGE"}
    _, errors = clean_fields(SPEC, {"legs": 1.5, "count": 1.5}, creating=False)
    assert [e.message for e in errors] == [
        "Must be a whole number of legs",
        "Must be a whole number",
    ]


def test_an_integer_above_its_maximum_is_out_of_range() -> None:
    assert value("legs", 8) == 8
    _, errors = clean_fields(SPEC, {"legs": 9}, creating=False)
    assert (errors[0].code, errors[0].message) == (
        "NUMBER_OUTSIDE_VALID_RANGE",
        "Must be at most 8",
    )


def test_dates_accept_a_date_or_iso_text_only() -> None:
    assert value("due", date(2026, 12, 1)) == date(2026, 12, 1)
    assert value("due", " 2026-12-01 ") == date(2026, 12, 1)
    for bad in ("2026-02-30", "20261201", "01/12/2026", datetime(2026, 12, 1, tzinfo=UTC), 5):
        assert codes({"due": bad}) == {"due": "INVALID_TYPE"}, bad


def test_moments_are_stored_in_utc_and_naive_ones_are_taken_as_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert value("seen_at", datetime(2026, 1, 1, 13, 0, tzinfo=paris)) == datetime(
        2026, 1, 1, 12, 0, tzinfo=UTC
    )
    assert value("seen_at", "2026-01-01T12:00") == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert value("seen_at", "2026-01-01T12:00Z") == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for bad in ("noon", "0001-01-01T00:00+01:00", 1700000000):
        assert codes({"seen_at": bad}) == {"seen_at": "INVALID_TYPE"}, bad


@pytest.mark.parametrize("raw", [0, -3, 2**31, "abc", "1.5", True, 1.0])
def test_an_id_must_be_a_whole_number_in_range(raw: object) -> None:
    assert codes({"owner_id": raw}) == {"owner_id": "INVALID_CROSS_REFERENCE_KEY"}


def test_ids_may_be_given_as_text_and_blank_means_none() -> None:
    assert value("owner_id", " 7 ") == 7
    assert value("owner_id", "") is None


def test_labels_resolve_to_active_values_by_any_case() -> None:
    sources = (PicklistValue(1, "Web", 10), PicklistValue(2, "Fair", 20, is_active=False))
    lists = {"source": ("source_id", sources)}
    errors: list[FieldError] = []
    assert resolve_labels({"source": "WEB"}, lists, errors) == {"source_id": 1}
    assert resolve_labels({"source": None}, lists, errors) == {"source_id": None}
    assert resolve_labels({"source": "Fair"}, lists, errors) == {}
    assert [(e.field, e.message) for e in errors] == [("source", "Must be one of: Web")]


def test_a_spec_lists_its_fields_by_kind_and_refuses_duplicates() -> None:
    assert SPEC.required == ("name",)
    assert SPEC.text_limits()["home_postal_code"] == 20
    assert SPEC.choice_lists() == {"colour": ("Red", "Dark Blue")}
    assert SPEC.names_of(Kind.ID, Kind.LABEL) == {"owner_id", "source"}
    assert "serial" in SPEC.read_only_names and "version" in SPEC.read_only_names
    with pytest.raises(ValueError, match="twice"):
        RecordSpec("twin", (text("a", 1), text("a", 2)))


@dataclass(slots=True)
class Thing:
    name: str
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1


def test_an_update_that_changes_something_is_stamped_and_versioned() -> None:
    before = stamp_new(Thing("a"), actor_id=1, now=NOW)
    later = NOW + timedelta(hours=1)
    after, changed = finish_update(before, Thing("b", NOW, 1, NOW, 1), actor_id=2, now=later)
    assert (after.version, after.updated_by_id, after.updated_at) == (2, 2, later)
    assert set(changed) == {"name", "version", "updated_at", "updated_by_id"}
    same, nothing = finish_update(before, Thing("a", NOW, 1, NOW, 1), actor_id=2, now=later)
    assert nothing == [] and same.version == 1


def test_id_errors_read_as_english() -> None:
    for what, expected in (("account", "Must be an account id"), ("user", "Must be a user id")):
        with pytest.raises(ValidationError) as caught:
            clean_value(ref("x_id", what), "abc")
        assert caught.value.fields[0].message == expected
