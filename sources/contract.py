"""The input contract (../shared/spec/sources.md) as data: objects, their files and columns.

Everything that needs to know which landing file feeds which raw table, or which columns an
object has, reads it from here: the loader, the demo generator and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns every CRM object has (sources.md, "CRM objects").
CRM_COMMON_REQUIRED = ("Id", "CreatedDate")
CRM_COMMON_OPTIONAL = ("LastModifiedDate", "SystemModstamp", "IsDeleted")


@dataclass(frozen=True)
class LandingObject:
    """One contract object: where its files live and which columns it has."""

    name: str  # the contract's name: Salesforce API name, or the file stem for non-CRM files
    table: str  # raw table name (schema raw)
    folder: str  # top-level landing folder
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def is_crm(self) -> bool:
        return self.folder == "crm"


def _crm(name: str, table: str, required: tuple[str, ...], optional: tuple[str, ...]) -> LandingObject:
    return LandingObject(
        name=name,
        table=table,
        folder="crm",
        required=CRM_COMMON_REQUIRED + required,
        optional=CRM_COMMON_OPTIONAL + optional,
    )


CRM_OBJECTS: tuple[LandingObject, ...] = (
    _crm("User", "crm_user", ("Name",), ("Email", "IsActive", "ManagerId", "Title", "UserRoleId")),
    _crm(
        "Account",
        "crm_account",
        ("Name",),
        (
            "OwnerId",
            "Type",
            "Industry",
            "NumberOfEmployees",
            "AnnualRevenue",
            "BillingCountry",
            "BillingState",
            "ParentId",
        ),
    ),
    _crm(
        "Contact",
        "crm_contact",
        ("LastName",),
        ("AccountId", "FirstName", "Email", "Phone", "Title", "LeadSource", "OwnerId"),
    ),
    _crm(
        "Lead",
        "crm_lead",
        ("LastName", "Company", "Status"),
        (
            "FirstName",
            "Email",
            "Phone",
            "LeadSource",
            "Industry",
            "Country",
            "OwnerId",
            "IsConverted",
            "ConvertedDate",
            "ConvertedAccountId",
            "ConvertedContactId",
            "ConvertedOpportunityId",
            "MQL_Date__c",
        ),
    ),
    _crm(
        "Opportunity",
        "crm_opportunity",
        ("OwnerId", "StageName", "CloseDate"),
        (
            "AccountId",
            "Name",
            "Amount",
            "CurrencyIsoCode",
            "Probability",
            "ForecastCategoryName",
            "IsClosed",
            "IsWon",
            "Type",
            "LeadSource",
            "CampaignId",
            "Contract_Term_Months__c",
        ),
    ),
    _crm(
        "OpportunityHistory",
        "crm_opportunity_history",
        ("OpportunityId", "StageName"),
        ("Amount", "Probability", "CloseDate", "ForecastCategory"),
    ),
    _crm(
        "OpportunityStage",
        "crm_opportunity_stage",
        ("MasterLabel", "DefaultProbability", "IsClosed", "IsWon", "SortOrder"),
        ("ForecastCategoryName",),
    ),
    _crm(
        "Campaign",
        "crm_campaign",
        ("Name",),
        ("Type", "Status", "StartDate", "EndDate", "ActualCost", "BudgetedCost", "ParentId"),
    ),
    _crm(
        "Task",
        "crm_task",
        ("OwnerId",),
        ("WhoId", "WhatId", "Subject", "Type", "TaskSubtype", "ActivityDate", "Status"),
    ),
    _crm(
        "Event",
        "crm_event",
        ("OwnerId",),
        ("WhoId", "WhatId", "Subject", "Type", "TaskSubtype", "StartDateTime", "Status"),
    ),
    _crm(
        "Territory2",
        "crm_territory2",
        ("Name",),
        ("ParentTerritory2Id", "Territory2TypeId", "DeveloperName"),
    ),
    _crm(
        "UserTerritory2Association",
        "crm_user_territory2_association",
        ("UserId", "Territory2Id"),
        ("RoleInTerritory2",),
    ),
    _crm(
        "ObjectTerritory2Association",
        "crm_object_territory2_association",
        ("ObjectId", "Territory2Id"),
        (),
    ),
    _crm(
        "DatedConversionRate",
        "crm_dated_conversion_rate",
        ("IsoCode", "ConversionRate", "StartDate"),
        ("NextStartDate",),
    ),
)

FILE_OBJECTS: tuple[LandingObject, ...] = (
    LandingObject(
        name="ad_spend",
        table="ad_spend",
        folder="marketing",
        required=("date", "platform", "campaign_id", "spend"),
        optional=(
            "campaign_name",
            "crm_campaign_id",
            "currency",
            "impressions",
            "clicks",
            "conversions",
        ),
    ),
    LandingObject(
        name="sm_expenses",
        table="sm_expenses",
        folder="finance",
        required=("month", "department", "category", "amount"),
        optional=("currency",),
    ),
    LandingObject(
        name="quotas",
        table="quotas",
        folder="plan",
        required=("user_id", "period_start", "period", "quota_amount"),
        optional=("quota_type",),
    ),
)

ALL_OBJECTS: tuple[LandingObject, ...] = CRM_OBJECTS + FILE_OBJECTS
OBJECTS_BY_TABLE: dict[str, LandingObject] = {o.table: o for o in ALL_OBJECTS}

# Lineage columns the loader adds to every raw table.
LINEAGE_COLUMNS = ("_file", "_file_seq", "_row_number", "_loaded_at")
