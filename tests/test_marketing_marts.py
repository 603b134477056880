"""Marketing marts: lead_funnel_by_channel_monthly, marketing_efficiency_by_channel_monthly,
marketing_efficiency_by_platform_monthly and lead_response_time_monthly.

(1) Hand-worked expectations on tests/fixtures/funnel_landing/, refreshed by the real CLI. Every
    expected number below is derived in tests/fixtures/funnel_landing/WORKING.md from the
    records and the definitions in models/marts/marketing/_marketing__models.yml (not from the
    SQL): when a test fails, read the cell's working there before changing either side.
(2) Consistency on the demo landing (scale 0.3, seed 7): channel slices add up to the company
    totals of sales_metrics_monthly, every ratio equals its own numerator / denominator, and the
    grids are complete.
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, _publish

FUNNEL_LANDING = REPO / "tests" / "fixtures" / "funnel_landing"

CHANNELS = ["Organic Web", "Other", "Paid Search", "Paid Social", "Unknown"]
MONTHS = ["2024-01-01", "2024-02-01", "2024-03-01"]
U1, U2 = "0055e00000FUN01", "0055e00000FUN02"


@pytest.fixture(scope="session")
def funnel_landing_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/funnel_landing refreshed once (UTC): the published serving file."""
    return _publish(FUNNEL_LANDING, tmp_path_factory.mktemp("funnel_landing_run"))


def _rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _by_key(rows: list[dict], *key: str) -> dict:
    return {tuple(str(r[k]) for k in key): r for r in rows}


def _same(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual == expected
    return math.isclose(float(actual), float(expected), rel_tol=1e-12, abs_tol=1e-12)


def _ratio(numerator, denominator):
    if denominator is None or denominator == 0 or numerator is None:
        return None
    return float(numerator) / float(denominator)


# --------------------------------------------------------------------------------------------
# (1) hand-worked: tests/fixtures/funnel_landing/WORKING.md

COUNT_COLUMNS = [
    "leads_created",
    "qualified_leads",
    "converted_leads",
    "cohort_qualified_leads",
    "cohort_qualified_converted_leads",
    "opportunities_created",
    "cohort_won_opportunities",
    "won_deals",
    "won_amount",
    "paid_media_spend",
]

# Non-zero counts and sums per (month, channel); everything not listed is 0.
FUNNEL_COUNTS = {
    ("2024-01-01", "Organic Web"): dict(
        leads_created=1,
        qualified_leads=1,
        converted_leads=1,
        cohort_qualified_leads=1,
        cohort_qualified_converted_leads=1,
        opportunities_created=1,
        cohort_won_opportunities=1,
    ),
    ("2024-01-01", "Paid Search"): dict(
        leads_created=2,
        converted_leads=1,
        cohort_qualified_leads=2,
        cohort_qualified_converted_leads=1,
        paid_media_spend=300,
    ),
    ("2024-01-01", "Paid Social"): dict(paid_media_spend=100),
    ("2024-01-01", "Unknown"): dict(
        opportunities_created=1,
        cohort_won_opportunities=1,
        won_deals=1,
        won_amount=600,
    ),
    ("2024-02-01", "Organic Web"): dict(won_deals=1, won_amount=1000),
    ("2024-02-01", "Paid Search"): dict(
        qualified_leads=2,
        opportunities_created=2,
        cohort_won_opportunities=1,
        paid_media_spend=200,
    ),
    ("2024-02-01", "Paid Social"): dict(
        leads_created=1,
        qualified_leads=1,
        cohort_qualified_leads=1,
        paid_media_spend=150,
    ),
    ("2024-02-01", "Unknown"): dict(leads_created=1),
    ("2024-02-01", "Other"): dict(leads_created=1, cohort_qualified_leads=1),
    ("2024-03-01", "Organic Web"): dict(leads_created=1),
    ("2024-03-01", "Paid Search"): dict(
        leads_created=1,
        qualified_leads=1,
        converted_leads=1,
        cohort_qualified_leads=1,
        cohort_qualified_converted_leads=1,
        opportunities_created=1,
        won_deals=1,
        won_amount=2500,
        paid_media_spend=100,
    ),
    ("2024-03-01", "Paid Social"): dict(
        opportunities_created=1,
        cohort_won_opportunities=1,
        won_deals=1,
        won_amount=0,
    ),
    ("2024-03-01", "Other"): dict(qualified_leads=1, paid_media_spend=50),
}

# Ratios per (month, channel): (lead_to_qualified, qualified_to_converted, lead_conversion,
# opportunity_to_won, lead_velocity, cost_per_lead, cost_per_opportunity).
N = None
FUNNEL_RATIOS = {
    ("2024-01-01", "Organic Web"): (1, 1, 1, 1, N, N, N),
    ("2024-01-01", "Other"): (N, N, N, N, N, N, N),
    ("2024-01-01", "Paid Search"): (1, 0.5, 0.5, N, N, 150, N),
    ("2024-01-01", "Paid Social"): (N, N, N, N, N, N, N),
    ("2024-01-01", "Unknown"): (N, N, N, 1, N, N, N),
    ("2024-02-01", "Organic Web"): (N, N, N, N, -1, N, N),
    ("2024-02-01", "Other"): (1, 0, 0, N, N, 0, N),
    ("2024-02-01", "Paid Search"): (N, N, N, 0.5, N, N, 100),
    ("2024-02-01", "Paid Social"): (1, 0, 0, N, N, 150, N),
    ("2024-02-01", "Unknown"): (0, N, 0, N, N, N, N),
    ("2024-03-01", "Organic Web"): (0, N, 0, N, N, N, N),
    ("2024-03-01", "Other"): (N, N, N, N, N, N, N),
    ("2024-03-01", "Paid Search"): (1, 1, 1, 0, -0.5, 100, 100),
    ("2024-03-01", "Paid Social"): (N, N, N, 1, -1, N, 0),
    ("2024-03-01", "Unknown"): (N, N, N, N, N, N, N),
}
RATIO_COLUMNS = [
    "lead_to_qualified_rate",
    "qualified_to_converted_rate",
    "lead_conversion_rate",
    "opportunity_to_won_rate",
    "lead_velocity_rate",
    "cost_per_lead",
    "cost_per_opportunity",
]


def test_funnel_landing_lead_funnel_grid_and_counts(funnel_landing_serving: Path) -> None:
    rows = _rows(funnel_landing_serving, "select * from marts.lead_funnel_by_channel_monthly")
    got = _by_key(rows, "month", "channel")
    assert sorted(got) == sorted((m, c) for m in MONTHS for c in CHANNELS)
    for key, row in got.items():
        expected = FUNNEL_COUNTS.get(key, {})
        for column in COUNT_COLUMNS:
            assert _same(row[column], expected.get(column, 0)), (key, column, row[column])
        assert row["is_paid_channel"] == (key[1] in {"Paid Search", "Paid Social", "Other"}), key


def test_funnel_landing_lead_funnel_ratios(funnel_landing_serving: Path) -> None:
    got = _by_key(
        _rows(funnel_landing_serving, "select * from marts.lead_funnel_by_channel_monthly"),
        "month",
        "channel",
    )
    for key, expected in FUNNEL_RATIOS.items():
        for column, value in zip(RATIO_COLUMNS, expected, strict=True):
            assert _same(got[key][column], value), (key, column, got[key][column], value)


def test_funnel_landing_efficiency_by_channel(funnel_landing_serving: Path) -> None:
    got = _by_key(
        _rows(funnel_landing_serving, "select * from marts.marketing_efficiency_by_channel_monthly"),
        "month",
        "channel",
    )
    assert len(got) == 15
    # (spend, impressions, clicks, platform_conversions, leads, pipeline created, bookings, ROAS)
    expected = {
        ("2024-01-01", "Organic Web"): (0, 0, 0, 0, 1, 1000, 0, N),
        ("2024-01-01", "Paid Search"): (300, 10000, 200, 10, 2, 0, 0, 0),
        ("2024-01-01", "Paid Social"): (100, 20000, 100, 2, 0, 0, 0, 0),
        ("2024-01-01", "Unknown"): (0, 0, 0, 0, 0, 600, 600, N),
        ("2024-02-01", "Organic Web"): (0, 0, 0, 0, 0, 0, 1000, N),
        ("2024-02-01", "Paid Search"): (200, 8000, 160, 8, 0, 3300, 0, 0),
        ("2024-02-01", "Paid Social"): (150, 3000, 30, 1, 1, 0, 0, 0),
        ("2024-03-01", "Paid Search"): (100, 4000, 80, 4, 1, 400, 2500, 25),
        ("2024-03-01", "Paid Social"): (0, 0, 0, 0, 0, 0, 0, N),
        ("2024-03-01", "Other"): (50, 5000, 25, 0, 0, 0, 0, 0),
    }
    columns = [
        "spend",
        "impressions",
        "clicks",
        "platform_conversions",
        "leads_created",
        "pipeline_created_amount",
        "bookings",
        "return_on_ad_spend",
    ]
    for key, values in expected.items():
        for column, value in zip(columns, values, strict=True):
            assert _same(got[key][column], value), (key, column, got[key][column], value)
    jan_search = got[("2024-01-01", "Paid Search")]
    assert _same(jan_search["cost_per_lead"], 150)
    assert _same(jan_search["click_through_rate"], 0.02)
    assert _same(jan_search["cost_per_click"], 1.5)
    assert got[("2024-01-01", "Organic Web")]["cost_per_lead"] is None  # no attributable spend


def test_funnel_landing_efficiency_by_platform(funnel_landing_serving: Path) -> None:
    got = _by_key(
        _rows(funnel_landing_serving, "select * from marts.marketing_efficiency_by_platform_monthly"),
        "month",
        "platform",
    )
    platforms = ["google_ads", "linkedin_ads", "meta_ads", "reddit_ads"]
    assert sorted(got) == sorted((m, p) for m in MONTHS for p in platforms)
    channel_of = {
        "google_ads": "Paid Search",
        "linkedin_ads": "Paid Social",
        "meta_ads": "Paid Social",
        "reddit_ads": "Other",
    }
    for (_, platform), row in got.items():
        assert row["channel"] == channel_of[platform]
    feb_li = got[("2024-02-01", "linkedin_ads")]
    assert _same(feb_li["spend"], 150)
    assert _same(feb_li["cost_per_click"], 5)
    assert _same(feb_li["cost_per_platform_conversion"], 150)
    mar_reddit = got[("2024-03-01", "reddit_ads")]
    assert _same(mar_reddit["spend"], 50)
    assert mar_reddit["cost_per_platform_conversion"] is None  # 0 conversions
    assert _same(got[("2024-02-01", "meta_ads")]["spend"], 0)


def test_funnel_landing_lead_response_time(funnel_landing_serving: Path) -> None:
    got = _by_key(
        _rows(funnel_landing_serving, "select * from marts.lead_response_time_monthly"),
        "month",
        "owner_id",
    )
    # (leads, with activity, within 24 h, median hours, p90 hours)
    expected = {
        ("2024-01-01", U1): (2, 2, 2, 1.75, 2.35),
        ("2024-01-01", U2): (1, 1, 0, 48, 48),
        ("2024-02-01", U1): (2, 2, 2, 8, 9.6),
        ("2024-02-01", U2): (1, 0, 0, N, N),
        ("2024-03-01", U1): (1, 1, 1, 4, 4),
        ("2024-03-01", U2): (1, 1, 1, 24, 24),
    }
    assert sorted(got) == sorted(expected)
    columns = [
        "leads",
        "leads_with_activity",
        "leads_with_activity_within_24_hours",
        "median_hours_to_first_activity",
        "p90_hours_to_first_activity",
    ]
    for key, values in expected.items():
        for column, value in zip(columns, values, strict=True):
            assert _same(got[key][column], value), (key, column, got[key][column], value)


# --------------------------------------------------------------------------------------------
# (2) consistency on the demo landing


@pytest.fixture(scope="module")
def demo(demo_serving: Path) -> dict[str, list[dict]]:
    tables = [
        "sales_metrics_monthly",
        "lead_funnel_by_channel_monthly",
        "marketing_efficiency_by_channel_monthly",
        "marketing_efficiency_by_platform_monthly",
        "lead_response_time_monthly",
    ]
    return {t: _rows(demo_serving, f"select * from marts.{t} order by all") for t in tables}


def test_demo_channel_grid_is_complete(demo: dict[str, list[dict]]) -> None:
    months = [r["month"] for r in demo["sales_metrics_monthly"]]
    for table in ("lead_funnel_by_channel_monthly", "marketing_efficiency_by_channel_monthly"):
        rows = demo[table]
        channels = {r["channel"] for r in rows}
        assert {"Paid Search", "Paid Social", "Organic Web", "Unknown"} <= channels
        assert sorted((r["month"], r["channel"]) for r in rows) == sorted(
            (m, c) for m in months for c in channels
        )
    assert not any("name" in c or "email" in c or "phone" in c for c in demo["lead_response_time_monthly"][0])


def test_demo_channels_add_up_to_company_totals(demo: dict[str, list[dict]]) -> None:
    company = {r["month"]: r for r in demo["sales_metrics_monthly"]}
    sums: dict = defaultdict(lambda: defaultdict(Decimal))
    for r in demo["lead_funnel_by_channel_monthly"]:
        for column in (
            "leads_created",
            "qualified_leads",
            "converted_leads",
            "won_deals",
            "won_amount",
            "paid_media_spend",
        ):
            sums[r["month"]][column] += Decimal(r[column])
    assert sum(s["leads_created"] for s in sums.values()) > 1000  # the demo has real volume
    for month, s in sums.items():
        c = company[month]
        assert s["leads_created"] == c["leads_created"], month
        assert s["qualified_leads"] == c["qualified_leads"], month
        assert s["won_deals"] == c["won_deals"], month
        assert s["won_amount"] == c["won_amount"], month
        assert s["paid_media_spend"] == c["paid_media_spend"], month
        assert _same(_ratio(s["converted_leads"], s["leads_created"]), c["lead_conversion_rate"]), month
    platform_spend: dict = defaultdict(Decimal)
    for r in demo["marketing_efficiency_by_platform_monthly"]:
        platform_spend[r["month"]] += r["spend"]
    assert platform_spend == {m: c["paid_media_spend"] for m, c in company.items()}


def test_demo_funnel_ratios_match_their_columns(demo: dict[str, list[dict]]) -> None:
    previous: dict[str, dict] = {}
    checked_lvr = 0
    for r in sorted(demo["lead_funnel_by_channel_monthly"], key=lambda r: (r["channel"], r["month"])):
        assert _same(r["lead_to_qualified_rate"], _ratio(r["cohort_qualified_leads"], r["leads_created"]))
        assert _same(
            r["qualified_to_converted_rate"],
            _ratio(r["cohort_qualified_converted_leads"], r["cohort_qualified_leads"]),
        )
        assert _same(r["lead_conversion_rate"], _ratio(r["converted_leads"], r["leads_created"]))
        assert _same(
            r["opportunity_to_won_rate"], _ratio(r["cohort_won_opportunities"], r["opportunities_created"])
        )
        paid = r["is_paid_channel"]
        assert _same(r["cost_per_lead"], _ratio(r["paid_media_spend"], r["leads_created"]) if paid else None)
        assert _same(
            r["cost_per_opportunity"],
            _ratio(r["paid_media_spend"], r["opportunities_created"]) if paid else None,
        )
        assert r["cohort_qualified_converted_leads"] <= r["cohort_qualified_leads"] <= r["leads_created"]
        prev = previous.get(r["channel"])
        if prev is not None:
            q0 = prev["qualified_leads"]
            assert _same(r["lead_velocity_rate"], _ratio(r["qualified_leads"] - q0, q0))
            checked_lvr += 1
        previous[r["channel"]] = r
    assert checked_lvr > 100
    paid = {r["channel"] for r in demo["lead_funnel_by_channel_monthly"] if r["is_paid_channel"]}
    assert paid == {"Paid Search", "Paid Social"}


def test_demo_efficiency_matches_funnel_and_recomputes(demo: dict[str, list[dict]]) -> None:
    funnel = _by_key(demo["lead_funnel_by_channel_monthly"], "month", "channel")
    roas_checked = 0
    for r in demo["marketing_efficiency_by_channel_monthly"]:
        f = funnel[(str(r["month"]), r["channel"])]
        assert r["leads_created"] == f["leads_created"]
        assert r["opportunities_created"] == f["opportunities_created"]
        assert r["bookings"] == f["won_amount"]
        assert r["spend"] == f["paid_media_spend"]
        assert _same(r["return_on_ad_spend"], _ratio(r["bookings"], r["spend"]))
        assert _same(r["cost_per_lead"], f["cost_per_lead"])
        assert _same(r["pipeline_to_spend_ratio"], _ratio(r["pipeline_created_amount"], r["spend"]))
        assert _same(r["click_through_rate"], _ratio(r["clicks"], r["impressions"]))
        assert r["pipeline_created_amount"] >= 0
        roas_checked += r["return_on_ad_spend"] is not None
    assert roas_checked > 20


def test_demo_lead_response_time(demo: dict[str, list[dict]]) -> None:
    company = {r["month"]: r["leads_created"] for r in demo["sales_metrics_monthly"]}
    leads: dict = defaultdict(int)
    with_percentiles = 0
    for r in demo["lead_response_time_monthly"]:
        leads[r["month"]] += r["leads"]
        assert r["leads_with_activity_within_24_hours"] <= r["leads_with_activity"] <= r["leads"]
        assert _same(r["activity_rate"], _ratio(r["leads_with_activity"], r["leads"]))
        if r["leads_with_activity"] == 0:
            assert r["median_hours_to_first_activity"] is None
            assert r["p90_hours_to_first_activity"] is None
        else:
            assert 0 <= r["median_hours_to_first_activity"] <= r["p90_hours_to_first_activity"]
            with_percentiles += 1
    assert dict(leads) == company
    assert with_percentiles > 50
