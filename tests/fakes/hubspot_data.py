"""The HubSpot portal the connector tests start from, and the counts it must land.

Counts by hand (run 1, everything new):
- owners 101, 102 live, 103 archived                                    -> User 3
- one pipeline with 4 stages                                            -> OpportunityStage 4
- companies 201-205                                                     -> Account 5
- contacts 301-303 live, 304 archived                                   -> Contact 4 and Lead 4
- deals 401-405 live, 406 archived                                      -> Opportunity 6
- history: 401 changed at two instants (created, then won), 402-406 at one -> OpportunityHistory 7
- calls 501, 502 and e-mail 601                                         -> Task 3
- meeting 701                                                           -> Event 1
"""

from __future__ import annotations

from typing import Any

from tests.fakes.hubspot import FakeHubSpot

RUN1_COUNTS = {
    "User": 3,
    "OpportunityStage": 4,
    "Account": 5,
    "Contact": 4,
    "Lead": 4,
    "Opportunity": 6,
    "OpportunityHistory": 7,
    "Task": 3,
    "Event": 1,
}


def _stage(stage_id: str, label: str, order: int, probability: str, closed: bool) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
        "createdAt": "2023-12-01T00:00:00Z",
        "updatedAt": "2023-12-01T00:00:00Z",
        "archived": False,
    }


def _record(record_id: str, at: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "properties": properties,
        "createdAt": at,
        "updatedAt": at,
        "archived": False,
        **extra,
    }


def _deal(
    deal_id: str, at: str, stage: str, amount: str, close: str, company: str, owner: str
) -> dict[str, Any]:
    history = {
        "dealstage": [{"value": stage, "timestamp": at, "sourceType": "CRM_UI"}],
        "amount": [{"value": amount, "timestamp": at, "sourceType": "CRM_UI"}],
        "closedate": [{"value": close, "timestamp": at, "sourceType": "CRM_UI"}],
    }
    properties = {
        "dealname": f"Deal {deal_id}",
        "dealstage": stage,
        "amount": amount,
        "closedate": close,
        "hubspot_owner_id": owner,
        "pipeline": "default",
        "dealtype": "newbusiness",
        "deal_currency_code": "USD",
    }
    return _record(
        deal_id, at, properties, propertiesWithHistory=history, associations={"companies": [company]}
    )


def seed(fake: FakeHubSpot) -> None:
    fake.owners = {
        "101": {
            "id": "101",
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "createdAt": "2024-01-01T09:00:00Z",
            "updatedAt": "2024-01-01T09:00:00Z",
            "archived": False,
        },
        "102": {
            "id": "102",
            "email": "grace@example.com",
            "firstName": "Grace",
            "lastName": "Hopper",
            "createdAt": "2024-01-01T09:00:00Z",
            "updatedAt": "2024-01-02T09:00:00Z",
            "archived": False,
        },
        "103": {
            "id": "103",
            "email": "alan@example.com",
            "firstName": "Alan",
            "lastName": "Turing",
            "createdAt": "2024-01-01T09:00:00Z",
            "updatedAt": "2024-02-01T09:00:00Z",
            "archived": True,
        },
    }
    fake.pipelines = [
        {
            "id": "default",
            "label": "Sales Pipeline",
            "displayOrder": 0,
            "stages": [
                _stage("appointmentscheduled", "Appointment Scheduled", 0, "0.2", False),
                _stage("qualifiedtobuy", "Qualified To Buy", 1, "0.4", False),
                _stage("closedwon", "Closed Won", 2, "1.0", True),
                _stage("closedlost", "Closed Lost", 3, "0.0", True),
            ],
        }
    ]
    for n in range(1, 6):
        fake.add(
            "companies",
            _record(
                f"20{n}",
                f"2024-01-0{n}T10:00:00Z",
                {
                    "name": f"Company {n}",
                    "hubspot_owner_id": "101",
                    "lifecyclestage": "customer" if n == 1 else "lead",
                    "industry": "COMPUTER_SOFTWARE",
                    "numberofemployees": str(10 * n),
                    "country": "France",
                },
            ),
        )
    fake.add(
        "contacts",
        _record(
            "301",
            "2024-02-01T10:00:00Z",
            {
                "firstname": "Marie",
                "lastname": "Curie",
                "email": "marie@example.com",
                "company": "Company 1",
                "associatedcompanyid": "201",
                "hubspot_owner_id": "101",
                "lifecyclestage": "customer",
                "hs_lifecyclestage_marketingqualifiedlead_date": "2024-02-10T10:00:00.000Z",
                "hs_lifecyclestage_opportunity_date": "2024-03-01T12:00:00.000Z",
                "hs_analytics_source": "ORGANIC_SEARCH",
            },
            associations={"companies": ["201"], "deals": ["401"]},
        ),
    )
    fake.add(
        "contacts",
        _record(
            "302",
            "2024-02-02T10:00:00Z",
            {
                "firstname": "Pierre",
                "lastname": "Curie",
                "lifecyclestage": "lead",
                "hs_lead_status": "IN_PROGRESS",
            },
        ),
    )
    fake.add(
        "contacts",
        _record(
            "303",
            "2024-02-03T10:00:00Z",
            {
                "email": "nolastname@example.com",
                "lifecyclestage": "marketingqualifiedlead",
                "hs_lifecyclestage_marketingqualifiedlead_date": "2024-03-05T23:30:00.000Z",
            },
        ),
    )
    fake.add("contacts", _record("304", "2024-02-04T10:00:00Z", {"lastname": "Gone"}))
    fake.archive("contacts", "304", "2024-03-10T00:00:00Z")

    # 401 was created at appointment stage and won later: two history instants.
    won = _deal(
        "401", "2024-02-01T10:00:00Z", "appointmentscheduled", "1000", "2024-03-15T00:00:00Z", "201", "101"
    )
    fake.add("deals", won)
    fake.update("deals", "401", "2024-03-15T10:00:00Z", dealstage="closedwon")
    for n, stage in zip(
        range(2, 7),
        ["qualifiedtobuy", "appointmentscheduled", "closedlost", "qualifiedtobuy", "qualifiedtobuy"],
        strict=True,
    ):
        fake.add(
            "deals",
            _deal(
                f"40{n}",
                f"2024-02-0{n}T10:00:00Z",
                stage,
                f"{n}00",
                "2024-06-30T00:00:00Z",
                f"20{n - 1}",
                "102",
            ),
        )
    fake.archive("deals", "406", "2024-03-20T00:00:00Z")

    links = {"contacts": ["301"], "deals": ["401"]}
    fake.add(
        "calls",
        _record(
            "501",
            "2024-02-05T10:00:00Z",
            {
                "hs_timestamp": "2024-02-05T09:30:00Z",
                "hs_call_title": "Discovery",
                "hs_call_status": "COMPLETED",
                "hubspot_owner_id": "101",
            },
            associations=links,
        ),
    )
    fake.add(
        "calls",
        _record(
            "502",
            "2024-02-06T10:00:00Z",
            {
                "hs_timestamp": "2024-02-06T09:30:00Z",
                "hs_call_title": "Follow-up",
                "hs_call_status": "NO_ANSWER",
                "hubspot_owner_id": "102",
            },
            associations={"contacts": ["302"], "companies": ["202"]},
        ),
    )
    fake.add(
        "emails",
        _record(
            "601",
            "2024-02-07T10:00:00Z",
            {
                "hs_timestamp": "2024-02-07T09:30:00Z",
                "hs_email_subject": 'Proposal, "v2"',
                "hs_email_status": "SENT",
                "hubspot_owner_id": "101",
            },
            associations=links,
        ),
    )
    fake.add(
        "meetings",
        _record(
            "701",
            "2024-02-08T10:00:00Z",
            {
                "hs_timestamp": "2024-02-08T14:00:00Z",
                "hs_meeting_title": "Demo",
                "hs_meeting_start_time": "2024-02-08T14:00:00Z",
                "hs_meeting_outcome": "COMPLETED",
                "hubspot_owner_id": "101",
            },
            associations=links,
        ),
    )


def change_for_run2(fake: FakeHubSpot) -> None:
    """Run 2 must land exactly: Opportunity 402 (new amount) and 403 (archived), one
    OpportunityHistory row (402's amount change), Contact and Lead 305 (new)."""
    fake.update("deals", "402", "2024-04-01T08:00:00Z", amount="2500")
    fake.archive("deals", "403", "2024-04-01T09:00:00Z")
    fake.add(
        "contacts", _record("305", "2024-04-01T10:00:00Z", {"lastname": "New", "lifecyclestage": "lead"})
    )


RUN2_COUNTS = {"Opportunity": 2, "OpportunityHistory": 1, "Contact": 1, "Lead": 1}
