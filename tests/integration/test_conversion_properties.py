"""Property: converting a lead and undoing it leaves the database exactly as it was.

Hypothesis draws the lead (which optional fields it has), what exists already (an account
with some fields filled, a contact of it, an opportunity of it with or without a primary
contact), the options (merge or create each record, skip the opportunity, a new owner) and
the lead's activities. Every table is compared before and after, row by row, on SQLite and
PostgreSQL; only the conversion record stays, marked undone.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opportune import Opportune, User
from tests.snapshots import all_but_conversion_records

OPTIONAL = {
    "first_name": "Ada", "title": "CTO", "email": "ada@acme.example", "phone": "+1 555 0100",
    "mobile_phone": "+1 555 0101", "website": "acme.example", "street": "1 Main St",
    "city": "Boston", "postal_code": "02110", "country": "USA", "industry": "Technology",
    "rating": "Hot", "annual_revenue": "5000000", "number_of_employees": "120",
    "description": "Met at the fair", "lead_source": "Web", "do_not_call": "true",
}  # fmt: skip
ACCOUNT_FIELDS = {"website": "acme.io", "phone": "+1 555 0199", "industry": "Retail",
                  "billing_city": "Austin", "description": "Key account"}  # fmt: skip

scenario = st.fixed_dictionaries(
    {
        "lead_fields": st.sets(st.sampled_from(sorted(OPTIONAL))),
        "merge_account": st.booleans(),
        "account_fields": st.sets(st.sampled_from(sorted(ACCOUNT_FIELDS))),
        "merge_contact": st.booleans(),
        "opportunity": st.sampled_from(["create", "none", "existing", "existing-with-primary"]),
        "new_owner": st.booleans(),
        "tasks": st.lists(st.sampled_from(["open", "done", "note"]), max_size=3),
    }
)


def arrange(
    core: Opportune, rep: User, manager: User, case: dict[str, Any]
) -> tuple[int, dict[str, object]]:
    """Create the lead, what it may merge into, and its activities; return the options."""
    data = {"last_name": "Ng", "company": "Acme Hardware",
            **{name: OPTIONAL[name] for name in case["lead_fields"]}}  # fmt: skip
    lead = core.leads.create(rep, data)
    assert lead.id is not None
    options: dict[str, object] = {
        "converted_status": "Closed - Converted",
        "allow_duplicates": True,
    }
    if case["new_owner"]:
        options["owner_id"] = manager.id
    for kind in case["tasks"]:
        activity = (
            {"kind": "note", "title": "Notes"}
            if kind == "note"
            else {"kind": "task", "subject": "Call"}
        )
        made = core.activities.create(rep, {**activity, "lead_id": lead.id})
        if kind == "done":
            core.activities.complete(rep, made.id)  # type: ignore[arg-type]
    if case["merge_account"]:
        _existing(core, rep, case, options)
    elif case["opportunity"] == "none":
        options["do_not_create_opportunity"] = True
    return lead.id, options


def _existing(core: Opportune, rep: User, case: dict[str, Any], options: dict[str, object]) -> None:
    fields = {name: ACCOUNT_FIELDS[name] for name in case["account_fields"]}
    account = core.accounts.create(rep, {"name": "Acme Corp", **fields})
    options["account_id"] = account.id
    contact = core.contacts.create(rep, {"last_name": "Ng", "account_id": account.id})
    if case["merge_contact"]:
        options["contact_id"] = contact.id
    if case["opportunity"] == "none":
        options["do_not_create_opportunity"] = True
    elif case["opportunity"].startswith("existing"):
        opp = core.opportunities.create(rep, {"name": "Deal", "account_id": account.id,
                                              "close_date": "2027-03-31"})  # fmt: skip
        options["opportunity_id"] = opp.id
        if case["opportunity"] == "existing-with-primary":
            other = core.contacts.create(rep, {"last_name": "Lee", "account_id": account.id})
            primary = {"contact_id": other.id, "is_primary": True}
            core.opportunities.add_contact_role(rep, opp.id, primary)  # type: ignore[arg-type]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=scenario)
def test_convert_then_undo_is_the_identity(
    core: Opportune, rep: User, manager: User, case: dict[str, Any]
) -> None:
    # The rep reports to the manager, so the manager may undo a conversion that handed the
    # new records to them (the rep may not edit the manager's records).
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})
    lead_id, options = arrange(core, rep, manager, case)
    before = all_but_conversion_records(core)
    core.conversions.convert(rep, lead_id, options)
    assert all_but_conversion_records(core) != before
    core.conversions.unconvert(manager if case["new_owner"] else rep, lead_id)
    assert all_but_conversion_records(core) == before
