"""Refresh benchmark: demo landings at several scales, a full refresh, the DuckDB floor and a
nightly run after a 1% incremental export, timed per stage. See benchmarks/README.md.

    .venv/bin/python benchmarks/run_benchmark.py --scales 0.1,1 --repeat 3

Every measured thing runs in its own process while this one samples the resident memory of
that process and its children from /proc every 0.1 s; stage windows come from the Dagster
run's step events (STEP_START .. STEP_SUCCESS), recorded in a throwaway DAGSTER_HOME.
"""

from __future__ import annotations

import argparse
import datetime
import graphlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orchestration.manifest import build_target_path  # noqa: E402
from sources.sql_quoting import quote_literal  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(sys.executable).parent
STAGE_OF_STEP = {
    "load_landing": "load",
    "salesops_dbt_models": "dbt build",
    "serving": "publish",
    "sales_report": "report",
}
STAGES = ("load", "dbt build", "checks", "publish", "report")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- memory sampling ---------------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


@dataclass
class Measured:
    seconds: float
    started: float  # epoch
    returncode: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch, bytes)
    stdout: str = ""

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        lo, hi = start or self.started, end or (self.started + self.seconds)
        inside = [b for t, b in self.samples if lo <= t <= hi]
        return max(inside, default=0)


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    started = time.time()
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        samples: list[tuple[float, int]] = []

        def sample() -> None:
            while proc.poll() is None:
                samples.append((time.time(), _tree_rss(proc.pid)))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        sampler.join()
    return Measured(time.perf_counter() - t0, started, returncode, samples, log.read_text(encoding="utf-8"))


# --- the refresh through the real CLI, split into stages ---------------------------------------


def step_windows(dagster_home: Path) -> dict[str, tuple[float, float]]:
    """(start, end) epoch of each step of the last run recorded in dagster_home."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_runs(limit=1)[0]
        starts: dict[str, float] = {}
        windows: dict[str, tuple[float, float]] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or entry.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[entry.step_key] = entry.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                windows[entry.step_key] = (starts[entry.step_key], entry.timestamp)
    return windows


def stage_windows(windows: dict[str, tuple[float, float]]) -> dict[str, list[tuple[float, float]]]:
    """The step windows of each stage, in STAGES order; a step not named in STAGE_OF_STEP is a
    check. A stage's time is the sum of its steps' windows, not the span from its first step to
    its last: a step between two of a stage's steps (the publish between the checks and a later
    one) would count twice."""
    by_stage: dict[str, list[tuple[float, float]]] = {}
    for step, window in sorted(windows.items(), key=lambda item: item[1]):
        by_stage.setdefault(STAGE_OF_STEP.get(step, "checks"), []).append(window)
    return {stage: by_stage[stage] for stage in STAGES if stage in by_stage}


def refresh(env: dict[str, str], work: Path, label: str) -> dict[str, tuple[float, int]]:
    """One `salesops refresh`; seconds and peak bytes per stage, plus startup and total."""
    dagster_home = work / "dagster_home"
    if not dagster_home.exists():
        # Created (and its SQLite storage migrated) once, outside the timing: the CLI's default
        # ephemeral instance has no such cost.
        import dagster as dg

        dagster_home.mkdir(parents=True)
        (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            instance.get_runs(limit=1)
    run_env = {**env, "DAGSTER_HOME": str(dagster_home)}
    measured = run_measured([str(BIN / "salesops"), "refresh"], run_env, work / f"{label}.log")
    if measured.returncode != 0:
        raise SystemExit(f"refresh {label} failed (exit {measured.returncode}); see {work / f'{label}.log'}")
    windows = step_windows(dagster_home)
    figures: dict[str, tuple[float, int]] = {}
    for stage, spans in stage_windows(windows).items():
        seconds = sum(end - start for start, end in spans)
        figures[stage] = (seconds, max(measured.peak(start, end) for start, end in spans))
    in_steps = sum(end - start for start, end in windows.values())
    # Inside the dbt step: dbt's own clock, and the SQL time of models and of tests.
    target = build_target_path(Path(env["SALESOPS_WAREHOUSE"]))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    figures["  dbt: invocation (dbt's clock)"] = (results["elapsed_time"], 0)
    for kind, prefix in (("models", "model."), ("data tests", "test."), ("unit tests", "unit_test.")):
        seconds = sum(r["execution_time"] for r in results["results"] if r["unique_id"].startswith(prefix))
        count = sum(1 for r in results["results"] if r["unique_id"].startswith(prefix))
        figures[f"  dbt: {count} {kind} (sum of node times)"] = (seconds, 0)
    first_step = min(s for s, _ in windows.values())
    figures["startup (to 1st step)"] = (first_step - measured.started, measured.peak(None, first_step))
    figures["orchestration (all outside steps)"] = (measured.seconds - in_steps, 0)
    figures["total"] = (measured.seconds, measured.peak())
    return figures


# --- the floor: the same SQL, one DuckDB connection, no orchestration ---------------------------


def floor_main(warehouse: Path, target: Path) -> None:
    """Run in a child process: load floor (one read_csv per raw table) and dbt floor (the
    compiled SQL of every model and data test of the last `dbt build`, in DAG order)."""
    import duckdb

    run_results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    con = duckdb.connect(str(warehouse))
    con.execute("SET TimeZone = 'UTC'")
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    files = con.execute(
        "SELECT raw_table, list(file ORDER BY file_seq) FROM raw._load_files GROUP BY raw_table"
    ).fetchall()
    landing = Path(os.environ["SALESOPS_LANDING_DIR"])
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_floor")
    for table, paths in files:
        listed = ", ".join(f"'{landing / p}'" for p in paths)
        con.execute(
            f"CREATE OR REPLACE TABLE raw_floor.{table} AS SELECT * FROM read_csv([{listed}], "
            "header=true, all_varchar=true, union_by_name=true)"
        )
    timings["load"] = time.perf_counter() - t0

    # Unit tests live outside `nodes` in the manifest; they run on dbt's fixtures, not on data.
    executed = {
        r["unique_id"]: r
        for r in run_results
        if r["status"] in ("success", "pass", "warn", "fail") and r["unique_id"] in nodes
    }
    order = graphlib.TopologicalSorter(
        {
            uid: [d for d in nodes[uid].get("depends_on", {}).get("nodes", []) if d in executed]
            for uid in executed
        }
    ).static_order()
    t0 = time.perf_counter()
    counts = {"models": 0, "tests": 0, "skipped": 0}
    for uid in order:
        result, node = executed[uid], nodes[uid]
        sql = (result.get("compiled_code") or "").strip().rstrip(";")
        kind = node["resource_type"]
        materialized = node["config"].get("materialized")
        if kind == "model" and materialized in ("table", "incremental", "view"):
            ddl = "VIEW" if materialized == "view" else "TABLE"
            con.execute(f"CREATE OR REPLACE {ddl} {result['relation_name']} AS (\n{sql}\n)")
            counts["models"] += 1
        elif kind == "test" and sql:
            con.execute(f"SELECT count(*) FROM (\n{sql}\n)").fetchone()
            counts["tests"] += 1
        else:  # seeds (already in the copy), ephemeral models (inlined), unit tests (dbt fixtures)
            counts["skipped"] += 1
    timings["dbt build"] = time.perf_counter() - t0
    con.close()
    print(json.dumps({"timings": timings, "counts": counts}))


def floor(
    env: dict[str, str], work: Path, warehouse: Path, label: str
) -> tuple[dict[str, tuple[float, int]], dict]:
    copy_dir = work / "floor"
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(parents=True)
    # Same file name: the compiled SQL names the database after it ("warehouse").
    copy = copy_dir / warehouse.name
    shutil.copy2(warehouse, copy)
    target = build_target_path(warehouse)
    measured = run_measured([PYTHON, __file__, "_floor", str(copy), str(target)], env, work / f"{label}.log")
    if measured.returncode != 0:
        raise SystemExit(f"floor failed; see {work / f'{label}.log'}")
    report = json.loads(measured.stdout.strip().splitlines()[-1])
    timings = report["timings"]
    figures = {stage: (seconds, 0) for stage, seconds in timings.items()}
    figures["total"] = (measured.seconds, measured.peak())
    return figures, report["counts"]


# --- a 1% nightly export --------------------------------------------------------------------------


def add_nightly_export(landing: Path, fraction: float = 0.01, seed: int = 7) -> Path:
    """A new dated crm/ folder after the last one: ~fraction of the first export's opportunities
    with a new amount and LastModifiedDate, and one new OpportunityHistory row for each."""
    import duckdb

    folders = sorted(p for p in (landing / "crm").iterdir() if p.is_dir())
    # Export folders are named for their date (sources.md); any other name gets a sibling that
    # sorts after it, stamped tomorrow.
    try:
        day = datetime.date.fromisoformat(folders[-1].name) + datetime.timedelta(days=1)
        out = landing / "crm" / day.isoformat()
    except ValueError:
        day = datetime.date.today() + datetime.timedelta(days=1)
        out = landing / "crm" / f"{folders[-1].name}_nightly"
    opportunities = next(p / "Opportunity.csv" for p in folders if (p / "Opportunity.csv").is_file())
    out.mkdir()
    stamp = f"{day.isoformat()}T02:00:00.000Z"
    every = round(1 / fraction)
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE opportunities AS FROM read_csv({quote_literal(str(opportunities))}, "
        "header=true, all_varchar=true)"
    )
    delivered = {
        name for (name,) in con.execute("SELECT column_name FROM (DESCRIBE opportunities)").fetchall()
    }
    replaced = [f"'{stamp}' AS {c}" for c in ("LastModifiedDate", "SystemModstamp") if c in delivered]
    if "Amount" in delivered:
        raised = "printf('%.2f', CAST(Amount AS DOUBLE) * 1.05)"
        replaced.append(f"CASE WHEN Amount <> '' THEN {raised} ELSE Amount END AS Amount")
    con.execute(
        f"""CREATE TABLE changed AS
        SELECT *{f" REPLACE ({', '.join(replaced)})" if replaced else ""}
        FROM opportunities
        WHERE hash(Id, {seed}) % {every} = 0"""
    )
    con.execute(f"COPY changed TO '{out / 'Opportunity.csv'}' (HEADER, DELIMITER ',')")
    # The history row carries the opportunity's fields the landing delivers (an import may
    # leave out Probability or ForecastCategoryName).
    carried = ", ".join(
        f"{column} AS {alias}"
        for column, alias in (
            ("Amount", "Amount"),
            ("Probability", "Probability"),
            ("CloseDate", "CloseDate"),
            ("ForecastCategoryName", "ForecastCategory"),
        )
        if column in delivered
    )
    con.execute(
        f"""COPY (
            SELECT '008BENCH{day.strftime("%Y%m%d")}'
                    || lpad(CAST(row_number() OVER (ORDER BY Id) AS VARCHAR), 7, '0') AS Id,
                '{stamp}' AS CreatedDate, Id AS OpportunityId, StageName, '{stamp}' AS SystemModstamp,
                'false' AS IsDeleted, {carried}
            FROM changed) TO '{out / "OpportunityHistory.csv"}' (HEADER, DELIMITER ',')"""
    )
    rows = con.execute("SELECT count(*) FROM changed").fetchone()[0]
    con.close()
    print(f"  nightly export {out.name}: {rows:,} changed opportunities (+{rows:,} history rows)")
    return out


# --- the benchmark --------------------------------------------------------------------------------


def _median(runs: list[dict[str, tuple[float, int]]], key: str) -> tuple[float, int] | None:
    values = [r[key] for r in runs if key in r]
    if not values:
        return None
    return statistics.median(v[0] for v in values), max(v[1] for v in values)


def _print_table(title: str, rows: list[tuple[str, float, int, float | None, float | None]]) -> None:
    print(f"\n{title}")
    print(f"  {'stage':<44}{'wall (median s)':>16}{'peak RSS (MB)':>15}{'rows/s':>14}{'x floor':>9}")
    for stage, seconds, peak, rate, ratio in rows:
        print(
            f"  {stage:<44}{seconds:>16.2f}{(f'{peak / 2**20:,.0f}' if peak else '-'):>15}"
            f"{(f'{rate:,.0f}' if rate else '-'):>14}{(f'{ratio:.2f}' if ratio else '-'):>9}"
        )


def bench_scale(scale: float, repeat: int, work_root: Path, seed: int, nightlies: int = 1) -> None:
    import duckdb

    work = work_root / f"scale_{scale:g}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    landing, warehouse_dir = work / "landing", work / "warehouse"
    env = {
        **os.environ,
        "SALESOPS_LANDING_DIR": str(landing),
        "SALESOPS_WAREHOUSE": str(warehouse_dir / "warehouse.duckdb"),
        "SALESOPS_SERVING": str(warehouse_dir / "serving.duckdb"),
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    gen = run_measured(
        [PYTHON, "-m", "sources.demo", str(landing), "--scale", str(scale), "--seed", str(seed)],
        env,
        work / "generate.log",
    )
    if gen.returncode != 0:
        raise SystemExit(f"generator failed; see {work / 'generate.log'}")
    size = sum(p.stat().st_size for p in landing.rglob("*.csv"))
    print(
        f"\n== scale {scale:g}: generated {size / 2**20:,.0f} MB of CSV in {gen.seconds:.1f}s "
        f"(peak {gen.peak() / 2**20:,.0f} MB)"
    )

    full_runs, floor_runs, nightly_runs = [], [], []
    counts: dict = {}
    for i in range(repeat):
        shutil.rmtree(warehouse_dir, ignore_errors=True)
        print(f"  run {i + 1}/{repeat}: full refresh ...", flush=True)
        full_runs.append(refresh(env, work, f"full_{i}"))
        print(f"  run {i + 1}/{repeat}: floor ...", flush=True)
        figures, counts = floor(env, work, warehouse_dir / "warehouse.duckdb", f"floor_{i}")
        floor_runs.append(figures)
        # Consecutive nights: each export stays in the landing, so each load appends.
        exports = []
        for night in range(nightlies):
            exports.append(add_nightly_export(landing, seed=seed + i * nightlies + night))
            print(f"  run {i + 1}/{repeat}: nightly refresh {night + 1}/{nightlies} ...", flush=True)
            nightly_runs.append(refresh(env, work, f"nightly_{i}_{night}"))
        for export in exports:
            shutil.rmtree(export)

    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        raw_rows = con.execute("SELECT sum(rows_loaded) FROM raw._load_files").fetchone()[0]
        opportunities = con.execute("SELECT count(DISTINCT id) FROM raw.crm_opportunity").fetchone()[0]
    print(f"  {opportunities:,} opportunities, {raw_rows:,} raw rows; floor ran {counts}")

    floor_of = {k: _median(floor_runs, k) for k in ("load", "dbt build", "total")}
    for title, runs in (("full refresh", full_runs), ("nightly refresh (after a 1% export)", nightly_runs)):
        rows = []
        dbt_lines = [k for k in runs[0] if k.startswith("  dbt:")]
        for stage in (
            *STAGES,
            *dbt_lines,
            "startup (to 1st step)",
            "orchestration (all outside steps)",
            "total",
        ):
            figure = _median(runs, stage)
            if figure is None:
                continue
            base = floor_of.get(stage)
            ratio = figure[0] / base[0] if base and base[0] else None
            rate = raw_rows / figure[0] if stage in (*STAGES, "total") and figure[0] else None
            rows.append((stage, figure[0], figure[1], rate, ratio))
        _print_table(f"scale {scale:g}, {title}, {len(runs)} run(s)", rows)
    rows = []
    for stage in ("load", "dbt build", "total"):
        figure = floor_of[stage]
        if figure:
            rows.append((f"floor: {stage}", figure[0], figure[1], raw_rows / figure[0], 1.0))
    _print_table(f"scale {scale:g}, floor (compiled SQL in one DuckDB connection)", rows)
    full_total, nightly_total = _median(full_runs, "total"), _median(nightly_runs, "total")
    print(f"\n  nightly / full refresh time: {nightly_total[0] / full_total[0]:.0%} (target: at most 10%)")


def overhead(work_root: Path) -> None:
    """Process start and parse costs that every run pays whatever the data."""
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "true"}
    work_root.mkdir(parents=True, exist_ok=True)
    dbt = [
        str(BIN / "dbt"),
        "parse",
        "--quiet",
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
    ]
    cases = {
        "python start + import orchestration.definitions": [PYTHON, "-c", "import orchestration.definitions"],
        "dbt parse (partial parsing, nothing changed)": dbt,
        "dbt parse --no-partial-parse (full parse)": [*dbt, "--no-partial-parse"],
    }
    print("\norchestration overhead (each once, after a warm-up run)")
    for name, cmd in cases.items():
        run_measured(cmd, env, work_root / "overhead.log")
        measured = run_measured(cmd, env, work_root / "overhead.log")
        print(f"  {name:<52}{measured.seconds:>7.2f} s  peak {measured.peak() / 2**20:,.0f} MB")
    # Leave the target folder as a refresh expects it (manifest and partial parse state).
    run_measured(dbt, env, work_root / "overhead.log")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_floor"]:
        floor_main(Path(argv[1]), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="0.1,1", help="demo scales, comma-separated (1 = ~3,000 deals)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale; medians are reported")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "data" / "benchmark")
    parser.add_argument(
        "--nightlies", type=int, default=1, help="consecutive nightly runs after each full refresh (median)"
    )
    parser.add_argument("--skip-overhead", action="store_true", help="skip the process-start/parse figures")
    args = parser.parse_args(argv)
    print(
        f"benchmark on {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f} "
        "(a busy machine makes every figure noisy)"
    )
    if not args.skip_overhead:
        overhead(args.work_dir)
    for scale in (float(s) for s in args.scales.split(",")):
        bench_scale(scale, args.repeat, args.work_dir, args.seed, args.nightlies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
