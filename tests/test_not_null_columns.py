"""The `not_null_columns` generic test (dbt_project/tests/generic/not_null_columns.sql): one
test per model over all its non-null columns, which must fail on exactly the columns that hold
nulls and say how many rows each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from tests.conftest import run_dbt


def test_fails_naming_each_column_with_nulls(small_landing_serving: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(small_landing_serving.with_name("warehouse.duckdb"), warehouse)
    with duckdb.connect(str(warehouse)) as con:
        months = [
            r[0]
            for r in con.execute("select month from marts.sales_metrics_monthly order by month").fetchall()
        ]
        assert len(months) >= 3
        # 2 rows lose won_deals, 1 row loses new_customers; win_rate (nullable, not listed)
        # loses every value and must not count.
        con.execute(
            "update marts.sales_metrics_monthly set won_deals = null where month in (?, ?)", months[:2]
        )
        con.execute(
            "update marts.sales_metrics_monthly set new_customers = null where month = ?", months[-1:]
        )
        con.execute("update marts.sales_metrics_monthly set win_rate = null")

    result = run_dbt(warehouse, "test", "--select", "sales_metrics_monthly,test_name:not_null_columns")

    assert result.returncode == 1, result.stdout[-3000:]
    run = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))
    [test] = run["results"]
    assert test["status"] == "fail"
    assert test["failures"] == 2  # one row per column that holds nulls
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failing = sorted(con.execute(test["compiled_code"]).fetchall())
    assert failing == [("new_customers", 1), ("won_deals", 2)]


def test_passes_when_the_listed_columns_have_no_nulls(small_landing_serving: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(small_landing_serving.with_name("warehouse.duckdb"), warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.sales_metrics_monthly set win_rate = null")  # nullable column

    result = run_dbt(warehouse, "test", "--select", "sales_metrics_monthly,test_name:not_null_columns")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=1" in result.stdout
