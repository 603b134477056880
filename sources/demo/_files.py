"""Non-CRM files: daily ad spend, monthly S&M expenses, quotas.

Each is written per year, plus one later file re-delivering a few rows (corrected ad spend days,
a restated expense line), as real feeds do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sources.contract import FILE_OBJECTS, LandingObject

from . import _vocab as V
from ._common import (
    CURRENCIES,
    DAY,
    EUR,
    USD,
    LandingWriter,
    fmt_date,
    fmt_int,
    fmt_month,
    fmt_number,
    month_index,
    month_start,
    object_frame,
    pick,
    to_days,
)
from ._deals import World
from ._reference import AE, MANAGER, PLATFORMS, QUARTERLY, SDR, VP

FILES: dict[str, LandingObject] = {o.name: o for o in FILE_OBJECTS}
_CPM = np.array([24.0, 9.0, 38.0])  # USD per 1,000 impressions
_CTR = np.array([0.035, 0.012, 0.006])
_CVR = np.array([0.05, 0.02, 0.03])


# --- ad spend ---------------------------------------------------------------------------------


@dataclass
class SpendDays:
    """Ad spend rows of one platform and year."""

    day: np.ndarray
    campaign: np.ndarray
    spend: np.ndarray  # in the campaign's currency
    usd: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    conversions: np.ndarray


def write_ad_spend(writer: LandingWriter, w: World, seed: int) -> np.ndarray:
    """Daily spend per platform campaign over the whole period, then a re-delivery of five
    recent meta_ads days with corrected spend. Returns the USD spend per CRM campaign."""
    camp = w.campaigns
    total = np.zeros(len(camp.ids))
    corrected_days = np.arange(w.as_of_day - 10, w.as_of_day - 5)
    correction: SpendDays | None = None
    for year in range(w.tl.start.year, w.tl.as_of.year + 1):
        for p, platform in enumerate(PLATFORMS):
            rng = np.random.default_rng([seed, 2, year, p])
            rows = _spend_days(rng, w, year, p)
            np.add.at(total, rows.campaign, rows.usd)
            writer.write(
                f"marketing/ad_spend_{platform}_{year}.csv",
                _spend_frame(rows, w, p, blank_usd=year == w.tl.start.year),
            )
            if platform == "meta_ads" and year == w.tl.as_of.year:
                again = np.isin(rows.day, corrected_days)
                correction = SpendDays(**{k: v[again] for k, v in vars(rows).items()})
    if correction is not None and len(correction.day):
        rng = np.random.default_rng([seed, 3])
        factor = rng.uniform(0.8, 1.2, len(correction.day))
        np.add.at(total, correction.campaign, correction.usd * (factor - 1))
        correction.spend = np.round(correction.spend * factor, 2)
        writer.write(
            f"marketing/ad_spend_meta_ads_{w.tl.as_of.year}_restated.csv",
            _spend_frame(correction, w, 1, blank_usd=False),
        )
    return total


def _spend_days(rng: np.random.Generator, w: World, year: int, platform: int) -> SpendDays:
    camp = w.campaigns
    first = max(w.start_day, to_days(pd.Timestamp(year, 1, 1).date()))
    last = min(w.as_of_day, to_days(pd.Timestamp(year, 12, 31).date()))
    days = np.arange(first, last + 1)
    pool = np.flatnonzero(camp.platform == platform)
    day, c = (g.ravel() for g in np.meshgrid(days, pool, indexing="ij"))
    running = (camp.start[c] <= day) & (day <= camp.end[c])
    day, c = day[running], c[running]
    n = len(day)
    years = (day - w.start_day) / 365.25
    month = month_index(day) % 12
    weekend = (day + 3) % 7 >= 5
    usd = camp.daily_usd[c] * (1 + 0.3 * years) * V.MONTH_SEASON[month]
    usd = usd * np.where(weekend, 0.55, 1.0) * rng.lognormal(0, 0.25, n)
    spend = np.round(usd * w.rates.rate(camp.currency[c], day), 2)
    impressions = (usd / (_CPM[platform] * rng.lognormal(0, 0.15, n)) * 1000).astype("int64")
    clicks = rng.binomial(impressions, _CTR[platform])
    return SpendDays(day, c, spend, usd, impressions, clicks, rng.binomial(clicks, _CVR[platform]))


def _spend_frame(rows: SpendDays, w: World, platform: int, blank_usd: bool) -> pd.DataFrame:
    camp = w.campaigns
    currency = camp.currency[rows.campaign]
    n = len(rows.day)
    return object_frame(
        FILES["ad_spend"],
        {
            "date": fmt_date(rows.day),
            "platform": np.full(n, PLATFORMS[platform], dtype=object),
            "campaign_id": camp.ad_id[rows.campaign],
            "campaign_name": camp.names[rows.campaign],
            "crm_campaign_id": camp.ids[rows.campaign].astype(object),
            "spend": fmt_number(rows.spend),
            "currency": pick(CURRENCIES, np.where(blank_usd & (currency == USD), -1, currency)),
            "impressions": fmt_int(rows.impressions),
            "clicks": fmt_int(rows.clicks),
            "conversions": fmt_int(rows.conversions),
        },
    )


# --- operating expenses -----------------------------------------------------------------------

DEPARTMENTS = ("sales", "marketing")
CATEGORIES = ("salaries", "commissions", "tools", "events", "agencies")


def write_expenses(writer: LandingWriter, w: World, seed: int, scale: float, won_usd: np.ndarray) -> None:
    """Monthly expenses per department and category for every closed month (finance books a
    month after it ends); one event credit; marketing's agency is paid in EUR. A later file
    restates one line, its month written as a date and its department capitalised."""
    rng = np.random.default_rng([seed, 4])
    months = np.arange(w.tl.first_month, w.tl.as_of_month)
    m, d, c = (g.ravel() for g in np.meshgrid(months, np.arange(2), np.arange(5), indexing="ij"))
    usd = _expense_usd(rng, w, scale, won_usd, m, d, c)
    credit = np.flatnonzero((m == months[len(months) // 2]) & (d == 1) & (c == 3))
    usd[credit] = -np.round(4_000 * max(scale, 0.2), -1)
    currency = np.where((d == 1) & (c == 4), EUR, USD)
    amount = np.round(usd * w.rates.rate(currency, month_start(m)), 2)
    month_text = fmt_month(m)
    as_date = np.flatnonzero(m == months[min(3, len(months) - 1)])[:3]  # written as a date
    month_text[as_date] = fmt_date(month_start(m[as_date] + 1) - 1)
    year = m // 12 + 1970
    frame = object_frame(
        FILES["sm_expenses"],
        {
            "month": month_text,
            "department": pick(DEPARTMENTS, d),
            "category": pick(CATEGORIES, c),
            "amount": fmt_number(amount),
            "currency": pick(CURRENCIES, np.where((year == year.min()) & (currency == USD), -1, currency)),
        },
    )
    for y in np.unique(year):
        writer.write(f"finance/sm_expenses_{y}.csv", frame[year == y])
    restated = np.flatnonzero((m == months[-2]) & (d == 1) & (c == 4))
    fix = frame.iloc[restated].copy()
    fix["month"] = fmt_date(month_start(m[restated]) + 14)
    fix["department"] = "Marketing"
    fix["amount"] = fmt_number(np.round(amount[restated] * 1.12, 2))
    writer.write(f"finance/sm_expenses_{year.max()}_restated.csv", fix)


def _expense_usd(
    rng: np.random.Generator,
    w: World,
    scale: float,
    won_usd: np.ndarray,
    m: np.ndarray,
    d: np.ndarray,
    c: np.ndarray,
) -> np.ndarray:
    staff = w.staff
    mid = (month_start(m) + 14) * DAY
    employed = (staff.hire[None, :] <= mid[:, None]) & (mid[:, None] < staff.leave[None, :])
    pay = np.select(
        [staff.role == VP, staff.role == MANAGER, staff.role == AE, staff.role == SDR],
        [22_000.0, 14_000.0, 9_500.0, 6_500.0],
        7_000.0,
    )
    sales_payroll = (employed * pay).sum(axis=1)
    sales_heads = employed.sum(axis=1)
    marketing_heads = max(3.0, 8 * scale)
    years = (month_start(m) - w.start_day) / 365.25
    prev = np.clip(m - 1 - w.tl.first_month, 0, len(won_usd) - 1)
    booked_before = np.where(m > w.tl.first_month, won_usd[prev], won_usd[0] * 0.8)
    calendar = m % 12
    base = np.zeros((len(m), 2, 5))
    base[:, 0, 0] = sales_payroll
    base[:, 0, 1] = 0.08 * booked_before
    base[:, 0, 2] = 160 * sales_heads
    base[:, 0, 3] = np.where(calendar == 0, 30_000, 2_000) * max(scale, 0.2)
    base[:, 0, 4] = np.where(rng.random(len(m)) < 0.25, 12_000, 1_000) * max(scale, 0.2)
    base[:, 1, 0] = marketing_heads * 8_500 * (1 + 0.15 * years)
    base[:, 1, 1] = 0.01 * booked_before
    base[:, 1, 2] = 12_000 * max(scale, 0.2) * (1 + 0.2 * years)
    base[:, 1, 3] = np.where(np.isin(calendar, [2, 5, 9]), 55_000, 5_000) * max(scale, 0.2)
    base[:, 1, 4] = 22_000 * max(scale, 0.2) * (1 + 0.1 * years)
    picked = base[np.arange(len(m)), d, c]
    return np.round(picked * rng.lognormal(0, 0.06, len(m)), 2)


# --- quotas -----------------------------------------------------------------------------------


def write_quotas(writer: LandingWriter, w: World, won_usd: np.ndarray) -> None:
    """Individual quotas for AEs (EMEA by quarter, others by month), team quotas for their
    managers and the VP, from the start month to two quarters after the last month."""
    staff = w.staff
    first = w.tl.first_month
    horizon = int(month_index(to_days(w.tl.window_end))) + 6
    horizon += -horizon % 3  # whole quarters
    months = np.arange(first - first % 3, horizon)  # from the first quarter's start
    target = _quota_per_ae_month(w, won_usd, months)
    ae = staff.ae
    hire_m = month_index(staff.hire[ae] // DAY)
    leave_m = month_index(np.minimum(staff.leave[ae], 2**40) // DAY)
    tenure = months[None, :] - hire_m[:, None]
    ramp = np.clip((tenure + 1) / 4, 0, 1)
    employed = (tenure >= 0) & (months[None, :] < leave_m[:, None]) & (months[None, :] >= first)
    weight = np.where(staff.senior[ae], 1.25, 0.9)[:, None] * staff.size[ae, None] ** 0.3
    monthly = np.where(employed, np.round(target[None, :] * ramp * weight, -2), 0.0)
    team = np.zeros((len(staff.ids), len(months)))
    np.add.at(team, staff.manager[ae], monthly)
    team[staff.role == VP] = monthly.sum(axis=0)

    by_quarter = staff.quota_period == QUARTERLY
    individual_m, individual_q = ae[~by_quarter[ae]], ae[by_quarter[ae]]
    managers = staff.role == MANAGER
    team_m = np.flatnonzero(managers & ~by_quarter)
    team_q = np.flatnonzero((managers & by_quarter) | (staff.role == VP))
    individual = np.zeros((len(staff.ids), len(months)))
    individual[ae] = monthly
    years = months // 12 + 1970
    for y in np.unique(years):  # one file per year, built year by year
        cols = years == y
        m, quarters = months[cols], months[cols][::3]
        kind = "" if y == years.min() else "individual"  # older plans leave the type empty
        frame = pd.concat(
            [
                _quota_rows(staff.ids[individual_m], individual[individual_m][:, cols], m, "month", kind),
                _quota_rows(
                    staff.ids[individual_q],
                    _by_quarter(individual[individual_q][:, cols]),
                    quarters,
                    "quarter",
                    kind,
                ),
                _quota_rows(staff.ids[team_m], team[team_m][:, cols], m, "month", "team"),
                _quota_rows(
                    staff.ids[team_q], _by_quarter(team[team_q][:, cols]), quarters, "quarter", "team"
                ),
            ],
            ignore_index=True,
        )
        writer.write(f"plan/quotas_{y}.csv", frame)


def _quota_per_ae_month(w: World, won_usd: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The annual plan: 10% over what an AE booked per month in that year (after the data, the
    last year's level raised 15%), spread over the months with the seasonality."""
    staff = w.staff
    ae = staff.ae
    first = w.tl.first_month
    closed = np.arange(first, w.tl.as_of_month)
    mid = (month_start(closed) + 14) * DAY
    heads = (staff.hire[ae][None, :] <= mid[:, None]) & (mid[:, None] < staff.leave[ae][None, :])
    per_head = won_usd[: len(closed)] / np.maximum(heads.sum(axis=1), 1)
    years = closed // 12
    yearly = {int(y): per_head[years == y].mean() for y in np.unique(years)}
    last = max(yearly)
    level = np.array([yearly.get(int(y), yearly[last] * 1.15 ** (int(y) - last)) for y in months // 12])
    season = V.MONTH_SEASON[months % 12] / V.MONTH_SEASON.mean()
    return np.maximum(level * season * 1.1, 1_000.0)


def _by_quarter(monthly: np.ndarray) -> np.ndarray:
    return monthly.reshape(monthly.shape[0], -1, 3).sum(axis=2)


def _quota_rows(
    user_ids: np.ndarray, amounts: np.ndarray, starts: np.ndarray, period: str, kind: str
) -> pd.DataFrame:
    user, col = np.nonzero(amounts > 0)
    return object_frame(
        FILES["quotas"],
        {
            "user_id": user_ids[user].astype(object),
            "period_start": fmt_date(month_start(starts[col])),
            "period": np.full(len(user), period, dtype=object),
            "quota_amount": fmt_number(np.round(amounts[user, col], -2)),
            "quota_type": np.full(len(user), kind, dtype=object),
        },
    )
