"""Row counts for the tables `dbt build` made, as `dagster/row_count` on their materializations.

dagster-dbt's `fetch_row_counts()` queries while dbt still holds DuckDB's write lock, which fails
on one file. Instead the dbt events are held until dbt has exited, then the warehouse is opened
read-only once and every built table counted, and the events go on with the count attached.
Views are not counted (counting one runs its whole query), as dagster-dbt does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb


def _relations(manifest_path: Path) -> dict[str, str]:
    """unique_id -> quoted schema.table of every table or seed (views and tests left out)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    relations = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        if node["config"].get("materialized") in ("view", "ephemeral"):
            continue
        name = node.get("alias") or node["name"]
        relations[unique_id] = f'"{node["schema"]}"."{name}"'
    return relations


def count_rows(warehouse: Path, relations: Iterable[str]) -> dict[str, int]:
    """count(*) of each relation in one read-only session; a missing table is left out."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for relation in relations:
            try:
                counts[relation] = con.execute(f"select count(*) from {relation}").fetchone()[0]
            except duckdb.CatalogException:
                continue
    return counts


def _unique_id(event: Any) -> str | None:
    value = event.metadata.get("unique_id") if hasattr(event, "metadata") else None
    return getattr(value, "value", value) if value is not None else None


def with_row_counts(events: Iterable[Any], warehouse: Path, manifest_path: Path) -> Iterator[Any]:
    """The dbt events, in their order, once dbt finished; tables' materializations get row counts."""
    held = list(events)
    relations = _relations(manifest_path)
    built = {
        uid: relations[uid]
        for event in held
        if isinstance(event, (dg.Output, dg.AssetMaterialization)) and (uid := _unique_id(event)) in relations
    }
    counts = count_rows(warehouse, set(built.values())) if built else {}
    for event in held:
        if isinstance(event, (dg.Output, dg.AssetMaterialization)):
            relation = built.get(_unique_id(event) or "")
            if relation in counts:
                event = event.with_metadata({**event.metadata, "dagster/row_count": counts[relation]})
        yield event
