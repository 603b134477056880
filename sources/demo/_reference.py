"""Org-wide reference data: staff (users), territories, campaigns, stages and conversion rates.

All of it is small (it grows with the number of reps and campaigns, not with deals), is built
once and is shared, read-only, by every chunk of deals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _vocab as V
from ._common import (
    CURRENCIES,
    DAY,
    EUR,
    GBP,
    NEVER,
    USD,
    IdFactory,
    Timeline,
    month_index,
    to_days,
)

VP, MANAGER, AE, SDR_MANAGER, SDR = range(5)
ROLE_TITLES = (
    "VP Sales",
    "Regional Sales Manager",
    "Account Executive",
    "SDR Manager",
    "Sales Development Representative",
)
ROLE_PREFIX = "00E"  # UserRole
MONTHLY, QUARTERLY = 0, 1


@dataclass
class Staff:
    """Users: one VP, regional managers, account executives (AEs), an SDR team."""

    ids: np.ndarray
    first: np.ndarray
    last: np.ndarray
    role: np.ndarray
    territory: np.ndarray  # leaf territory for AEs, region for managers, -1 otherwise
    manager: np.ndarray  # user index or -1
    hire: np.ndarray  # seconds
    leave: np.ndarray  # seconds, NEVER if still active
    skill: np.ndarray  # win-rate multiplier
    size: np.ndarray  # deal-size multiplier
    speed: np.ndarray  # sales-cycle multiplier
    activity: np.ndarray  # activities multiplier
    senior: np.ndarray
    quota_period: np.ndarray  # MONTHLY or QUARTERLY (AEs and managers)
    replacement: np.ndarray  # an always-active AE who takes deals while this one is not there

    @property
    def ae(self) -> np.ndarray:
        return np.flatnonzero(self.role == AE)

    @property
    def sdr(self) -> np.ndarray:
        return np.flatnonzero(self.role == SDR)

    def ae_in(self, territory: int) -> np.ndarray:
        return np.flatnonzero((self.role == AE) & (self.territory == territory))

    def active_owner(self, user: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """The user, or their replacement when they were not employed at ts."""
        away = (ts < self.hire[user]) | (ts > self.leave[user])
        return np.where(away, self.replacement[user], user)


def make_staff(rng: np.random.Generator, ids: IdFactory, tl: Timeline, scale: float) -> Staff:
    n_ae = max(len(V.LEAF_TERRITORIES), round(24 * scale))
    n_sdr = max(3, round(6 * scale))
    leaves = V.LEAF_TERRITORIES
    weights = np.array([V.TERRITORIES[t][4] for t in leaves])
    ae_terr = np.concatenate([leaves, rng.choice(leaves, n_ae - len(leaves), p=weights / weights.sum())])
    ae_region = np.array([V.TERRITORIES[t][2] for t in ae_terr])
    managers_per_region = [max(1, int(np.ceil((ae_region == r).sum() / 7))) for r in range(3)]
    mgr_region = np.repeat(np.arange(3), managers_per_region)
    n_mgr = len(mgr_region)

    role = np.concatenate(
        [[VP], np.full(n_mgr, MANAGER), np.full(n_ae, AE), [SDR_MANAGER], np.full(n_sdr, SDR)]
    )
    n = len(role)
    first_mgr, first_ae = 1, 1 + n_mgr
    sdr_mgr = first_ae + n_ae
    territory = np.full(n, -1)
    territory[first_mgr:first_ae] = mgr_region
    territory[first_ae:sdr_mgr] = ae_terr
    manager = np.full(n, -1)
    manager[first_mgr:first_ae] = 0
    manager[sdr_mgr] = 0
    manager[sdr_mgr + 1 :] = sdr_mgr
    for r in range(3):  # AEs of a region, round-robin over its managers
        members = first_ae + np.flatnonzero(ae_region == r)
        bosses = first_mgr + np.flatnonzero(mgr_region == r)
        manager[members] = bosses[np.arange(len(members)) % len(bosses)]

    hire, leave = _tenures(rng, tl, role, first_ae, n_ae)
    first, last = V.person_names(rng, n)
    staff = Staff(
        ids=ids.make("005", np.arange(n)),
        first=first,
        last=last,
        role=role,
        territory=territory,
        manager=manager,
        hire=hire,
        leave=leave,
        skill=_spread(rng, n, 0.35, 0.45, 2.0),
        size=_spread(rng, n, 0.35, 0.5, 2.2),
        speed=_spread(rng, n, 0.2, 0.6, 1.6),
        activity=_spread(rng, n, 0.35, 0.4, 2.5),
        senior=rng.random(n) < 0.35,
        quota_period=np.where(_region(territory) == 1, QUARTERLY, MONTHLY),  # EMEA: by quarter
        replacement=np.arange(n),
    )
    staff.replacement = _replacements(staff, tl.start_sec)
    return staff


def _spread(rng: np.random.Generator, n: int, sigma: float, low: float, high: float) -> np.ndarray:
    """Multipliers around 1 that make people differ."""
    return np.clip(rng.lognormal(0, sigma, n), low, high)


def _region(territory: np.ndarray) -> np.ndarray:
    """The region (top-level territory) of territories; -1 stays -1."""
    parent = np.array([t[2] if t[2] >= 0 else i for i, t in enumerate(V.TERRITORIES)])
    return np.where(territory >= 0, parent[np.maximum(territory, 0)], -1)


def _tenures(
    rng: np.random.Generator, tl: Timeline, role: np.ndarray, first_ae: int, n_ae: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hire and leave times. The first AE of each territory stays throughout; some AEs join
    late or leave; one joins and one leaves during the incremental exports."""
    n = len(role)
    start, as_of = tl.start_sec, tl.as_of_sec
    hire = start - rng.integers(60, 1200, n) * DAY - rng.integers(8, 18, n) * 3600
    leave = np.full(n, NEVER, dtype="int64")
    span = as_of - start
    fate = rng.random(n_ae)
    fate[: len(V.LEAF_TERRITORIES)] = 1.0  # core
    ae = first_ae + np.arange(n_ae)
    late = ae[fate < 0.15]
    gone = ae[(fate >= 0.15) & (fate < 0.27)]
    hire[late] = start + (rng.uniform(0.08, 0.95, len(late)) * span).astype("int64")
    leave[gone] = start + (rng.uniform(0.12, 0.97, len(gone)) * span).astype("int64")
    window = tl.cuts[0] + 1, as_of - 3600
    if len(late):
        hire[late[-1]] = rng.integers(*window)
    if len(gone):
        leave[gone[-1]] = rng.integers(*window)
    return hire, leave


def _replacements(staff: Staff, start_sec: int) -> np.ndarray:
    """Each AE's stand-in: the first AE of their territory who is there throughout."""
    core = np.flatnonzero((staff.role == AE) & (staff.hire < start_sec) & (staff.leave == NEVER))
    first_core = np.full(len(V.TERRITORIES), core[0])
    for t in np.unique(staff.territory[core])[::-1]:
        first_core[t] = core[staff.territory[core] == t][0]
    replacement = np.arange(len(staff.role))
    ae = np.flatnonzero(staff.role == AE)
    replacement[ae] = first_core[staff.territory[ae]]
    return replacement


# --- campaigns --------------------------------------------------------------------------------

PLATFORMS = ("google_ads", "meta_ads", "linkedin_ads")
PLATFORM_CHANNEL = ("search", "social", "social")


@dataclass
class Campaigns:
    """CRM campaigns; the paid ones are also ad-platform campaigns."""

    ids: np.ndarray
    names: np.ndarray
    type: np.ndarray
    channel: np.ndarray  # search, social, event, webinar or '' for parents
    parent: np.ndarray
    start: np.ndarray  # days
    end: np.ndarray  # days
    platform: np.ndarray  # index into PLATFORMS, -1 when not paid media
    ad_id: np.ndarray  # the platform's campaign id
    currency: np.ndarray
    daily_usd: np.ndarray  # typical daily spend (paid)
    planned_cost: np.ndarray  # non-media campaigns' cost (USD)

    def in_channel(self, channel: str) -> np.ndarray:
        return np.flatnonzero(self.channel == channel)


_PAID = (
    (0, "Search - Brand", USD),
    (0, "Search - Generic", USD),
    (0, "Search - Competitor", USD),
    (1, "Social - Lookalike", USD),
    (1, "Social - Retargeting", USD),
    (1, "Social - EU Prospecting", EUR),
    (2, "LinkedIn - ABM Enterprise", USD),
    (2, "LinkedIn - UK Decision Makers", GBP),
    (2, "LinkedIn - Sponsored Content", USD),
)


def make_campaigns(rng: np.random.Generator, ids: IdFactory, tl: Timeline, scale: float) -> Campaigns:
    rows: list[tuple] = []  # (name, type, channel, parent, start, end, platform, currency)
    parents = {"search": 0, "social": 1, "event": 2, "webinar": 3}
    for name, typ in (
        ("Paid Search", "Advertisement"),
        ("Paid Social", "Advertisement"),
        ("Events", "Conference"),
        ("Webinars", "Webinar"),
    ):
        rows.append((name, typ, "", -1, 0, 0, -1, USD))
    start_day, end_day = tl.start_sec // DAY, tl.as_of_sec // DAY
    copies = max(1, round(np.sqrt(scale)))
    for k in range(copies):
        for platform, name, currency in _PAID:
            label = name if k == 0 else f"{name} {k + 1}"
            begin = start_day - int(rng.integers(30, 200))
            if rng.random() < 0.3:
                begin = start_day + int(rng.integers(60, 500))
            end = end_day if rng.random() < 0.8 else begin + int(rng.integers(200, 500))
            channel = PLATFORM_CHANNEL[platform]
            rows.append((label, "Advertisement", channel, parents[channel], begin, end, platform, currency))
    for year in range(tl.start.year, tl.as_of.year + 1):
        for name, month, typ, channel in (
            ("Customer Summit", 5, "Conference", "event"),
            ("Regional Roadshow", 9, "Trade Show", "event"),
            ("Industry Expo", 3, "Trade Show", "event"),
            ("Webinar: Pipeline Hygiene", 2, "Webinar", "webinar"),
            ("Webinar: Forecasting, Done Right", 6, "Webinar", "webinar"),
            ("Webinar: Quarter-End Playbook", 10, "Webinar", "webinar"),
        ):
            begin = (np.datetime64(f"{year}-{month:02d}-01") - np.datetime64("1970-01-01")).astype(int) + int(
                rng.integers(0, 25)
            )
            if begin > end_day - 3:
                continue
            rows.append(
                (
                    f"{name} {year}",
                    typ,
                    channel,
                    parents[channel],
                    begin,
                    begin + int(rng.integers(1, 3)),
                    -1,
                    USD,
                )
            )
    n = len(rows)
    col = lambda i, dtype=object: np.array([r[i] for r in rows], dtype=dtype)  # noqa: E731
    platform = col(6, "int64")
    n_paid = (platform >= 0).sum()
    ad_id = np.full(n, "", dtype=object)
    digits = np.array([10, 17, 9])
    for i in np.flatnonzero(platform >= 0):
        d = digits[platform[i]]
        ad_id[i] = str(int(rng.integers(10 ** (d - 1), 10**d - 1)))
    daily = np.zeros(n)
    daily[platform >= 0] = 2_000 * scale / n_paid * rng.lognormal(0, 0.4, n_paid)
    typ = col(1)
    planned = np.where(typ == "Conference", 45_000.0, np.where(typ == "Trade Show", 18_000.0, 0.0))
    planned = np.where(typ == "Webinar", 2_500.0, planned) * max(scale, 0.2)
    planned = np.round(planned * rng.uniform(0.8, 1.25, n), -2)
    return Campaigns(
        ids=ids.make("701", np.arange(n)),
        names=col(0),
        type=typ,
        channel=col(2),
        parent=col(3, "int64"),
        start=col(4, "int64"),
        end=col(5, "int64"),
        platform=platform,
        ad_id=ad_id,
        currency=col(7, "int64"),
        daily_usd=daily,
        planned_cost=planned,
    )


# --- conversion rates -------------------------------------------------------------------------

_BASE_RATE = (1.0, 0.92, 0.79, 1.35)


@dataclass
class Rates:
    """Monthly DatedConversionRate ranges: units of each currency per 1 USD (corporate)."""

    first_month: int
    table: np.ndarray  # (currency, month)

    @property
    def n_months(self) -> int:
        return self.table.shape[1]

    def rate(self, currency: np.ndarray | int, days: np.ndarray | int) -> np.ndarray:
        m = np.clip(month_index(days) - self.first_month, 0, self.n_months - 1)
        return self.table[currency, m]

    def to_usd(self, amount: np.ndarray, currency: np.ndarray, days: np.ndarray) -> np.ndarray:
        return amount / self.rate(currency, days)


def make_rates(rng: np.random.Generator, tl: Timeline) -> Rates:
    """From two years before the start to three years after the window: well around every
    date the data uses (close dates are capped long before that)."""
    first = tl.first_month - 24
    last = int(month_index(to_days(tl.window_end))) + 36
    n = last - first
    table = np.ones((len(CURRENCIES), n))
    for c in range(1, len(CURRENCIES)):
        walk = np.cumsum(rng.normal(0, 0.012, n))
        table[c] = np.round(_BASE_RATE[c] * np.exp(walk - walk.mean()), 6)
    return Rates(first_month=first, table=table)
