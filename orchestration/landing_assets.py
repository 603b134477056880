"""The landing folders as external assets (group raw): where the files come from.

Dagster does not build them; the landing sensor observes them, recording the newest file's
modification time as `dagster/last_updated_timestamp`, which the freshness checks read.
"""

from __future__ import annotations

import dagster as dg

from sources.contract import ALL_OBJECTS

LANDING_FOLDERS: tuple[str, ...] = tuple(sorted({obj.folder for obj in ALL_OBJECTS}))


def landing_asset_key(folder: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", folder])


LANDING_SPECS = [
    dg.AssetSpec(
        key=landing_asset_key(folder),
        group_name="raw",
        description=(
            f"The landing folder `{folder}/` under SALESOPS_LANDING_DIR, as delivered by the source "
            "systems. Observed by the sensor `landing_files_sensor`: the newest file's time is its "
            "last update, so a feed that stopped arriving fails its freshness check."
        ),
        kinds={"csv"},
        owners=["team:data-engineering"],
    )
    for folder in LANDING_FOLDERS
]
