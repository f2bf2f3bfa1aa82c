"""Importing a Salesforce data export: relations, owners, picklists, errors, re-runs."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from opportune.db import tables as t
from opportune.domain.salesforce.export_rows import IMPORT_ORDER, export_columns
from opportune.domain.salesforce.objects import SObject, sobject
from opportune.domain.users import User
from opportune.errors import PermissionDeniedError
from opportune.services import Opportune
from opportune.services.salesforce.migration import SalesforceImportReport
from opportune.services.uow import UnitOfWork
from tests import salesforce_export as ex
from tests.conftest import add_user, make_settings
from tests.salesforce_export import sf, write_export


def ids(core: Opportune, kind: str, *salesforce_ids: str) -> list[int]:
    """The Opportune ids of records by their Salesforce ids (15 or 18 characters)."""
    wanted = [sf(i) if len(i) == 15 else i for i in salesforce_ids]
    with UnitOfWork(core.engine) as uow:
        found = uow.salesforce_keys.ids_by_salesforce_id(kind, wanted)
    return [found[i] for i in wanted]


def totals(core: Opportune) -> dict[str, int]:
    """How many rows each imported table holds."""
    tables = (t.users, t.accounts, t.contacts, t.opportunities, t.leads, t.activities)
    with UnitOfWork(core.engine) as uow:
        count = uow.connection.execute
        return {tb.name: count(select(func.count()).select_from(tb)).scalar_one() for tb in tables}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export")


@pytest.fixture
def report(core: Opportune, admin: User, export: Path) -> SalesforceImportReport:
    return core.salesforce_import.run(export)


def test_every_object_is_counted_and_the_bad_row_and_deleted_row_are_reported(
    report: SalesforceImportReport, export: Path
) -> None:
    counts = {name: (c.read, c.created, c.updated, c.skipped, c.failed)
              for name, c in report.counts.items()}  # fmt: skip
    assert counts == {
        "User": (2, 1, 1, 0, 0),
        "Account": (4, 3, 0, 1, 0),
        "Contact": (3, 2, 0, 0, 1),
        "Opportunity": (3, 3, 0, 0, 0),
        "Lead": (2, 2, 0, 0, 0),
        "Task": (3, 3, 0, 0, 0),
    }
    assert report.deleted_rows == 1
    assert not report.ok and report.error_count == 1
    error = report.errors[0]
    assert (error.file, error.line, error.salesforce_id) == ("Contact.csv", 4, sf(ex.BAD_CONTACT))
    assert error.reason == "LastName: Is required"
    assert report.errors_file == export / "import-salesforce-errors.csv"
    with report.errors_file.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows == [{"file": "Contact.csv", "line": "4", "salesforce_id": sf(ex.BAD_CONTACT),
                     "reason": "LastName: Is required"}]  # fmt: skip


def test_contacts_opportunities_and_child_accounts_keep_their_accounts(
    core: Opportune, admin: User, report: SalesforceImportReport
) -> None:
    acme, acme_eu, converted_co = ids(core, "account", ex.ACME, ex.ACME_EU, ex.CONVERTED_CO)
    contact_id, converted_contact = ids(core, "contact", ex.ACME_CONTACT, ex.CONVERTED_CONTACT)
    deal, converted_deal = ids(core, "opportunity", ex.ACME_DEAL, ex.CONVERTED_DEAL)
    assert core.accounts.get(admin, acme_eu).parent_account_id == acme
    assert core.contacts.get(admin, contact_id).account_id == acme
    assert core.contacts.get(admin, converted_contact).account_id == converted_co
    assert core.opportunities.get(admin, deal).account_id == acme
    assert core.opportunities.get(admin, deal).amount == 12000
    assert core.opportunities.get(admin, converted_deal).account_id == converted_co
    assert core.accounts.get(admin, acme).name == "Acme"


def test_a_converted_lead_is_imported_converted_into_its_records(
    core: Opportune, admin: User, report: SalesforceImportReport
) -> None:
    (lead_id,) = ids(core, "lead", ex.CONVERTED_LEAD)
    (account_id,) = ids(core, "account", ex.CONVERTED_CO)
    (contact_id,) = ids(core, "contact", ex.CONVERTED_CONTACT)
    (opportunity_id,) = ids(core, "opportunity", ex.CONVERTED_DEAL)
    lead = core.leads.get(admin, lead_id, mark_read=False)
    assert lead.is_converted and lead.converted_date == date(2025, 3, 1)
    assert (lead.converted_account_id, lead.converted_contact_id,
            lead.converted_opportunity_id) == (account_id, contact_id, opportunity_id)  # fmt: skip
    statuses = core.picklists.lead_picklists()
    assert statuses.status(lead.status_id).label == "Closed - Converted"
    assert lead.created_at == datetime(2025, 2, 1, 12, tzinfo=UTC)


def test_tasks_are_linked_by_the_prefix_of_who_and_what(
    core: Opportune, admin: User, report: SalesforceImportReport
) -> None:
    lead_task, deal_task, moved = ids(core, "activity", ex.LEAD_TASK, ex.DEAL_TASK,
                                      ex.CONVERTED_LEAD_TASK)  # fmt: skip
    (lead_id,) = ids(core, "lead", ex.OPEN_LEAD)
    (deal,) = ids(core, "opportunity", ex.ACME_DEAL)
    (contact_id,) = ids(core, "contact", ex.CONVERTED_CONTACT)
    (converted_deal,) = ids(core, "opportunity", ex.CONVERTED_DEAL)
    assert core.activities.get(admin, lead_task).lead_id == lead_id
    assert core.activities.get(admin, lead_task).status == "Open"
    assert core.activities.get(admin, deal_task).opportunity_id == deal
    assert core.activities.get(admin, deal_task).status == "Completed"
    on_contact = core.activities.get(admin, moved)
    assert (on_contact.lead_id, on_contact.contact_id, on_contact.opportunity_id) == (
        None, contact_id, converted_deal,
    )  # fmt: skip
    notes = report.values
    assert notes[("Task", "WhoId", sf(ex.CONVERTED_LEAD), "moved to the converted lead's contact")]


def test_owners_are_matched_by_email_created_inactive_or_defaulted(
    core: Opportune, admin: User, report: SalesforceImportReport
) -> None:
    sam = core.users.get_by_email("sam.seller@example.com")
    assert not sam.is_active and sam.name == "Sam Seller"
    assert report.created_users == ["sam.seller@example.com"]
    (converted_co,) = ids(core, "account", ex.CONVERTED_CO)
    (acme,) = ids(core, "account", ex.ACME)
    (john,) = ids(core, "contact", ex.ACME_CONTACT)
    assert core.accounts.get(admin, converted_co).owner_id == sam.id
    (converted_lead,) = ids(core, "lead", ex.CONVERTED_LEAD)
    assert core.leads.get(admin, converted_lead, mark_read=False).owner_id == sam.id
    assert core.accounts.get(admin, acme).owner_id == admin.id
    assert core.contacts.get(admin, john).owner_id == admin.id  # the owner is in no file
    assert report.unknown_owners == {sf(ex.UNKNOWN_OWNER): 1}
    assert report.default_owner == admin.email
    assert ids(core, "user", ex.ADMIN_USER, ex.NEW_USER) == [admin.id, sam.id]


def test_unknown_columns_and_values_are_reported_and_sources_added(
    core: Opportune, admin: User, report: SalesforceImportReport
) -> None:
    assert report.ignored_columns == {"User.csv": ("TimeZoneSidKey",),
                                      "Account.csv": ("Custom_Score__c",)}  # fmt: skip
    assert report.values[("Account", "AccountSource", "Trade Show", "added as a new lead source")]
    assert report.values[("Account", "Industry", "Aerospace", "left empty")]
    assert report.values[("Opportunity", "StageName", "Contract Sent", "imported as Prospecting")]
    assert report.values[("Opportunity", "Loss_Reason__c", "", "imported as Other")]
    sources = [s.label for s in core.picklists.lead_picklists().sources]
    assert "Trade Show" in sources
    (acme,) = ids(core, "account", ex.ACME)
    assert core.accounts.get(admin, acme).industry == "Manufacturing"


def test_the_salesforce_ids_are_kept_in_their_18_character_form(
    core: Opportune, report: SalesforceImportReport
) -> None:
    with UnitOfWork(core.engine) as uow:
        found = uow.salesforce_keys.ids_by_salesforce_id("contact", [sf(ex.ACME_CONTACT)])
        assert found and len(next(iter(found))) == 18
        assert uow.salesforce_keys.ids_by_salesforce_id("contact", [ex.ACME_CONTACT]) == {}
        external = select(t.accounts.c.external_id).where(t.accounts.c.salesforce_id == sf(ex.ACME))
        assert uow.connection.execute(external).scalar_one() == "ERP-1"


def test_running_the_same_export_again_duplicates_nothing(
    core: Opportune, admin: User, export: Path, report: SalesforceImportReport
) -> None:
    before = totals(core)

    again = core.salesforce_import.run(export)

    assert totals(core) == before
    objects = ("User", "Account", "Contact", "Opportunity", "Lead", "Task")
    changes = {name: (c.created, c.updated) for name, c in again.counts.items()}
    assert changes == dict.fromkeys(objects, (0, 0))
    assert again.counts["Contact"].failed == 1


def test_a_changed_row_updates_its_record_with_history(
    core: Opportune, admin: User, export: Path, report: SalesforceImportReport
) -> None:
    rows = [list(r) for r in ex.CONTACTS]
    rows[1][5] = "john.doe@acme.example"
    with (export / "Contact.csv").open("w", newline="", encoding="utf-8-sig") as file:
        csv.writer(file).writerows(rows[:3])

    again = core.salesforce_import.run(export)

    assert (again.counts["Contact"].updated, again.counts["Contact"].skipped) == (1, 1)
    assert again.ok and again.errors_file is None
    assert not (export / "import-salesforce-errors.csv").exists()
    (john,) = ids(core, "contact", ex.ACME_CONTACT)
    assert core.contacts.get(admin, john).email == "john.doe@acme.example"
    assert [c.field for c in core.contacts.history(admin, john)] == ["email"]


def test_only_administrators_import(core: Opportune, rep: User, export: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        core.salesforce_import.run(export, actor=rep)


def snapshot(core: Opportune, actor: User) -> dict[str, list[dict[str, object]]]:
    """Every record of each object as an export shows it, without the kept Salesforce id."""
    found = {}
    for name in IMPORT_ORDER:
        columns = [c for c in export_columns(_sobject(name)) if c != "Salesforce_Id__c"]
        soql = f"SELECT {', '.join(columns)} FROM {name} ORDER BY Id"  # noqa: S608 (SOQL)
        result = core.soql.query(actor, soql)
        found[name] = [{c: r[c] for c in columns} for r in result["records"]]
    return found


def _sobject(name: str) -> SObject:
    found = sobject(name)
    assert found is not None
    return found


def kept_ids(core: Opportune, actor: User) -> dict[str, str]:
    """Each record's Id → the Salesforce id it was imported with."""
    kept = {}
    for name in IMPORT_ORDER:
        soql = f"SELECT Id, Salesforce_Id__c FROM {name}"  # noqa: S608 (SOQL)
        for r in core.soql.query(actor, soql)["records"]:
            kept[r["Id"]] = r["Salesforce_Id__c"]
    return kept


def test_an_exported_installation_imports_into_another_with_the_same_records(
    core: Opportune, admin: User, report: SalesforceImportReport, tmp_path: Path,
    sqlite_template: Path,
) -> None:  # fmt: skip
    written = core.salesforce_import.export(tmp_path / "round-trip", actor=admin)
    assert written == {"User": 2, "Account": 3, "Contact": 2, "Opportunity": 3, "Lead": 2,
                       "Task": 3}  # fmt: skip
    shutil.copy(sqlite_template, tmp_path / "other.db")
    other = Opportune(make_settings(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "o"))
    try:
        other_admin = add_user(other, "Ada Admin", "admin")
        result = other.salesforce_import.run(tmp_path / "round-trip")
        assert (result.errors, result.ignored_columns) == ([], {})
        assert {action for *_, action in result.values} == {"added as a new lead source"}
        kept = kept_ids(other, other_admin)
        translated = {
            name: [{c: kept.get(v, v) if isinstance(v, str) else v for c, v in r.items()}
                   for r in records]
            for name, records in snapshot(other, other_admin).items()
        }  # fmt: skip
    finally:
        other.close()
    original = snapshot(core, admin)
    for name in IMPORT_ORDER:
        key = lambda r: str(r["Id"])  # noqa: E731
        assert sorted(translated[name], key=key) == sorted(original[name], key=key), name
