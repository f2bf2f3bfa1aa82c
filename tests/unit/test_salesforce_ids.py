"""Salesforce record ids: the 18-character form, both forms accepted, prefixes checked."""

from __future__ import annotations

import pytest

from opportune.domain.salesforce.ids import KEY_PREFIXES, id_object, parse_id, sf_id, to_18
from opportune.errors import ValidationError


def test_the_known_salesforce_example_gets_its_documented_suffix() -> None:
    assert to_18("001D000000IqhSL") == "001D000000IqhSLIAZ"


def test_an_18_character_id_is_read_whatever_its_case() -> None:
    assert to_18("001d000000iqhsliaz") == "001D000000IqhSLIAZ"
    assert to_18("001D000000IQHSLIAZ") == "001D000000IqhSLIAZ"


@pytest.mark.parametrize("number", [1, 61, 62, 12345, 2**31 - 1])
@pytest.mark.parametrize("name", sorted(KEY_PREFIXES))
def test_every_record_id_round_trips_through_its_salesforce_id(name: str, number: int) -> None:
    full = sf_id(name, number)
    assert len(full) == 18
    assert full.startswith(KEY_PREFIXES[name])
    assert parse_id(full, name) == number
    assert parse_id(full[:15], name) == number
    assert parse_id(full.lower(), name) == number
    assert id_object(full) == name


def test_ids_of_different_records_differ() -> None:
    assert len({sf_id("Lead", n) for n in range(1, 500)}) == 499


def test_an_id_of_another_object_is_refused_as_malformed() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_id(sf_id("Account", 7), "Lead", field="WhoId")
    (error,) = caught.value.fields
    assert (error.field, error.code) == ("WhoId", "MALFORMED_ID")


@pytest.mark.parametrize("value", ["", "00Q", "00Q000000000001EAZ", "00Q00000000!001", 42, None])
def test_a_value_that_is_no_valid_id_is_malformed(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_id(value, "Lead")
    assert caught.value.fields[0].code == "MALFORMED_ID"


def test_an_unknown_prefix_belongs_to_no_object() -> None:
    assert id_object(to_18("a0B000000000001") or "") is None
    assert id_object("not an id") is None
