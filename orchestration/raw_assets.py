"""Load assets: the landing folder into one raw table per contract object (group `raw`)."""

from collections.abc import Iterator

import dagster as dg

from orchestration.landing_assets import landing_asset_key
from orchestration.publish_postgres import drop_build_schema
from orchestration.settings import Settings
from orchestration.warehouse import is_postgres
from sources.contract import ALL_OBJECTS
from sources.load import load_landing
from sources.postgres_copy import copy_raw_to_postgres


def raw_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


RAW_SPECS = [
    dg.AssetSpec(
        key=raw_asset_key(obj.table),
        group_name="raw",
        description=(
            f"Every row of the landing's {obj.name} files, as delivered (all VARCHAR), "
            "with _file, _file_seq and _row_number for the contract's latest-row-wins rules."
        ),
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        deps=[landing_asset_key(obj.folder)],
    )
    for obj in ALL_OBJECTS
]
# The loader's own record of this load, read by dbt (source `load`).
LOAD_LOG_SPECS = [
    dg.AssetSpec(
        key=raw_asset_key(table),
        group_name="raw",
        description=description,
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        deps=sorted({landing_asset_key(obj.folder) for obj in ALL_OBJECTS}, key=str),
    )
    for table, description in (
        ("_load_files", "One row per landing file read: rows read, loaded and unparseable, new columns."),
        (
            "_load_rejects",
            "Records the CSV reader could not parse (wrong number of fields, broken quoting, invalid "
            "UTF-8): file, row, field, reason and the line as delivered. Never published.",
        ),
    )
]


@dg.multi_asset(specs=RAW_SPECS + LOAD_LOG_SPECS, name="load_landing", can_subset=False)
def raw_landing(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """All landing files in one pass: one discovery, one transaction, one reading order."""
    settings = Settings.from_env()
    report = load_landing(settings.landing_dir, settings.warehouse)
    for name in report.ignored:
        context.log.warning(f"ignored landing file (no contract object): {name}")
    files_by_table: dict[str, list[str]] = {}
    new_columns: dict[str, list[str]] = {}
    for file in report.files:
        table = next(o.table for o in ALL_OBJECTS if o.name == file.object_name)
        unparseable = f", {file.rows_rejected:,} unparseable" if file.rows_rejected else ""
        files_by_table.setdefault(table, []).append(f"{file.relative_path} ({file.rows:,} rows{unparseable})")
        if file.extra_columns:
            # Schema drift: kept in raw, ignored downstream, said out loud.
            new_columns.setdefault(table, []).append(f"{file.relative_path}: {', '.join(file.extra_columns)}")
            context.log.warning(
                f"{file.relative_path}: column(s) outside the contract kept in raw and ignored "
                f"downstream: {', '.join(file.extra_columns)}"
            )
    for obj in ALL_OBJECTS:
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(obj.table),
            metadata={
                "dagster/row_count": report.rows_by_table[obj.table],
                "files": dg.MetadataValue.md(
                    "\n".join(f"- {f}" for f in files_by_table.get(obj.table, [])) or "(none)"
                ),
                "landing_dir": str(settings.landing_dir),
                "rows_unparseable": sum(f.rows_rejected for f in report.files if f.object_name == obj.name),
                "columns_outside_contract": dg.MetadataValue.md(
                    "\n".join(f"- {line}" for line in new_columns.get(obj.table, [])) or "(none)"
                ),
            },
        )
    yield dg.MaterializeResult(
        asset_key=raw_asset_key("_load_files"), metadata={"dagster/row_count": len(report.files)}
    )
    yield dg.MaterializeResult(
        asset_key=raw_asset_key("_load_rejects"), metadata={"dagster/row_count": report.rows_rejected}
    )
    context.log.info(
        f"loaded {len(report.files)} files in {report.seconds:.2f}s ({report.mode}); "
        f"raw holds {report.total_rows:,} rows"
        + (f"; {report.rows_rejected:,} rows could not be parsed" if report.rows_rejected else "")
    )
    if is_postgres():
        # The server target: the DuckDB load above is the landing cache; ship raw to PostgreSQL
        # and clear any unpublished build, so dbt starts from this landing only.
        copied = copy_raw_to_postgres(settings.warehouse)
        drop_build_schema()
        context.log.info(f"copied {copied.total_rows:,} raw rows to {copied.target} in {copied.seconds:.2f}s")
