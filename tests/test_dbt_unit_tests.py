"""dbt's unit tests (the SQL's logic on hand-written inputs, in the models' yml) run here, in
the test suite, and not in every refresh: they check code, which a nightly run does not change.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from orchestration.manifest import build_target_path
from tests.conftest import run_dbt


def test_every_dbt_unit_test_passes(small_landing_serving: Path, tmp_path: Path) -> None:
    # Unit tests need their models' upstream tables to exist (for column types): a copy of the
    # fixture refresh's warehouse has them.
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(small_landing_serving.with_name("warehouse.duckdb"), warehouse)
    result = run_dbt(warehouse, "test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-4000:]
    manifest = json.loads((warehouse.parent / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    expected = len(manifest["unit_tests"])
    assert expected >= 20
    assert re.search(rf"PASS={expected}\b", result.stdout), result.stdout[-2000:]


def test_a_refresh_does_not_run_unit_tests(small_landing_serving: Path) -> None:
    # The fixture refresh's dbt artifacts: the build folder kept for its warehouse.
    run_results = build_target_path(small_landing_serving.with_name("warehouse.duckdb")) / "run_results.json"
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    assert any(r["unique_id"].startswith("test.") for r in results)
    assert not any(r["unique_id"].startswith("unit_test.") for r in results)
