"""A small Salesforce-style data export, as the weekly export writes it, for import tests.

Ids are real Salesforce ids (prefix, 12 case-sensitive characters, checksum); some rows
use the 15-character form, as reports and older exports do. The export holds a lead
converted into an account, a contact and an opportunity, a contact and opportunities
under an account, a child account listed before its parent, tasks on a lead, an
opportunity and the converted lead, a user unknown to Opportune, an owner in no file,
a column Opportune does not know, a deleted row and a row that cannot be imported.
"""

from __future__ import annotations

import csv
from pathlib import Path

from opportune.domain.salesforce.ids import to_18


def sf(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    full = to_18(id15)
    assert full is not None
    return full


ADMIN_USER = "0055g00000AdmIn"
NEW_USER = "0055g00000SaMuE"
UNKNOWN_OWNER = "0055g00000GoNeX"
ACME = "0015g00000AcMe1"
ACME_EU = "0015g00000AcMeE"
CONVERTED_CO = "0015g00000CoNvA"
DELETED_ACCOUNT = "0015g00000DeLeT"
ACME_CONTACT = "0035g00000JoHnD"
CONVERTED_CONTACT = "0035g00000CoNvC"
BAD_CONTACT = "0035g00000BaDrW"
ACME_DEAL = "0065g00000DeAl1"
CONVERTED_DEAL = "0065g00000CoNvO"
LOST_DEAL = "0065g00000LoSt1"
OPEN_LEAD = "00Q5g00000OpEnL"
CONVERTED_LEAD = "00Q5g00000CoNvL"
LEAD_TASK = "00T5g00000TaSk1"
DEAL_TASK = "00T5g00000TaSk2"
CONVERTED_LEAD_TASK = "00T5g00000TaSk3"

USERS = [
    ["Id", "Username", "Email", "FirstName", "LastName", "Name", "IsActive", "TimeZoneSidKey"],
    [sf(ADMIN_USER), "ada@acme.my.salesforce.com", "ADA.Admin@example.com", "Ada", "Admin",
     "Ada Admin", "true", "Europe/Paris"],
    [NEW_USER, "sam@acme.sf", "sam.seller@example.com", "Sam", "Seller", "Sam Seller", "false",
     "Europe/Paris"],
]  # fmt: skip
ACCOUNTS = [
    ["Id", "IsDeleted", "Name", "ParentId", "Industry", "AccountSource", "OwnerId",
     "CreatedDate", "Custom_Score__c", "External_Id__c"],
    [sf(ACME_EU), "false", "Acme Europe", ACME, "Manufacturing", "Web", sf(ADMIN_USER),
     "2024-02-01T10:00:00.000+0000", "7", "ERP-2"],
    [ACME, "false", "Acme", "", "Manufacturing", "Trade Show", sf(ADMIN_USER),
     "2024-01-15T09:30:00.000+0000", "9", "ERP-1"],
    [sf(CONVERTED_CO), "false", "Converted Co", "", "Aerospace", "", sf(NEW_USER),
     "2025-03-01T08:00:00.000Z", "", ""],
    [DELETED_ACCOUNT, "true", "Gone Ltd", "", "", "", sf(ADMIN_USER), "", "", ""],
]  # fmt: skip
CONTACTS = [
    ["Id", "IsDeleted", "AccountId", "FirstName", "LastName", "Email", "LeadSource", "OwnerId"],
    [ACME_CONTACT, "false", ACME, "John", "Doe", "john@acme.example", "Web", UNKNOWN_OWNER],
    [sf(CONVERTED_CONTACT), "false", sf(CONVERTED_CO), "Cora", "Convert", "cora@conv.example",
     "Web", sf(NEW_USER)],
    [sf(BAD_CONTACT), "false", ACME, "No", "", "nolastname@acme.example", "", sf(ADMIN_USER)],
]  # fmt: skip
OPPORTUNITIES = [
    ["Id", "IsDeleted", "AccountId", "Name", "StageName", "CloseDate", "Amount", "IsClosed",
     "IsWon", "OwnerId"],
    [sf(ACME_DEAL), "false", sf(ACME), "Acme renewal", "Prospecting", "2026-12-31", "12000.00",
     "false", "false", sf(ADMIN_USER)],
    [CONVERTED_DEAL, "false", CONVERTED_CO, "Converted Co deal", "Contract Sent",
     "2027-01-31", "5000", "false", "false", NEW_USER],
    [LOST_DEAL, "false", ACME, "Acme extra", "Closed Lost", "2026-06-30", "", "true", "false",
     ADMIN_USER],
]  # fmt: skip
LEADS = [
    ["Id", "IsDeleted", "FirstName", "LastName", "Company", "LeadSource", "Status",
     "IsConverted", "ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId",
     "ConvertedDate", "OwnerId", "CreatedDate"],
    [OPEN_LEAD, "false", "Olive", "Open", "Open Co", "Web", "Open - Not Contacted", "false", "",
     "", "", "", sf(ADMIN_USER), "2025-05-05T12:00:00.000+0000"],
    [sf(CONVERTED_LEAD), "false", "Cora", "Convert", "Converted Co", "Partner Referral",
     "Closed - Converted", "true", CONVERTED_CO, CONVERTED_CONTACT, sf(CONVERTED_DEAL),
     "2025-03-01", NEW_USER, "2025-02-01T12:00:00.000+0000"],
]  # fmt: skip
TASKS = [
    ["Id", "IsDeleted", "WhoId", "WhatId", "Subject", "ActivityDate", "Status", "Priority",
     "TaskSubtype", "OwnerId"],
    [LEAD_TASK, "false", OPEN_LEAD, "", "Call Olive back", "2026-12-01", "Not Started",
     "Normal", "Task", sf(ADMIN_USER)],
    [sf(DEAL_TASK), "false", "", ACME_DEAL, "Send the quote", "2026-11-20", "Completed", "High",
     "Task", ADMIN_USER],
    [CONVERTED_LEAD_TASK, "false", CONVERTED_LEAD, "", "Welcome pack", "", "In Progress",
     "Normal", "Task", NEW_USER],
]  # fmt: skip
FILES = {"User.csv": USERS, "Account.csv": ACCOUNTS, "Contact.csv": CONTACTS,
         "Opportunity.csv": OPPORTUNITIES, "Lead.csv": LEADS, "Task.csv": TASKS}  # fmt: skip


def write_export(directory: Path) -> Path:
    """Write the export's CSV files (UTF-8 with a byte-order mark, CRLF) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in FILES.items():
        with (directory / name).open("w", newline="", encoding="utf-8-sig") as file:
            csv.writer(file).writerows(rows)
    return directory
