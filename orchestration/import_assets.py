"""File connectors as Dagster assets (group `imports`): files dropped in an inbox folder are
converted into the landing folder, where the next refresh loads them.

Inbox layout (SALESOPS_IMPORT_INBOX, default `inbox/`):
  ad_exports/*.csv        Google Ads / Meta Ads / LinkedIn Ads report exports
  <mapping name>/...      the input files of sources/mappings/<mapping name>.yml
                          (e.g. inbox/maven_crm/sales_pipeline.csv, accounts.csv, ...)
The sensor `import_inbox_sensor` starts the job `import_files` when the inbox changes; a
successful import then starts the full refresh (`refresh_after_import`). Conversions are
deterministic and overwrite their own output files, so re-running an import is harmless.
"""

import hashlib
import os
from pathlib import Path

import dagster as dg

from orchestration.jobs import full_refresh_job
from orchestration.settings import PROJECT_ROOT, Settings
from sources.ad_exports import ExportError, convert_export
from sources.mapped_import import MappingError, load_mapping, run_mapping

IMPORTS_GROUP = "imports"
MAPPINGS_DIR = PROJECT_ROOT / "sources" / "mappings"
AD_EXPORTS_FOLDER = "ad_exports"


def inbox_dir() -> Path:
    value = Path(os.environ.get("SALESOPS_IMPORT_INBOX") or "inbox")
    return value if value.is_absolute() else Path.cwd() / value


def _ad_export_files(inbox: Path) -> list[Path]:
    folder = inbox / AD_EXPORTS_FOLDER
    return (
        sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() == ".csv")
        if folder.is_dir()
        else []
    )


def _mapping_folders(inbox: Path) -> list[tuple[Path, Path]]:
    """(inbox sub-folder, its mapping file) for every sub-folder named like a shipped mapping."""
    if not inbox.is_dir():
        return []
    return [
        (folder, MAPPINGS_DIR / f"{folder.name}.yml")
        for folder in sorted(inbox.iterdir())
        if folder.is_dir() and (MAPPINGS_DIR / f"{folder.name}.yml").is_file()
    ]


@dg.asset(
    key=dg.AssetKey(["imports", "ad_exports"]),
    group_name=IMPORTS_GROUP,
    kinds={"csv"},
    owners=["team:data-engineering"],
    description="Ad-platform report exports in <inbox>/ad_exports/ converted into "
    "<landing>/marketing/ad_spend_<platform>_<name>.csv; rejected rows in <landing>/_rejects/.",
)
def ad_exports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    files = _ad_export_files(inbox_dir())
    lines, errors = [], []
    written = rejected = 0
    for path in files:
        try:
            result = convert_export(path, settings.landing_dir)
        except (ExportError, OSError) as exc:
            errors.append(str(exc))
            continue
        context.log.info(result.render())
        lines.append(f"- {result.reconciliation.render()}")
        written += result.reconciliation.rows_written
        rejected += result.reconciliation.rows_rejected
    if errors:
        raise dg.Failure(description="ad exports that could not be read:\n" + "\n".join(errors))
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "rows_written": written,
            "rows_rejected": rejected,
            "reconciliation": dg.MetadataValue.md("\n".join(lines) or "(inbox empty)"),
            "landing_dir": str(settings.landing_dir),
        }
    )


@dg.asset(
    key=dg.AssetKey(["imports", "mapped_imports"]),
    group_name=IMPORTS_GROUP,
    kinds={"csv", "yaml"},
    owners=["team:data-engineering"],
    description="Each <inbox>/<mapping>/ folder converted with sources/mappings/<mapping>.yml into "
    "contract CSVs in the landing folder; rejected rows in <landing>/_rejects/<mapping>.csv.",
)
def mapped_imports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    lines, errors = [], []
    written = rejected = 0
    for folder, mapping_file in _mapping_folders(inbox_dir()):
        try:
            result = run_mapping(load_mapping(mapping_file), folder, settings.landing_dir)
        except MappingError as exc:
            errors.append(str(exc))
            continue
        context.log.info(result.render())
        lines.append(result.render())
        written += sum(o.rows_written for o in result.objects)
        rejected += result.rows_rejected
    if errors:
        raise dg.Failure(description="mapped imports that failed:\n" + "\n".join(errors))
    return dg.MaterializeResult(
        metadata={
            "rows_written": written,
            "rows_rejected": rejected,
            "reconciliation": dg.MetadataValue.md(
                "```\n" + "\n".join(lines) + "\n```" if lines else "(inbox empty)"
            ),
            "landing_dir": str(settings.landing_dir),
        }
    )


import_files_job = dg.define_asset_job(
    name="import_files",
    selection=dg.AssetSelection.groups(IMPORTS_GROUP),
    description="Convert the import inbox (ad exports, mapped imports) into the landing folder.",
)


def inbox_fingerprint(inbox: Path) -> str:
    """Changes whenever a file in the inbox is added, removed, rewritten or touched."""
    digest = hashlib.sha1()
    if inbox.is_dir():
        for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(inbox).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@dg.sensor(
    job=import_files_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts `import_files` when a file lands in, changes in or leaves the import inbox.",
)
def import_inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    inbox = inbox_dir()
    if not _ad_export_files(inbox) and not _mapping_folders(inbox):
        return dg.SkipReason(f"nothing to import in {inbox}")
    fingerprint = inbox_fingerprint(inbox)
    if fingerprint == context.cursor:
        return dg.SkipReason("inbox unchanged since the last import")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[import_files_job],
    request_job=full_refresh_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A successful import starts the full refresh, so the imported files are published.",
)
def refresh_after_import(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=f"after-import-{context.dagster_run.run_id}")


IMPORT_ASSETS = [ad_exports, mapped_imports]
IMPORT_SENSORS = [import_inbox_sensor, refresh_after_import]
