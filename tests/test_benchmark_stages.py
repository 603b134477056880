"""benchmarks/run_benchmark.py: a stage's time is the sum of its steps' windows.

The step windows are those of a real refresh (the order of orchestration's job), in seconds
from the run's start: load 0-2, dbt 2-30, contract check 30-31, GX 31-35, rejects 35-35.5,
publish (serving) 35.5-39.5, HTML report 39.5-40.5. By hand: checks = 1 + 4 + 0.5 = 5.5 s;
publish 4 s; report 1 s. The first-to-last span of the checks would have been 30-40.5 (10.5 s)
when the report counted as a check, the publish inside it."""

from __future__ import annotations

from benchmarks.run_benchmark import stage_windows

WINDOWS = {
    "load_landing": (0.0, 2.0),
    "salesops_dbt_models": (2.0, 30.0),
    "data_contract_checks": (30.0, 31.0),
    "great_expectations_checks": (31.0, 35.0),
    "intermediate__int_rejected_rows_rejected_rows": (35.0, 35.5),
    "serving": (35.5, 39.5),
    "sales_report": (39.5, 40.5),
}


def seconds(spans: list[tuple[float, float]]) -> float:
    return sum(end - start for start, end in spans)


def test_each_stage_is_the_sum_of_its_own_steps() -> None:
    stages = stage_windows(WINDOWS)
    assert list(stages) == ["load", "dbt build", "checks", "publish", "report"]
    assert {stage: seconds(spans) for stage, spans in stages.items()} == {
        "load": 2.0,
        "dbt build": 28.0,
        "checks": 5.5,
        "publish": 4.0,
        "report": 1.0,
    }
    # Every second inside a step is in exactly one stage.
    assert sum(seconds(s) for s in stages.values()) == seconds(list(WINDOWS.values()))
