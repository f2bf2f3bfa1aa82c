"""``opportune lead convert|unconvert|conversion``, one lead and many, on every engine."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opportune import Account, AccountFilters, Lead, LeadFilters, Opportune, User
from opportune.errors import NotFoundError
from tests.e2e.cli.conftest import Run, ok_json, one_error_line

CONVERTED = "Closed - Converted"
WORKING = "Working - Contacted"


def add_lead(core: Opportune, user: User, company: str, **fields: Any) -> Lead:
    """A lead of ``company`` (last name Ng unless given)."""
    return core.leads.create(user, {"last_name": "Ng", "company": company, **fields})


def fresh(core: Opportune, admin: User, lead: Lead) -> Lead:
    """The lead as stored now."""
    return core.leads.get(admin, lead.id or 0, mark_read=False)


def converted_ids(core: Opportune, admin: User) -> list[int]:
    """The ids of every converted lead, in id order."""
    filters = LeadFilters(include_converted=True, limit=500, sort="created_at")
    return [lead.id or 0 for lead in core.leads.list(admin, filters).page.items
            if lead.is_converted]  # fmt: skip


def has_row(text: str, *cells: object) -> bool:
    """True when a line of ``text`` shows these cells in order, apart only by spaces."""
    pattern = r"\s+".join(re.escape(str(cell)) for cell in cells)
    return any(re.search(pattern, line) for line in text.splitlines())


def count_accounts(core: Opportune, admin: User) -> int:
    """How many accounts exist."""
    total = core.accounts.list(admin, AccountFilters(with_total=True)).total
    assert total is not None
    return total


@pytest.fixture
def acme(core: Opportune, admin: User) -> Account:
    """An existing account with no phone and no industry."""
    return core.accounts.create(admin, {"name": "Acme Holdings", "website": "acme.example"})


@pytest.fixture
def mei(core: Opportune, admin: User) -> Lead:
    """A qualified lead with a phone, an industry and a task."""
    lead = add_lead(core, admin, "Mei Widgets", first_name="Mei", phone="+1 206 555 0199",
                    industry="Technology", status=WORKING)  # fmt: skip
    core.activities.create(admin, {"kind": "task", "subject": "Call back", "lead_id": lead.id})
    return lead


# --- one lead ------------------------------------------------------------------------------


def test_convert_with_defaults_creates_the_three_records_and_names_them(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    result = run("lead", "convert", str(mei.id))
    assert result.exit_code == 0, result.output
    lead = fresh(core, admin, mei)
    assert lead.is_converted
    assert core.leads.lookups().picklists.status(lead.status_id).label == CONVERTED
    contact = core.contacts.get(admin, lead.converted_contact_id or 0)
    assert f"Converted lead {mei.id} · Mei Ng (Mei Widgets)" in result.stdout
    assert f"{lead.converted_account_id} · Mei Widgets (created)" in result.stdout
    assert f"{contact.id} · Mei Ng (created)" in result.stdout
    assert f"{lead.converted_opportunity_id} · Mei Widgets (created)" in result.stdout


def test_convert_json_gives_the_ids_names_and_what_was_created(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    record = ok_json(run("lead", "convert", str(mei.id), "--opportunity-name", "Mei pilot",
                         "--json"))  # fmt: skip
    lead = fresh(core, admin, mei)
    assert (record["account_id"], record["contact_id"], record["opportunity_id"]) == (
        lead.converted_account_id, lead.converted_contact_id, lead.converted_opportunity_id,
    )  # fmt: skip
    assert (record["account_name"], record["contact_name"], record["opportunity_name"]) == (
        "Mei Widgets", "Mei Ng", "Mei pilot",
    )  # fmt: skip
    assert record["created"] == ["account", "contact", "opportunity"]
    assert record["success"] is True and record["errors"] == []


def test_convert_merges_into_an_existing_account_filling_only_its_empty_fields(
    run: Run, core: Opportune, admin: User, mei: Lead, acme: Account
) -> None:
    record = ok_json(run("lead", "convert", str(mei.id), "--account", str(acme.id), "--json"))
    assert record["account_id"] == acme.id
    assert record["created"] == ["contact", "opportunity"]
    account = core.accounts.get(admin, acme.id or 0)
    assert (account.name, account.website) == ("Acme Holdings", "acme.example")
    assert (account.phone, account.industry) == ("+1 206 555 0199", "Technology")
    assert core.contacts.get(admin, record["contact_id"]).account_id == acme.id


def test_convert_options_reach_the_new_records(
    run: Run, core: Opportune, admin: User, rep: User, mei: Lead
) -> None:
    args = ["--status", "closed - converted", "--no-opportunity", "--owner", rep.email, "--notify"]
    record = ok_json(run("lead", "convert", str(mei.id), *args, "--json"))
    assert record["opportunity_id"] is None and record["opportunity_name"] is None
    assert core.accounts.get(admin, record["account_id"]).owner_id == rep.id
    assert core.contacts.get(admin, record["contact_id"]).owner_id == rep.id
    assert fresh(core, admin, mei).converted_opportunity_id is None


def test_preview_prints_the_plan_and_changes_nothing(
    run: Run, core: Opportune, admin: User, mei: Lead, acme: Account
) -> None:
    accounts = count_accounts(core, admin)
    result = run("lead", "convert", str(mei.id), "--account", str(acme.id), "--preview")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Converting lead {mei.id} · Mei Ng (Mei Widgets) would:" in out
    assert has_row(out, "account", "merge into", acme.id, "Acme Holdings")
    assert has_row(out, "contact", "create", "—", "Mei Ng")
    assert f"Fields filled on account {acme.id} · Acme Holdings:" in out
    assert has_row(out, "phone", "— → +1 206 555 0199")
    assert "Status: Closed - Converted · owner of new records: Ada Admin" in out
    assert "Activities moved to the new records: 1" in out
    assert "Kept on the lead only" in out and "Mei Widgets" in out  # the company name
    assert "Preview only: nothing was changed." in out
    assert not fresh(core, admin, mei).is_converted
    assert core.accounts.get(admin, acme.id or 0).phone is None
    assert count_accounts(core, admin) == accounts


def test_preview_json_is_the_api_plan_with_the_duplicate_suggestions(
    run: Run, core: Opportune, admin: User, mei: Lead, acme: Account
) -> None:
    plan = ok_json(run("lead", "convert", str(mei.id), "--account", str(acme.id), "--preview",
                       "--json"))  # fmt: skip
    assert plan["account"]["action"] == "merge" and plan["account"]["record_id"] == acme.id
    assert plan["account"]["values"] == {"phone": "+1 206 555 0199", "industry": "Technology"}
    assert plan["account"]["previous"] == {"phone": None, "industry": None}
    assert plan["contact"]["action"] == plan["opportunity"]["action"] == "create"
    assert plan["unmapped"] == {"company": "Mei Widgets"}
    assert plan["suggestions"] == {"accounts": [], "contacts": []}
    assert not fresh(core, admin, mei).is_converted


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--status", WORKING], "converted_status: 'Working - Contacted' is not a converted"),
        (["--account", "999999"], "account_id: No account with id 999999"),
        (["--account", "many"], "account_id: Must be"),
        (["--contact", "5"], "contact_id: An existing contact needs its account"),
        (["--no-opportunity", "--opportunity-name", "Pilot"], "opportunity_name: Leave it empty"),
        (["--opportunity-name", "x" * 81], "opportunity_name: Must be at most 80 characters"),
        (["--owner", "nobody@example.com"], "owner: No user with email nobody@example.com"),
        (["--overwrite-lead-source"], "overwrite_lead_source: Overwriting the lead source"),
        (["--yes"], "--all-or-none and --yes apply only to converting many leads"),
        (["--where", "all"], "Give a lead ID or --where, not both"),
    ],
)
def test_bad_options_print_one_error_line_and_convert_nothing(
    run: Run, core: Opportune, admin: User, mei: Lead, args: list[str], needle: str
) -> None:
    accounts = count_accounts(core, admin)
    assert needle in one_error_line(run("lead", "convert", str(mei.id), *args), 2)
    assert not fresh(core, admin, mei).is_converted
    assert count_accounts(core, admin) == accounts


def test_a_missing_lead_is_not_found_and_a_converted_one_a_conflict(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    assert "Lead 404 does not exist" in one_error_line(run("lead", "convert", "404"), 3)
    assert "Give the lead's ID" in one_error_line(run("lead", "convert"), 2)
    core.conversions.convert(admin, mei.id or 0, {"converted_status": CONVERTED})
    line = one_error_line(run("lead", "convert", str(mei.id)), 5)
    assert line == f"Error: Lead {mei.id} is already converted"


def test_an_exact_duplicate_account_blocks_or_is_listed_as_a_hint(
    run: Run, core: Opportune, admin: User, acme: Account
) -> None:
    lead = add_lead(core, admin, "ACME Holdings, Inc.")
    line = one_error_line(run("lead", "convert", str(lead.id)), 2)
    assert f"Account Acme Holdings (#{acme.id}) already exists (same company name)" in line
    assert not fresh(core, admin, lead).is_converted
    result = run("lead", "convert", str(lead.id), env={"OPPORTUNE_CONVERSION_DUPLICATES": "warn"})
    assert result.exit_code == 0, result.output
    assert "Warning: Account Acme Holdings" in result.stdout
    assert "Existing records like this lead:" in result.stdout
    assert has_row(result.stdout, "account", acme.id, "Acme Holdings", "same company name", "yes")
    assert fresh(core, admin, lead).converted_account_id != acme.id


def test_allow_duplicates_creates_the_account_anyway(
    run: Run, core: Opportune, admin: User, acme: Account
) -> None:
    lead = add_lead(core, admin, "Acme Holdings")
    record = ok_json(run("lead", "convert", str(lead.id), "--allow-duplicates", "--json"))
    assert record["account_id"] != acme.id and record["created"][0] == "account"


# --- many leads ----------------------------------------------------------------------------


@pytest.fixture
def working(core: Opportune, admin: User) -> list[Lead]:
    """Three working leads of three companies, and one open lead that matches no filter."""
    add_lead(core, admin, "Open Co")
    return [add_lead(core, admin, f"Firm {n}", status=WORKING, email=f"a{n}@firm{n}.example")
            for n in range(3)]  # fmt: skip


def test_where_converts_the_matching_leads_with_a_progress_bar_and_a_summary(
    run: Run, core: Opportune, admin: User, working: list[Lead]
) -> None:
    result = run("lead", "convert", "--where", f"status={WORKING}", "--yes")
    assert result.exit_code == 0, result.output
    assert "Converted 3 of 3 leads." in result.stdout
    assert "Converting" in result.stderr and "3/3" in result.stderr
    assert "leads/s" in result.stderr and "ETA" in result.stderr
    assert converted_ids(core, admin) == [lead.id for lead in working]


def test_where_json_gives_every_result_in_order_and_no_progress(
    run: Run, core: Opportune, admin: User, working: list[Lead]
) -> None:
    out = ok_json(run("lead", "convert", "--where", f"status={WORKING}", "--yes",
                      "--no-opportunity", "--json"))  # fmt: skip
    assert (out["succeeded"], out["failed"]) == (3, 0)
    assert [r["lead_id"] for r in out["results"]] == [lead.id for lead in working]
    for result, lead in zip(out["results"], working, strict=True):
        stored = fresh(core, admin, lead)
        assert result["account_id"] == stored.converted_account_id
        assert result["opportunity_id"] is None and result["success"] is True
    assert "Converting" not in run("lead", "list").stderr


def test_where_asks_first_showing_the_count(
    run: Run, core: Opportune, admin: User, working: list[Lead]
) -> None:
    declined = run("lead", "convert", "--where", f"status={WORKING}", input="n\n")
    assert declined.exit_code == 1
    assert f"Convert 3 leads to status '{CONVERTED}'?" in declined.stderr
    assert converted_ids(core, admin) == []
    accepted = run("lead", "convert", "--where", "search=firm 1", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Convert 1 lead to status" in accepted.stderr
    assert converted_ids(core, admin) == [working[1].id]


def test_where_takes_the_lead_list_filters(
    run: Run, core: Opportune, admin: User, rep: User, working: list[Lead]
) -> None:
    theirs = add_lead(core, admin, "Rep Co", owner_id=rep.id, rating="Hot", status=WORKING)
    where = [f"owner={rep.email}", "rating=hot", "created-from=2000-01-01"]
    args = [arg for condition in where for arg in ("--where", condition)]
    out = ok_json(run("lead", "convert", *args, "--yes", "--json"))
    assert [r["lead_id"] for r in out["results"]] == [theirs.id]
    none = ok_json(run("lead", "convert", "--where", "created-to=2000-01-01", "--yes", "--json"))
    assert none == {"results": [], "succeeded": 0, "failed": 0}
    result = run("lead", "convert", "--where", "source=Web", "--yes")
    assert "No unconverted lead matches: nothing to convert." in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--where", "colour=red"], "--where: 'colour=red' is not FILTER=VALUE"),
        (["--where", "status"], "--where: 'status' is not FILTER=VALUE"),
        (["--where", "status=Nope"], "status: Unknown status 'Nope'"),
        (["--where", "created-from=soon"], "created_from: Must be a date"),
        (["--where", "all", "--status", WORKING], "converted_status: 'Working - Contacted'"),
        (["--where", "all", "--account", "1"], "--account, --contact and --opportunity"),
        (["--where", "all", "--preview"], "--preview shows one lead's conversion"),
    ],
)
def test_bad_where_options_print_one_error_line(
    run: Run, core: Opportune, admin: User, working: list[Lead], args: list[str], needle: str
) -> None:
    assert needle in one_error_line(run("lead", "convert", *args, "--yes"), 2)
    assert converted_ids(core, admin) == []


def test_where_with_failures_lists_them_and_exits_with_the_validation_code(
    run: Run, core: Opportune, admin: User, working: list[Lead]
) -> None:
    twin = core.accounts.create(admin, {"name": "Firm 1"})
    result = run("lead", "convert", "--where", f"status={WORKING}", "--yes")
    assert result.exit_code == 2, result.output
    assert "Converted 2 of 3 leads; 1 failed." in result.stdout
    reason = f"account_id: Account Firm 1 (#{twin.id})"
    assert has_row(result.stdout, working[1].id, "Ng (Firm 1)", reason)
    assert "--allow-duplicates" in result.stdout
    assert converted_ids(core, admin) == [working[0].id, working[2].id]
    (open_co,) = core.leads.list(admin, LeadFilters(status=["Open - Not Contacted"])).page.items
    out = json_of(run("lead", "convert", "--where", "all", "--yes", "--json"), 2)
    assert [(r["lead_id"], r["success"]) for r in out["results"]] == [
        (open_co.id, True), (working[1].id, False),
    ]  # fmt: skip
    assert out["results"][1]["errors"][0]["code"] == "DUPLICATES_DETECTED"
    assert (out["succeeded"], out["failed"]) == (1, 1)


def test_all_or_none_failure_leaves_every_lead_unconverted(
    run: Run, core: Opportune, admin: User, working: list[Lead]
) -> None:
    core.accounts.create(admin, {"name": "Firm 2"})
    accounts = count_accounts(core, admin)
    result = run("lead", "convert", "--where", f"status={WORKING}", "--all-or-none", "--yes")
    assert result.exit_code == 2, result.output
    assert "Converted 0 of 3 leads; 3 failed." in result.stdout
    assert "Account Firm 2" in result.stdout
    assert "2 other leads not converted: --all-or-none" in result.stdout
    assert converted_ids(core, admin) == []
    assert count_accounts(core, admin) == accounts


def json_of(result: Any, code: int) -> Any:
    """The JSON a command printed before exiting with ``code``."""
    import json

    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


# --- undo and the record -------------------------------------------------------------------


def convert(core: Opportune, admin: User, lead: Lead, **options: object) -> Lead:
    """Convert through the library; the lead as stored afterwards."""
    core.conversions.convert(admin, lead.id or 0, {"converted_status": CONVERTED, **options})
    return fresh(core, admin, lead)


def test_unconvert_deletes_what_the_conversion_created_and_reopens_the_lead(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    lead = convert(core, admin, mei)
    result = run("lead", "unconvert", str(mei.id))
    assert result.exit_code == 0, result.output
    assert f"its status is {WORKING} again" in result.stdout
    assert (f"Deleted: opportunity {lead.converted_opportunity_id} · Mei Widgets, contact "
            f"{lead.converted_contact_id} · Mei Ng, account {lead.converted_account_id} · "
            "Mei Widgets") in result.stdout  # fmt: skip
    assert not fresh(core, admin, mei).is_converted
    with pytest.raises(NotFoundError):
        core.accounts.get(admin, lead.converted_account_id or 0)


def test_unconvert_is_refused_with_the_changes_in_one_line_unless_forced(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    lead = convert(core, admin, mei)
    contact_id = lead.converted_contact_id or 0
    core.contacts.update(admin, contact_id, {"title": "CTO"})
    line = one_error_line(run("lead", "unconvert", str(mei.id)), 5)
    assert f"records changed since (contact {contact_id}: The contact was changed since)" in line
    assert fresh(core, admin, mei).is_converted
    out = ok_json(run("lead", "unconvert", str(mei.id), "--force", "--json"))
    # The contact stays, and so does the account it belongs to.
    assert out["kept"] == [{"kind": "contact", "id": contact_id},
                           {"kind": "account", "id": lead.converted_account_id}]  # fmt: skip
    assert {"kind": "opportunity", "id": lead.converted_opportunity_id} in out["deleted"]
    assert out["kept_because"][0]["field"] == f"contact:{contact_id}"
    assert not fresh(core, admin, mei).is_converted
    assert core.contacts.get(admin, contact_id).title == "CTO"


def test_forced_unconvert_prints_what_it_kept_and_why(
    run: Run, core: Opportune, admin: User, mei: Lead
) -> None:
    lead = convert(core, admin, mei)
    core.contacts.update(admin, lead.converted_contact_id or 0, {"title": "CTO"})
    result = run("lead", "unconvert", str(mei.id), "--force")
    assert result.exit_code == 0, result.output
    assert f"Deleted: opportunity {lead.converted_opportunity_id} · Mei Widgets" in result.stdout
    assert (f"Kept, detached from the lead: contact {lead.converted_contact_id} · Mei Ng, "
            f"account {lead.converted_account_id} · Mei Widgets") in result.stdout  # fmt: skip
    assert "The contact was changed since" in result.stdout


def test_unconvert_of_a_lead_that_is_not_converted_is_a_conflict(run: Run, mei: Lead) -> None:
    line = one_error_line(run("lead", "unconvert", str(mei.id)), 5)
    assert line == f"Error: Lead {mei.id} is not converted: there is nothing to undo"
    assert "Lead 404 does not exist" in one_error_line(run("lead", "unconvert", "404"), 3)


def test_conversion_shows_what_was_created_merged_and_kept(
    run: Run, core: Opportune, admin: User, mei: Lead, acme: Account
) -> None:
    lead = convert(core, admin, mei, account_id=acme.id)
    result = run("lead", "conversion", str(mei.id))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Conversion of lead {mei.id} · Mei Ng (Mei Widgets)" in out
    assert has_row(out, "Converted by", "Ada Admin") and has_row(out, "Status before", WORKING)
    assert has_row(out, "Account", f"{acme.id} · Acme Holdings (merged into)")
    assert has_row(out, "Contact", f"{lead.converted_contact_id} · Mei Ng (created)")
    assert has_row(out, "Activities moved", 1)
    assert f"Fields filled on account {acme.id} · Acme Holdings:" in out
    assert has_row(out, "industry", "— → Technology")
    assert "Kept on the lead only" in out


def test_conversion_json_is_the_record(
    run: Run, core: Opportune, admin: User, mei: Lead, acme: Account
) -> None:
    lead = convert(core, admin, mei, account_id=acme.id)
    record = ok_json(run("lead", "conversion", str(mei.id), "--json"))
    assert record["created"] == {"contact": lead.converted_contact_id,
                                 "opportunity": lead.converted_opportunity_id}  # fmt: skip
    assert record["merged"] == {"account": {
        "phone": {"previous": None, "filled": "+1 206 555 0199"},
        "industry": {"previous": None, "filled": "Technology"},
    }}  # fmt: skip
    assert (record["account_id"], record["account_name"]) == (acme.id, "Acme Holdings")
    assert record["converted_by_name"] == "Ada Admin" and record["undone_at"] is None
    assert record["unmapped"] == {"company": "Mei Widgets"}
    assert len(record["activity_ids"]) == 1
    run("lead", "unconvert", str(mei.id))
    line = one_error_line(run("lead", "conversion", str(mei.id)), 3)
    assert line == f"Error: Lead {mei.id} is not converted"
