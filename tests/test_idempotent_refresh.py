"""A refresh re-run on the same landing publishes identical marts, cell for cell (exact, no
tolerance), on a realistic demo landing: nothing may depend on row order or timing."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_salesops
from tests.test_kill_and_rerun import marts_snapshot


def test_rerun_on_the_demo_landing_gives_identical_marts(demo_serving: Path, tmp_path: Path) -> None:
    landing = demo_serving.parent / "landing"
    rerun = run_salesops(landing, tmp_path)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    first, second = marts_snapshot(demo_serving), marts_snapshot(tmp_path / "serving.duckdb")
    assert sorted(first) == sorted(second)
    differing = [table for table in first if first[table] != second[table]]
    assert differing == []
