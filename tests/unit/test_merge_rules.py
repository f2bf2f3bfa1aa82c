"""The merge plan: default choices, the user's choices, and what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.leads import Lead
from opportune.domain.merge import MERGE_FIELDS, default_choices, merge_field, plan_merge
from opportune.errors import ConvertedLeadError, ValidationError


def lead(lead_id: int, **values: object) -> Lead:
    return Lead(**{"last_name": "Smith", "company": "Acme", "status_id": 1, "owner_id": 1,
                   "id": lead_id, **values})  # type: ignore[arg-type]  # fmt: skip


def test_defaults_keep_the_masters_values_and_fill_its_empty_ones() -> None:
    records = [lead(1, email=None, city="Rome"), lead(2, email="a@b.example", city="Oslo")]
    chosen = default_choices("lead", records, 1)
    assert chosen["email"] == 2 and chosen["city"] == 1 and chosen["last_name"] == 1


def test_the_master_need_not_come_first() -> None:
    records = [lead(1, city="Rome"), lead(2, city="Oslo"), lead(3, title="CTO")]
    plan = plan_merge("lead", records, 2)
    assert plan.merged_ids == (1, 3)
    assert plan.changes == {"title": (None, "CTO")}


def test_an_opt_out_is_kept_unless_chosen_otherwise() -> None:
    records = [lead(1), lead(2, has_opted_out_of_email=True)]
    assert plan_merge("lead", records, 1).changes == {"has_opted_out_of_email": (False, True)}
    assert plan_merge("lead", records, 1, {"has_opted_out_of_email": 1}).changes == {}


def test_choices_take_the_chosen_records_value_even_an_empty_one() -> None:
    records = [lead(1, email="x@y.example", annual_revenue=Decimal("5")), lead(2)]
    plan = plan_merge("lead", records, 1, {"email": 2, "status": 2})
    assert plan.changes == {"email": ("x@y.example", None)}
    assert plan.choices["email"] == 2 and plan.choices["annual_revenue"] == 1


def test_labels_and_columns_both_name_a_field() -> None:
    records = [lead(1, source_id=3), lead(2, source_id=4)]
    assert plan_merge("lead", records, 1, {"lead_source": 2}).changes == {"source_id": (3, 4)}
    assert plan_merge("lead", records, 1, {"source_id": 2}).changes == {"source_id": (3, 4)}
    spec = merge_field("lead", "status")
    assert spec is not None and (spec.column, spec.label) == ("status_id", "Status")


@pytest.mark.parametrize(
    ("ids", "master", "field", "code"),
    [
        ([1], 1, "ids", "INVALID_MERGE"),
        ([1, 2, 3, 4], 1, "ids", "INVALID_MERGE"),
        ([1, 1], 1, "ids", "DUPLICATE_ID"),
        ([1, 2], 5, "master_id", "INVALID_MERGE"),
    ],
)
def test_bad_sets_of_records_are_refused(
    ids: list[int], master: int, field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_merge("lead", [lead(i) for i in ids], master)
    assert (field, code) in [(e.field, e.code) for e in caught.value.fields]


def test_unknown_fields_read_only_fields_and_foreign_ids_are_refused() -> None:
    records = [lead(1), lead(2)]
    with pytest.raises(ValidationError) as caught:
        plan_merge("lead", records, 1, {"nickname": 2, "created_at": 2, "email": 9})
    assert [(e.field, e.code) for e in caught.value.fields] == [
        ("choices.nickname", "INVALID_FIELD"),
        ("choices.created_at", "INVALID_FIELD"),
        ("choices.email", "INVALID_CHOICE"),
    ]


def test_converted_and_merged_records_cannot_be_merged() -> None:
    with pytest.raises(ConvertedLeadError) as caught:
        plan_merge("lead", [lead(1), lead(2, is_converted=True)], 1)
    assert caught.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"
    with pytest.raises(ValidationError) as merged:
        plan_merge("lead", [lead(1), lead(2, merged_into_id=7)], 1)
    assert merged.value.fields[0].code == "ALREADY_MERGED"


def test_an_unknown_object_type_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_merge("opportunity", [lead(1), lead(2)], 1)
    assert caught.value.fields[0].field == "object_type"


def test_contacts_merge_their_account_and_source() -> None:
    records = [Contact("Grey", 1, id=1), Contact("Gray", 2, id=2, account_id=9, source_id=3)]
    plan = plan_merge("contact", records, 1, {"owner_id": 2})
    assert plan.changes == {"account_id": (None, 9), "source_id": (None, 3), "owner_id": (1, 2)}
    assert {f.name for f in MERGE_FIELDS["contact"]} >= {"lead_source", "account_id"}


def test_an_account_never_gets_a_merged_account_as_parent() -> None:
    records = [Account("Acme", 1, id=1, parent_account_id=2), Account("Acme Inc", 1, id=2)]
    plan = plan_merge("account", records, 1)
    assert plan.changes == {"parent_account_id": (2, None)}
    with pytest.raises(ValidationError) as caught:
        plan_merge("account", records, 1, {"parent_account_id": 1})
    assert caught.value.fields[0].code == "CIRCULAR_DEPENDENCY"
