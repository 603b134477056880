"""The by-territory marts: `marts.sales_metrics_by_territory_monthly` and `marts.territory_planning`.

Three landings, each refreshed by the real CLI:

* the territory landing = tests/fixtures/small_landing + the overlay tests/fixtures/territory_landing/crm
  (2 live territories, a deleted one, an account with two territories, deleted and invalid
  associations, an inactive rep). Every expected value below is worked out by hand in
  tests/fixtures/territory_landing/WORKING.md (section numbers quoted next to the tables);
  the company-wide numbers it splits are those of tests/fixtures/small_landing_expected/WORKING.md.
* the small landing itself, which has no territories: everything is 'Unassigned', so the one slice
  must equal the company-wide mart column for column (ratios included).
* the demo landing: slices add up to the company-wide `sales_metrics_monthly` where additive, ratios
  equal their own numerator / denominator, planning shares sum to 1.
"""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SMALL_LANDING, run_salesops

REPO = Path(__file__).resolve().parents[1]
TERRITORY_OVERLAY = REPO / "tests" / "fixtures" / "territory_landing" / "crm"

MONTHLY = "marts.sales_metrics_by_territory_monthly"
PLANNING = "marts.territory_planning"
TOL = 1e-6

# Columns that add up over territories to the company-wide sales_metrics_monthly column.
ADDITIVE = [
    "won_deals",
    "lost_deals",
    "won_amount",
    "new_customers",
    "mrr",
    "active_customers",
    "churned_customers",
    "open_deals",
    "open_pipeline_amount",
    "weighted_pipeline_amount",
]
# Columns shared with sales_metrics_monthly (same name, same definition).
SHARED = ADDITIVE + [
    "win_rate",
    "avg_sale_value",
    "sales_cycle_days_avg",
    "sales_cycle_days_median",
    "arpa",
    "customer_churn_rate",
    "pipeline_quality_ratio",
]


# --------------------------------------------------------------------------- helpers


def rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def num(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def same(actual, expected, tol: float = TOL) -> bool:
    actual, expected = num(actual), num(expected)
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, float) and math.isnan(actual):
        return False
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=tol)


def ratio(numerator, denominator) -> float | None:
    numerator, denominator = num(numerator), num(denominator)
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def by_month(path: Path, table: str) -> dict[date, dict]:
    return {r["month"]: r for r in rows(path, f"select * from {table}")}


def assert_slices_add_up(path: Path) -> None:
    company = by_month(path, "marts.sales_metrics_monthly")
    sliced = rows(path, f"select * from {MONTHLY}")
    totals: dict[date, dict[str, float | None]] = defaultdict(dict)
    for r in sliced:
        for col in ADDITIVE:
            value = num(r[col])
            if value is None:
                totals[r["month"]].setdefault(col, None)
            else:
                totals[r["month"]][col] = (totals[r["month"]].get(col) or 0) + value
    assert set(totals) == set(company)
    problems = [
        (month, col, totals[month][col], company[month][col])
        for month in sorted(company)
        for col in ADDITIVE
        if not same(totals[month][col], company[month][col])
    ]
    assert not problems, problems[:20]


# --------------------------------------------------------------------------- territory landing


@pytest.fixture(scope="module")
def territory_landing_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small_landing + the territory overlay, refreshed once (UTC): the serving file."""
    root = tmp_path_factory.mktemp("territory_landing_run")
    landing = root / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    shutil.copytree(TERRITORY_OVERLAY, landing / "crm", dirs_exist_ok=True)
    result = run_salesops(landing, root)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return root / "serving.duckdb"


EAST, WEST, UNASSIGNED = "East", "West", "Unassigned"
MONTHS = [date(2024, m, 1) for m in range(1, 7)]

# WORKING.md sections 3-6. Per territory, one tuple per month Jan..Jun:
# won, lost, won_amount, win_rate, avg_sale_value, cycle_avg, cycle_median, new_customers,
# mrr, active, arpa, churned, churn_rate, open_deals, open_amount, weighted, quality, created
N = None
EXPECTED_MONTHLY = {
    EAST: [
        (1, 0, 12000, 1, 12000, 12, 12, 1, 4000, 1, 4000, 0, N, 2, 33000, 27900, 1, 45000),
        (1, 0, 24000, 1, 24000, 21, 21, 0, 6000, 2, 3000, 0, 0, 2, 19000, 7300, 0.5, 18000),
        (1, 0, 9000, 1, 9000, 80, 80, 0, 9000, 2, 4500, 0, 0, 1, 15000, 7500, 1, 22000),
        (0, 0, 0, N, N, N, N, 0, 5000, 1, 5000, 1, 0.5, 2, 15000, 13500, 1, 0),
        (1, 0, 0, 1, 0, 20, 20, 0, 5000, 2, 2500, 0, 0, 1, 18000, 16200, 1, 0),
        (0, 0, 0, N, N, N, N, 0, 2000, 2, 1000, 0, 0, 2, 40000, 32700, 1, 0),
    ],
    WEST: [
        (0, 0, 0, N, N, N, N, 0, 2000, 1, 2000, 0, 0, 0, 0, 0, N, 15000),
        (0, 1, 0, 0, N, N, N, 0, 2000, 1, 2000, 0, 0, 1, 13333.333333, 10000, 1, 15000),
        (1, 0, 15000, 1, 15000, 44, 44, 1, 2500, 1, 2500, 1, 1, 0, 0, 0, N, 0),
        (0, 0, 0, N, N, N, N, 0, 2500, 1, 2500, 0, 0, 1, 8000, 800, 0, 8000),
        (0, 0, 0, N, N, N, N, 0, 2500, 1, 2500, 0, 0, 2, 15000, 6900, 0.5, 7000),
        (0, 1, 0, 0, N, N, N, 0, 2500, 1, 2500, 0, 0, 1, 8000, 4800, 1, 0),
    ],
    UNASSIGNED: [
        (0, 0, 0, N, N, N, N, 0, 0, 0, N, 0, N, 0, 0, 0, N, 0),
        (0, 0, 0, N, N, N, N, 0, 0, 0, N, 0, N, 1, 5000, 3000, 1, 5000),
        (2, 0, 8000, 1, 4000, 15, 15, 1, 1000, 1, 1000, 0, N, 1, 5000, 1000, 0, 8000),
        (0, 1, 0, 0, N, N, N, 0, 1000, 1, 1000, 0, 0, 0, 0, 0, N, 0),
        (0, 0, 0, N, N, N, N, 0, 1000, 1, 1000, 0, 0, 1, 6000, 3000, 1, 6000),
        (1, 0, 6000, 1, 6000, 43, 43, 1, 500, 1, 500, 1, 1, 0, 0, 0, N, 0),
    ],
}
MONTHLY_COLUMNS = [
    "won_deals",
    "lost_deals",
    "won_amount",
    "win_rate",
    "avg_sale_value",
    "sales_cycle_days_avg",
    "sales_cycle_days_median",
    "new_customers",
    "mrr",
    "active_customers",
    "arpa",
    "churned_customers",
    "customer_churn_rate",
    "open_deals",
    "open_pipeline_amount",
    "weighted_pipeline_amount",
    "pipeline_quality_ratio",
    "pipeline_created_amount",
]

# WORKING.md section 7.
EXPECTED_PLANNING = {
    EAST: dict(
        accounts=2,
        customers=2,
        open_deals=2,
        open_pipeline_amount=40000,
        bookings_trailing_12_months=45000,
        reps=1,
        bookings_per_rep=45000,
        share_of_accounts=2 / 7,
        share_of_pipeline=5 / 6,
        share_of_reps=1 / 3,
        accounts_balance_index=6 / 7,
        pipeline_balance_index=2.5,
    ),
    WEST: dict(
        accounts=3,
        customers=1,
        open_deals=1,
        open_pipeline_amount=8000,
        bookings_trailing_12_months=21000,
        reps=2,
        bookings_per_rep=10500,
        share_of_accounts=3 / 7,
        share_of_pipeline=1 / 6,
        share_of_reps=2 / 3,
        accounts_balance_index=9 / 14,
        pipeline_balance_index=0.25,
    ),
    UNASSIGNED: dict(
        accounts=2,
        customers=1,
        open_deals=0,
        open_pipeline_amount=0,
        bookings_trailing_12_months=14000,
        reps=0,
        bookings_per_rep=None,
        share_of_accounts=2 / 7,
        share_of_pipeline=0,
        share_of_reps=0,
        accounts_balance_index=None,
        pipeline_balance_index=None,
    ),
}


def test_territory_landing_grid(territory_landing_serving: Path) -> None:
    """Every month x (East, West, Unassigned); the deleted territory Legacy has no row."""
    got = rows(
        territory_landing_serving,
        f"select month, territory_id, territory_name from {MONTHLY} order by month, territory_name",
    )
    assert [(r["month"], r["territory_name"]) for r in got] == [
        (m, t) for m in MONTHS for t in (EAST, UNASSIGNED, WEST)
    ]
    ids = {r["territory_name"]: r["territory_id"] for r in got}
    assert ids == {EAST: "0MI5e00000TER01", WEST: "0MI5e00000TER02", UNASSIGNED: None}


def test_territory_landing_monthly_hand_worked(territory_landing_serving: Path) -> None:
    got = {
        (r["territory_name"], r["month"]): r
        for r in rows(territory_landing_serving, f"select * from {MONTHLY}")
    }
    problems = []
    for territory, months in EXPECTED_MONTHLY.items():
        for month, expected in zip(MONTHS, months, strict=True):
            row = got[(territory, month)]
            for col, value in zip(MONTHLY_COLUMNS, expected, strict=True):
                if not same(row[col], value):
                    problems.append((territory, month.isoformat(), col, row[col], value))
    assert not problems, problems


def test_territory_landing_planning_hand_worked(territory_landing_serving: Path) -> None:
    got = {r["territory_name"]: r for r in rows(territory_landing_serving, f"select * from {PLANNING}")}
    assert set(got) == set(EXPECTED_PLANNING)
    problems = [
        (territory, col, got[territory][col], value)
        for territory, expected in EXPECTED_PLANNING.items()
        for col, value in expected.items()
        if not same(got[territory][col], value, tol=1e-9)
    ]
    assert not problems, problems
    assert {r["as_of_date"] for r in got.values()} == {date(2024, 6, 20)}
    assert {r["as_of_month"] for r in got.values()} == {date(2024, 6, 1)}


def test_territory_landing_slices_add_up(territory_landing_serving: Path) -> None:
    assert_slices_add_up(territory_landing_serving)


# --------------------------------------------------------------------------- small landing


def test_small_landing_is_all_unassigned_and_equals_company(small_landing_serving: Path) -> None:
    """Without territories there is one slice, 'Unassigned', and it is the company: every shared
    column (ratios, churn rate, cycle medians, null pipeline included) equals sales_metrics_monthly."""
    company = by_month(small_landing_serving, "marts.sales_metrics_monthly")
    sliced = rows(small_landing_serving, f"select * from {MONTHLY} order by month")
    assert [r["month"] for r in sliced] == sorted(company) == MONTHS
    assert {(r["territory_id"], r["territory_name"]) for r in sliced} == {(None, UNASSIGNED)}
    problems = [
        (r["month"], col, r[col], company[r["month"]][col])
        for r in sliced
        for col in SHARED
        if not same(r[col], company[r["month"]][col])
    ]
    assert not problems, problems
    # WORKING.md section 6 of the territory landing: the same creation amounts, all in one slice.
    assert [num(r["pipeline_created_amount"]) for r in sliced] == [60000, 38000, 30000, 8000, 13000, 0]

    (planning,) = rows(small_landing_serving, f"select * from {PLANNING}")
    assert planning["territory_name"] == UNASSIGNED and planning["territory_id"] is None
    assert planning["accounts"] == 6 and planning["customers"] == 4 and planning["reps"] == 3
    assert same(planning["open_pipeline_amount"], 48000)
    assert same(planning["bookings_trailing_12_months"], 80000)
    for col in ("share_of_accounts", "share_of_pipeline", "share_of_reps"):
        assert same(planning[col], 1)
    assert same(planning["accounts_balance_index"], 1) and same(planning["pipeline_balance_index"], 1)


# --------------------------------------------------------------------------- demo


def test_demo_slices_add_up_to_company(demo_serving: Path) -> None:
    assert_slices_add_up(demo_serving)


def test_demo_grid_is_complete(demo_serving: Path) -> None:
    company_months = sorted(by_month(demo_serving, "marts.sales_metrics_monthly"))
    (territories,) = rows(demo_serving, "select count(*) as n from marts.dim_territories")
    got = rows(demo_serving, f"select month, territory_id, territory_name from {MONTHLY}")
    assert len(got) == len(company_months) * (territories["n"] + 1)
    per_month = defaultdict(set)
    for r in got:
        per_month[r["month"]].add((r["territory_id"], r["territory_name"]))
    assert sorted(per_month) == company_months
    assert all(len(v) == territories["n"] + 1 for v in per_month.values())
    assert all((None, UNASSIGNED) in v for v in per_month.values())


def test_demo_ratios_match_their_parts(demo_serving: Path) -> None:
    problems = []
    for r in rows(demo_serving, f"select * from {MONTHLY}"):
        checks = {
            "win_rate": ratio(r["won_deals"], r["won_deals"] + r["lost_deals"]),
            "avg_sale_value": ratio(r["won_amount"], r["won_deals"]),
            "arpa": ratio(r["mrr"], r["active_customers"]),
        }
        for col, expected in checks.items():
            if not same(r[col], expected, tol=1e-9):
                problems.append((r["month"], r["territory_name"], col, r[col], expected))
    assert not problems, problems[:20]


def test_demo_pipeline_created_adds_up_to_the_opportunities(demo_serving: Path) -> None:
    (diff,) = rows(
        demo_serving,
        f"""
        with created as (
            select date_trunc('month', created_date)::date as month,
                   sum(coalesce(amount_reporting, 0)) as amount
            from marts.fct_opportunities group by 1
        ),
        sliced as (select month, sum(pipeline_created_amount) as amount from {MONTHLY} group by 1)
        select count(*) as months, max(abs(sliced.amount - coalesce(created.amount, 0))) as max_diff,
               sum(sliced.amount) as total
        from sliced left join created using (month)
        """,
    )
    assert diff["months"] > 12 and num(diff["total"]) > 0
    assert num(diff["max_diff"]) < TOL


def test_demo_planning_shares_and_consistency(demo_serving: Path) -> None:
    planning = rows(demo_serving, f"select * from {PLANNING}")
    (calendar,) = rows(demo_serving, "select max(month) as as_of_month from marts.sales_metrics_monthly")
    as_of_month = calendar["as_of_month"]
    assert {r["as_of_month"] for r in planning} == {as_of_month}

    for col in ("share_of_accounts", "share_of_pipeline", "share_of_reps"):
        assert same(sum(num(r[col]) for r in planning), 1, tol=1e-9), col

    (counts,) = rows(
        demo_serving,
        """select (select count(*) from marts.dim_accounts) as accounts,
                  (select count(*) from marts.dim_reps where coalesce(is_active, true)) as reps,
                  (select count(*) from marts.dim_territories) as territories""",
    )
    assert len(planning) == counts["territories"] + 1
    assert sum(r["accounts"] for r in planning) == counts["accounts"]
    assert sum(r["reps"] for r in planning) == counts["reps"]

    # customers and open pipeline are the monthly mart's as-of-month values, territory by territory
    monthly = {
        r["territory_name"]: r
        for r in rows(demo_serving, f"select * from {MONTHLY} where month = '{as_of_month}'")
    }
    for r in planning:
        m = monthly[r["territory_name"]]
        assert r["customers"] == m["active_customers"], r["territory_name"]
        assert r["open_deals"] == m["open_deals"], r["territory_name"]
        assert same(r["open_pipeline_amount"], m["open_pipeline_amount"]), r["territory_name"]

    # trailing bookings add up to the company's won_amount of the 12 months to the as-of month
    company = by_month(demo_serving, "marts.sales_metrics_monthly")
    window = sorted(company)[-12:]
    assert window[-1] == as_of_month and len(window) == 12
    assert same(
        sum(num(r["bookings_trailing_12_months"]) for r in planning),
        sum(num(company[m]["won_amount"]) for m in window),
    )

    for r in planning:
        assert same(r["bookings_per_rep"], ratio(r["bookings_trailing_12_months"], r["reps"]))
        assert same(r["accounts_balance_index"], ratio(r["share_of_accounts"], r["share_of_reps"]))
        assert same(r["pipeline_balance_index"], ratio(r["share_of_pipeline"], r["share_of_reps"]))
        if r["reps"] == 0:
            assert r["accounts_balance_index"] is None and r["pipeline_balance_index"] is None
