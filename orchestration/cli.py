"""`salesops`: the command line. `refresh` runs the same Dagster job as the UI and the nightly
schedule, in-process; `demo` generates a demo landing and refreshes it."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import os
import sys
import textwrap
import time
from pathlib import Path

import yaml

from orchestration.settings import environment_help

ENVIRONMENT_HELP = "\n" + environment_help()


def _parse_vars(pairs: list[str]) -> dict[str, object]:
    dbt_vars: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--var expects NAME=VALUE, got {pair!r}")
        # YAML, as dbt's --vars: 0.6 is a number, [a, b] a list, a plain word a string.
        parsed = yaml.safe_load(value) if value else None
        # YAML reads 2017-12-31 as a date, which JSON (the dbt vars' transport) cannot carry.
        dbt_vars[name.strip()] = parsed.isoformat() if isinstance(parsed, datetime.date) else parsed
    return dbt_vars


def _set_paths(args: argparse.Namespace) -> None:
    for flag, var in (
        ("landing_dir", "SALESOPS_LANDING_DIR"),
        ("warehouse", "SALESOPS_WAREHOUSE"),
        ("serving", "SALESOPS_SERVING"),
    ):
        value = getattr(args, flag, None)
        if value:
            os.environ[var] = str(Path(value).resolve())


def run_refresh(dbt_vars: dict[str, object], *, full_refresh: bool = False) -> bool:
    """Run the full-refresh job in this process; True only if the marts were published.
    `full_refresh` rebuilds dbt's incremental models from every row."""
    from orchestration.manifest import ensure_manifest

    ensure_manifest()

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.jobs import FULL_REFRESH_JOB_NAME
    from orchestration.progress import DbtLogTee, ProgressPrinter, progress_logger
    from orchestration.report import RunReport
    from orchestration.settings import Settings

    # dagster-dbt logs every dbt command at INFO; the run summary says what matters.
    for name in ("dagster", "dagster.builtin"):
        logging.getLogger(name).setLevel(os.environ.get("SALESOPS_LOG_LEVEL", "WARNING"))
    settings = Settings.from_env()
    print(f"landing:   {settings.landing_dir}")
    print(f"warehouse: {settings.warehouse}")
    print(f"serving:   {settings.serving}")
    if os.environ.get("SALESOPS_TARGET", "duckdb").lower() == "postgres":
        from sources.postgres_connection import PgSettings

        print(f"target:    postgres {PgSettings.from_env().describe()} (the DuckDB file: landing cache)")
    if dbt_vars:
        print(f"dbt vars:  {json.dumps(dbt_vars)}")
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    printer = ProgressPrinter(sys.stdout)
    job = defs.resolve_job_def(FULL_REFRESH_JOB_NAME)
    job = job.with_logger_defs({"console": dg.colored_console_logger, "progress": progress_logger(printer)})
    # dagster-dbt echoes every dbt log line to stdout: keep that in a file, show the summary.
    log_path = settings.warehouse.parent / "logs" / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"running load -> dbt build -> checks -> publish -> report (dbt log: {log_path})", flush=True)
    log_level = os.environ.get("SALESOPS_LOG_LEVEL", "CRITICAL")
    started = time.perf_counter()
    with (
        open(log_path, "w", encoding="utf-8") as log_file,
        contextlib.redirect_stdout(DbtLogTee(log_file, printer)),
    ):
        result = job.execute_in_process(
            run_config={
                "ops": {
                    "salesops_dbt_models": {
                        "config": {"dbt_vars_json": json.dumps(dbt_vars), "full_refresh": full_refresh}
                    }
                },
                # The summary below says what failed; Dagster's own log only on request.
                "loggers": {"console": {"config": {"log_level": log_level}}, "progress": {}},
            },
            instance=instance,
            raise_on_error=False,
        )
    report = RunReport.from_result(result)
    print(report.render(time.perf_counter() - started))
    return report.published


def _refresh(args: argparse.Namespace) -> int:
    _set_paths(args)
    return 0 if run_refresh(_parse_vars(args.var), full_refresh=args.full_refresh) else 1


def _demo(args: argparse.Namespace) -> int:
    from sources.demo.generator import generate_landing

    landing = Path(args.landing_dir or "data/demo_landing").resolve()
    os.environ["SALESOPS_LANDING_DIR"] = str(landing)
    _set_paths(argparse.Namespace(warehouse=args.warehouse, serving=args.serving))
    started = time.perf_counter()
    written = generate_landing(landing, scale=args.scale, seed=args.seed)
    print(
        f"demo landing: {sum(written.values()):,} rows in {len(written)} files, "
        f"written to {landing} in {time.perf_counter() - started:.1f}s"
    )
    return 0 if run_refresh(_parse_vars(args.var)) else 1


def _pg_grant_bi_role(args: argparse.Namespace) -> int:
    from orchestration.bi_role import bi_role_name, ensure_bi_role
    from sources.postgres_connection import PgSettings

    pg = PgSettings.from_env()
    try:
        done = ensure_bi_role(pg, bi_role_name(), os.environ.get("SALESOPS_PG_BI_PASSWORD", ""))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{pg.describe()}: " + "; ".join(done))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesops",
        description="SalesOps warehouse: load CRM and spend files, build and check the metrics, "
        "publish the marts BI reads.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--warehouse", help="build warehouse file (overrides SALESOPS_WAREHOUSE)")
        sub.add_argument("--serving", help="serving file (overrides SALESOPS_SERVING)")
        sub.add_argument(
            "--var",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a dbt var of metrics.md, e.g. --var reporting_timezone=America/New_York",
        )

    refresh = commands.add_parser(
        "refresh",
        help="load, build, check and publish; exit 0 only if the marts were published",
        description=textwrap.fill(
            "Load the landing folder into the build warehouse, build every dbt model, run "
            "every check (dbt tests, data contract, Great Expectations), publish the marts to the "
            "serving file and write the HTML report. Prints a line per step, then a summary. Exits 0 "
            "only if the marts were published; otherwise the serving file is left as it was.",
            88,
        ),
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    refresh.add_argument("--landing-dir", help="landing folder (overrides SALESOPS_LANDING_DIR)")
    refresh.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt's incremental models from every row (after changing their SQL; "
        "new or reloaded data never needs it)",
    )
    common(refresh)
    refresh.set_defaults(func=_refresh)

    demo = commands.add_parser(
        "demo",
        help="generate a demo landing and refresh it end to end",
        description=textwrap.fill(
            "Write a generated landing (Salesforce-shaped CRM exports, ad spend, S&M "
            "expenses, quotas; same seed, same data), then refresh it exactly as `salesops refresh`: "
            "warehouse, checks, serving file and HTML report.",
            88,
        ),
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--landing-dir", help="where to write the demo landing (default data/demo_landing)")
    demo.add_argument("--scale", type=float, default=1.0, help="data volume (1 = ~3,000 deals)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    common(demo)
    demo.set_defaults(func=_demo)

    from sources.mapped_import.__main__ import add_arguments, run

    mapped = commands.add_parser(
        "import",
        help="convert CSV exports into a landing folder with a YAML mapping (sources/mappings/)",
        description="Convert CSV exports into a landing folder with a YAML mapping; then run "
        "`salesops refresh --landing-dir` on it (the command prints the line to use).",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(mapped)
    mapped.set_defaults(func=run)

    grant = commands.add_parser(
        "pg-grant-bi-role",
        help="PostgreSQL: create or update the read-only BI role (reads schema marts only); idempotent",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grant.set_defaults(func=_pg_grant_bi_role)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
