"""The three real public datasets (../shared/data, see its README) through the whole pipeline:
`salesops import` with the shipped mapping, then `salesops refresh`, then the published metrics
compared with figures computed here directly from the raw files (pandas, independently of the
mapping and of dbt). One refresh per dataset (~1-3 minutes each on a busy 2-core machine)."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import BIN, REPO, run_salesops

# ../shared/data from the project root (the README's layout), or SALESOPS_SHARED_DATA.
DATA = Path(os.environ.get("SALESOPS_SHARED_DATA") or REPO.parent / "shared" / "data")
if not DATA.is_dir() and Path("/work/shared/data").is_dir():  # a git worktree under /work/wt/
    DATA = Path("/work/shared/data")

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real datasets not found at {DATA}")


def _import_and_refresh(tmp: Path, mapping: str, dataset: str, *params: str) -> tuple[Path, str]:
    landing = tmp / "landing"
    args = [
        str(BIN / "salesops"),
        "import",
        "--mapping",
        str(REPO / "sources" / "mappings" / f"{mapping}.yml"),
        "--input",
        str(DATA / dataset),
        "--out",
        str(landing),
    ]
    for param in params:
        args += ["--param", param]
    imported = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    # The import prints the refresh to run, with the dataset's as-of date.
    next_line = next(
        line for line in imported.stdout.splitlines() if line.startswith("next: salesops refresh")
    )
    refresh_args = next_line.split("--landing-dir", 1)[1].split()[1:]
    refreshed = run_salesops(landing, tmp, *refresh_args)
    assert refreshed.returncode == 0, refreshed.stdout[-6000:] + refreshed.stderr[-6000:]
    return tmp / "serving.duckdb", imported.stdout


def _mart(serving: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).df()


def _month(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.to_period("M").dt.to_timestamp()


# ------------------------------------------------------------------------------------ Maven


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import_and_refresh(tmp_path_factory.mktemp("maven"), "maven_crm", "maven_crm")


@pytest.fixture(scope="module")
def maven_raw() -> pd.DataFrame:
    deals = pd.read_csv(DATA / "maven_crm" / "sales_pipeline.csv", dtype=str)
    deals["close_value"] = deals["close_value"].astype(float)
    return deals


def test_maven_import_reconciles(maven: tuple[Path, str]) -> None:
    _, report = maven
    assert "sales_pipeline.csv: 8,800 read = 8,800 written + 0 rejected (balanced)" in report
    assert "accounts.csv: 85 read = 85 written + 0 rejected (balanced)" in report
    assert "NOT BALANCED" not in report


def test_maven_won_and_lost_deals_per_close_month(maven: tuple[Path, str], maven_raw: pd.DataFrame) -> None:
    closed = maven_raw[maven_raw["deal_stage"].isin(["Won", "Lost"])].copy()
    closed["month"] = _month(closed["close_date"])
    expected = closed.groupby("month").agg(
        won_deals=("deal_stage", lambda s: int((s == "Won").sum())),
        lost_deals=("deal_stage", lambda s: int((s == "Lost").sum())),
        won_amount=("close_value", lambda v: float(v[closed.loc[v.index, "deal_stage"] == "Won"].sum())),
    )
    mart = _mart(
        maven[0],
        "select month, won_deals, lost_deals, won_amount::double as won_amount "
        "from marts.sales_metrics_monthly where won_deals + lost_deals > 0 order by month",
    )
    mart["month"] = pd.to_datetime(mart["month"])
    mart = mart.set_index("month")
    assert list(mart.index) == list(expected.index)
    assert mart["won_deals"].tolist() == expected["won_deals"].tolist()
    assert mart["lost_deals"].tolist() == expected["lost_deals"].tolist()
    assert mart["won_amount"].tolist() == pytest.approx(expected["won_amount"].tolist())
    assert int(mart["won_deals"].sum()) == 4238


def test_maven_sales_cycle_is_engage_to_close(maven: tuple[Path, str], maven_raw: pd.DataFrame) -> None:
    won = maven_raw[maven_raw["deal_stage"] == "Won"].copy()
    won["cycle"] = (pd.to_datetime(won["close_date"]) - pd.to_datetime(won["engage_date"])).dt.days
    won["month"] = _month(won["close_date"])
    expected = won.groupby("month")["cycle"].agg(["mean", "median"])
    mart = _mart(
        maven[0],
        "select month, sales_cycle_days_avg, sales_cycle_days_median "
        "from marts.sales_metrics_monthly where won_deals > 0 order by month",
    )
    assert mart["sales_cycle_days_avg"].tolist() == pytest.approx(expected["mean"].tolist())
    assert mart["sales_cycle_days_median"].tolist() == pytest.approx(expected["median"].tolist())


def test_maven_open_pipeline_month_by_month(maven: tuple[Path, str], maven_raw: pd.DataFrame) -> None:
    """Open at the end of month M: engaged by then (or a Prospecting deal, in the as-of month)
    and not closed by then; valued at the product's list price (`GTXPro` is `GTX Pro`)."""
    prices = pd.read_csv(DATA / "maven_crm" / "products.csv").set_index("product")["sales_price"]
    deals = maven_raw.copy()
    deals["price"] = deals["product"].replace({"GTXPro": "GTX Pro"}).map(prices)
    engage = pd.to_datetime(deals["engage_date"])
    close = pd.to_datetime(deals["close_date"])
    mart = _mart(
        maven[0],
        "select month, open_deals, open_pipeline_amount::double as amount "
        "from marts.sales_metrics_monthly order by month",
    )
    as_of = pd.Timestamp("2017-12-31")
    for month, open_deals, amount in mart.itertuples(index=False):
        end = min(pd.Timestamp(month) + pd.offsets.MonthEnd(0), as_of)
        entered = (engage <= end) | (engage.isna() & (end >= as_of))
        is_open = entered & (close.isna() | (close > end))
        assert open_deals == int(is_open.sum()), month
        assert amount == pytest.approx(float(deals.loc[is_open, "price"].sum())), month
    assert mart.iloc[-1]["open_deals"] == 500 + 1589  # every Prospecting and Engaging deal


# ------------------------------------------------------------------------------------ Olist


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import_and_refresh(
        tmp_path_factory.mktemp("olist"), "olist_marketing_funnel", "olist_marketing_funnel"
    )


def test_olist_leads_qualified_and_won_per_month(olist: tuple[Path, str]) -> None:
    mqls = pd.read_csv(
        DATA / "olist_marketing_funnel" / "olist_marketing_qualified_leads_dataset.csv", dtype=str
    )
    deals = pd.read_csv(DATA / "olist_marketing_funnel" / "olist_closed_deals_dataset.csv", dtype=str)
    mqls = mqls.merge(deals[["mql_id", "won_date"]], on="mql_id", how="left")
    first_contact = pd.to_datetime(mqls["first_contact_date"])
    won = pd.to_datetime(mqls["won_date"]).dt.normalize()
    frame = pd.DataFrame(
        {
            "created": _month(first_contact),
            # qualified date = the earlier of MQL date and conversion date (one deal is won before
            # its first contact)
            "qualified": _month(pd.concat([first_contact, won], axis=1).min(axis=1)),
            "converted": won.notna(),
        }
    )
    mart = _mart(
        olist[0],
        "select month, leads_created, qualified_leads, won_deals, new_customers, "
        "lead_conversion_rate from marts.sales_metrics_monthly order by month",
    )
    mart["month"] = pd.to_datetime(mart["month"])
    mart = mart.set_index("month")
    created = frame.groupby("created").size().reindex(mart.index, fill_value=0)
    qualified = frame.groupby("qualified").size().reindex(mart.index, fill_value=0)
    won_per_month = deals.groupby(_month(deals["won_date"])).size().reindex(mart.index, fill_value=0)
    assert mart["leads_created"].tolist() == created.tolist()
    assert mart["qualified_leads"].tolist() == qualified.tolist()
    assert mart["won_deals"].tolist() == won_per_month.tolist()
    # every seller is a distinct account with one won deal: its first won deal makes it new
    assert mart["new_customers"].tolist() == won_per_month.tolist()
    assert int(mart["leads_created"].sum()) == 8000 and int(mart["won_deals"].sum()) == 842
    rate = frame.groupby("created")["converted"].mean().reindex(mart.index)
    assert mart["lead_conversion_rate"].tolist() == pytest.approx(rate.tolist(), nan_ok=True)


def test_olist_leads_by_source(olist: tuple[Path, str]) -> None:
    mqls = pd.read_csv(
        DATA / "olist_marketing_funnel" / "olist_marketing_qualified_leads_dataset.csv", dtype=str
    )
    with duckdb.connect(str(olist[0]), read_only=True) as con:
        published = dict(
            con.execute(
                "select coalesce(lead_source, '(none)'), count(*) from marts.fct_leads group by 1"
            ).fetchall()
        )
    raw = mqls["origin"].fillna("unknown").value_counts()
    assert published["(none)"] == raw["unknown"] == 60 + 1099  # null and `unknown` are both unknown
    assert published["Paid Search"] == raw["paid_search"]
    assert published["Organic Search"] == raw["organic_search"]
    assert sum(published.values()) == 8000


# ------------------------------------------------------------------------------------ ads


@pytest.fixture(scope="module")
def ads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import_and_refresh(
        tmp_path_factory.mktemp("ads"), "online_advertising", "online_advertising_performance", "year=2019"
    )


def test_ads_spend_per_month_and_platform(ads: tuple[Path, str]) -> None:
    raw = pd.read_csv(
        DATA / "online_advertising_performance" / "online_advertising_performance_data.csv",
        dtype=str,
        keep_default_na=False,
    )
    assert int(raw.duplicated().sum()) == 5  # the README's exact duplicates: one delivery counted once
    raw = raw.drop_duplicates()
    spend = {
        month: sum((Decimal(c) for c in group["cost"]), Decimal(0)) for month, group in raw.groupby("month")
    }
    clicks = raw.assign(clicks=raw["clicks"].astype(int)).groupby("month")["clicks"].sum()
    months = {"2019-04-01": "April", "2019-05-01": "May", "2019-06-01": "June"}
    mart = _mart(ads[0], "select month::varchar as month, paid_media_spend from marts.sales_metrics_monthly")
    assert sorted(mart["month"]) == sorted(months)
    for month, published in mart.itertuples(index=False):
        assert Decimal(str(published)) == spend[months[month]].quantize(Decimal("0.000001")), month
    by_platform = _mart(
        ads[0],
        "select month::varchar as month, platform, spend, clicks "
        "from marts.marketing_efficiency_by_platform_monthly",
    )
    assert set(by_platform["platform"]) == {"display_ads"}
    for month, _, published, published_clicks in by_platform.itertuples(index=False):
        assert Decimal(str(published)) == spend[months[month]].quantize(Decimal("0.000001")), month
        assert published_clicks == clicks[months[month]]
    assert "5 exact duplicates of an earlier row" in ads[1]
