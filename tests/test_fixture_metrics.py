"""Acceptance test: the small hand-made landing, refreshed by the real CLI, gives the metrics
worked out by hand.

The landing (tests/fixtures/small_landing/) holds the contract's traps on purpose; the expected
`marts.sales_metrics_monthly` for the two runs (reporting_timezone UTC and America/New_York) and
the working behind every cell are in tests/fixtures/small_landing_expected/ (WORKING.md). The
expected values are an independent reading of ../shared/spec/metrics.md, not derived from the
dbt SQL: when this test fails, read WORKING.md for the cell before changing either side.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_LANDING = REPO / "tests" / "fixtures" / "small_landing"
EXPECTED_DIR = REPO / "tests" / "fixtures" / "small_landing_expected"
SALESOPS = Path(sys.executable).parent / "salesops"

REL_TOL = 1e-9
ABS_TOL = 1e-9
REFRESH_TIMEOUT_SECONDS = 1800

# run name -> (extra CLI arguments, expected csv)
RUNS = {
    "utc": ([], "expected_utc.csv"),
    "new_york": (["--var", "reporting_timezone=America/New_York"], "expected_new_york.csv"),
}

# The 31 columns of metrics.md, in order.
METRIC_COLUMNS = [
    "month",
    "won_deals",
    "lost_deals",
    "won_amount",
    "win_rate",
    "avg_sale_value",
    "sales_cycle_days_avg",
    "sales_cycle_days_median",
    "new_customers",
    "paid_media_spend",
    "sm_expenses",
    "blended_cac",
    "paid_cac",
    "mrr",
    "active_customers",
    "arpa",
    "churned_customers",
    "customer_churn_rate",
    "ltv",
    "ltv_to_cac",
    "leads_created",
    "qualified_leads",
    "lead_velocity_rate",
    "lead_conversion_rate",
    "open_deals",
    "open_pipeline_amount",
    "weighted_pipeline_amount",
    "pipeline_quality_ratio",
    "pipeline_coverage_next_3_months",
    "quota_amount",
    "quota_attainment",
]


# --------------------------------------------------------------------------- comparison


def read_expected(path: Path) -> tuple[list[str], list[list[str]]]:
    """The expected csv: header and rows, every cell a string ('' = NULL)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _month_key(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _as_number(value: object) -> float | None:
    """A numeric cell as float; None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return None


def compare_metrics(
    actual_columns: list[str],
    actual_rows: list[tuple],
    expected_header: list[str],
    expected_rows: list[list[str]],
) -> list[str]:
    """Every difference between the mart and the expected table, as readable messages.

    Same columns in the same order; same months; then cell by cell: NULL only matches NULL
    (an empty expected cell), numbers match within a relative tolerance of 1e-9 (absolute 1e-9
    near zero), `month` compares as an ISO date.
    """
    problems: list[str] = []
    if list(actual_columns) != list(expected_header):
        problems.append(
            f"columns differ:\n  actual:   {list(actual_columns)}\n  expected: {list(expected_header)}"
        )
        return problems

    month_idx = expected_header.index("month")
    actual_by_month = {_month_key(r[month_idx]): r for r in actual_rows}
    expected_by_month = {r[month_idx]: r for r in expected_rows}
    actual_months = [_month_key(r[month_idx]) for r in actual_rows]
    expected_months = [r[month_idx] for r in expected_rows]
    if actual_months != expected_months:
        problems.append(f"months differ: actual {actual_months}, expected {expected_months}")
    if len(actual_by_month) != len(actual_rows):
        problems.append(f"duplicate months in the mart: {actual_months}")

    for month in expected_months:
        if month not in actual_by_month:
            continue
        actual = actual_by_month[month]
        expected = expected_by_month[month]
        for col, a, e in zip(expected_header, actual, expected, strict=True):
            if col == "month":
                continue
            where = f"month {month}, column {col}"
            if e.strip() == "":
                if a is not None:
                    problems.append(f"{where}: actual {a!r}, expected NULL")
                continue
            if a is None:
                problems.append(f"{where}: actual NULL, expected {e}")
                continue
            a_num = _as_number(a)
            if a_num is None:
                problems.append(f"{where}: actual {a!r} is not a number, expected {e}")
                continue
            e_num = float(e)
            if not math.isfinite(a_num) or not math.isclose(a_num, e_num, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                problems.append(f"{where}: actual {a!r}, expected {e}")
    return problems


# --------------------------------------------------------------------------- the runs


def _refresh_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESOPS_")}
    dagster_home = tmp / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    env.update(
        SALESOPS_LANDING_DIR=str(FIXTURE_LANDING),
        SALESOPS_WAREHOUSE=str(tmp / "warehouse.duckdb"),
        SALESOPS_SERVING=str(tmp / "serving.duckdb"),
        DAGSTER_HOME=str(dagster_home),
    )
    return env


@pytest.fixture(scope="module", params=list(RUNS))
def refreshed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One `salesops refresh` per run (module scope): the serving file and the expected csv."""
    name = request.param
    extra_args, expected_csv = RUNS[name]
    if not SALESOPS.exists():
        pytest.fail(f"the salesops CLI is not installed next to the interpreter: {SALESOPS}")
    tmp = tmp_path_factory.mktemp(f"fixture_{name}")
    env = _refresh_env(tmp)
    proc = subprocess.run(
        [str(SALESOPS), "refresh", *extra_args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=REFRESH_TIMEOUT_SECONDS,
    )
    assert proc.returncode == 0, (
        f"`salesops refresh {' '.join(extra_args)}` exited {proc.returncode}\n"
        f"--- stdout (end) ---\n{proc.stdout[-6000:]}\n--- stderr (end) ---\n{proc.stderr[-6000:]}"
    )
    serving = Path(env["SALESOPS_SERVING"])
    assert serving.exists(), f"refresh succeeded but wrote no serving file at {serving}"
    return name, serving, EXPECTED_DIR / expected_csv


def test_sales_metrics_monthly_matches_hand_worked_values(refreshed) -> None:
    name, serving, expected_csv = refreshed
    con = duckdb.connect(str(serving), read_only=True)
    try:
        cur = con.execute("select * from marts.sales_metrics_monthly order by month")
        actual_columns = [d[0] for d in cur.description]
        actual_rows = cur.fetchall()
    finally:
        con.close()
    header, rows = read_expected(expected_csv)
    problems = compare_metrics(actual_columns, actual_rows, header, rows)
    assert not problems, (
        f"run {name!r}: marts.sales_metrics_monthly differs from {expected_csv.name} "
        f"in {len(problems)} place(s) (working: {EXPECTED_DIR / 'WORKING.md'}):\n  " + "\n  ".join(problems)
    )


# --------------------------------------------------------------------------- self-checks
# These run without the CLI: they check the expected tables and the comparison itself.


@pytest.mark.parametrize("run", list(RUNS))
def test_expected_table_shape(run: str) -> None:
    header, rows = read_expected(EXPECTED_DIR / RUNS[run][1])
    assert header == METRIC_COLUMNS
    assert [r[0] for r in rows] == [f"2024-{m:02d}-01" for m in range(1, 7)]
    assert all(len(r) == len(METRIC_COLUMNS) for r in rows)


def test_comparison_accepts_equal_and_reports_differences() -> None:
    header, rows = read_expected(EXPECTED_DIR / "expected_utc.csv")

    def typed(row: list[str]) -> tuple:
        out: list[object] = [dt.date.fromisoformat(row[0])]
        for cell in row[1:]:
            out.append(None if cell == "" else Decimal(cell))
        return tuple(out)

    actual = [typed(r) for r in rows]
    assert compare_metrics(header, actual, header, rows) == []

    # within tolerance
    nudged = [list(r) for r in actual]
    col = header.index("arpa")
    nudged[1][col] = float(nudged[1][col]) * (1 + 1e-12)
    assert compare_metrics(header, [tuple(r) for r in nudged], header, rows) == []

    # a wrong number, a NULL for a value, a value for a NULL, a missing month, a renamed column
    broken = [list(r) for r in actual]
    broken[2][header.index("mrr")] = Decimal("12500.01")
    broken[0][header.index("ltv")] = None
    broken[1][header.index("blended_cac")] = 0
    problems = compare_metrics(header, [tuple(r) for r in broken], header, rows)
    assert any("month 2024-03-01, column mrr" in p and "12500.01" in p for p in problems)
    assert any("month 2024-01-01, column ltv: actual NULL" in p for p in problems)
    assert any("month 2024-02-01, column blended_cac" in p and "expected NULL" in p for p in problems)
    assert len(problems) == 3
    assert compare_metrics(header, [tuple(r) for r in actual[1:]], header, rows)
    assert compare_metrics(["Month", *header[1:]], actual, header, rows)
