"""Do incremental refreshes publish the marts a refresh from scratch publishes? On any landing.

    .venv/bin/python benchmarks/verify_incremental.py --landing data/maven/landing --var as_of_date=2017-12-31
    .venv/bin/python benchmarks/verify_incremental.py --scale 0.3 --seed 2027   # a new demo landing

Through `salesops refresh`, as a nightly run does it, in a work folder (the landing given is
only read: the work landing links to its files):
1. the landing without its last CRM export (when it has more than one) is refreshed;
2. that export arrives and is refreshed: the loader appends it, incremental models take its rows;
3. a 1% nightly export (--fraction) (new amount and one new history row for every 100th opportunity, as the
   benchmark's) arrives and is refreshed;
4. a mixed delivery (benchmarks/mixed_export.py, --mixed-fraction) that changes every kind of
   input (leads, accounts, activities, deletions, late older copies, conversion rates, and
   restated spend, expenses and quotas in new files) arrives and is refreshed;
5. the final landing is refreshed from scratch into a new warehouse and serving file;
then every published mart of 4 is compared with 5's, row by row on every column, both ways.
Exits 1 when a refresh fails or a mart differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.mixed_export import add_mixed_export  # noqa: E402
from benchmarks.run_benchmark import add_nightly_export  # noqa: E402
from orchestration.table_diff import compare_tables  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def link_landing(source: Path, target: Path, *, hold_back: Path | None) -> None:
    """`target` mirrors `source` with a symlink per file, leaving out the folder `hold_back`."""
    for path in sorted(source.rglob("*")):
        if hold_back is not None and path.is_relative_to(hold_back):
            continue
        if path.is_file():
            link = target / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())


def refresh(landing: Path, out: Path, label: str, dbt_vars: list[str]) -> float:
    """`salesops refresh` into `out`; its output goes to `out/<label>.log`. Returns seconds."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "true"}
    env.pop("DAGSTER_HOME", None)
    command = [
        str(BIN / "salesops"),
        "refresh",
        "--landing-dir",
        str(landing),
        "--warehouse",
        str(out / "warehouse.duckdb"),
        "--serving",
        str(out / "serving.duckdb"),
        *(arg for var in dbt_vars for arg in ("--var", var)),
    ]
    started = time.perf_counter()
    with open(out / f"{label}.log", "w", encoding="utf-8") as log:
        completed = subprocess.run(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{label}: refresh failed (exit {completed.returncode}); see {out / f'{label}.log'}")
    print(f"  {label:<48}{seconds:>7.1f} s", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landing", type=Path, help="a landing folder (default: generate a demo landing)")
    parser.add_argument("--scale", type=float, default=0.3, help="demo scale when no --landing is given")
    parser.add_argument("--seed", type=int, default=2027, help="demo seed when no --landing is given")
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="a dbt var, as refresh takes it"
    )
    parser.add_argument(
        "--fraction", type=float, default=0.01, help="share of opportunities the nightly export changes"
    )
    parser.add_argument(
        "--mixed-fraction",
        type=float,
        default=0.05,
        help="share of each file's records the mixed delivery changes (0: no mixed delivery)",
    )
    parser.add_argument("--work-dir", type=Path, default=ROOT / "data" / "verify_incremental")
    args = parser.parse_args(argv)

    work = args.work_dir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = args.landing.resolve() if args.landing else work / "source_landing"
    if args.landing is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sources.demo",
                str(source),
                "--scale",
                str(args.scale),
                "--seed",
                str(args.seed),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    exports = sorted(p for p in (source / "crm").iterdir() if p.is_dir()) if (source / "crm").is_dir() else []
    if not any((p / "Opportunity.csv").is_file() for p in exports):
        raise SystemExit(f"{source}: no crm/<export>/Opportunity.csv to change in a nightly export")
    held_back = exports[-1] if len(exports) > 1 else None
    landing = work / "landing"
    link_landing(source, landing, hold_back=held_back)
    print(f"verifying incremental refreshes on {source} ({len(exports)} CRM export(s)); work folder {work}")

    incremental = work / "incremental"
    refresh(landing, incremental, "1. without the last export" if held_back else "1. the landing", args.var)
    if held_back is not None:
        link_landing(held_back, landing / "crm" / held_back.name, hold_back=None)
        refresh(landing, incremental, f"2. + export {held_back.name} (incremental)", args.var)
    nightly = add_nightly_export(landing, fraction=args.fraction)
    nightly_label = f"3. + {args.fraction:.0%} export {nightly.name} (incremental)"
    refresh(landing, incremental, nightly_label, args.var)
    # Whether the publish followed fct_pipeline_month_end (orchestration/followed_marts.py) or
    # copied it whole: the comparison below covers the path it took.
    publish_lines = [
        line.strip()
        for line in (incremental / f"{nightly_label}.log").read_text(encoding="utf-8").splitlines()
        if "publish the marts" in line and not line.strip().startswith(">")
    ]
    print(f"  {publish_lines[-1] if publish_lines else 'no publish line in the log'}")
    loads = 3 if held_back is not None else 2
    if args.mixed_fraction > 0:
        mixed = add_mixed_export(landing, fraction=args.mixed_fraction)
        print(f"  {mixed.describe()}")
        refresh(landing, incremental, f"4. + mixed delivery {mixed.folder.name}", args.var)
        loads += 1
    refresh(landing, work / "from_scratch", "5. the same landing from scratch", args.var)

    # The comparison proves something only if steps 2 to 4 appended rather than reloaded.
    with duckdb.connect(str(incremental / "warehouse.duckdb"), read_only=True) as con:
        files, loaded = con.execute(
            "SELECT count(*), count(DISTINCT loaded_at) FROM raw._load_files"
        ).fetchone()
    print(f"\nthe incremental warehouse holds {files} files from {loaded} loads (expected {loads})")
    if loaded != loads:
        print("the exports were not appended: the refreshes reloaded raw, so nothing incremental was tested")
        return 1

    diffs = compare_tables(
        incremental / "serving.duckdb", work / "from_scratch" / "serving.duckdb", ("marts",)
    )
    differing = [d for d in diffs if not d.same]
    rows = sum(d.rows for d in diffs)
    print(f"\npublished marts, incremental vs from scratch: {len(diffs)} marts, {rows:,} rows compared")
    for diff in differing:
        print(f"  DIFFERS {diff.describe()}")
    if differing:
        print(f"{len(differing)} mart(s) differ")
        return 1
    print("  identical: every mart holds the same rows, every column")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
