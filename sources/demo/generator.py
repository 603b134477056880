"""Demo landing generator: a synthetic, realistic SalesOps landing folder.

`generate_landing` writes what a B2B SaaS company's feeds would deliver (sources.md): Salesforce
exports (a full export, then nightly incrementals with changed, new and deleted records),
daily ad spend, monthly S&M expenses and quotas. Everything is synthetic and deterministic:
the same seed and scale give byte-identical files.

The org-wide data (users, territories, campaigns, rates) is small and built once. Accounts,
deals, leads, contacts and activities are built in independent chunks (each its own accounts,
deals and leads, up to 8 scale units) with numpy and appended to the CSV files chunk by chunk, so
memory stays bounded whatever the scale.
"""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import numpy as np

from . import _vocab as V
from ._activities import make_events, make_tasks
from ._common import DAY, NEVER, IdFactory, LandingWriter, make_timeline, month_index
from ._crm_export import (
    CrmOut,
    activity_links,
    write_account_territories,
    write_accounts,
    write_activities,
    write_campaigns,
    write_contacts,
    write_history,
    write_leads,
    write_opportunities,
    write_rates,
    write_stages,
    write_territories,
    write_users,
)
from ._deals import Accounts, Deals, World, build_deals, make_accounts
from ._files import write_ad_spend, write_expenses, write_quotas
from ._lifecycle import CREATE, DELETE, TERMINAL, Lifecycle, delete_some, simulate
from ._people import make_contacts, make_leads, primary_contacts
from ._reference import make_campaigns, make_rates, make_staff

CHUNK_SCALE = 8.0  # scale units per chunk (~24,000 deals)
MARKER = "DEMO_LANDING.txt"
LANDING_FOLDERS = ("crm", "marketing", "finance", "plan")
# Per scale unit.
ACCOUNTS, NEW_DEALS, LEADS = 800, 3_000, 8_000


def generate_landing(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    start: date = date(2023, 1, 1),
    months: int = 36,
) -> dict[str, int]:
    """Write a demo landing below out_dir; returns rows written per file (relative path).

    scale 1 = ~3,000 opportunities, ~8,000 leads, a few hundred accounts, ~24 reps.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    tl = make_timeline(start, months)
    ids = IdFactory(seed)
    rng = np.random.default_rng([seed, 0])
    staff = make_staff(rng, ids, tl, scale)
    campaigns = make_campaigns(rng, ids, tl, scale)
    rates = make_rates(rng, tl)
    w = World.build(tl, staff, campaigns, rates)
    writer = LandingWriter(out_dir)
    org = CrmOut(writer, w, ids, block=0)

    spend_usd = write_ad_spend(writer, w, seed)
    write_users(org)
    write_territories(org, rng)
    write_stages(org)
    write_rates(org, rates)
    write_campaigns(org, campaigns, spend_usd, rng)

    n_chunks = max(1, math.ceil(scale / CHUNK_SCALE))
    won_usd = np.zeros(tl.as_of_month - tl.first_month + 1)
    for chunk in range(n_chunks):
        out = CrmOut(writer, w, ids, block=chunk + 1)
        won_usd += _generate_chunk(out, seed, chunk, scale / n_chunks)

    write_expenses(writer, w, seed, scale, won_usd)
    write_quotas(writer, w, won_usd)
    return dict(sorted(writer.rows.items()))


def _prepare(out_dir: Path) -> None:
    """Start from an empty landing. Only a folder this generator wrote (it leaves a marker) or
    an empty one is cleared, never someone's real landing."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).exists():
            raise FileExistsError(f"{out_dir} is not empty and not a demo landing; choose an empty folder")
        for name in LANDING_FOLDERS:
            shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text(
        "Synthetic demo landing written by `python -m sources.demo`. Rerunning the generator on\n"
        "this folder replaces its crm/, marketing/, finance/ and plan/ folders.\n",
        encoding="utf-8",
    )


def _generate_chunk(out: CrmOut, seed: int, chunk: int, scale: float) -> np.ndarray:
    """Build and write one chunk; returns its won bookings (USD) per month."""
    w = out.w
    rng = np.random.default_rng([seed, 1_000 + chunk])
    acc = make_accounts(rng, max(12, round(ACCOUNTS * scale)), w)
    deals = build_deals(rng, acc, max(30, round(NEW_DEALS * scale)), w)
    lc = simulate(rng, deals, w)
    delete_some(rng, lc, deals, w)
    _finalise_account_creation(rng, acc, deals)
    leads = make_leads(rng, max(40, round(LEADS * scale)), deals, acc, w)
    contacts = make_contacts(rng, acc, leads)
    contact = primary_contacts(rng, deals, contacts, leads)
    tasks = make_tasks(rng, deals, lc, contact, leads, w)
    events = make_events(rng, deals, lc, contact, leads, w)

    block = out.block
    account_ids = out.ids.make("001", np.arange(len(acc)), block)
    deal_ids = out.ids.make("006", np.arange(len(deals)), block)
    lead_ids = out.ids.make("00Q", np.arange(len(leads)), block)
    contact_ids = out.ids.make("003", np.arange(len(contacts)), block)
    won_at = _won_at(lc)
    write_accounts(out, acc, account_ids, _customer_since(acc, deals, won_at), rng)
    write_account_territories(out, acc, account_ids, rng)
    write_contacts(out, contacts, contact_ids, account_ids, rng)
    write_leads(out, leads, lead_ids, contacts, contact_ids, account_ids, deal_ids, rng)
    write_opportunities(out, deals, lc, deal_ids, account_ids, _deal_names(rng, deals, acc), rng)
    write_history(out, lc, deal_ids)
    who, what = activity_links(lead_ids, contact_ids, account_ids, deal_ids)
    write_activities(out, "Task", tasks, out.ids.make("00T", np.arange(len(tasks)), block), who, what)
    write_activities(out, "Event", events, out.ids.make("00U", np.arange(len(events)), block), who, what)
    return _bookings_by_month(deals, lc, won_at, w)


def _finalise_account_creation(rng: np.random.Generator, acc: Accounts, deals: Deals) -> None:
    """An account exists before its first deal (created with it when a lead converts)."""
    first = np.full(len(acc), NEVER)
    has = deals.account >= 0
    np.minimum.at(first, deals.account[has], deals.created[has])
    before = first - np.where(
        rng.random(len(acc)) < 0.5, rng.integers(60, 30 * DAY, len(acc)), rng.integers(1, 30, len(acc))
    )
    acc.created = np.minimum(acc.created, before)


def _won_at(lc: Lifecycle) -> np.ndarray:
    """Per deal, when it became Closed Won (NEVER if it did not by the as-of date)."""
    won = (lc.stage == V.WON) & np.isin(lc.kind, (CREATE, TERMINAL))
    return np.where(won, lc.ts, NEVER).min(axis=1)


def _customer_since(acc: Accounts, deals: Deals, won_at: np.ndarray) -> np.ndarray:
    since = np.full(len(acc), NEVER)
    has = deals.account >= 0
    np.minimum.at(since, deals.account[has], won_at[has])
    return np.where(acc.legacy, NEVER, since)


def _deal_names(rng: np.random.Generator, deals: Deals, acc: Accounts) -> np.ndarray:
    n = len(deals)
    company = np.where(deals.account >= 0, acc.name[np.maximum(deals.account, 0)], V.company_names(rng, n))
    product = np.array(V.PRODUCTS, dtype=object)[rng.integers(0, len(V.PRODUCTS), n)]
    year = (deals.created // DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    renewal = deals.type == V.RENEWAL
    label = np.where(renewal, "Renewal " + year.astype(str).astype(object), product)
    return (company + " - " + label).astype(object)


def _bookings_by_month(deals: Deals, lc: Lifecycle, won_at: np.ndarray, w: World) -> np.ndarray:
    """Won amount (USD) per close month, from the start month to the as-of month."""
    as_of = w.tl.as_of_sec
    col = lc.final_column(as_of)
    rows = np.arange(len(deals))
    won = (won_at <= as_of) & (lc.kind[rows, col] != DELETE)
    close = lc.close[rows, col]
    amount = np.nan_to_num(lc.amount[rows, col])
    usd = w.rates.to_usd(amount, deals.currency, close)
    month = month_index(close) - w.tl.first_month
    keep = won & (month >= 0) & (month <= w.tl.as_of_month - w.tl.first_month)
    size = w.tl.as_of_month - w.tl.first_month + 1
    return np.bincount(month[keep], weights=usd[keep], minlength=size)[:size]
