"""Accounts and deals (opportunities) of one chunk: who buys what, when, and how it ends.

A deal here is the plan of an opportunity's whole life: created when, owned by whom, won or
lost, closing when, for how much. `_lifecycle` turns the plans into the change events that the
CRM exports and OpportunityHistory show; deals not closed by the as-of date are open pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import _vocab as V
from ._common import DAY, USD, Timeline, month_index, month_start
from ._reference import Campaigns, Rates, Staff

CLOSE_CAP_DAYS = 540  # no close date beyond as-of + this


@dataclass
class World:
    """Read-only inputs shared by every chunk."""

    tl: Timeline
    staff: Staff
    campaigns: Campaigns
    rates: Rates
    day_weights: np.ndarray  # activity weight per day from tl.start to the as-of date

    @classmethod
    def build(cls, tl: Timeline, staff: Staff, campaigns: Campaigns, rates: Rates) -> World:
        return cls(tl, staff, campaigns, rates, _day_weights(tl))

    @property
    def start_day(self) -> int:
        return self.tl.start_sec // DAY

    @property
    def as_of_day(self) -> int:
        return self.tl.as_of_sec // DAY

    def sample_days(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Days with growth, seasonality and quiet weekends."""
        return self.start_day + rng.choice(len(self.day_weights), n, p=self.day_weights)

    def sample_times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.sample_days(rng, n) * DAY + office_hours(rng, n)


def _day_weights(tl: Timeline) -> np.ndarray:
    start, end = tl.start_sec // DAY, tl.as_of_sec // DAY
    days = np.arange(start, end + 1)
    years = (days - start) / 365.25
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype("int64") % 12
    weekday = (days + 3) % 7  # 0 = Monday
    w = (1 + 0.35 * years) * V.MONTH_SEASON[months] * np.where(weekday >= 5, 0.15, 1.0)
    return w / w.sum()


def office_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a day, mostly European and American office hours (UTC)."""
    return rng.integers(7 * 3600, 23 * 3600, n)


# --- accounts ---------------------------------------------------------------------------------


@dataclass
class Accounts:
    name: np.ndarray
    country: np.ndarray
    state: np.ndarray
    territory: np.ndarray
    currency: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray  # NaN: unknown
    owner: np.ndarray
    parent: np.ndarray  # -1: none
    legacy: np.ndarray  # a customer from before the data starts
    popularity: np.ndarray
    created: np.ndarray  # seconds; finalised once the deals are known

    def __len__(self) -> int:
        return len(self.name)


def make_accounts(rng: np.random.Generator, n: int, w: World) -> Accounts:
    country = rng.choice(len(V.COUNTRIES), n, p=V.COUNTRY_WEIGHTS)
    territory = V.COUNTRY_TERRITORY[country]
    states = [V.COUNTRIES[c][4] for c in country]
    state = np.array([s[rng.integers(len(s))] if s else "" for s in states], dtype=object)
    employees = np.clip(rng.lognormal(np.log(300), 1.3, n), 5, 80_000).astype("int64")
    revenue = np.round(employees * rng.uniform(60_000, 260_000, n), -3)
    revenue[rng.random(n) < 0.2] = np.nan
    owner = np.empty(n, dtype="int64")
    for t in np.unique(territory):
        here = np.flatnonzero(territory == t)
        owner[here] = rng.choice(w.staff.ae_in(t), len(here))
    parent = np.where(rng.random(n) < 0.03, rng.integers(0, n, n), -1)
    parent[parent == np.arange(n)] = -1
    legacy = rng.random(n) < 0.2
    created = np.where(
        legacy,
        w.tl.start_sec - rng.integers(60, 1500, n) * DAY + office_hours(rng, n),
        w.sample_times(rng, n) - rng.integers(0, 200, n) * DAY,
    )
    return Accounts(
        name=V.company_names(rng, n),
        country=country,
        state=state,
        territory=territory,
        currency=V.COUNTRY_CURRENCY[country],
        industry=rng.integers(0, len(V.INDUSTRIES), n),
        employees=employees,
        revenue=revenue,
        owner=owner,
        parent=parent,
        legacy=legacy,
        popularity=rng.lognormal(0, 0.7, n),
        created=created,
    )


# --- deals ------------------------------------------------------------------------------------


@dataclass
class Deals:
    account: np.ndarray  # -1: no account
    owner: np.ndarray
    type: np.ndarray
    created: np.ndarray  # seconds
    close: np.ndarray  # seconds: when it closes (won or lost), possibly after the as-of date
    won: np.ndarray
    amount: np.ndarray  # in `currency`
    currency: np.ndarray
    term: np.ndarray  # months, 0: left empty
    source: np.ndarray  # lead source index, -1: none
    campaign: np.ndarray  # -1: none
    from_lead: np.ndarray
    backdated: np.ndarray

    def __len__(self) -> int:
        return len(self.account)

    def take(self, index: np.ndarray) -> Deals:
        return Deals(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Deals]) -> Deals:
        return Deals(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Deals)})


def build_deals(rng: np.random.Generator, acc: Accounts, n_new: int, w: World) -> Deals:
    """New business, legacy customers' renewals, then renewals and upsells of every won
    contract, generation after generation, sorted by creation time."""
    generation = Deals.concat([_new_business(rng, acc, n_new, w), _legacy_renewals(rng, acc, w)])
    parts = [generation]
    while len(generation):
        generation = Deals.concat([_renewals(rng, generation, acc, w), _upsells(rng, generation, acc, w)])
        parts.append(generation)
    deals = _repeat_business(rng, Deals.concat(parts))
    _backdate_a_few(rng, deals, w)
    return deals.take(np.argsort(deals.created, kind="stable"))


def _new_business(rng: np.random.Generator, acc: Accounts, n: int, w: World) -> Deals:
    prospects = np.flatnonzero(~acc.legacy)
    p = acc.popularity[prospects] / acc.popularity[prospects].sum()
    account = prospects[rng.choice(len(prospects), n, p=p)]
    created = w.sample_times(rng, n)
    from_lead = rng.random(n) < 0.45
    no_account = ~from_lead & (rng.random(n) < 0.05)
    account = np.where(no_account, -1, account)

    lead_p = V.SOURCE_SHARE * V.SOURCE_CONVERSION
    other = np.array([V.OUTBOUND, V.PARTNER, V.REFERRAL, -1])
    source = np.where(
        from_lead,
        rng.choice(len(V.LEAD_SOURCES), n, p=lead_p / lead_p.sum()),
        other[rng.choice(4, n, p=[0.5, 0.2, 0.1, 0.2])],
    )
    owner_seed = np.where(account >= 0, acc.owner[np.maximum(account, 0)], rng.choice(w.staff.ae, n))
    owner = w.staff.active_owner(owner_seed, created)
    skill = w.staff.skill[owner]
    won = rng.random(n) < np.clip(0.22 * skill * V.SOURCE_WIN[source], 0.03, 0.7)
    median = np.where(won, 55.0, 38.0) * w.staff.speed[owner]
    cycle = rng.lognormal(np.log(median), np.where(won, 0.55, 0.85))
    zombie = ~won & (rng.random(n) < 0.07)
    cycle = np.where(zombie, rng.uniform(150, 420, n), cycle)
    close = created + np.maximum(cycle * DAY, DAY).astype("int64")
    close = _quarter_end_push(rng, close, created, won)

    territory = np.where(account >= 0, acc.territory[np.maximum(account, 0)], 3)
    size = (np.where(account >= 0, acc.employees[np.maximum(account, 0)], 200) / 400) ** 0.2
    usd = rng.lognormal(np.log(21_000), 0.75, n) * w.staff.size[owner] * size
    usd *= V.TERRITORY_SIZE[territory]
    currency = np.where(account >= 0, acc.currency[np.maximum(account, 0)], USD)
    return Deals(
        account=account,
        owner=owner,
        type=np.full(n, V.NEW_BUSINESS),
        created=created,
        close=_cap_close(close, w),
        won=won,
        amount=_local_amount(usd, currency, created, w),
        currency=currency,
        term=rng.choice([12, 24, 36, 0], n, p=[0.55, 0.2, 0.15, 0.1]),
        source=source,
        campaign=_campaigns_for(rng, source, created, w.campaigns),
        from_lead=from_lead,
        backdated=np.zeros(n, dtype=bool),
    )


def _legacy_renewals(rng: np.random.Generator, acc: Accounts, w: World) -> Deals:
    """Customers from before the data starts renew during its first year."""
    account = np.flatnonzero(acc.legacy)
    n = len(account)
    end_month = w.tl.first_month + rng.integers(3, 15, n)
    usd = rng.lognormal(np.log(26_000), 0.7, n) * V.TERRITORY_SIZE[acc.territory[account]]
    currency = acc.currency[account]
    parent = Deals(
        account=account,
        owner=acc.owner[account],
        type=np.full(n, V.RENEWAL),
        created=np.full(n, w.tl.start_sec),
        close=(month_start(end_month - 12) + 3) * DAY,
        won=np.ones(n, dtype=bool),
        amount=_local_amount(usd, currency, np.full(n, w.tl.start_sec), w),
        currency=currency,
        term=np.full(n, 12),
        source=np.full(n, -1),
        campaign=np.full(n, -1),
        from_lead=np.zeros(n, dtype=bool),
        backdated=np.zeros(n, dtype=bool),
    )
    renewals = _renewals(rng, parent, acc, w, keep_all=True)
    floor = w.tl.start_sec + rng.integers(0, 10 * DAY, len(renewals))
    renewals.created = np.maximum(renewals.created, floor)
    renewals.close = np.maximum(renewals.close, renewals.created + DAY)
    return renewals


def _renewals(
    rng: np.random.Generator, parent: Deals, acc: Accounts, w: World, keep_all: bool = False
) -> Deals:
    """A renewal opportunity ~2-4 months before each won contract ends; not always (churn)."""
    eligible = parent.won & (parent.type != V.EXISTING_BUSINESS) & (parent.account >= 0)
    eligible &= parent.close <= w.tl.as_of_sec
    n = len(parent)
    if not keep_all:
        eligible &= rng.random(n) < 0.88
    term = np.where(parent.term == 0, 12, parent.term)
    end_day = month_start(month_index(parent.close // DAY) + term)
    late = rng.random(n) < 0.15
    target = end_day + np.where(late, rng.integers(3, 40, n), -rng.integers(0, 26, n))
    created = (target - rng.integers(45, 120, n)) * DAY + office_hours(rng, n)
    created = np.maximum(created, parent.close + DAY)
    keep = eligible & (created <= w.tl.as_of_sec)
    d = parent.take(np.flatnonzero(keep))
    target, created, m = target[keep], created[keep], int(keep.sum())
    d.owner = w.staff.active_owner(acc.owner[d.account], created)
    d.won = rng.random(m) < np.clip(0.8 * w.staff.skill[d.owner] ** 0.3, 0.5, 0.95)
    d.close = np.where(
        d.won,
        (target + np.round(rng.normal(0, 6, m)).astype("int64")) * DAY + office_hours(rng, m),
        (target + rng.integers(-25, 30, m)) * DAY + office_hours(rng, m),
    )
    d.close = _cap_close(np.maximum(d.close, created + DAY), w)
    d.created = created
    base = np.where(np.isnan(d.amount), _local_amount(np.full(m, 20_000.0), d.currency, created, w), d.amount)
    d.amount = np.round(base * rng.uniform(0.97, 1.2, m), -2)
    d.type = np.full(m, V.RENEWAL)
    d.term = rng.choice([12, 24, 36, 0], m, p=[0.7, 0.15, 0.05, 0.1])
    d.source = np.full(m, -1)
    d.campaign = np.full(m, -1)
    d.from_lead = np.zeros(m, dtype=bool)
    d.backdated = np.zeros(m, dtype=bool)
    return d


def _upsells(rng: np.random.Generator, parent: Deals, acc: Accounts, w: World) -> Deals:
    """Existing business: an add-on sold to some customers during their contract."""
    n = len(parent)
    created = parent.close + rng.integers(60, 300, n) * DAY
    keep = parent.won & (parent.type != V.EXISTING_BUSINESS) & (parent.account >= 0)
    keep &= (rng.random(n) < 0.22) & (created <= w.tl.as_of_sec)
    d = parent.take(np.flatnonzero(keep))
    created, m = created[keep], int(keep.sum())
    d.owner = w.staff.active_owner(acc.owner[d.account], created)
    d.won = rng.random(m) < np.clip(0.45 * w.staff.skill[d.owner], 0.1, 0.85)
    cycle = rng.lognormal(np.log(40 * w.staff.speed[d.owner]), 0.6)
    d.close = _cap_close(created + np.maximum(cycle * DAY, DAY).astype("int64"), w)
    d.close = _quarter_end_push(rng, d.close, created, d.won)
    d.created = created
    base = np.where(np.isnan(d.amount), 10_000.0, d.amount)
    d.amount = np.maximum(np.round(base * rng.uniform(0.15, 0.5, m), -2), 500.0)
    d.type = np.full(m, V.EXISTING_BUSINESS)
    d.term = rng.choice([12, 0], m, p=[0.9, 0.1])
    d.source = np.full(m, -1)
    d.campaign = np.full(m, -1)
    d.from_lead = np.zeros(m, dtype=bool)
    d.backdated = np.zeros(m, dtype=bool)
    return d


def _quarter_end_push(
    rng: np.random.Generator, close: np.ndarray, created: np.ndarray, won: np.ndarray
) -> np.ndarray:
    """Reps pull deals due early next quarter into the last week of this one; August deals
    slip into September."""
    n = len(close)
    day = close // DAY
    month = month_index(day)
    day_of_month = day - month_start(month)
    pulled_day = month_start(month) - rng.integers(1, 8, n)
    pulled = pulled_day * DAY + office_hours(rng, n)
    pull = won & (month % 3 == 0) & (day_of_month < 21) & (rng.random(n) < 0.4)
    pull &= pulled > created + DAY
    close = np.where(pull, pulled, close)
    august = (month_index(close // DAY) % 12 == 7) & (rng.random(n) < 0.3)
    slipped = (month_start(month_index(close // DAY) + 1) + rng.integers(0, 10, n)) * DAY
    return np.where(august, slipped + office_hours(rng, n), close)


def _cap_close(close: np.ndarray, w: World) -> np.ndarray:
    return np.minimum(close, (w.as_of_day + CLOSE_CAP_DAYS) * DAY)


def _local_amount(usd: np.ndarray, currency: np.ndarray, ts: np.ndarray, w: World) -> np.ndarray:
    local = usd * w.rates.rate(currency, ts // DAY)
    return np.maximum(np.round(local, -2), 500.0)


def _campaigns_for(
    rng: np.random.Generator, source: np.ndarray, created: np.ndarray, camp: Campaigns
) -> np.ndarray:
    """The primary campaign of deals from campaign-driven sources, when one was running."""
    out = np.full(len(source), -1)
    for s, channel in enumerate(V.SOURCE_CHANNEL):
        pool = camp.in_channel(channel) if channel else np.array([], dtype="int64")
        here = np.flatnonzero(source == s)
        if not len(pool) or not len(here):
            continue
        chosen = pool[rng.integers(0, len(pool), len(here))]
        day = created[here] // DAY
        running = (camp.start[chosen] <= day) & (day <= camp.end[chosen] + 60)
        out[here] = np.where(running & (rng.random(len(here)) < 0.85), chosen, -1)
    return out


def _backdate_a_few(rng: np.random.Generator, d: Deals, w: World) -> None:
    """A handful of won deals entered after the fact: CloseDate before CreatedDate."""
    pool = np.flatnonzero(
        d.won & (d.type == V.NEW_BUSINESS) & ~d.from_lead & (d.close < w.tl.as_of_sec - 40 * DAY)
    )
    k = min(len(pool), max(1, round(len(d) * 0.002)))
    chosen = rng.choice(pool, k, replace=False) if k else pool[:0]
    d.created[chosen] = d.close[chosen] + rng.integers(1, 30, k) * DAY
    d.backdated[chosen] = True


def _repeat_business(rng: np.random.Generator, d: Deals) -> Deals:
    """New business on an account that had already won a deal is existing business; most such
    deals are not raised at all (customers' growth comes as upsells and renewals)."""
    has_account = d.account >= 0
    first_win = np.full(int(d.account.max(initial=0)) + 1, np.iinfo(np.int64).max)
    won = d.won & has_account
    np.minimum.at(first_win, d.account[won], d.close[won])
    repeat = has_account & (d.type == V.NEW_BUSINESS)
    repeat &= d.created > first_win[np.maximum(d.account, 0)]
    d.type = np.where(repeat, V.EXISTING_BUSINESS, d.type)
    return d.take(np.flatnonzero(~repeat | (rng.random(len(d)) < 0.25)))
