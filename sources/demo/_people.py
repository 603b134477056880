"""Leads and contacts of one chunk.

Leads that convert are tied to the deals they created (ConvertedOpportunityId) and to a new
contact on the deal's account; a tenth convert into an existing account without a deal; the rest
are worked, marketing-qualified or closed without converting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import _vocab as V
from ._common import DAY, NEVER
from ._deals import Accounts, Deals, World, office_hours


@dataclass
class Leads:
    first: np.ndarray
    last: np.ndarray
    company: np.ndarray
    source: np.ndarray
    country: np.ndarray
    industry: np.ndarray
    owner: np.ndarray
    created: np.ndarray
    contacted: np.ndarray  # NEVER: not (yet) contacted
    mql: np.ndarray  # NEVER: never marketing-qualified
    converted: np.ndarray  # NEVER: not converted
    closed: np.ndarray  # closed without converting; NEVER: not
    deleted: np.ndarray
    account: np.ndarray  # converted account, -1
    deal: np.ndarray  # converted opportunity, -1

    def __len__(self) -> int:
        return len(self.created)

    def take(self, index: np.ndarray) -> Leads:
        return Leads(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Leads]) -> Leads:
        return Leads(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Leads)})

    @property
    def events(self) -> np.ndarray:
        return np.stack(
            [self.created, self.contacted, self.mql, self.converted, self.closed, self.deleted],
            axis=1,
        )


def make_leads(rng: np.random.Generator, total: int, deals: Deals, acc: Accounts, w: World) -> Leads:
    """Converted leads of the deals, conversions without a deal, then the unconverted rest;
    sorted by creation time."""
    with_deal = _leads_of_deals(rng, deals, acc, w)
    without_deal = _conversions_without_deal(rng, max(1, len(with_deal) // 10), acc, w)
    rest = _unconverted(rng, max(0, total - len(with_deal) - len(without_deal)), w)
    leads = Leads.concat([with_deal, without_deal, rest])
    return leads.take(np.argsort(leads.created, kind="stable"))


def _blank(rng: np.random.Generator, n: int, created: np.ndarray, w: World) -> Leads:
    first, last = V.person_names(rng, n)
    never = np.full(n, NEVER, dtype="int64")
    return Leads(
        first=first,
        last=last,
        company=V.company_names(rng, n),
        source=rng.choice(len(V.LEAD_SOURCES), n, p=V.SOURCE_SHARE),
        country=rng.choice(len(V.COUNTRIES), n, p=V.COUNTRY_WEIGHTS),
        industry=rng.integers(0, len(V.INDUSTRIES), n),
        owner=rng.choice(w.staff.sdr, n),
        created=created,
        contacted=never.copy(),
        mql=never.copy(),
        converted=never.copy(),
        closed=never.copy(),
        deleted=never.copy(),
        account=np.full(n, -1),
        deal=np.full(n, -1),
    )


def _leads_of_deals(rng: np.random.Generator, deals: Deals, acc: Accounts, w: World) -> Leads:
    index = np.flatnonzero(deals.from_lead)
    n = len(index)
    converted = deals.created[index]
    floor = np.minimum(w.tl.start_sec + office_hours(rng, n), converted - 3600)
    created = np.maximum(converted - rng.integers(2 * DAY, 60 * DAY, n), floor)
    leads = _blank(rng, n, created, w)
    leads.source = np.maximum(deals.source[index], 0)
    leads.account, leads.deal = deals.account[index], index
    leads.company = acc.name[leads.account]
    leads.country = acc.country[leads.account]
    leads.industry = acc.industry[leads.account]
    leads.converted = converted
    leads.contacted = np.minimum(created + _response(rng, n), converted - 60)
    qualifies = rng.random(n) < np.where(V.SOURCE_INBOUND[leads.source], 0.85, 0.2)
    mql = created + (rng.uniform(0, 0.6, n) * (converted - created)).astype("int64")
    leads.mql = np.where(qualifies, mql, NEVER)
    return leads


def _conversions_without_deal(rng: np.random.Generator, n: int, acc: Accounts, w: World) -> Leads:
    """New contacts at existing accounts: converted, no opportunity created."""
    created = w.sample_times(rng, n)
    leads = _blank(rng, n, created, w)
    converted = created + rng.integers(2 * DAY, 40 * DAY, n)
    order = np.argsort(acc.created, kind="stable")
    existing = np.searchsorted(acc.created[order], converted, side="right")
    ok = existing > 0
    leads.account = np.where(ok, order[(rng.random(n) * np.maximum(existing, 1)).astype(int)], -1)
    leads.converted = np.where(ok, converted, NEVER)
    leads.company = np.where(ok, acc.name[np.maximum(leads.account, 0)], leads.company)
    leads.contacted = np.minimum(created + _response(rng, n), converted - 60)
    return leads


def _unconverted(rng: np.random.Generator, n: int, w: World) -> Leads:
    created = w.sample_times(rng, n)
    leads = _blank(rng, n, created, w)
    contacted = created + _response(rng, n)
    leads.contacted = np.where(rng.random(n) < 0.75, contacted, NEVER)
    qualifies = rng.random(n) < np.where(V.SOURCE_INBOUND[leads.source], 0.3, 0.06)
    leads.mql = np.where(qualifies, created + rng.integers(DAY // 2, 20 * DAY, n), NEVER)
    closed = created + rng.integers(14 * DAY, 150 * DAY, n)
    closed = np.maximum(closed, np.where(qualifies, leads.mql + DAY, 0))
    leads.closed = np.where(rng.random(n) < 0.65, closed, NEVER)
    cut0, as_of = int(w.tl.cuts[0]), w.tl.as_of_sec
    pool = np.flatnonzero((created <= cut0) & (leads.closed > as_of))
    k = min(len(pool), max(1, round(n * 0.004)))
    chosen = rng.choice(pool, k, replace=False) if k else pool
    leads.deleted[chosen] = rng.integers(cut0 + 1, as_of - 60, k)
    return leads


def _response(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds from a lead's creation to its first touch: hours, sometimes days."""
    return (rng.lognormal(np.log(4.0), 1.1, n) * 3600).astype("int64") + 60


@dataclass
class Contacts:
    account: np.ndarray
    first: np.ndarray
    last: np.ndarray
    title: np.ndarray
    source: np.ndarray  # -1: none
    owner: np.ndarray
    created: np.ndarray
    first_of_account: np.ndarray  # per account: index of its first own contact
    count_of_account: np.ndarray

    def __len__(self) -> int:
        return len(self.account)

    @property
    def events(self) -> np.ndarray:
        return self.created


def make_contacts(rng: np.random.Generator, acc: Accounts, leads: Leads) -> Contacts:
    """A few contacts per account, created with it, then one per converted lead (same order
    as the converted leads)."""
    count = 1 + rng.poisson(1.3, len(acc))
    account = np.repeat(np.arange(len(acc)), count)
    n_own = len(account)
    converted = np.flatnonzero(leads.account >= 0)
    first, last = V.person_names(rng, n_own)
    return Contacts(
        account=np.concatenate([account, leads.account[converted]]),
        first=np.concatenate([first, leads.first[converted]]),
        last=np.concatenate([last, leads.last[converted]]),
        title=rng.integers(0, len(V.TITLES), n_own + len(converted)),
        source=np.concatenate([np.full(n_own, -1), leads.source[converted]]),
        owner=acc.owner[np.concatenate([account, leads.account[converted]])],
        created=np.concatenate(
            [acc.created[account] + rng.integers(0, 3600, n_own), leads.converted[converted]]
        ),
        first_of_account=np.concatenate([[0], np.cumsum(count)[:-1]]),
        count_of_account=count,
    )


def contact_of_lead(contacts: Contacts, leads: Leads) -> np.ndarray:
    """Per lead, the contact its conversion created (-1 if none)."""
    converted = np.flatnonzero(leads.account >= 0)
    out = np.full(len(leads), -1)
    n_own = int(contacts.count_of_account.sum())
    out[converted] = n_own + np.arange(len(converted))
    return out


def primary_contacts(rng: np.random.Generator, deals: Deals, contacts: Contacts, leads: Leads) -> np.ndarray:
    """Per deal, the contact activities are logged with: the converted lead's, else one of the
    account's own contacts, -1 without an account."""
    account = np.maximum(deals.account, 0)
    pick = contacts.first_of_account[account] + (
        rng.random(len(deals)) * contacts.count_of_account[account]
    ).astype("int64")
    out = np.where(deals.account >= 0, pick, -1)
    by_lead = contact_of_lead(contacts, leads)
    has_deal = leads.deal >= 0
    out[leads.deal[has_deal]] = by_lead[has_deal]
    return out
