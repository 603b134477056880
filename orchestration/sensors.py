"""Start a refresh when the landing folder changes.

`landing_files_sensor` fingerprints the landing folder (every file's path, size and modification
time). When the fingerprint differs from the one in its cursor it requests a `full_refresh` run
whose run key is the fingerprint (the same set of files is never refreshed twice by the sensor),
and records one observation per landing folder with its newest file's time, which the freshness
checks read. The first tick only records the baseline: what is already there was refreshed by
the nightly schedule or by hand. It is on by default (it runs under the Dagster daemon, i.e.
`dagster dev`); stop it in the UI (Automation) to refresh only nightly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.jobs import full_refresh_job
from orchestration.landing_assets import LANDING_FOLDERS, landing_asset_key
from orchestration.settings import Settings

SENSOR_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class FolderState:
    files: int
    newest_mtime: float | None
    newest_file: str | None


@dataclass(frozen=True)
class LandingSnapshot:
    fingerprint: str
    files: int
    folders: dict[str, FolderState]


def snapshot_landing(root: Path) -> LandingSnapshot:
    """Fingerprint of every file under `root` (hidden files and folders left out, as the loader does)."""
    digest = hashlib.sha256()
    folders: dict[str, FolderState] = {f: FolderState(0, None, None) for f in LANDING_FOLDERS}
    count = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        stat = path.stat()
        digest.update(f"{relative.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        count += 1
        folder = relative.parts[0] if len(relative.parts) > 1 else ""
        if folder in folders:
            state = folders[folder]
            newer = state.newest_mtime is None or stat.st_mtime > state.newest_mtime
            folders[folder] = FolderState(
                files=state.files + 1,
                newest_mtime=stat.st_mtime if newer else state.newest_mtime,
                newest_file=relative.as_posix() if newer else state.newest_file,
            )
    return LandingSnapshot(fingerprint=digest.hexdigest()[:20], files=count, folders=folders)


def landing_observations(snapshot: LandingSnapshot) -> list[dg.AssetObservation]:
    observations = []
    for folder, state in snapshot.folders.items():
        metadata: dict[str, dg.RawMetadataValue] = {"files": state.files}
        if state.newest_mtime is not None:
            # What the freshness checks read: when this feed last delivered a file.
            metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(state.newest_mtime)
            metadata["newest_file"] = state.newest_file
        observations.append(dg.AssetObservation(asset_key=landing_asset_key(folder), metadata=metadata))
    return observations


@dg.sensor(
    name="landing_files_sensor",
    job=full_refresh_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Requests a full refresh when files are added to, changed in or removed from "
        "SALESOPS_LANDING_DIR (fingerprint of path, size and modification time; checked every minute)."
    ),
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    root = Settings.from_env().landing_dir
    if not root.is_dir():
        return dg.SkipReason(f"landing folder {root} does not exist")
    snapshot = snapshot_landing(root)
    if snapshot.fingerprint == context.cursor:
        return dg.SkipReason(f"no change in {root} ({snapshot.files} files)")
    run_requests = []
    if context.cursor is not None:
        run_requests.append(
            dg.RunRequest(
                run_key=snapshot.fingerprint,
                tags={
                    "salesops/trigger": "landing_files_sensor",
                    "salesops/landing_files": str(snapshot.files),
                },
            )
        )
    return dg.SensorResult(
        run_requests=run_requests,
        cursor=snapshot.fingerprint,
        asset_events=landing_observations(snapshot),
    )
