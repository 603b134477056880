"""The contract's "latest row wins" rules, checked on staging after a real load and dbt run.

Fixture (written below), and what each record must come out as:
- Opportunity 006A: full export (stage Prospecting, modified 01-10), then an incremental export
  (Closed Won, modified 01-20): the incremental row wins.
- 006B: the later file carries an OLDER LastModifiedDate (01-05 vs 01-15): the greater
  LastModifiedDate wins, whatever the file order -> Qualification.
- 006C: same LastModifiedDate in both files: the later row wins -> Closed Lost.
- 006D: deleted in the incremental export: kept in staging, flagged is_deleted.
- 006E: no LastModifiedDate at all: SystemModstamp, then CreatedDate decide.
- ad spend 2024-01-01/google_ads/c1 re-delivered (10 -> 12): replaced, not added.
- sm_expenses 2024-01 sales/salaries as `2024-01` then as `2024-01-15` with department `Sales`:
  one row, the later amount.
- quotas 005A 2024-01-01 month, quota_type empty then `individual`: one row, the later amount.
"""

from __future__ import annotations

import duckdb
import pytest

from sources.load import load_landing
from tests.conftest import run_dbt, write_landing_file

FULL = (
    "Id,CreatedDate,LastModifiedDate,SystemModstamp,OwnerId,StageName,CloseDate,IsDeleted\n"
    "006A,2024-01-01T00:00:00Z,2024-01-10T00:00:00Z,,005A,Prospecting,2024-03-01,false\n"
    "006B,2024-01-01T00:00:00Z,2024-01-15T00:00:00Z,,005A,Qualification,2024-03-01,false\n"
    "006C,2024-01-01T00:00:00Z,2024-01-12T00:00:00Z,,005A,Prospecting,2024-03-01,false\n"
    "006D,2024-01-01T00:00:00Z,2024-01-12T00:00:00Z,,005A,Prospecting,2024-03-01,false\n"
    "006E,2024-01-01T00:00:00Z,,2024-01-03T00:00:00Z,005A,Prospecting,2024-03-01,\n"
)
INCREMENTAL = (
    "Id,CreatedDate,LastModifiedDate,SystemModstamp,OwnerId,StageName,CloseDate,IsDeleted\n"
    "006A,2024-01-01T00:00:00Z,2024-01-20T00:00:00Z,,005A,Closed Won,2024-01-20,false\n"
    "006B,2024-01-01T00:00:00Z,2024-01-05T00:00:00Z,,005A,Closed Lost,2024-01-05,false\n"
    "006C,2024-01-01T00:00:00Z,2024-01-12T00:00:00.000+0000,,005A,Closed Lost,2024-01-12,false\n"
    "006D,2024-01-01T00:00:00Z,2024-01-21T00:00:00Z,,005A,Prospecting,2024-03-01,TRUE\n"
    # older SystemModstamp than the full export's: the full export's row stays current
    "006E,2024-01-01T00:00:00Z,,2024-01-02T00:00:00Z,005A,Closed Won,2024-01-02,\n"
)


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("rules")
    landing = root / "landing"
    write_landing_file(landing, "crm/2024-01-15/Opportunity.csv", FULL)
    write_landing_file(landing, "crm/2024-01-21/Opportunity.csv", INCREMENTAL)
    write_landing_file(
        landing,
        "marketing/ad_spend_a.csv",
        "date,platform,campaign_id,spend\n2024-01-01,google_ads,c1,10\n2024-01-02,google_ads,c1,5\n",
    )
    write_landing_file(
        landing, "marketing/ad_spend_b.csv", "date,platform,campaign_id,spend\n2024-01-01,google_ads,c1,12\n"
    )
    write_landing_file(
        landing,
        "finance/sm_expenses_1.csv",
        "month,department,category,amount\n2024-01,sales,salaries,100\n2024-01,marketing,tools,-5\n",
    )
    write_landing_file(
        landing,
        "finance/sm_expenses_2.csv",
        "month,department,category,amount\n2024-01-15,Sales,salaries,150\n",
    )
    write_landing_file(
        landing,
        "plan/quotas.csv",
        "user_id,period_start,period,quota_amount,quota_type\n"
        "005A,2024-01-01,month,1000,\n005A,2024-01-01,month,1200,individual\n"
        "005A,2024-01-01,quarter,3000,team\n",
    )
    warehouse = root / "warehouse.duckdb"
    load_landing(landing, warehouse)
    # staging and what it reads: the validation models and the reference seeds they look up
    result = run_dbt(
        warehouse, "build", "--select", "+staging", "--exclude", "test_type:data", "test_type:unit"
    )
    assert result.returncode == 0, result.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_current_opportunity_rows(staging: duckdb.DuckDBPyConnection) -> None:
    rows = staging.execute(
        "select opportunity_id, stage_name, is_deleted, _file "
        "from staging.stg_crm__opportunities order by opportunity_id"
    ).fetchall()
    assert rows == [
        ("006A", "Closed Won", False, "crm/2024-01-21/Opportunity.csv"),
        ("006B", "Qualification", False, "crm/2024-01-15/Opportunity.csv"),
        ("006C", "Closed Lost", False, "crm/2024-01-21/Opportunity.csv"),
        ("006D", "Prospecting", True, "crm/2024-01-21/Opportunity.csv"),
        ("006E", "Prospecting", False, "crm/2024-01-15/Opportunity.csv"),
    ]


def test_redelivered_ad_spend_day_replaces(staging: duckdb.DuckDBPyConnection) -> None:
    rows = staging.execute(
        "select cast(spend_date as varchar), spend from staging.stg_marketing__ad_spend order by 1"
    ).fetchall()
    assert [(d, float(s)) for d, s in rows] == [("2024-01-01", 12.0), ("2024-01-02", 5.0)]


def test_redelivered_expense_row_replaces(staging: duckdb.DuckDBPyConnection) -> None:
    rows = staging.execute(
        "select cast(expense_month as varchar), lower(department), category, amount "
        "from staging.stg_finance__sm_expenses order by 2, 3"
    ).fetchall()
    assert [(m, d, c, float(a)) for m, d, c, a in rows] == [
        ("2024-01-01", "marketing", "tools", -5.0),
        ("2024-01-01", "sales", "salaries", 150.0),
    ]


def test_redelivered_quota_replaces(staging: duckdb.DuckDBPyConnection) -> None:
    rows = staging.execute(
        "select period, quota_type, quota_amount from staging.stg_plan__quotas order by period"
    ).fetchall()
    assert [(p, t, float(a)) for p, t, a in rows] == [
        ("month", "individual", 1200.0),
        ("quarter", "team", 3000.0),
    ]
