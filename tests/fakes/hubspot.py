"""A fake HubSpot CRM v3 API: list endpoints with `after` paging, archived listings,
requested properties only, property history and associations, deal pipelines, owners.

Records are stored as HubSpot returns them; a test changes them between runs with `update`,
`archive` and `add`, which move `updatedAt` / `archivedAt` on like HubSpot does.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.server import Query, Response

Record = dict[str, Any]


class FakeHubSpot:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size  # fewer than the client asks for, so every listing pages
        self.objects: dict[str, dict[str, Record]] = {}
        self.owners: dict[str, Record] = {}
        self.pipelines: list[Record] = []

    # --- changing the data -------------------------------------------------------------
    def add(self, object_type: str, record: Record) -> None:
        self.objects.setdefault(object_type, {})[record["id"]] = record

    def update(self, object_type: str, record_id: str, at: str, **properties: Any) -> None:
        record = self.objects[object_type][record_id]
        record["updatedAt"] = at
        for name, value in properties.items():
            record["properties"][name] = value
            history = record.setdefault("propertiesWithHistory", {}).setdefault(name, [])
            history.insert(0, {"value": value, "timestamp": at, "sourceType": "CRM_UI"})

    def archive(self, object_type: str, record_id: str, at: str) -> None:
        record = self.objects[object_type][record_id]
        record.update(archived=True, archivedAt=at, updatedAt=at)

    # --- the API ------------------------------------------------------------------------
    def route(self, method: str, path: str, query: Query, body: bytes) -> Response | None:
        if method != "GET":
            return None
        if path == "/crm/v3/pipelines/deals":
            return 200, {"results": copy.deepcopy(self.pipelines)}
        if path == "/crm/v3/owners":
            return self._page(list(self.owners.values()), query, lambda r: copy.deepcopy(r))
        prefix = "/crm/v3/objects/"
        if path.startswith(prefix) and path.count("/") == 4:
            object_type = path[len(prefix) :]
            if object_type not in self.objects:
                return 400, {"status": "error", "message": f"Unable to infer object type from: {object_type}"}
            return self._page(
                list(self.objects[object_type].values()), query, lambda r: self._shape(r, query)
            )
        return None

    def _page(self, records: list[Record], query: Query, shape: Any) -> Response:
        archived = query.get("archived", "false") == "true"
        selected = sorted(
            (r for r in records if bool(r.get("archived")) == archived), key=lambda r: int(r["id"])
        )
        limit = min(
            int(query.get("limit", 10)), 50 if "propertiesWithHistory" in query else 100, self.page_size
        )
        after = int(query.get("after", 0))
        remaining = [r for r in selected if int(r["id"]) > after]
        page = remaining[:limit]
        body: dict[str, Any] = {"results": [shape(r) for r in page]}
        if len(remaining) > limit:
            token = page[-1]["id"]
            body["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
        return 200, body

    def _shape(self, record: Record, query: Query) -> Record:
        asked = [p for p in query.get("properties", "").split(",") if p]
        out: Record = {
            "id": record["id"],
            "properties": {p: record["properties"].get(p) for p in asked if p in record["properties"]},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": bool(record.get("archived")),
        }
        if record.get("archived"):
            out["archivedAt"] = record["archivedAt"]
        with_history = [p for p in query.get("propertiesWithHistory", "").split(",") if p]
        if with_history:
            out["propertiesWithHistory"] = {
                p: copy.deepcopy(record.get("propertiesWithHistory", {}).get(p, [])) for p in with_history
            }
        wanted = [a for a in query.get("associations", "").split(",") if a]
        links = {
            a: record.get("associations", {}).get(a) for a in wanted if record.get("associations", {}).get(a)
        }
        if links:
            out["associations"] = {
                a: {"results": [{"id": i, "type": f"x_to_{a}"} for i in ids]} for a, ids in links.items()
            }
        return out
