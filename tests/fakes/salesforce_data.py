"""The Salesforce org the connector tests start from, and the counts it must land.

The org has no multi-currency (no CurrencyIsoCode), neither custom field
Contract_Term_Months__c, no Event.TaskSubtype, no IsDeleted on User and OpportunityStage (as
in Salesforce), and none of Territory2, UserTerritory2Association,
ObjectTerritory2Association, DatedConversionRate: those fields are dropped from the queries and
those objects skipped.

Counts by hand (run 1): User 3, Account 5 (001E already deleted, still in the recycle bin, so
queryAll returns it), Contact 2, Lead 2, Opportunity 5, OpportunityHistory 3,
OpportunityStage 4, Campaign 1, Task 2, Event 1.
"""

from __future__ import annotations

from tests.fakes.salesforce import FakeSalesforce

RUN1_COUNTS = {
    "User": 3,
    "Account": 5,
    "Contact": 2,
    "Lead": 2,
    "Opportunity": 5,
    "OpportunityHistory": 3,
    "OpportunityStage": 4,
    "Campaign": 1,
    "Task": 2,
    "Event": 1,
}
SYSTEM = {"CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted"}


def _ts(day: int, hour: int = 10) -> str:
    return f"2024-01-{day:02d}T{hour:02d}:00:00.000+0000"


def seed(org: FakeSalesforce) -> None:
    org.define("User", {"Name", "Email", "IsActive", "ManagerId", "Title", "UserRoleId", "LastModifiedDate"})
    org.define(
        "Account",
        SYSTEM
        | {
            "Name",
            "OwnerId",
            "Type",
            "Industry",
            "NumberOfEmployees",
            "AnnualRevenue",
            "BillingCountry",
            "BillingState",
            "ParentId",
        },
    )
    org.define(
        "Contact",
        SYSTEM | {"AccountId", "FirstName", "LastName", "Email", "Phone", "Title", "LeadSource", "OwnerId"},
    )
    org.define(
        "Lead",
        SYSTEM
        | {
            "FirstName",
            "LastName",
            "Company",
            "Email",
            "Phone",
            "Status",
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
        },
    )
    org.define(
        "Opportunity",
        SYSTEM
        | {
            "AccountId",
            "OwnerId",
            "Name",
            "StageName",
            "Amount",
            "Probability",
            "ForecastCategoryName",
            "CloseDate",
            "IsClosed",
            "IsWon",
            "Type",
            "LeadSource",
            "CampaignId",
        },
    )
    org.define(
        "OpportunityHistory",
        {"IsDeleted", "OpportunityId", "StageName", "Amount", "Probability", "CloseDate", "ForecastCategory"},
    )
    org.define(
        "OpportunityStage",
        {
            "LastModifiedDate",
            "MasterLabel",
            "DefaultProbability",
            "IsClosed",
            "IsWon",
            "SortOrder",
            "ForecastCategoryName",
        },
    )
    org.define(
        "Campaign", SYSTEM | {"Name", "Type", "Status", "StartDate", "EndDate", "ActualCost", "BudgetedCost"}
    )
    org.define(
        "Task",
        SYSTEM | {"OwnerId", "WhoId", "WhatId", "Subject", "Type", "TaskSubtype", "ActivityDate", "Status"},
    )
    org.define("Event", SYSTEM | {"OwnerId", "WhoId", "WhatId", "Subject", "Type", "StartDateTime"})

    for i, name in enumerate(["Ada Lovelace", "Grace Hopper", "Alan Turing"]):
        org.put(
            "User",
            {
                "Id": f"005{'ABC'[i]}",
                "Name": name,
                "IsActive": i < 2,
                "CreatedDate": _ts(1),
                "LastModifiedDate": _ts(1, 9 + i),
                "SystemModstamp": _ts(1, 9 + i),
            },
        )
    for i, letter in enumerate("ABCDE"):
        org.put(
            "Account",
            {
                "Id": f"001{letter}",
                "Name": f"Account, {letter}",
                "OwnerId": "005A",
                "NumberOfEmployees": 10 * (i + 1),
                "AnnualRevenue": 1500000.5,
                "IsDeleted": letter == "E",
                "CreatedDate": _ts(2),
                "LastModifiedDate": _ts(2, 10 + i),
                "SystemModstamp": _ts(2, 10 + i),
            },
        )
    for i, letter in enumerate("AB"):
        org.put(
            "Contact",
            {
                "Id": f"003{letter}",
                "AccountId": "001A",
                "LastName": f"Contact {letter}",
                "IsDeleted": False,
                "CreatedDate": _ts(3),
                "LastModifiedDate": _ts(3, 10 + i),
                "SystemModstamp": _ts(3, 10 + i),
            },
        )
    for i, letter in enumerate("AB"):
        org.put(
            "Lead",
            {
                "Id": f"00Q{letter}",
                "LastName": f"Lead {letter}",
                "Company": "Acme",
                "Status": "Open",
                "MQL_Date__c": "2024-01-05" if letter == "A" else None,
                "IsConverted": False,
                "IsDeleted": False,
                "CreatedDate": _ts(4),
                "LastModifiedDate": _ts(4, 10 + i),
                "SystemModstamp": _ts(4, 10 + i),
            },
        )
    stages = [
        ("Prospecting", 10, False, False),
        ("Negotiation", 60, False, False),
        ("Closed Won", 100, True, True),
        ("Closed Lost", 0, True, False),
    ]
    for i, (label, probability, closed, won) in enumerate(stages):
        org.put(
            "OpportunityStage",
            {
                "Id": f"01J{i}",
                "MasterLabel": label,
                "DefaultProbability": probability,
                "IsClosed": closed,
                "IsWon": won,
                "SortOrder": i + 1,
                "CreatedDate": _ts(1),
                "LastModifiedDate": _ts(1),
                "SystemModstamp": _ts(1),
            },
        )
    for i, letter in enumerate("ABCDE"):
        org.put(
            "Opportunity",
            {
                "Id": f"006{letter}",
                "AccountId": f"001{letter}",
                "OwnerId": "005A",
                "Name": f"Opp {letter}",
                "StageName": "Prospecting",
                "Amount": 1000.0 * (i + 1),
                "CloseDate": "2024-03-31",
                "IsDeleted": False,
                "CreatedDate": _ts(5),
                "LastModifiedDate": _ts(5, 10 + i),
                "SystemModstamp": _ts(5, 10 + i),
            },
        )
    for i, letter in enumerate("AAB"):
        org.put(
            "OpportunityHistory",
            {
                "Id": f"008{i}",
                "OpportunityId": f"006{letter}",
                "StageName": "Prospecting",
                "Amount": 1000.0,
                "IsDeleted": False,
                "CreatedDate": _ts(5, 10 + i),
                "SystemModstamp": _ts(5, 10 + i),
            },
        )
    org.put(
        "Campaign",
        {
            "Id": "701A",
            "Name": "Webinar",
            "IsDeleted": False,
            "CreatedDate": _ts(6),
            "LastModifiedDate": _ts(6),
            "SystemModstamp": _ts(6),
        },
    )
    for i, letter in enumerate("AB"):
        org.put(
            "Task",
            {
                "Id": f"00T{letter}",
                "OwnerId": "005A",
                "WhoId": "003A",
                "WhatId": "006A",
                "Subject": "Call\nwith notes",
                "TaskSubtype": "Call",
                "ActivityDate": "2024-01-07",
                "IsDeleted": False,
                "CreatedDate": _ts(7),
                "LastModifiedDate": _ts(7, 10 + i),
                "SystemModstamp": _ts(7, 10 + i),
            },
        )
    org.put(
        "Event",
        {
            "Id": "00UA",
            "OwnerId": "005B",
            "Subject": "Demo",
            "StartDateTime": _ts(8, 14),
            "IsDeleted": False,
            "CreatedDate": _ts(8),
            "LastModifiedDate": _ts(8),
            "SystemModstamp": _ts(8),
        },
    )


def change_for_run2(org: FakeSalesforce) -> None:
    """Run 2 must land exactly: Opportunity 006B (new amount), Account 001D (deleted) and Lead
    00QC (new). The queries start at each object's last SystemModstamp, so they return each
    object's last record of run 1 again (006E, 001E, 00QB): dlt recognises and drops them."""
    org.touch("Opportunity", "006B", "2024-02-01T08:00:00.000+0000", Amount=2500.0)
    org.delete("Account", "001D", "2024-02-01T09:00:00.000+0000")
    org.put(
        "Lead",
        {
            "Id": "00QC",
            "LastName": "Lead C",
            "Company": "Initech",
            "Status": "Open",
            "MQL_Date__c": "2024-02-01",
            "IsDeleted": False,
            "CreatedDate": "2024-02-01T10:00:00.000+0000",
            "LastModifiedDate": "2024-02-01T10:00:00.000+0000",
            "SystemModstamp": "2024-02-01T10:00:00.000+0000",
        },
    )


RUN2_COUNTS = {"Opportunity": 1, "Account": 1, "Lead": 1}
