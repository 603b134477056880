"""benchmarks/verify_incremental.py, as documented, on a demo landing no other test generates
(seed 13): three incremental refreshes (the held-back last export, a 5% nightly export, then a
mixed delivery that changes every kind of input: benchmarks/mixed_export.py) publish the marts
a refresh from scratch publishes. How it detects a difference is
tests/test_table_diff.py; that the dbt models agree table by table, tests/test_incremental_build.py.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import duckdb
import pytest

from benchmarks.verify_incremental import main


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """The script's work folder, exit code and output."""
    work = tmp_path_factory.mktemp("verify_incremental") / "verify"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["--scale", "0.05", "--seed", "13", "--fraction", "0.05", "--work-dir", str(work)])
    return work, code, out.getvalue()


def test_incremental_refreshes_publish_the_marts_of_a_refresh_from_scratch(
    verified: tuple[Path, int, str],
) -> None:
    work, code, out = verified
    assert code == 0, out
    assert "3. + 1% export" not in out  # the fraction given is the one used
    # The three increments were appended to raw (four loads), not reloaded.
    assert re.search(r"holds \d+ files from 4 loads \(expected 4\)", out), out
    compared = re.search(r"(\d+) marts, ([\d,]+) rows compared", out)
    assert compared and int(compared.group(1)) >= 26 and int(compared.group(2).replace(",", "")) > 1000, out
    assert "identical" in out and "DIFFERS" not in out
    # The nightly publish brought fct_pipeline_month_end up to date in a copy of the last
    # serving file (orchestration/followed_marts.py), so the comparison covers that path.
    assert re.search(r"fct_pipeline_month_end: [\d,]+ rows replaced in a copy", out), out
    # The nightly export changed deals: its history rows reached the published pipeline.
    with duckdb.connect(str(work / "incremental" / "warehouse.duckdb"), read_only=True) as con:
        nightly_rows = con.execute(
            "SELECT count(*) FROM raw.crm_opportunity_history WHERE id LIKE '008BENCH%'"
        ).fetchone()[0]
    assert nightly_rows > 0


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_mixed_delivery_reaches_the_published_marts(verified: tuple[Path, int, str]) -> None:
    """The comparison above could pass with a delivery that changed nothing: here the mixed
    delivery's deletions, late older copies and restated spend are looked up in the marts the
    incremental refreshes published."""
    work, code, out = verified
    assert code == 0, out
    mixed = max((work / "landing" / "crm").iterdir())
    delivered = read_rows(mixed / "Opportunity.csv")
    late = {row["Id"]: row for row in read_rows(mixed / "Opportunity_late.csv")}
    deleted = {row["Id"] for row in delivered if row["IsDeleted"] == "true"}
    # Amounts the late copies would have set, where the current row says otherwise.
    overtaken = {
        row["Id"]: row["Amount"]
        for row in delivered
        if row["Id"] in late and row["Id"] not in deleted and late[row["Id"]]["Amount"] != row["Amount"]
    }
    spend_file = next((work / "landing" / "marketing").glob("ad_spend*_nightly_*.csv"))
    restated_spend = read_rows(spend_file)
    assert deleted and overtaken and restated_spend

    with duckdb.connect(str(work / "incremental" / "serving.duckdb"), read_only=True) as con:
        amounts = dict(con.execute("SELECT opportunity_id, amount FROM marts.fct_opportunities").fetchall())
        spend = {
            (str(d), p, c): s
            for d, p, c, s in con.execute(
                "SELECT spend_date, platform, campaign_id, spend FROM marts.fct_marketing_spend"
            ).fetchall()
        }
    assert deleted.isdisjoint(amounts)
    for opportunity_id, amount in overtaken.items():
        published = amounts[opportunity_id]
        assert (None if published is None else float(published)) == (
            pytest.approx(float(amount)) if amount else None
        ), opportunity_id
    for row in restated_spend:
        key = (row["date"], row["platform"], row["campaign_id"])
        assert float(spend[key]) == pytest.approx(float(row["spend"])), key
