"""The Salesforce objects Opportune serves, and where each of their fields lives.

Every :class:`SObject` names the Opportune table behind it and lists its fields by
Salesforce name. A field's :attr:`SfField.source` says where its value is read from
(a column, the label of a picklist row, another record's id, a full name, ...), and
:attr:`SfField.input` names the Opportune service input that writes it, or is None for
a read-only field. The database layer turns sources into SQL; the services turn
Salesforce input into Opportune input with :func:`SObject.field`.
"""

from __future__ import annotations

from dataclasses import replace

from opportune.domain.activities import PRIORITIES, TASK_STATUSES
from opportune.domain.opportunities import OPPORTUNITY_TYPES
from opportune.domain.picklists import INDUSTRIES, RATINGS, SALUTATIONS
from opportune.domain.salesforce.sobject_model import Picklist, SfField, SObject
from opportune.domain.salesforce.sources import (
    Column,
    Constant,
    Derived,
    FullName,
    Label,
    Polymorphic,
    PolymorphicParent,
    Reference,
    Source,
)

__all__ = [
    "FORECAST_CATEGORIES",
    "OBJECTS",
    "POLYMORPHIC_NAME_FIELDS",
    "Column",
    "Constant",
    "Derived",
    "FullName",
    "Label",
    "Polymorphic",
    "PolymorphicParent",
    "Reference",
    "SObject",
    "SfField",
    "Source",
    "polymorphic_field",
    "polymorphic_fields",
    "sobject",
]

FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
ROLES = ("admin", "manager", "rep")


# --- field builders: keep the tables below one line per field --------------------------


def _text(name: str, column: str, length: int, *, kind: str = "string", **kw: object) -> SfField:
    return SfField(name, kind, Column(column), column, length, **kw)  # type: ignore[arg-type]


def _flag(name: str, column: str, *, writable: bool = True) -> SfField:
    return SfField(name, "boolean", Column(column), column if writable else None, nillable=False)


def _ref(name: str, column: str, target: str, relationship: str, **kw: object) -> SfField:
    source = Reference(column, target)
    return SfField(name, "reference", source, column, 18, reference_to=(target,),
                   relationship=relationship, **kw)  # type: ignore[arg-type]  # fmt: skip


def _read_ref(name: str, column: str, target: str, relationship: str | None = None) -> SfField:
    return SfField(name, "reference", Reference(column, target), None, 18,
                   reference_to=(target,), relationship=relationship)  # fmt: skip


def _pick(
    name: str, source: Source, input_name: str | None, values: Picklist, **kw: object
) -> SfField:
    return SfField(name, "picklist", source, input_name, 255, picklist=values, **kw)  # type: ignore[arg-type]


def _id(obj: str) -> SfField:
    return SfField("Id", "id", Reference("id", obj), None, 18, nillable=False)


def _stamps() -> tuple[SfField, ...]:
    moment = "datetime"
    return (
        SfField("IsDeleted", "boolean", Constant(False), nillable=False),
        SfField("CreatedDate", moment, Column("created_at"), nillable=False),
        _read_ref("CreatedById", "created_by_id", "User", "CreatedBy"),
        SfField("LastModifiedDate", moment, Column("updated_at"), nillable=False),
        _read_ref("LastModifiedById", "updated_by_id", "User", "LastModifiedBy"),
        SfField("SystemModstamp", moment, Column("updated_at"), nillable=False),
    )


def _keys() -> tuple[SfField, ...]:
    return (
        _text("External_Id__c", "external_id", 255, external_id=True, unique=True),
        _text("Salesforce_Id__c", "salesforce_id", 18, external_id=True, unique=True),
    )


def _owner() -> SfField:
    return _ref("OwnerId", "owner_id", "User", "Owner", nillable=False)


def _address(sf_prefix: str, column_prefix: str) -> tuple[SfField, ...]:
    parts = (("Street", "street", 255), ("City", "city", 40), ("State", "state", 80),
             ("PostalCode", "postal_code", 20), ("Country", "country", 80))  # fmt: skip
    lead = f"{column_prefix}_" if column_prefix else ""
    kinds = {"Street": "textarea"}
    return tuple(
        _text(f"{sf_prefix}{sf}", f"{lead}{col}", n, kind=kinds.get(sf, "string"))
        for sf, col, n in parts
    )


def _person(lead_source: Source) -> tuple[SfField, ...]:
    return (
        _pick("Salutation", Column("salutation"), "salutation", SALUTATIONS),
        _text("FirstName", "first_name", 40),
        _text("LastName", "last_name", 80, nillable=False),
        SfField("Name", "string", FullName(("first_name", "last_name")), None, 121, nillable=False),
        _text("Title", "title", 128),
        _text("Email", "email", 80, kind="email"),
        _text("Phone", "phone", 40, kind="phone"),
        _text("MobilePhone", "mobile_phone", 40, kind="phone"),
        _text("Fax", "fax", 40, kind="phone"),
        _pick("LeadSource", lead_source, "lead_source", "lead_sources"),
        _flag("DoNotCall", "do_not_call"),
        _flag("HasOptedOutOfEmail", "has_opted_out_of_email"),
        _text("Description", "description", 32000, kind="textarea"),
    )


def _money(name: str, column: str) -> SfField:
    return SfField(name, "currency", Column(column), column, 18)


def _int(name: str, column: str) -> SfField:
    return SfField(name, "int", Column(column), column, 9)


LEAD = SObject(
    "Lead", "Lead", "Leads", "leads", "lead",
    (
        _id("Lead"),
        *_person(Label("source_id", "lead_sources")),
        _text("Company", "company", 255, nillable=False),
        _text("Website", "website", 255, kind="url"),
        *_address("", ""),
        _pick("Status", Label("status_id", "lead_statuses"), "status", "lead_statuses",
              nillable=False),
        _pick("Close_Reason__c", Label("close_reason_id", "lead_close_reasons"), "close_reason",
              "lead_close_reasons"),
        _pick("Rating", Column("rating"), "rating", RATINGS),
        _pick("Industry", Column("industry"), "industry", INDUSTRIES),
        _money("AnnualRevenue", "annual_revenue"),
        _int("NumberOfEmployees", "number_of_employees"),
        _text("Campaign__c", "campaign", 80),
        _owner(),
        _flag("IsUnreadByOwner", "is_unread_by_owner", writable=False),
        _flag("IsConverted", "is_converted", writable=False),
        SfField("ConvertedDate", "date", Column("converted_date")),
        _read_ref("ConvertedAccountId", "converted_account_id", "Account", "ConvertedAccount"),
        _read_ref("ConvertedContactId", "converted_contact_id", "Contact", "ConvertedContact"),
        _read_ref("ConvertedOpportunityId", "converted_opportunity_id", "Opportunity",
                  "ConvertedOpportunity"),
        SfField("LastActivityDate", "date", Derived("day_of:last_activity_at")),
        *_stamps(),
        *_keys(),
    ),
)  # fmt: skip

ACCOUNT = SObject(
    "Account", "Account", "Accounts", "accounts", "account",
    (
        _id("Account"),
        _text("Name", "name", 255, nillable=False),
        _ref("ParentId", "parent_account_id", "Account", "Parent"),
        *_address("Billing", "billing"),
        *_address("Shipping", "shipping"),
        _text("Phone", "phone", 40, kind="phone"),
        _text("Fax", "fax", 40, kind="phone"),
        _text("Website", "website", 255, kind="url"),
        _pick("Industry", Column("industry"), "industry", INDUSTRIES),
        _money("AnnualRevenue", "annual_revenue"),
        _int("NumberOfEmployees", "number_of_employees"),
        _pick("Rating", Column("rating"), "rating", RATINGS),
        _pick("AccountSource", Label("source_id", "lead_sources"), "account_source",
              "lead_sources"),
        _text("Description", "description", 32000, kind="textarea"),
        _owner(),
        *_stamps(),
        *_keys(),
    ),
)  # fmt: skip

CONTACT = SObject(
    "Contact", "Contact", "Contacts", "contacts", "contact",
    (
        _id("Contact"),
        _ref("AccountId", "account_id", "Account", "Account"),
        *_person(Label("source_id", "lead_sources")),
        *_address("Mailing", "mailing"),
        _owner(),
        *_stamps(),
        *_keys(),
    ),
)  # fmt: skip

OPPORTUNITY = SObject(
    "Opportunity", "Opportunity", "Opportunities", "opportunities", "opportunity",
    (
        _id("Opportunity"),
        _ref("AccountId", "account_id", "Account", "Account", nillable=False),
        _text("Name", "name", 120, nillable=False),
        _text("Description", "description", 32000, kind="textarea"),
        _pick("StageName", Label("stage_id", "opportunity_stages"), "stage",
              "opportunity_stages", nillable=False),
        _money("Amount", "amount"),
        SfField("Probability", "percent", Column("probability"), "probability", 3),
        SfField("ExpectedRevenue", "currency", Derived("expected_revenue"), None, 18),
        SfField("CloseDate", "date", Column("close_date"), "close_date", nillable=False),
        _pick("Type", Column("type"), "type", OPPORTUNITY_TYPES),
        _text("NextStep", "next_step", 255),
        _pick("LeadSource", Label("lead_source_id", "lead_sources"), "lead_source",
              "lead_sources"),
        _flag("IsClosed", "is_closed", writable=False),
        _flag("IsWon", "is_won", writable=False),
        _pick("ForecastCategoryName", Column("forecast_category"), "forecast_category",
              FORECAST_CATEGORIES),
        _pick("Loss_Reason__c", Label("lost_reason_id", "opportunity_lost_reasons"),
              "lost_reason", "opportunity_lost_reasons"),
        _text("CurrencyIsoCode", "currency_code", 3),
        _owner(),
        *_stamps(),
        *_keys(),
    ),
)  # fmt: skip

_WHO = Polymorphic((Reference("lead_id", "Lead"), Reference("contact_id", "Contact")))
_WHAT = Polymorphic(
    (Reference("account_id", "Account"), Reference("opportunity_id", "Opportunity"))
)

TASK = SObject(
    "Task", "Task", "Tasks", "activities", "task",
    (
        _id("Task"),
        SfField("WhoId", "reference", _WHO, "who", 18, reference_to=("Lead", "Contact"),
                relationship="Who"),
        SfField("WhatId", "reference", _WHAT, "what", 18,
                reference_to=("Account", "Opportunity"), relationship="What"),
        _text("Subject", "subject", 255),
        SfField("ActivityDate", "date", Column("due_date"), "due_date"),
        _pick("Status", Column("status"), "status", TASK_STATUSES, nillable=False),
        _pick("Priority", Column("priority"), "priority", PRIORITIES, nillable=False),
        SfField("IsClosed", "boolean", Derived("task_closed"), nillable=False),
        _pick("TaskSubtype", Derived("task_subtype"), "kind", ("Task", "Call"), create_only=True),
        SfField("CompletedDateTime", "datetime", Column("completed_at")),
        _int("CallDurationInMinutes__c", "call_duration_minutes"),
        _text("Description", "description", 32000, kind="textarea"),
        _owner(),
        *_stamps(),
        *_keys(),
    ),
    row_filter="task_or_call",
)  # fmt: skip

USER = SObject(
    "User", "User", "Users", "users", "user",
    (
        _id("User"),
        SfField("Username", "string", Column("email"), None, 80, nillable=False),
        _text("Email", "email", 254, kind="email", nillable=False),
        _text("LastName", "name", 120, nillable=False),
        SfField("Name", "string", Column("name"), None, 120, nillable=False),
        _flag("IsActive", "is_active"),
        _pick("Role__c", Column("role"), "role", ROLES, nillable=False),
        SfField("CreatedDate", "datetime", Column("created_at"), nillable=False),
        _text("Salesforce_Id__c", "salesforce_id", 18, external_id=True, unique=True),
    ),
)  # fmt: skip

LEAD_STATUS = SObject(
    "LeadStatus", "Lead Status Value", "Lead Status Values", "lead_statuses", "lead_status",
    (
        _id("LeadStatus"),
        SfField("MasterLabel", "string", Column("label"), None, 80, nillable=False),
        SfField("ApiName", "string", Column("label"), None, 80, nillable=False),
        SfField("SortOrder", "int", Column("sort_order"), None, 9),
        SfField("IsDefault", "boolean", Column("is_default"), nillable=False),
        SfField("IsConverted", "boolean", Column("is_converted"), nillable=False),
        SfField("IsClosed__c", "boolean", Column("is_closed"), nillable=False),
        SfField("IsActive__c", "boolean", Column("is_active"), nillable=False),
    ),
    writable=False,
)  # fmt: skip

OPPORTUNITY_STAGE = SObject(
    "OpportunityStage", "Opportunity Stage", "Opportunity Stages", "opportunity_stages",
    "opportunity_stage",
    (
        _id("OpportunityStage"),
        SfField("MasterLabel", "string", Column("label"), None, 80, nillable=False),
        SfField("ApiName", "string", Column("label"), None, 80, nillable=False),
        SfField("SortOrder", "int", Column("sort_order"), None, 9),
        SfField("IsActive", "boolean", Column("is_active"), nillable=False),
        SfField("IsClosed", "boolean", Column("is_closed"), nillable=False),
        SfField("IsWon", "boolean", Column("is_won"), nillable=False),
        SfField("DefaultProbability", "percent", Column("probability"), None, 3),
        SfField("ForecastCategoryName", "picklist", Column("forecast_category"), None, 40,
                picklist=FORECAST_CATEGORIES),
    ),
    writable=False,
)  # fmt: skip

OBJECTS: dict[str, SObject] = {
    o.name.lower(): o
    for o in (LEAD, ACCOUNT, CONTACT, OPPORTUNITY, TASK, USER, LEAD_STATUS, OPPORTUNITY_STAGE)
}


def sobject(name: str) -> SObject | None:
    """The object called ``name`` (any case), or None when Opportune does not serve it."""
    return OBJECTS.get(name.lower())


# The fields of Salesforce's "Name" object served through a polymorphic reference
# (``Who.Name``): Id and Type always, the others where every target object has them.
POLYMORPHIC_NAME_FIELDS = ("Id", "Name", "Type", "FirstName", "LastName", "Email", "Phone")


def polymorphic_field(reference: SfField, name: str) -> SfField | None:
    """The field called ``name`` (any case) of the record a polymorphic ``reference``
    points at, or None when it is not one of the "Name" fields every target has.

    ``Id`` reads like the reference itself; ``Type`` is the target's object name.
    """
    source = reference.source
    assert isinstance(source, Polymorphic), f"{reference.name} is not polymorphic"
    wanted = next((n for n in POLYMORPHIC_NAME_FIELDS if n.lower() == name.lower()), None)
    if wanted == "Id":
        return replace(reference, name="Id", type="id", input=None, relationship=None)
    if wanted == "Type":
        types = tuple(o.target for o in source.options)
        names: tuple[Source, ...] = tuple(Constant(t) for t in types)
        return SfField("Type", "picklist", PolymorphicParent(source, names), None, 255,
                       picklist=types)  # fmt: skip
    fields = [OBJECTS[o.target.lower()].field(wanted) for o in source.options] if wanted else []
    if not fields or any(f is None for f in fields):
        return None
    found = [f for f in fields if f is not None]
    values = tuple(f.source for f in found)
    first = found[0]
    length = max(f.length for f in found)
    return SfField(first.name, first.type, PolymorphicParent(source, values), None, length)


def polymorphic_fields(reference: SfField) -> tuple[str, ...]:
    """The names :func:`polymorphic_field` serves for ``reference``."""
    return tuple(n for n in POLYMORPHIC_NAME_FIELDS if polymorphic_field(reference, n))
