"""CRM exports: a full export, then incremental ones holding only the records changed since.

A record is in the export dated D if one of its events falls in (previous cut-off, end of D],
showing its state at the end of D with LastModifiedDate = its latest event until then. The full
export (the first) holds every record created by then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sources.contract import CRM_OBJECTS, LandingObject

from . import _vocab as V
from ._activities import WHAT_ACCOUNT, WHAT_DEAL, WHO_CONTACT, WHO_LEAD, Activities
from ._common import (
    CURRENCIES,
    DAY,
    NEVER,
    USD,
    IdFactory,
    LandingWriter,
    changed_rows,
    fmt_bool,
    fmt_date,
    fmt_datetime,
    fmt_int,
    fmt_number,
    object_frame,
    pick,
    pick_ids,
    zulu_rows,
)
from ._deals import Accounts, Deals, World
from ._lifecycle import DELETE, TRACKED, Lifecycle
from ._people import Contacts, Leads, contact_of_lead
from ._reference import AE, ROLE_PREFIX, ROLE_TITLES, Campaigns, Rates

OBJECTS: dict[str, LandingObject] = {o.name: o for o in CRM_OBJECTS}
# Builds an export's columns from (record indices, their latest event columns, their
# LastModifiedDate, the export's cut-off).
RowBuilder = Callable[[np.ndarray, np.ndarray, np.ndarray, int], dict[str, np.ndarray]]


@dataclass
class CrmOut:
    writer: LandingWriter
    w: World
    ids: IdFactory
    block: int

    def path(self, obj: str, export: int) -> str:
        return f"crm/{self.w.tl.export_dates[export].isoformat()}/{obj}.csv"

    def windows(self) -> list[tuple[int, int, int]]:
        cuts = self.w.tl.cuts
        return [(k, int(cuts[k - 1]) if k else -1, int(cuts[k])) for k in range(len(cuts))]

    def write_changes(
        self, obj: str, events: np.ndarray, build: RowBuilder, extras: tuple[str, ...] = ()
    ) -> None:
        """One file per export: the records changed in its window, in their state then."""
        for k, lo, hi in self.windows():
            rows, cols, modified = changed_rows(events, lo, hi)
            for part in _batches(len(rows)):
                data = build(rows[part], cols[part], modified[part], hi)
                self.writer.write(self.path(obj, k), object_frame(OBJECTS[obj], data, extras))

    def write_full(self, obj: str, data: dict[str, np.ndarray]) -> None:
        self.writer.write(self.path(obj, 0), object_frame(OBJECTS[obj], data))


def _batches(n: int, size: int = 100_000) -> list[slice]:
    """Slices covering range(n) (at least one, maybe empty, so every file gets a header)."""
    return [slice(i, i + size) for i in range(0, max(n, 1), size)]


def system_columns(
    ids: np.ndarray,
    rows: np.ndarray,
    created: np.ndarray,
    modified: np.ndarray,
    deleted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    zulu = zulu_rows(rows)
    stamp = fmt_datetime(modified, zulu)
    return {
        "Id": ids[rows].astype(object),
        "CreatedDate": fmt_datetime(created[rows], zulu),
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "IsDeleted": fmt_bool(np.zeros(len(rows), bool) if deleted is None else deleted),
    }


# --- chunk objects ----------------------------------------------------------------------------


def write_accounts(
    out: CrmOut,
    acc: Accounts,
    account_ids: np.ndarray,
    customer_at: np.ndarray,
    rng: np.random.Generator,
) -> None:
    n = len(acc)
    touch = np.where(rng.random(n) < 0.3, acc.created + rng.integers(DAY, 400 * DAY, n), NEVER)
    events = np.stack([acc.created, customer_at, touch], axis=1)
    staff = out.w.staff

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        customer = acc.legacy[rows] | (customer_at[rows] <= cut)
        return system_columns(account_ids, rows, acc.created, modified) | {
            "Name": acc.name[rows],
            "OwnerId": staff.ids[acc.owner[rows]].astype(object),
            "Type": np.where(customer, "Customer", "Prospect").astype(object),
            "Industry": pick(V.INDUSTRIES, acc.industry[rows]),
            "NumberOfEmployees": fmt_int(acc.employees[rows]),
            "AnnualRevenue": fmt_number(acc.revenue[rows], 0),
            "BillingCountry": pick([c[0] for c in V.COUNTRIES], acc.country[rows]),
            "BillingState": acc.state[rows],
            "ParentId": pick_ids(account_ids, acc.parent[rows]),
        }

    out.write_changes("Account", events, build)


def write_account_territories(
    out: CrmOut, acc: Accounts, account_ids: np.ndarray, rng: np.random.Generator
) -> None:
    """Most accounts in their country's territory, a few also in their region, some in none."""
    n = len(acc)
    assigned = np.flatnonzero(rng.random(n) >= 0.08)
    dual = assigned[rng.random(len(assigned)) < 0.03]
    account = np.concatenate([assigned, dual])
    region = np.array([V.TERRITORIES[t][2] for t in acc.territory[dual]], dtype="int64")
    territory = np.concatenate([acc.territory[assigned], region])
    created = acc.created[account] + rng.integers(60, 3600, len(account))
    assoc_ids = out.ids.make("0R1", np.arange(len(account)), out.block)
    territory_ids = out.ids.make("0MI", np.arange(len(V.TERRITORIES)))

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        return system_columns(assoc_ids, rows, created, modified) | {
            "ObjectId": account_ids[account[rows]].astype(object),
            "Territory2Id": territory_ids[territory[rows]].astype(object),
        }

    out.write_changes("ObjectTerritory2Association", created, build)


def write_contacts(
    out: CrmOut,
    contacts: Contacts,
    contact_ids: np.ndarray,
    account_ids: np.ndarray,
    rng: np.random.Generator,
) -> None:
    n = len(contacts)
    touch = np.where(rng.random(n) < 0.15, contacts.created + rng.integers(DAY, 300 * DAY, n), NEVER)
    serial = np.arange(n) % 997
    email = V.emails(contacts.first, contacts.last, serial, "example.com")
    phone = V.phones(rng, n)
    staff = out.w.staff

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        return system_columns(contact_ids, rows, contacts.created, modified) | {
            "AccountId": pick_ids(account_ids, contacts.account[rows]),
            "FirstName": contacts.first[rows],
            "LastName": contacts.last[rows],
            "Email": email[rows],
            "Phone": phone[rows],
            "Title": pick(V.TITLES, contacts.title[rows]),
            "LeadSource": pick(V.SOURCE_NAMES, contacts.source[rows]),
            "OwnerId": staff.ids[contacts.owner[rows]].astype(object),
        }

    out.write_changes("Contact", np.stack([contacts.created, touch], axis=1), build)


def write_leads(
    out: CrmOut,
    leads: Leads,
    lead_ids: np.ndarray,
    contacts: Contacts,
    contact_ids: np.ndarray,
    account_ids: np.ndarray,
    deal_ids: np.ndarray,
    rng: np.random.Generator,
) -> None:
    n = len(leads)
    serial = np.arange(n) % 997
    email = V.emails(leads.first, leads.last, serial, "example.com")
    phone = np.where(rng.random(n) < 0.7, V.phones(rng, n), "").astype(object)
    contact = contact_of_lead(contacts, leads)
    staff = out.w.staff

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        converted = leads.converted[rows] <= cut
        closed = leads.closed[rows] <= cut
        worked = leads.contacted[rows] <= cut
        status = np.where(converted, 2, np.where(closed, 3, np.where(worked, 1, 0)))
        mql = leads.mql[rows] <= cut
        return system_columns(lead_ids, rows, leads.created, modified, leads.deleted[rows] <= cut) | {
            "FirstName": leads.first[rows],
            "LastName": leads.last[rows],
            "Company": leads.company[rows],
            "Email": email[rows],
            "Phone": phone[rows],
            "Status": pick(V.LEAD_STATUSES, status),
            "LeadSource": pick(V.SOURCE_NAMES, leads.source[rows]),
            "Industry": pick(V.INDUSTRIES, leads.industry[rows]),
            "Country": pick([c[0] for c in V.COUNTRIES], leads.country[rows]),
            "OwnerId": staff.ids[leads.owner[rows]].astype(object),
            "IsConverted": fmt_bool(converted),
            "ConvertedDate": fmt_date(leads.converted[rows] // DAY, ~converted),
            "ConvertedAccountId": pick_ids(account_ids, np.where(converted, leads.account[rows], -1)),
            "ConvertedContactId": pick_ids(contact_ids, np.where(converted, contact[rows], -1)),
            "ConvertedOpportunityId": pick_ids(deal_ids, np.where(converted, leads.deal[rows], -1)),
            "MQL_Date__c": fmt_date(leads.mql[rows] // DAY, ~mql),
        }

    out.write_changes("Lead", leads.events, build)


def write_opportunities(
    out: CrmOut,
    deals: Deals,
    lc: Lifecycle,
    deal_ids: np.ndarray,
    account_ids: np.ndarray,
    names: np.ndarray,
    rng: np.random.Generator,
) -> None:
    staff, campaigns = out.w.staff, out.w.campaigns
    # Some USD deals leave the currency empty (= the reporting currency).
    blank_currency = (deals.currency == USD) & (rng.random(len(deals)) < 0.3)

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        stage = lc.stage[rows, cols]
        probability = lc.probability[rows, cols]
        flags_blank = lc.blank_flags[rows]
        term = deals.term[rows]
        return system_columns(deal_ids, rows, deals.created, modified, lc.kind[rows, cols] == DELETE) | {
            "AccountId": pick_ids(account_ids, deals.account[rows]),
            "OwnerId": staff.ids[deals.owner[rows]].astype(object),
            "Name": names[rows],
            "StageName": pick(V.STAGE_NAMES, stage),
            "Amount": fmt_number(lc.amount[rows, cols]),
            "CurrencyIsoCode": pick(CURRENCIES, np.where(blank_currency[rows], -1, deals.currency[rows])),
            "Probability": fmt_int(probability, probability < 0),
            "ForecastCategoryName": pick(V.FORECAST_CATEGORIES, V.STAGE_FORECAST[stage]),
            "CloseDate": fmt_date(lc.close[rows, cols]),
            "IsClosed": fmt_bool(V.STAGE_CLOSED[stage], flags_blank),
            "IsWon": fmt_bool(V.STAGE_WON[stage], flags_blank),
            "Type": pick(V.OPPORTUNITY_TYPES, deals.type[rows]),
            "LeadSource": pick(V.SOURCE_NAMES, deals.source[rows]),
            "CampaignId": pick_ids(campaigns.ids, deals.campaign[rows]),
            "Contract_Term_Months__c": fmt_int(term, term == 0),
        }

    out.write_changes("Opportunity", lc.ts, build)


def write_history(out: CrmOut, lc: Lifecycle, deal_ids: np.ndarray) -> None:
    """OpportunityHistory: one row per tracked event, CreatedDate = when it happened; never
    modified, so no LastModifiedDate (SystemModstamp = CreatedDate, as Salesforce has it).
    Ids follow time, like Salesforce's."""
    tracked = np.isin(lc.kind, TRACKED) & (lc.ts <= out.w.tl.as_of_sec)
    deal, col = np.nonzero(tracked)
    order = np.argsort(lc.ts[deal, col], kind="stable")
    deal, col = deal[order], col[order]
    ts = lc.ts[deal, col]
    history_ids = out.ids.make("008", np.arange(len(deal)), out.block)
    for k, lo, hi in out.windows():
        window = np.flatnonzero((ts > lo) & (ts <= hi))
        for part in _batches(len(window)):
            r = window[part]
            d, c = deal[r], col[r]
            zulu = zulu_rows(r)
            stage, probability = lc.stage[d, c], lc.probability[d, c]
            data = {
                "Id": history_ids[r].astype(object),
                "CreatedDate": fmt_datetime(ts[r], zulu),
                "SystemModstamp": fmt_datetime(ts[r], zulu),
                "IsDeleted": fmt_bool(np.zeros(len(r), bool)),
                "OpportunityId": deal_ids[d].astype(object),
                "StageName": pick(V.STAGE_NAMES, stage),
                "Amount": fmt_number(lc.amount[d, c]),
                "Probability": fmt_int(probability, probability < 0),
                "CloseDate": fmt_date(lc.close[d, c]),
                "ForecastCategory": pick(V.FORECAST_CATEGORIES, V.STAGE_FORECAST[stage]),
            }
            out.writer.write(
                out.path("OpportunityHistory", k), object_frame(OBJECTS["OpportunityHistory"], data)
            )


def write_activities(
    out: CrmOut,
    obj: str,
    acts: Activities,
    act_ids: np.ndarray,
    who_ids: dict[int, np.ndarray],
    what_ids: dict[int, np.ndarray],
) -> None:
    """Tasks or Events: immutable once logged (LastModifiedDate = CreatedDate)."""
    staff = out.w.staff
    is_task = obj == "Task"
    as_of_day = out.w.tl.as_of_sec // DAY

    def link(kinds: np.ndarray, index: np.ndarray, table: dict[int, np.ndarray]) -> np.ndarray:
        result = np.full(len(kinds), "", dtype=object)
        for kind, ids in table.items():
            here = kinds == kind
            result[here] = ids[index[here]]
        return result

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        data = system_columns(act_ids, rows, acts.created, modified) | {
            "OwnerId": staff.ids[acts.owner[rows]].astype(object),
            "WhoId": link(acts.who_kind[rows], acts.who[rows], who_ids),
            "WhatId": link(acts.what_kind[rows], acts.what[rows], what_ids),
            "Subject": acts.subject[rows],
        }
        if is_task:
            done = acts.done[rows] | (acts.when[rows] // DAY <= as_of_day)
            data |= {
                "Type": pick(("Call", "Email", "Other"), acts.type[rows]),
                "TaskSubtype": pick(("Call", "Email", "Task"), acts.type[rows]),
                "ActivityDate": fmt_date(acts.when[rows] // DAY),
                "Status": np.where(done, "Completed", "Not Started").astype(object),
                "Description": acts.note[rows],
            }
        else:
            data |= {
                "Type": np.full(len(rows), "Meeting", dtype=object),
                "TaskSubtype": np.full(len(rows), "Event", dtype=object),
                "StartDateTime": fmt_datetime(acts.when[rows], zulu_rows(rows)),
            }
        return data

    extras = ("Description",) if is_task else ()
    out.write_changes(obj, acts.created, build, extras)


def activity_links(
    lead_ids: np.ndarray, contact_ids: np.ndarray, account_ids: np.ndarray, deal_ids: np.ndarray
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    return (
        {WHO_LEAD: lead_ids, WHO_CONTACT: contact_ids},
        {WHAT_ACCOUNT: account_ids, WHAT_DEAL: deal_ids},
    )


# --- org-wide objects -------------------------------------------------------------------------


def write_users(out: CrmOut) -> None:
    staff = out.w.staff
    n = len(staff.ids)
    title = np.array(ROLE_TITLES, dtype=object)[staff.role]
    title = np.where((staff.role == AE) & staff.senior, "Senior Account Executive", title)
    role_ids = out.ids.make(ROLE_PREFIX, np.arange(len(ROLE_TITLES)))
    email = V.emails(staff.first, staff.last, np.arange(n), "example.com")
    events = np.stack([staff.hire, staff.leave], axis=1)

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        return system_columns(staff.ids, rows, staff.hire, modified) | {
            "Name": staff.first[rows] + " " + staff.last[rows],
            "Email": email[rows],
            "IsActive": fmt_bool(staff.leave[rows] > cut),
            "ManagerId": pick_ids(staff.ids, staff.manager[rows]),
            "Title": title[rows],
            "UserRoleId": role_ids[staff.role[rows]].astype(object),
        }

    out.write_changes("User", events, build)


def write_territories(out: CrmOut, rng: np.random.Generator) -> None:
    staff = out.w.staff
    n = len(V.TERRITORIES)
    territory_ids = out.ids.make("0MI", np.arange(n))
    type_ids = out.ids.make("0M5", np.arange(2))
    created = np.full(n, out.w.tl.start_sec - 400 * DAY)
    rows = np.arange(n)
    parent = np.array([t[2] for t in V.TERRITORIES])
    out.write_full(
        "Territory2",
        system_columns(territory_ids, rows, created, created)
        | {
            "Name": np.array([t[0] for t in V.TERRITORIES], dtype=object),
            "ParentTerritory2Id": pick_ids(territory_ids, parent),
            "Territory2TypeId": type_ids[[t[3] for t in V.TERRITORIES]].astype(object),
            "DeveloperName": np.array([t[1] for t in V.TERRITORIES], dtype=object),
        },
    )

    # AEs in their territory (a few also cover a second one, a couple none); managers in
    # their region. Created when the user was hired.
    users = np.flatnonzero(staff.territory >= 0)
    uncovered = users[(staff.role[users] == AE) & (rng.random(len(users)) < 0.05)]
    uncovered = uncovered[staff.replacement[uncovered] != uncovered]
    users = np.setdiff1d(users, uncovered)
    second = users[(staff.role[users] == AE) & (rng.random(len(users)) < 0.06)]
    leaves = V.LEAF_TERRITORIES
    shift = rng.integers(1, len(leaves), len(second))
    other = leaves[(np.searchsorted(leaves, staff.territory[second]) + shift) % len(leaves)]
    user = np.concatenate([users, second])
    territory = np.concatenate([staff.territory[users], other])
    role = np.where(staff.role[user] == AE, "Account Executive", "Regional Sales Manager")
    created = staff.hire[user] + 3600
    assoc_ids = out.ids.make("0R0", np.arange(len(user)))

    def build(rows: np.ndarray, cols: np.ndarray, modified: np.ndarray, cut: int) -> dict:
        return system_columns(assoc_ids, rows, created, modified) | {
            "UserId": staff.ids[user[rows]].astype(object),
            "Territory2Id": territory_ids[territory[rows]].astype(object),
            "RoleInTerritory2": role[rows].astype(object),
        }

    out.write_changes("UserTerritory2Association", created, build)


def write_stages(out: CrmOut) -> None:
    n = len(V.STAGES)
    created = np.full(n, out.w.tl.start_sec - 900 * DAY)
    rows = np.arange(n)
    data = system_columns(out.ids.make("01J", rows), rows, created, created) | {
        "MasterLabel": np.array(V.STAGE_NAMES, dtype=object),
        "DefaultProbability": fmt_int(V.STAGE_PROBABILITY),
        "IsClosed": fmt_bool(V.STAGE_CLOSED),
        "IsWon": fmt_bool(V.STAGE_WON),
        "SortOrder": fmt_int(rows + 1),
        "ForecastCategoryName": pick(V.FORECAST_CATEGORIES, V.STAGE_FORECAST),
    }
    out.write_full("OpportunityStage", data)


def write_rates(out: CrmOut, rates: Rates) -> None:
    """Monthly ranges per currency, USD (the corporate currency) at 1.0."""
    months = rates.first_month + np.arange(rates.n_months)
    currency = np.repeat(np.arange(len(CURRENCIES)), rates.n_months)
    month = np.tile(months, len(CURRENCIES))
    start = month.astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    following = (month + 1).astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    entered = np.minimum(start * DAY, int(out.w.tl.cuts[0]) - DAY) + 9 * 3600
    rows = np.arange(len(month))
    data = system_columns(out.ids.make("04w", rows), rows, entered, entered) | {
        "IsoCode": pick(CURRENCIES, currency),
        "ConversionRate": fmt_number(rates.table.ravel(), 6),
        "StartDate": fmt_date(start),
        "NextStartDate": fmt_date(following),
    }
    out.write_full("DatedConversionRate", data)


def write_campaigns(out: CrmOut, camp: Campaigns, actual_usd: np.ndarray, rng: np.random.Generator) -> None:
    n = len(camp.ids)
    as_of_day = out.w.tl.as_of_sec // DAY
    parent_row = camp.parent < 0
    held = camp.end <= as_of_day
    cost = np.where(camp.platform >= 0, np.round(actual_usd, 2), np.where(held, camp.planned_cost, np.nan))
    cost[parent_row] = np.nan
    budget = np.round(
        np.where(camp.platform >= 0, actual_usd, camp.planned_cost) * rng.uniform(0.9, 1.2, n), -2
    )
    budget[parent_row] = np.nan
    status = np.where(
        camp.end < as_of_day, "Completed", np.where(camp.start > as_of_day, "Planned", "In Progress")
    )
    status[parent_row] = "In Progress"
    created = np.minimum(camp.start - 30, as_of_day - 1) * DAY + 10 * 3600
    created[parent_row] = out.w.tl.start_sec - 300 * DAY
    rows = np.arange(n)
    data = system_columns(camp.ids, rows, created, created) | {
        "Name": camp.names,
        "Type": camp.type,
        "Status": status.astype(object),
        "StartDate": fmt_date(camp.start, parent_row),
        "EndDate": fmt_date(camp.end, parent_row),
        "ActualCost": fmt_number(cost),
        "BudgetedCost": fmt_number(budget),
        "ParentId": pick_ids(camp.ids, camp.parent),
    }
    out.write_full("Campaign", data)
