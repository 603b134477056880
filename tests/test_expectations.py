"""Tests for the Great Expectations quality gate (expectations/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from expectations.suites import (
    FCT_OPPORTUNITIES_COLUMNS,
    SALES_METRICS_MONTHLY_COLUMNS,
    all_suites,
)
from expectations.validate import SuiteResult, _read_tables, columns_read, format_results, validate_marts

MONTHLY = "marts.sales_metrics_monthly"
FCT = "marts.fct_opportunities"
MOVEMENT = "marts.pipeline_movement_monthly"


# ----------------------------------------------------------------------------- data


def make_monthly(n_months: int = 6) -> pd.DataFrame:
    rows = []
    for i in range(n_months):
        won, lost = 2 + i % 3, 1 + i % 2
        won_amount = 1000.0 * won
        open_amount = 5000.0 + 100 * i
        rows.append(
            {
                "month": dt.date(2023 + (i // 12), 1 + i % 12, 1),
                "won_deals": won,
                "lost_deals": lost,
                "won_amount": won_amount,
                "win_rate": won / (won + lost),
                "avg_sale_value": won_amount / won,
                "sales_cycle_days_avg": 30.0,
                "sales_cycle_days_median": 28.0,
                "new_customers": 1,
                "paid_media_spend": 500.0,
                "sm_expenses": -20.0 if i == 0 else 300.0,  # credits are allowed
                "blended_cac": 800.0,
                "paid_cac": 500.0,
                "mrr": 250.0 * (i + 1),
                "active_customers": i + 1,
                "arpa": 250.0,
                "churned_customers": 0,
                "customer_churn_rate": 0.0 if i else None,
                "ltv": 15000.0,
                "ltv_to_cac": 18.75,
                "leads_created": 10,
                "qualified_leads": 4,
                "lead_velocity_rate": 0.0 if i else None,
                "lead_conversion_rate": 0.3,
                "open_deals": 5,
                "open_pipeline_amount": open_amount,
                "weighted_pipeline_amount": open_amount * 0.4,
                "pipeline_quality_ratio": 0.4,
                "pipeline_coverage_next_3_months": 1.2,
                "quota_amount": 4000.0,
                "quota_attainment": won_amount / 4000.0,
            }
        )
    return pd.DataFrame(rows, columns=list(SALES_METRICS_MONTHLY_COLUMNS))


def make_opportunities(n: int = 12) -> pd.DataFrame:
    rows = []
    for i in range(n):
        outcome = ("won", "lost", "open")[i % 3]
        created = dt.date(2023, 1, 1) + dt.timedelta(days=i)
        close = created + dt.timedelta(days=20 + i)
        rows.append(
            {
                "opportunity_id": f"006{i:012d}",
                "account_id": f"001{i % 4:012d}",
                "owner_id": "005000000000001",
                "opportunity_type": "New Business",
                "lead_source": "Web",
                "campaign_id": None,
                "stage_name": {"won": "Closed Won", "lost": "Closed Lost", "open": "Proposal"}[outcome],
                "forecast_category": "Pipeline",
                "created_date": created,
                "close_date": close,
                "close_month": close.replace(day=1),
                "currency_code": "USD",
                "amount": 1000.0 + i,
                "amount_reporting": None if i == 5 else 1000.0 + i,
                "probability": {"won": 1.0, "lost": 0.0, "open": 0.4}[outcome],
                "is_closed": outcome != "open",
                "is_won": outcome == "won",
                "is_lost": outcome == "lost",
                "is_open": outcome == "open",
                "contract_term_months": None if i == 3 else 12,
                "sales_cycle_days": (close - created).days,
            }
        )
    return pd.DataFrame(rows, columns=list(FCT_OPPORTUNITIES_COLUMNS))


def make_movement(n_months: int = 4) -> pd.DataFrame:
    """A movement that adds up: closing = opening + 100 created - 30 won - 20 lost + 5 changes."""
    rows, opening = [], 1000.0
    for i in range(n_months):
        closing = opening + 100.0 + 0.0 - 30.0 - 20.0 + 5.0
        rows.append(
            {
                "month": dt.date(2023, 1 + i, 1),
                "opening_pipeline": opening,
                "created_pipeline": 100.0,
                "reopened_pipeline": 0.0,
                "won_pipeline": 30.0,
                "lost_pipeline": 20.0,
                "amount_changes": 5.0,
                "closing_pipeline": closing,
            }
        )
        opening = closing
    return pd.DataFrame(rows)


def write_warehouse(
    path: Path,
    monthly: pd.DataFrame | None,
    opportunities: pd.DataFrame | None,
    movement: pd.DataFrame | None = None,
) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        if movement is not None:
            con.register("movement_df", movement)
            con.execute(
                f"CREATE TABLE {MOVEMENT} AS SELECT * REPLACE (CAST(month AS DATE) AS month) FROM movement_df"
            )
        if monthly is not None:
            con.register("monthly_df", monthly)
            replace = "CAST(month AS DATE) AS month" if "month" in monthly.columns else ""
            select = f"SELECT * REPLACE ({replace})" if replace else "SELECT *"
            con.execute(f"CREATE TABLE {MONTHLY} AS {select} FROM monthly_df")
        if opportunities is not None:
            con.register("opps_df", opportunities)
            con.execute(
                f"CREATE TABLE {FCT} AS SELECT * REPLACE ("
                "CAST(created_date AS DATE) AS created_date, CAST(close_date AS DATE) AS close_date,"
                " CAST(close_month AS DATE) AS close_month, CAST(campaign_id AS VARCHAR)"
                " AS campaign_id, CAST(contract_term_months AS INTEGER) AS contract_term_months"
                ") FROM opps_df"
            )
    finally:
        con.close()
    return path


def by_suite(results: list[SuiteResult]) -> dict[str, SuiteResult]:
    return {r.table: r for r in results}


def failed_checks(result: SuiteResult) -> set[str]:
    return {e.check for e in result.expectations if not e.success}


def check(result: SuiteResult, name: str):
    matches = [e for e in result.expectations if e.check == name]
    assert len(matches) == 1, f"{name} not in {[e.check for e in result.expectations]}"
    return matches[0]


def run(
    tmp_path: Path,
    monthly: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    docs_dir: Path | None = None,
    movement: pd.DataFrame | None = None,
) -> dict[str, SuiteResult]:
    monthly = make_monthly() if monthly is None else monthly
    opportunities = make_opportunities() if opportunities is None else opportunities
    movement = make_movement() if movement is None else movement
    path = write_warehouse(tmp_path / "wh.duckdb", monthly, opportunities, movement)
    return by_suite(validate_marts(path, docs_dir=docs_dir))


# ----------------------------------------------------------------------------- tests


def test_suite_definitions_have_unique_check_names_and_severities() -> None:
    for suite in all_suites():
        names = [e.meta["check"] for e in suite.expectations]
        assert len(names) == len(set(names)), suite.name
        assert {e.meta["severity"] for e in suite.expectations} <= {"error", "warning"}
    fct = {e.meta["check"]: e.meta["severity"] for e in all_suites()[1].expectations}
    assert fct["won_sales_cycle_non_negative"] == "warning"
    assert fct["opportunity_id_unique"] == "error"


def test_good_warehouse_passes(tmp_path: Path) -> None:
    results = run(tmp_path)
    assert set(results) == {MONTHLY, FCT, MOVEMENT}
    for res in results.values():
        assert res.success, format_results(list(results.values()))
        assert all(e.success for e in res.expectations), failed_checks(res)
    assert results[MONTHLY].row_count == 6
    assert results[FCT].row_count == 12
    # The derived checks really ran (not skipped): they report the rows they looked at.
    assert check(results[MONTHLY], "months_contiguous").element_count == 6
    assert check(results[MONTHLY], "win_rate_consistent").unexpected_count == 0


def test_gap_in_months_fails(tmp_path: Path) -> None:
    monthly = make_monthly(6).drop(index=3).reset_index(drop=True)  # 2023-04 missing
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert not res.success
    assert failed_checks(res) == {"months_contiguous"}
    gap = check(res, "months_contiguous")
    assert gap.severity == "error"
    assert gap.unexpected_count == 1
    assert gap.samples == ("month=2023-03-01",)


def test_weighted_above_open_pipeline_fails(tmp_path: Path) -> None:
    monthly = make_monthly()
    monthly.loc[2, "weighted_pipeline_amount"] = monthly.loc[2, "open_pipeline_amount"] + 1
    monthly.loc[4, "weighted_pipeline_amount"] = monthly.loc[4, "open_pipeline_amount"] + 1e-7
    monthly.loc[5, ["weighted_pipeline_amount", "open_pipeline_amount"]] = None  # allowed
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert not res.success
    assert failed_checks(res) == {"weighted_pipeline_le_open_pipeline"}
    failed = check(res, "weighted_pipeline_le_open_pipeline")
    assert failed.unexpected_count == 1  # within tolerance and null rows are fine
    assert failed.column == "weighted_pipeline_amount, open_pipeline_amount"
    assert failed.samples == (
        "month=2023-03-01, weighted_pipeline_amount=5201.0, open_pipeline_amount=5200.0",
    )


def test_win_rate_above_one_fails(tmp_path: Path) -> None:
    monthly = make_monthly()
    monthly.loc[1, "win_rate"] = 1.5
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert not res.success
    # Both the range check and the consistency check catch it.
    assert failed_checks(res) == {"win_rate_between_0_and_1", "win_rate_consistent"}
    rng = check(res, "win_rate_between_0_and_1")
    assert rng.expectation_type == "expect_column_values_to_be_between"
    assert rng.column == "win_rate"
    assert rng.unexpected_count == 1
    assert any("1.5" in s and "2023-02-01" in s for s in rng.samples)


def test_inconsistent_ratios_fail(tmp_path: Path) -> None:
    monthly = make_monthly()
    monthly.loc[0, "avg_sale_value"] = monthly.loc[0, "won_amount"] * monthly.loc[0, "won_deals"]
    monthly.loc[3, ["won_deals", "lost_deals", "won_amount"]] = 0
    monthly.loc[3, "win_rate"] = 0.0  # must be null: denominator 0
    monthly.loc[3, "avg_sale_value"] = None  # correct: null when won_deals = 0
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert failed_checks(res) == {"avg_sale_value_consistent", "win_rate_consistent"}
    assert check(res, "avg_sale_value_consistent").samples[0].startswith("month=2023-01-01")
    assert check(res, "win_rate_consistent").samples[0].startswith("month=2023-04-01")


def test_negative_counts_and_null_counts_fail_but_negative_sm_expenses_pass(
    tmp_path: Path,
) -> None:
    monthly = make_monthly()
    monthly["sm_expenses"] = -100.0
    monthly.loc[2, "new_customers"] = -1
    monthly["leads_created"] = monthly["leads_created"].astype("Int64")
    monthly.loc[4, "leads_created"] = pd.NA  # BIGINT NULL in DuckDB, pandas Int64 <NA> back
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert failed_checks(res) == {"new_customers_ge_0", "leads_created_not_null"}


def test_duplicate_opportunity_id_fails(tmp_path: Path) -> None:
    opps = make_opportunities()
    opps.loc[4, "opportunity_id"] = opps.loc[1, "opportunity_id"]
    res = run(tmp_path, opportunities=opps)[FCT]
    assert not res.success
    assert failed_checks(res) == {"opportunity_id_unique"}
    dup = check(res, "opportunity_id_unique")
    assert dup.unexpected_count == 2
    assert dup.samples == ("opportunity_id=006000000000001",)  # samples are de-duplicated


def test_won_but_not_closed_fails(tmp_path: Path) -> None:
    opps = make_opportunities()
    opps.loc[0, "is_closed"] = False  # row 0 is won
    res = run(tmp_path, opportunities=opps)[FCT]
    assert not res.success
    assert "won_implies_closed" in failed_checks(res)
    failed = check(res, "won_implies_closed")
    assert failed.unexpected_count == 1
    assert failed.samples == ("opportunity_id=006000000000000, is_won=True, is_closed=False",)
    assert failed.severity == "error"


def test_two_outcomes_and_bad_probability_fail(tmp_path: Path) -> None:
    opps = make_opportunities()
    opps.loc[2, "is_lost"] = True  # row 2 is open: open and lost
    opps.loc[5, "probability"] = 40.0  # percent instead of a fraction
    opps.loc[7, "contract_term_months"] = 0
    res = run(tmp_path, opportunities=opps)[FCT]
    assert failed_checks(res) == {
        "exactly_one_outcome",
        "probability_between_0_and_1",
        "contract_term_months_gt_0",
    }


def test_null_outcome_flags_count_as_false(tmp_path: Path) -> None:
    opps = make_opportunities()
    opps["is_lost"] = opps["is_lost"].astype("boolean")
    opps.loc[1, "is_lost"] = pd.NA  # row 1 is lost: now no outcome at all
    opps["is_won"] = opps["is_won"].astype(object)
    opps.loc[0, "is_won"] = None  # row 0 is won: now no outcome either
    res = run(tmp_path, opportunities=opps)[FCT]
    assert failed_checks(res) == {"exactly_one_outcome"}
    assert check(res, "exactly_one_outcome").unexpected_count == 2


def test_uncomputable_derived_check_fails_cleanly(tmp_path: Path) -> None:
    monthly = make_monthly()
    monthly["weighted_pipeline_amount"] = "lots"
    res = run(tmp_path, monthly=monthly)[MONTHLY]
    assert not res.success
    failed = check(res, "weighted_pipeline_le_open_pipeline")
    assert "could not compute weighted_pipeline_le_open_pipeline" in failed.message
    assert check(res, "win_rate_consistent").success


def test_negative_sales_cycle_is_only_a_warning(tmp_path: Path) -> None:
    opps = make_opportunities()
    opps.loc[3, "sales_cycle_days"] = -5  # row 3 is won
    opps.loc[4, "sales_cycle_days"] = -5  # row 4 is lost: not checked
    results = run(tmp_path, opportunities=opps)
    res = results[FCT]
    assert res.success
    assert failed_checks(res) == {"won_sales_cycle_non_negative"}
    assert [w.check for w in res.failed_warnings] == ["won_sales_cycle_non_negative"]
    assert res.failed_errors == []
    warning = check(res, "won_sales_cycle_non_negative")
    assert warning.unexpected_count == 1
    assert "sales_cycle_days=-5" in warning.samples[0]
    text = format_results(list(results.values()))
    assert "PASSED marts.fct_opportunities" in text
    assert "WARNING marts.fct_opportunities.sales_cycle_days, is_won" in text


def test_missing_table_and_column_fail_cleanly(tmp_path: Path) -> None:
    monthly = make_monthly().drop(columns=["win_rate"])
    path = write_warehouse(tmp_path / "wh.duckdb", monthly, None)
    results = by_suite(validate_marts(path))
    fct = results[FCT]
    assert not fct.success and fct.row_count is None
    assert [e.check for e in fct.expectations] == ["table_exists"]
    assert "does not exist" in fct.expectations[0].message
    res = results[MONTHLY]
    assert not res.success
    assert failed_checks(res) == {
        "contract_columns_present",
        "win_rate_between_0_and_1",
        "win_rate_consistent",
    }
    assert check(res, "contract_columns_present").samples == ("missing column win_rate",)
    assert "missing column(s) win_rate" in check(res, "win_rate_consistent").message
    # Checks not touching win_rate still ran and passed.
    assert check(res, "months_contiguous").success


def test_only_the_columns_the_checks_read_are_read(tmp_path: Path) -> None:
    """The suites read the values of the columns their checks and key use (text columns such
    as lead_source are most of a large fct_opportunities); the column-set check still sees
    every column of the table, so a contract column no check reads is still required."""
    fct_suite = next(s for s in all_suites() if s.table == FCT)
    wanted = columns_read(fct_suite)
    assert "lead_source" not in wanted
    # The inputs of the derived checks (exactly_one_outcome, won_sales_cycle_non_negative).
    assert {"opportunity_id", "is_won", "is_lost", "is_open", "sales_cycle_days"} <= set(wanted)
    path = write_warehouse(tmp_path / "wh.duckdb", make_monthly(), make_opportunities(), make_movement())
    frame, columns = _read_tables(path, {FCT: wanted})[FCT]
    assert columns == list(FCT_OPPORTUNITIES_COLUMNS)
    assert list(frame.columns) == [c for c in FCT_OPPORTUNITIES_COLUMNS if c in wanted]
    assert len(frame) == 12

    (tmp_path / "missing").mkdir()
    res = run(tmp_path / "missing", opportunities=make_opportunities().drop(columns=["lead_source"]))[FCT]
    assert failed_checks(res) == {"contract_columns_present"}
    assert check(res, "contract_columns_present").samples == ("missing column lead_source",)


def test_empty_mart_fails(tmp_path: Path) -> None:
    res = run(tmp_path, monthly=make_monthly().head(0))[MONTHLY]
    assert not res.success
    assert res.row_count == 0
    assert failed_checks(res) == {"table_not_empty"}


def test_missing_warehouse_file_is_a_failure(tmp_path: Path) -> None:
    results = validate_marts(tmp_path / "nope.duckdb")
    assert [r.success for r in results] == [False, False, False]
    assert "does not exist" in format_results(results)


def test_warehouse_is_opened_read_only_and_closed(tmp_path: Path) -> None:
    path = write_warehouse(tmp_path / "wh.duckdb", make_monthly(), make_opportunities())
    validate_marts(path)
    con = duckdb.connect(str(path))  # read-write open works: nothing left open
    con.close()


def test_format_results_names_table_column_check_and_samples(tmp_path: Path) -> None:
    monthly = make_monthly()
    monthly.loc[1, "win_rate"] = 1.5
    text = format_results(list(run(tmp_path, monthly=monthly).values()))
    lines = text.splitlines()
    assert lines[0].startswith("FAILED marts.sales_metrics_monthly (6 rows)")
    failing = [line for line in lines if "win_rate_between_0_and_1" in line]
    assert len(failing) == 1
    assert "ERROR" in failing[0] and "marts.sales_metrics_monthly.win_rate" in failing[0]
    assert "expect_column_values_to_be_between" in failing[0] and "1.5" in failing[0]


def test_data_docs_written(tmp_path: Path) -> None:
    docs = tmp_path / "quality_docs"
    monthly = make_monthly()
    monthly.loc[1, "win_rate"] = 1.5
    run(tmp_path, monthly=monthly, docs_dir=docs)
    index = docs / "index.html"
    assert index.is_file()
    html = index.read_text()
    assert all(name in html for name in ("sales_metrics_monthly", "fct_opportunities", "pipeline_movement"))
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 3  # one validation page per suite
    assert any("win_rate" in p.read_text() for p in pages)


@pytest.mark.parametrize("n_months", [1, 14])
def test_month_count_edge_cases_pass(tmp_path: Path, n_months: int) -> None:
    res = run(tmp_path, monthly=make_monthly(n_months))[MONTHLY]
    assert res.success, failed_checks(res)


def test_pipeline_movement_that_does_not_add_up_fails(tmp_path: Path) -> None:
    movement = make_movement()
    movement.loc[2, "closing_pipeline"] += 1.0
    res = run(tmp_path, movement=movement)[MOVEMENT]
    assert not res.success
    assert failed_checks(res) == {"movement_adds_up"}
    assert check(res, "movement_adds_up").unexpected_count == 1


def test_pipeline_movement_without_history_is_not_judged(tmp_path: Path) -> None:
    movement = make_movement()
    movement.loc[0:2, ["opening_pipeline", "created_pipeline", "won_pipeline"]] = None
    res = run(tmp_path, movement=movement)[MOVEMENT]
    assert res.success, failed_checks(res)
