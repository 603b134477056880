"""Rep marts: rep_performance_monthly / _quarterly, rep_commission_quarterly,
manager_rollup_monthly.

1. Hand-worked expectations on tests/fixtures/reps_landing (refreshed with the real CLI);
   every number is worked out in tests/fixtures/reps_landing/WORKING.md. When a test fails,
   read the row there before changing either side.
2. Consistency on the demo landing (scale 0.3, seed 7) and the small landing: the rep rows add
   up to sales_metrics_monthly, the quarters to their months, the ratios to their own
   numerator / denominator, the activities to the landing's Task/Event files (read here
   independently of dbt), the commission to its formula, the manager rows to their tree.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_salesops

REPO = Path(__file__).resolve().parents[1]
REPS_LANDING = REPO / "tests" / "fixtures" / "reps_landing"

SUBPAR = 0.7
OUTSTANDING = 1.2


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def short(user_id: str | None) -> str | None:
    return None if user_id is None else user_id.replace("0055e00000REP", "")


def close(actual, expected, tol: float = 1e-9) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return math.isclose(float(actual), float(expected), rel_tol=tol, abs_tol=tol)


def rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def assert_row(actual: dict, expected: dict, label: str) -> None:
    for column, value in expected.items():
        got = actual[column]
        if value is None or isinstance(value, (bool, str)):
            assert got == value, f"{label} {column}: {got!r} != {value!r}"
        else:
            assert close(got, value), f"{label} {column}: {got!r} != {value!r}"


@pytest.fixture(scope="module")
def reps_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("reps_landing_run")
    result = run_salesops(REPS_LANDING, workdir)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return workdir / "serving.duckdb"


# --------------------------------------------------------------------------- hand-worked

JAN, FEB, MAR, APR = d("2024-01-01"), d("2024-02-01"), d("2024-03-01"), d("2024-04-01")

ZERO = dict(
    won_deals=0,
    lost_deals=0,
    won_amount=0,
    win_rate=None,
    avg_sale_value=None,
    sales_cycle_days_avg=None,
    sales_cycle_days_median=None,
    pipeline_created_deals=0,
    pipeline_created_amount=0,
    quota_amount=0,
    quota_attainment=None,
    calls=0,
    emails=0,
    meetings=0,
    other_activities=0,
    trailing_quarter_attainment=None,
    is_subpar_performance=False,
    is_outstanding_performance=False,
)


def expected_monthly() -> dict[tuple[dt.date, str], dict]:
    """WORKING.md, rep_performance_monthly."""
    e: dict[tuple[dt.date, str], dict] = {}
    for month in (JAN, FEB, MAR, APR):
        e[(month, "V1")] = {**ZERO, "manager_id": None, "is_active_rep": True}
        e[(month, "M1")] = {**ZERO, "manager_id": "V1", "is_active_rep": True}
    for month in (MAR, APR):
        e[(month, "R4")] = {**ZERO, "manager_id": "M1", "is_active_rep": True}
    r1 = {**ZERO, "manager_id": "M1", "is_active_rep": True}
    e[(JAN, "R1")] = {
        **r1,
        "won_deals": 1,
        "won_amount": 12000,
        "win_rate": 1.0,
        "avg_sale_value": 12000,
        "sales_cycle_days_avg": 15,
        "sales_cycle_days_median": 15,
        "pipeline_created_deals": 2,
        "pipeline_created_amount": 37000,
        "quota_amount": 10000,
        "quota_attainment": 1.2,
        "calls": 1,
        "emails": 1,
        "meetings": 1,
        "trailing_quarter_attainment": 1.2,
        "is_outstanding_performance": True,
    }
    e[(FEB, "R1")] = {
        **r1,
        "won_deals": 1,
        "lost_deals": 1,
        "won_amount": 25000,
        "win_rate": 0.5,
        "avg_sale_value": 25000,
        "sales_cycle_days_avg": 35,
        "sales_cycle_days_median": 35,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 8000,
        "quota_amount": 10000,
        "quota_attainment": 2.5,
        "other_activities": 1,
        "trailing_quarter_attainment": 37000 / 20000,
        "is_outstanding_performance": True,
    }
    e[(MAR, "R1")] = {
        **r1,
        "quota_amount": 10000,
        "quota_attainment": 0.0,
        "trailing_quarter_attainment": 37000 / 30000,
        "is_outstanding_performance": True,
    }
    e[(APR, "R1")] = {
        **r1,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 5000,
        "quota_amount": 10000,
        "quota_attainment": 0.0,
        "meetings": 1,
        "trailing_quarter_attainment": 25000 / 30000,
    }
    r2 = {**ZERO, "manager_id": "M1", "is_active_rep": True}
    e[(JAN, "R2")] = {
        **r2,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 20000,
        "quota_amount": 5000,
        "quota_attainment": 0.0,
        "trailing_quarter_attainment": 0.0,
        "is_subpar_performance": True,
    }
    e[(FEB, "R2")] = {
        **r2,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 7000,
        "quota_amount": 5000,
        "quota_attainment": 0.0,
        "meetings": 2,
        "trailing_quarter_attainment": 0.0,
        "is_subpar_performance": True,
    }
    e[(MAR, "R2")] = {
        **r2,
        "won_deals": 2,
        "won_amount": 20000,
        "win_rate": 1.0,
        "avg_sale_value": 10000,
        "sales_cycle_days_avg": 42.5,
        "sales_cycle_days_median": 42.5,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 0,
        "quota_amount": 5000,
        "quota_attainment": 4.0,
        "calls": 2,
        "trailing_quarter_attainment": 20000 / 15000,
        "is_outstanding_performance": True,
    }
    e[(APR, "R2")] = {
        **r2,
        "trailing_quarter_attainment": 2.0,
        "is_outstanding_performance": True,
    }
    r3 = {**ZERO, "manager_id": "M1", "is_active_rep": False}
    e[(JAN, "R3")] = {
        **r3,
        "pipeline_created_deals": 1,
        "pipeline_created_amount": 4000,
    }
    e[(FEB, "R3")] = {
        **r3,
        "won_deals": 1,
        "won_amount": 4000,
        "win_rate": 1.0,
        "avg_sale_value": 4000,
        "sales_cycle_days_avg": 34,
        "sales_cycle_days_median": 34,
    }
    e[(MAR, "R3")] = {**r3, "emails": 1}
    return e


def test_reps_landing_rep_performance_monthly(reps_serving: Path) -> None:
    actual = {
        (r["month"], short(r["rep_id"])): {**r, "manager_id": short(r["manager_id"])}
        for r in rows(reps_serving, "select * from marts.rep_performance_monthly")
    }
    expected = expected_monthly()
    assert sorted(actual) == sorted(expected)
    for key, row in expected.items():
        assert_row(actual[key], row, str(key))


def test_reps_landing_rep_performance_quarterly(reps_serving: Path) -> None:
    actual = {
        (r["quarter"], short(r["rep_id"])): r
        for r in rows(reps_serving, "select * from marts.rep_performance_quarterly")
    }
    q1, q2 = JAN, APR
    assert sorted(actual) == sorted(
        [(q1, u) for u in ("M1", "R1", "R2", "R3", "R4", "V1")]
        + [(q2, u) for u in ("M1", "R1", "R2", "R4", "V1")]
    )
    assert_row(
        actual[(q1, "R1")],
        dict(
            months_in_range=3,
            won_deals=2,
            lost_deals=1,
            won_amount=37000,
            win_rate=2 / 3,
            avg_sale_value=18500,
            sales_cycle_days_avg=25,
            sales_cycle_days_median=25,
            pipeline_created_deals=3,
            pipeline_created_amount=45000,
            quota_amount=30000,
            quota_attainment=37000 / 30000,
            calls=1,
            emails=1,
            meetings=1,
            other_activities=1,
            is_subpar_performance=False,
            is_outstanding_performance=True,
        ),
        "Q1 R1",
    )
    assert_row(
        actual[(q1, "R2")],
        dict(
            months_in_range=3,
            won_deals=2,
            lost_deals=0,
            won_amount=20000,
            win_rate=1.0,
            avg_sale_value=10000,
            sales_cycle_days_avg=42.5,
            sales_cycle_days_median=42.5,
            pipeline_created_deals=3,
            pipeline_created_amount=27000,
            quota_amount=15000,
            quota_attainment=20000 / 15000,
            calls=2,
            emails=0,
            meetings=2,
            other_activities=0,
            is_outstanding_performance=True,
        ),
        "Q1 R2",
    )
    assert_row(
        actual[(q1, "R3")],
        dict(
            months_in_range=3,
            won_deals=1,
            won_amount=4000,
            sales_cycle_days_median=34,
            pipeline_created_deals=1,
            quota_amount=0,
            quota_attainment=None,
            emails=1,
            is_subpar_performance=False,
            is_outstanding_performance=False,
        ),
        "Q1 R3",
    )
    assert_row(actual[(q1, "R4")], dict(months_in_range=1, won_amount=0), "Q1 R4")
    assert_row(
        actual[(q2, "R1")],
        dict(
            months_in_range=1,
            quota_amount=10000,
            quota_attainment=0.0,
            pipeline_created_amount=5000,
            meetings=1,
            is_subpar_performance=True,
        ),
        "Q2 R1",
    )


def test_reps_landing_commission(reps_serving: Path) -> None:
    actual = {
        (r["quarter"], short(r["rep_id"])): r
        for r in rows(reps_serving, "select * from marts.rep_commission_quarterly")
    }
    assert_row(
        actual[(JAN, "R1")],
        dict(
            plan_match_type="default",
            quota_period="quarter",
            bookings=37000,
            quota_amount=30000,
            base_commission=3000,
            accelerator_commission=1050,
            total_commission=4050,
            is_quarter_complete=True,
        ),
        "Q1 R1",
    )
    assert_row(
        actual[(JAN, "R2")],
        dict(
            plan_match_type="title",
            bookings=20000,
            quota_amount=15000,
            base_commission=1800,
            accelerator_commission=900,
            total_commission=2700,
        ),
        "Q1 R2",
    )
    assert_row(
        actual[(JAN, "R3")],
        dict(
            plan_match_type="default",
            bookings=4000,
            quota_amount=0,
            quota_attainment=None,
            base_commission=400,
            accelerator_commission=0,
            total_commission=400,
        ),
        "Q1 R3",
    )
    assert_row(
        actual[(APR, "R1")],
        dict(
            bookings=0,
            quota_amount=30000,
            total_commission=0,
            is_quarter_complete=False,
        ),
        "Q2 R1",
    )
    # Exact decimals: no floating-point residue in money.
    assert actual[(JAN, "R1")]["total_commission"] == Decimal("4050")


def test_reps_landing_manager_rollup(reps_serving: Path) -> None:
    actual = {
        (r["month"], short(r["manager_id"])): r
        for r in rows(reps_serving, "select * from marts.manager_rollup_monthly")
    }
    assert sorted(actual) == sorted((m, u) for m in (JAN, FEB, MAR, APR) for u in ("M1", "V1"))
    expected = {
        (JAN, "M1"): (3, 3, 1, 0, 12000, 15000, 20000, 0.6, 0.8),
        (FEB, "M1"): (3, 3, 2, 1, 29000, 15000, 20000, 1.45, 29000 / 15000),
        (MAR, "M1"): (4, 4, 2, 0, 20000, 15000, 20000, 1.0, 20000 / 15000),
        (APR, "M1"): (3, 3, 0, 0, 0, 10000, 0, None, 0.0),
        (JAN, "V1"): (4, 1, 1, 0, 12000, 15000, 0, None, 0.8),
        (MAR, "V1"): (5, 1, 2, 0, 20000, 15000, 0, None, 20000 / 15000),
    }
    columns = [
        "reps_count",
        "direct_reps_count",
        "team_won_deals",
        "team_lost_deals",
        "team_won_amount",
        "reps_quota_amount",
        "team_quota_amount",
        "team_quota_attainment",
        "reps_quota_attainment",
    ]
    for key, values in expected.items():
        assert_row(actual[key], dict(zip(columns, values, strict=True)), str(key))


# --------------------------------------------------------------------------- consistency


def check_rep_months_add_up(serving: Path) -> None:
    company = {r["month"]: r for r in rows(serving, "select * from marts.sales_metrics_monthly")}
    sums = {
        r["month"]: r
        for r in rows(
            serving,
            """
            select month, count(*) as reps, sum(won_deals) as won_deals,
                   sum(lost_deals) as lost_deals, sum(won_amount) as won_amount,
                   sum(quota_amount) as quota_amount
            from marts.rep_performance_monthly group by month""",
        )
    }
    assert company and sorted(sums) == sorted(company)
    for month, c in company.items():
        s = sums[month]
        assert s["won_deals"] == c["won_deals"], month
        assert s["lost_deals"] == c["lost_deals"], month
        assert s["won_amount"] == c["won_amount"], month
        assert s["quota_amount"] == c["quota_amount"], month


def test_demo_rep_months_add_up_to_company(demo_serving: Path) -> None:
    check_rep_months_add_up(demo_serving)


def test_small_landing_rep_months_add_up_to_company(
    small_landing_serving: Path,
) -> None:
    check_rep_months_add_up(small_landing_serving)


def test_demo_every_active_rep_every_month(demo_serving: Path) -> None:
    reps = rows(
        demo_serving,
        "select rep_id from marts.dim_reps where coalesce(is_active, true)",
    )
    months = rows(demo_serving, "select month from marts.sales_metrics_monthly")
    present = {
        (r["month"], r["rep_id"])
        for r in rows(demo_serving, "select month, rep_id from marts.rep_performance_monthly")
    }
    assert len(reps) > 5
    for m in months:
        for r in reps:
            assert (m["month"], r["rep_id"]) in present


def test_demo_monthly_ratios_and_flags(demo_serving: Path) -> None:
    data = rows(
        demo_serving,
        "select * from marts.rep_performance_monthly order by rep_id, month",
    )
    by_rep: dict[str, dict[dt.date, dict]] = defaultdict(dict)
    for r in data:
        by_rep[r["rep_id"]][r["month"]] = r
    flagged = {"subpar": 0, "outstanding": 0}
    for r in data:
        won, lost = r["won_deals"], r["lost_deals"]
        assert close(r["win_rate"], won / (won + lost) if won + lost else None)
        assert close(r["avg_sale_value"], float(r["won_amount"]) / won if won else None)
        quota = float(r["quota_amount"])
        assert close(r["quota_attainment"], float(r["won_amount"]) / quota if quota else None)
        trailing_quota = float(r["quota_amount_trailing_3_months"])
        trailing = float(r["won_amount_trailing_3_months"]) / trailing_quota if trailing_quota else None
        assert close(r["trailing_quarter_attainment"], trailing)
        assert r["is_subpar_performance"] == (trailing is not None and trailing < SUBPAR)
        assert r["is_outstanding_performance"] == (trailing is not None and trailing >= OUTSTANDING)
        flagged["subpar"] += r["is_subpar_performance"]
        flagged["outstanding"] += r["is_outstanding_performance"]
        # The trailing window is this month and the two before (present rows of the same rep).
        month = r["month"]
        window = [
            by_rep[r["rep_id"]].get(
                dt.date(
                    month.year + (month.month - k - 1) // 12,
                    (month.month - k - 1) % 12 + 1,
                    1,
                )
            )
            for k in range(3)
        ]
        if all(w is not None for w in window):
            assert r["won_amount_trailing_3_months"] == sum(w["won_amount"] for w in window)
            assert r["quota_amount_trailing_3_months"] == sum(w["quota_amount"] for w in window)
    assert flagged["subpar"] > 0 and flagged["outstanding"] > 0


def test_demo_quarters_are_sums_of_months(demo_serving: Path) -> None:
    additive = [
        "won_deals",
        "lost_deals",
        "won_amount",
        "pipeline_created_deals",
        "pipeline_created_amount",
        "quota_amount",
        "calls",
        "emails",
        "meetings",
        "other_activities",
    ]
    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for r in rows(demo_serving, "select * from marts.rep_performance_monthly"):
        quarter = dt.date(r["month"].year, (r["month"].month - 1) // 3 * 3 + 1, 1)
        s = sums[(quarter, r["rep_id"])]
        s["months_in_range"] += 1
        for c in additive:
            s[c] += r[c]
    quarterly = rows(demo_serving, "select * from marts.rep_performance_quarterly")
    assert sorted((q["quarter"], q["rep_id"]) for q in quarterly) == sorted(sums)
    for q in quarterly:
        s = sums[(q["quarter"], q["rep_id"])]
        for c in ["months_in_range", *additive]:
            assert q[c] == s[c], (q["quarter"], q["rep_id"], c)
        won, lost = q["won_deals"], q["lost_deals"]
        assert close(q["win_rate"], won / (won + lost) if won + lost else None)
        assert close(q["avg_sale_value"], float(q["won_amount"]) / won if won else None)
        quota = float(q["quota_amount"])
        attainment = float(q["won_amount"]) / quota if quota else None
        assert close(q["quota_attainment"], attainment)
        assert q["is_subpar_performance"] == (attainment is not None and attainment < SUBPAR)


def latest_records(landing: Path, pattern: str) -> dict[str, dict]:
    """Current row per Id of a CRM object, read straight from the landing files (greatest
    LastModifiedDate, then the later file / row), as sources.md says."""
    current: dict[str, tuple] = {}
    files = sorted(
        landing.glob(f"crm/**/{pattern}"),
        key=lambda p: p.relative_to(landing).as_posix().encode(),
    )
    for seq, path in enumerate(files):
        with path.open(encoding="utf-8", newline="") as f:
            for n, rec in enumerate(csv.DictReader(f)):
                key = (
                    rec.get("LastModifiedDate") or rec.get("SystemModstamp") or rec["CreatedDate"],
                    seq,
                    n,
                )
                if rec["Id"] not in current or key >= current[rec["Id"]][0]:
                    current[rec["Id"]] = (key, rec)
    return {i: rec for i, (_, rec) in current.items() if (rec.get("IsDeleted") or "").lower() != "true"}


TYPES = {"call": "calls", "email": "emails", "meeting": "meetings"}


def test_demo_activities_match_landing_files(demo_serving: Path) -> None:
    """Counts per month and type, from the files (mapping of int_activities), leaving out
    activities dated after the as-of date."""
    landing = demo_serving.parent / "landing"
    as_of = rows(demo_serving, "select max(as_of_date) as d from marts.refresh_log")[0]["d"]
    counted: dict[tuple[dt.date, str], int] = defaultdict(int)
    late = 0
    for rec in latest_records(landing, "Task*.csv").values():
        kind = TYPES.get((rec["Type"] or "").strip().lower()) or TYPES.get(
            (rec.get("TaskSubtype") or "").strip().lower(), "other_activities"
        )
        day = d(rec["ActivityDate"]) if rec["ActivityDate"] else d(rec["CreatedDate"][:10])
        counted[(day.replace(day=1), kind)] += day <= as_of
        late += day > as_of
    for rec in latest_records(landing, "Event*.csv").values():
        kind = TYPES.get((rec["Type"] or "").strip().lower()) or TYPES.get(
            (rec.get("TaskSubtype") or "").strip().lower(), "meetings"
        )
        kind = kind if kind in ("calls", "emails") else "meetings"
        day = d((rec["StartDateTime"] or rec["CreatedDate"])[:10])  # UTC reporting zone
        counted[(day.replace(day=1), kind)] += day <= as_of
        late += day > as_of
    marts = rows(
        demo_serving,
        """
        select month, sum(calls) as calls, sum(emails) as emails, sum(meetings) as meetings,
               sum(other_activities) as other_activities
        from marts.rep_performance_monthly group by month""",
    )
    assert sum(r["calls"] for r in marts) > 100 and sum(r["meetings"] for r in marts) > 100
    assert late > 0  # the demo holds planned activities after the as-of date
    for r in marts:
        for kind in ("calls", "emails", "meetings", "other_activities"):
            assert r[kind] == counted[(r["month"], kind)], (r["month"], kind)


def test_demo_commission_formula(demo_serving: Path) -> None:
    quarterly = {
        (q["quarter"], q["rep_id"]): q
        for q in rows(demo_serving, "select * from marts.rep_performance_quarterly")
    }
    quotas: dict[tuple, Decimal] = defaultdict(Decimal)
    for q in rows(
        demo_serving,
        "select user_id, month, quota_amount from marts.fct_quotas_monthly where is_individual",
    ):
        quarter = dt.date(q["month"].year, (q["month"].month - 1) // 3 * 3 + 1, 1)
        quotas[(quarter, q["user_id"])] += q["quota_amount"]
    commission = rows(demo_serving, "select * from marts.rep_commission_quarterly")
    assert sorted((c["quarter"], c["rep_id"]) for c in commission) == sorted(quarterly)
    accelerated = 0
    for c in commission:
        key = (c["quarter"], c["rep_id"])
        assert c["bookings"] == quarterly[key]["won_amount"]
        assert c["quota_amount"] == quotas.get(key, 0)
        assert c["quota_period"] == "quarter"  # the shipped plan
        bookings, quota = c["bookings"], c["quota_amount"]
        at_base = bookings if quota == 0 else min(bookings, quota)
        above = 0 if quota == 0 else max(bookings - quota, 0)
        assert c["base_commission"] == c["base_rate"] * at_base
        assert c["accelerator_commission"] == c["accelerator_rate"] * above
        assert c["total_commission"] == c["base_commission"] + c["accelerator_commission"]
        accelerated += above > 0
    assert accelerated > 0
    rates = {(c["plan_match_type"], c["base_rate"], c["accelerator_rate"]) for c in commission}
    assert ("default", Decimal("0.1"), Decimal("0.15")) in rates
    assert ("title", Decimal("0.12"), Decimal("0.18")) in rates


def test_demo_manager_rollup_matches_tree(demo_serving: Path) -> None:
    managers = {
        r["rep_id"]: r["manager_id"]
        for r in rows(demo_serving, "select rep_id, manager_id from marts.dim_reps")
    }

    def below(manager: str) -> set[str]:
        found, frontier = set(), {manager}
        while frontier:
            frontier = {u for u, m in managers.items() if m in frontier and u not in found and u != manager}
            found |= frontier
        return found

    rep_months = defaultdict(dict)
    for r in rows(demo_serving, "select * from marts.rep_performance_monthly"):
        rep_months[r["month"]][r["rep_id"]] = r
    team_quota: dict[tuple, Decimal] = defaultdict(Decimal)
    for q in rows(demo_serving, "select * from marts.fct_quotas_monthly where quota_type = 'team'"):
        team_quota[(q["month"], q["user_id"])] += q["quota_amount"]
    company = {
        r["month"]: r["won_amount"]
        for r in rows(demo_serving, "select month, won_amount from marts.sales_metrics_monthly")
    }
    rollup = rows(demo_serving, "select * from marts.manager_rollup_monthly")
    assert {r["manager_id"] for r in rollup} == {m for m in managers.values() if m} | {
        u for _, u in team_quota
    }
    top_checked = 0
    for r in rollup:
        team = [rep_months[r["month"]][u] for u in below(r["manager_id"]) if u in rep_months[r["month"]]]
        assert r["reps_count"] == len(team)
        assert r["team_won_amount"] == sum((t["won_amount"] for t in team), Decimal(0))
        assert r["team_won_deals"] == sum(t["won_deals"] for t in team)
        assert r["reps_quota_amount"] == sum((t["quota_amount"] for t in team), Decimal(0))
        assert r["team_quota_amount"] == team_quota.get((r["month"], r["manager_id"]), 0)
        tq, rq = float(r["team_quota_amount"]), float(r["reps_quota_amount"])
        assert close(r["team_quota_attainment"], float(r["team_won_amount"]) / tq if tq else None)
        assert close(r["reps_quota_attainment"], float(r["team_won_amount"]) / rq if rq else None)
        if set(rep_months[r["month"]]) <= below(r["manager_id"]) | {r["manager_id"]}:
            # The top of the tree: the team is everyone else, so it books the company's deals.
            own = rep_months[r["month"]].get(r["manager_id"])
            assert r["team_won_amount"] == company[r["month"]] - (own["won_amount"] if own else 0)
            top_checked += 1
    assert top_checked > 0
