"""HubSpot CRM v3 records -> contract rows (Salesforce API field names). Pure functions.

docs/connectors/hubspot.md documents every field; the rules that need a decision are commented
here where they are made.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sources.connectors import values as v

Row = dict[str, str | None]
Record = dict[str, Any]

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "closedate",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "deal_currency_code",
    "hs_deal_stage_probability",
    "dealtype",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_analytics_source",
    "hs_manual_forecast_category",
    "contract_term_months",  # a custom property, where the portal has one
)
# Properties whose every change becomes an OpportunityHistory row.
DEAL_HISTORY_PROPERTIES = ("dealstage", "amount", "closedate")
COMPANY_PROPERTIES = (
    "name",
    "hubspot_owner_id",
    "lifecyclestage",
    "industry",
    "numberofemployees",
    "annualrevenue",
    "country",
    "state",
    "hs_parent_company_id",
)
CONTACT_PROPERTIES = (
    "firstname",
    "lastname",
    "email",
    "phone",
    "jobtitle",
    "company",
    "associatedcompanyid",
    "hubspot_owner_id",
    "lifecyclestage",
    "hs_lead_status",
    "hs_analytics_source",
    "industry",
    "country",
    "hs_lifecyclestage_marketingqualifiedlead_date",
    "hs_lifecyclestage_salesqualifiedlead_date",
    "hs_lifecyclestage_opportunity_date",
    "hs_lifecyclestage_customer_date",
)
CALL_PROPERTIES = ("hs_timestamp", "hs_call_title", "hs_call_status", "hubspot_owner_id")
EMAIL_PROPERTIES = ("hs_timestamp", "hs_email_subject", "hs_email_status", "hubspot_owner_id")
MEETING_PROPERTIES = (
    "hs_timestamp",
    "hs_meeting_title",
    "hs_meeting_start_time",
    "hs_meeting_outcome",
    "hubspot_owner_id",
)

_DEAL_TYPES = {"newbusiness": "New Business", "existingbusiness": "Existing Business"}
_CUSTOMER_STAGES = {"customer", "evangelist"}
_CONVERTED_STAGES = {"opportunity", "customer", "evangelist"}


@dataclass(frozen=True)
class Stage:
    """A deal stage of a pipeline (GET /crm/v3/pipelines/deals)."""

    id: str
    label: str
    probability: str | None  # 0-1, as HubSpot gives it
    is_closed: bool
    display_order: int

    @property
    def is_won(self) -> bool:
        # HubSpot has no won flag: its closed-won stages are the closed ones at probability 1.
        return self.is_closed and self.probability is not None and float(self.probability) == 1.0

    @property
    def forecast_category(self) -> str:
        if self.is_won:
            return "Closed"
        return "Omitted" if self.is_closed else "Pipeline"


def stage_of(raw: Record) -> Stage:
    """A stage as listed in a pipeline's `stages`."""
    metadata = raw.get("metadata") or {}
    return Stage(
        id=str(raw["id"]),
        label=str(raw.get("label") or raw["id"]),
        probability=metadata.get("probability"),
        is_closed=str(metadata.get("isClosed", "false")).lower() == "true",
        display_order=int(raw.get("displayOrder") or 0),
    )


def record_cursor(record: Record) -> str:
    """The modification time of a record for the incremental cursor: an archived record's
    archive time (later than its last update), else its last update."""
    p = record.get("properties") or {}
    modified = record.get("updatedAt") or p.get("hs_lastmodifieddate") or p.get("lastmodifieddate")
    return v.cursor_value(record.get("archivedAt") or modified or record.get("createdAt"), field="updatedAt")


def _system(record: Record) -> Row:
    archived = bool(record.get("archived"))
    return {
        "Id": str(record["id"]),
        "CreatedDate": v.landing_datetime(record.get("createdAt"), field="createdAt"),
        # An archived record's row must win over its earlier rows: it is stamped with the archive time.
        "LastModifiedDate": v.landing_datetime(
            record.get("archivedAt") if archived and record.get("archivedAt") else record.get("updatedAt"),
            field="updatedAt",
        ),
        "IsDeleted": "true" if archived else "false",
    }


def _props(record: Record) -> dict[str, Any]:
    return record.get("properties") or {}


def _first_association(record: Record, *object_types: str) -> str | None:
    """The first associated record id of the first type that has one (v3 `associations`)."""
    associations = record.get("associations") or {}
    for object_type in object_types:
        results = (associations.get(object_type) or {}).get("results") or []
        if results:
            return str(results[0]["id"])
    return None


def _label(code: str | None) -> str | None:
    """HubSpot enumeration codes (ORGANIC_SEARCH, newbusiness) as readable labels."""
    if not code:
        return None
    return code.replace("_", " ").title()


def owner_to_user(record: Record) -> Row:
    first, last = record.get("firstName") or "", record.get("lastName") or ""
    return {
        "Id": str(record["id"]),
        "CreatedDate": v.landing_datetime(record.get("createdAt"), field="createdAt"),
        "LastModifiedDate": v.landing_datetime(record.get("updatedAt"), field="updatedAt"),
        # An archived owner is a deactivated user who still owns deals: inactive, not deleted.
        "IsDeleted": "false",
        "Name": f"{first} {last}".strip() or record.get("email"),
        "Email": record.get("email"),
        "IsActive": "false" if record.get("archived") else "true",
    }


def stage_to_opportunity_stage(raw: Record) -> Row:
    stage = stage_of(raw)
    return {
        "Id": stage.id,
        "CreatedDate": v.landing_datetime(raw.get("createdAt"), field="createdAt"),
        "LastModifiedDate": v.landing_datetime(raw.get("updatedAt"), field="updatedAt"),
        "IsDeleted": "true" if raw.get("archived") else "false",
        "MasterLabel": stage.label,
        "DefaultProbability": v.percent(stage.probability, field="metadata.probability"),
        "IsClosed": v.text(stage.is_closed),
        "IsWon": v.text(stage.is_won),
        "SortOrder": str(stage.display_order),
        "ForecastCategoryName": stage.forecast_category,
    }


def company_to_account(record: Record) -> Row:
    p = _props(record)
    lifecycle = (p.get("lifecyclestage") or "").lower()
    return {
        **_system(record),
        "Name": p.get("name"),
        "OwnerId": p.get("hubspot_owner_id"),
        "Type": "Customer" if lifecycle in _CUSTOMER_STAGES else "Prospect",
        "Industry": _label(p.get("industry")),
        "NumberOfEmployees": p.get("numberofemployees"),
        "AnnualRevenue": p.get("annualrevenue"),
        "BillingCountry": p.get("country"),
        "BillingState": p.get("state"),
        "ParentId": p.get("hs_parent_company_id"),
    }


def contact_to_contact(record: Record) -> Row:
    p = _props(record)
    return {
        **_system(record),
        "AccountId": p.get("associatedcompanyid") or _first_association(record, "companies"),
        "FirstName": p.get("firstname"),
        # Salesforce requires a last name; HubSpot does not. The e-mail stands in when it is missing.
        "LastName": p.get("lastname") or p.get("email"),
        "Email": p.get("email"),
        "Phone": p.get("phone"),
        "Title": p.get("jobtitle"),
        "LeadSource": _label(p.get("hs_analytics_source")),
        "OwnerId": p.get("hubspot_owner_id"),
    }


def _lead_status(lifecycle: str, lead_status: str, converted: bool) -> str:
    if converted:
        return "Closed - Converted"
    if lead_status == "UNQUALIFIED":
        return "Closed - Not Converted"
    if lifecycle in ("marketingqualifiedlead", "salesqualifiedlead") or lead_status in (
        "IN_PROGRESS",
        "ATTEMPTED_TO_CONTACT",
        "CONNECTED",
        "OPEN_DEAL",
    ):
        return "Working - Contacted"
    return "Open - Not Contacted"


def contact_to_lead(record: Record, timezone: str) -> Row:
    """Every contact is also a lead: HubSpot keeps one person record through the funnel where
    Salesforce converts a Lead into a Contact. The lead is converted once the contact reached
    lifecycle stage opportunity (or later); it was qualified (MQL_Date__c) when it became a
    marketing-qualified lead."""
    p = _props(record)
    lifecycle = (p.get("lifecyclestage") or "").lower()
    converted_at = p.get("hs_lifecyclestage_opportunity_date") or p.get("hs_lifecyclestage_customer_date")
    converted = bool(converted_at) or lifecycle in _CONVERTED_STAGES
    account = p.get("associatedcompanyid") or _first_association(record, "companies")
    return {
        **_system(record),
        "FirstName": p.get("firstname"),
        "LastName": p.get("lastname") or p.get("email"),
        # Salesforce's own placeholder for a lead without a company (Web-to-Lead).
        "Company": p.get("company") or "[not provided]",
        "Email": p.get("email"),
        "Phone": p.get("phone"),
        "Status": _lead_status(lifecycle, (p.get("hs_lead_status") or "").upper(), converted),
        "LeadSource": _label(p.get("hs_analytics_source")),
        "Industry": _label(p.get("industry")),
        "Country": p.get("country"),
        "OwnerId": p.get("hubspot_owner_id"),
        "IsConverted": v.text(converted),
        "ConvertedDate": v.landing_date(converted_at, timezone, field="hs_lifecyclestage_opportunity_date")
        if converted
        else None,
        "ConvertedAccountId": account if converted else None,
        "ConvertedContactId": str(record["id"]) if converted else None,
        "ConvertedOpportunityId": _first_association(record, "deals") if converted else None,
        "MQL_Date__c": v.landing_date(
            p.get("hs_lifecyclestage_marketingqualifiedlead_date"),
            timezone,
            field="hs_lifecyclestage_marketingqualifiedlead_date",
        ),
    }


def deal_to_opportunity(record: Record, stages: dict[str, Stage], timezone: str) -> Row:
    p = _props(record)
    stage = stages.get(p.get("dealstage") or "")
    probability = p.get("hs_deal_stage_probability")
    if probability in (None, "") and stage is not None:
        probability = stage.probability
    is_closed = v.boolean(p.get("hs_is_closed"), field="hs_is_closed")
    is_won = v.boolean(p.get("hs_is_closed_won"), field="hs_is_closed_won")
    deal_type = p.get("dealtype")
    return {
        **_system(record),
        "AccountId": _first_association(record, "companies"),
        "OwnerId": p.get("hubspot_owner_id"),
        "Name": p.get("dealname"),
        # A stage id the pipelines do not list is kept as is: the warehouse reports unknown stages.
        "StageName": stage.label if stage else p.get("dealstage"),
        "Amount": p.get("amount"),
        "CurrencyIsoCode": p.get("deal_currency_code"),
        "Probability": v.percent(probability, field="hs_deal_stage_probability"),
        "ForecastCategoryName": _label(p.get("hs_manual_forecast_category")),
        "CloseDate": v.landing_date(p.get("closedate"), timezone, field="closedate"),
        "IsClosed": is_closed if is_closed is not None else (v.text(stage.is_closed) if stage else None),
        "IsWon": is_won if is_won is not None else (v.text(stage.is_won) if stage else None),
        "Type": _DEAL_TYPES.get(deal_type or "", deal_type),
        "LeadSource": _label(p.get("hs_analytics_source")),
        "Contract_Term_Months__c": p.get("contract_term_months"),
    }


def deal_history(record: Record, stages: dict[str, Stage], timezone: str, since: str) -> Iterator[Row]:
    """OpportunityHistory rows from `propertiesWithHistory`: one row per instant at which the
    stage, amount or close date changed, holding all three as they stood then (Salesforce's
    snapshot form). Only changes after `since` (the cursor the run started from) are new; earlier
    ones were landed by an earlier run. Ids are `<deal id>-<epoch ms of the change>`, stable
    across runs."""
    history = record.get("propertiesWithHistory") or {}
    changes: list[tuple[str, str, str | None]] = []  # (cursor form, property, value)
    for prop in DEAL_HISTORY_PROPERTIES:
        for entry in history.get(prop) or []:
            changes.append(
                (
                    v.cursor_value(entry["timestamp"], field=f"propertiesWithHistory.{prop}.timestamp"),
                    prop,
                    entry.get("value"),
                )
            )
    changes.sort(key=lambda c: c[0])
    current: dict[str, str | None] = {}
    instants: list[tuple[str, dict[str, str | None]]] = []
    for instant, prop, value in changes:
        current[prop] = value
        if instants and instants[-1][0] == instant:
            instants[-1] = (instant, dict(current))
        else:
            instants.append((instant, dict(current)))
    deal_id = str(record["id"])
    for instant, state in instants:
        if instant <= since or not state.get("dealstage"):
            continue
        stage = stages.get(state["dealstage"] or "")
        when = v.parse_instant(instant)
        assert when is not None
        yield {
            "Id": f"{deal_id}-{int(when.timestamp() * 1000)}",
            "CreatedDate": v.landing_datetime(instant),
            "IsDeleted": "false",
            "OpportunityId": deal_id,
            "StageName": stage.label if stage else state["dealstage"],
            "Amount": state.get("amount"),
            "Probability": v.percent(stage.probability, field="metadata.probability") if stage else None,
            "CloseDate": v.landing_date(state.get("closedate"), timezone, field="closedate"),
            "ForecastCategory": stage.forecast_category if stage else None,
        }


def _activity(record: Record) -> Row:
    p = _props(record)
    return {
        **_system(record),
        "OwnerId": p.get("hubspot_owner_id"),
        "WhoId": _first_association(record, "contacts"),
        "WhatId": _first_association(record, "deals", "companies"),
    }


def call_to_task(record: Record, timezone: str) -> Row:
    p = _props(record)
    return {
        **_activity(record),
        "Subject": p.get("hs_call_title"),
        "Type": "Call",
        "TaskSubtype": "Call",
        "ActivityDate": v.landing_date(p.get("hs_timestamp"), timezone, field="hs_timestamp"),
        "Status": _label(p.get("hs_call_status")),
    }


def email_to_task(record: Record, timezone: str) -> Row:
    p = _props(record)
    return {
        **_activity(record),
        "Subject": p.get("hs_email_subject"),
        "Type": "Email",
        "TaskSubtype": "Email",
        "ActivityDate": v.landing_date(p.get("hs_timestamp"), timezone, field="hs_timestamp"),
        "Status": _label(p.get("hs_email_status")),
    }


def meeting_to_event(record: Record) -> Row:
    p = _props(record)
    return {
        **_activity(record),
        "Subject": p.get("hs_meeting_title"),
        "Type": "Meeting",
        "StartDateTime": v.landing_datetime(
            p.get("hs_meeting_start_time") or p.get("hs_timestamp"), field="hs_meeting_start_time"
        ),
        "Status": _label(p.get("hs_meeting_outcome")),
    }
