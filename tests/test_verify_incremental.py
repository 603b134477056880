"""benchmarks/verify_incremental.py, as documented, on a demo landing no other test generates
(seed 13): two incremental refreshes (the held-back last export, then a 5% nightly export)
publish the marts a refresh from scratch publishes. How it detects a difference is
tests/test_table_diff.py; that the dbt models agree table by table, tests/test_incremental_build.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from benchmarks.verify_incremental import main


def test_incremental_refreshes_publish_the_marts_of_a_refresh_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "verify"
    code = main(["--scale", "0.05", "--seed", "13", "--fraction", "0.05", "--work-dir", str(work)])
    out = capsys.readouterr().out

    assert code == 0, out
    assert "3. + 1% export" not in out  # the fraction given is the one used
    # Both increments were appended to raw (three loads), not reloaded.
    assert re.search(r"holds \d+ files from 3 loads \(expected 3\)", out), out
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
