"""A fake Salesforce REST API: SOQL through query/queryAll with nextRecordsUrl paging,
deleted records (IsDeleted, returned by queryAll only), INVALID_FIELD for fields the org does
not have, INVALID_TYPE for objects it does not have, and the client-credentials token endpoint.

It understands the one query shape the connector sends:
`SELECT f1, f2 FROM Object [WHERE SystemModstamp >= <datetime>] ORDER BY SystemModstamp, Id`.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.server import Query, Response

Record = dict[str, Any]
VERSION = "v61.0"
_SOQL = re.compile(
    r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)"
    r"(?: WHERE SystemModstamp >= (?P<since>\S+))? ORDER BY SystemModstamp, Id$"
)


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # a corrupt stamp a test planted: served as stored, sorted first
        return datetime.min.replace(tzinfo=UTC)


class FakeSalesforce:
    def __init__(
        self, page_size: int = 2, client_id: str = "", client_secret: str = "", token: str = ""
    ) -> None:
        self.page_size = page_size
        self.fields: dict[str, set[str]] = {}  # the org's objects and their fields
        self.records: dict[str, dict[str, Record]] = {}
        self.client_id, self.client_secret, self.token = client_id, client_secret, token
        self.queries: list[str] = []
        self._cursors: dict[str, list[Record]] = {}
        self._ids = itertools.count(1)

    def define(self, object_name: str, fields: set[str]) -> None:
        self.fields[object_name] = fields | {"Id", "CreatedDate", "SystemModstamp"}
        self.records.setdefault(object_name, {})

    def put(self, object_name: str, record: Record) -> None:
        unknown = set(record) - self.fields[object_name]
        assert not unknown, f"{object_name} has no {unknown}"
        self.records[object_name][record["Id"]] = record

    def touch(self, object_name: str, record_id: str, at: str, **values: Any) -> None:
        record = self.records[object_name][record_id]
        record.update(values, SystemModstamp=at)
        if "LastModifiedDate" in self.fields[object_name]:
            record["LastModifiedDate"] = at

    def delete(self, object_name: str, record_id: str, at: str) -> None:
        self.touch(object_name, record_id, at, IsDeleted=True)

    # --- the API ------------------------------------------------------------------------
    def route(self, method: str, path: str, query: Query, body: bytes) -> Response | None:
        base = f"/services/data/{VERSION}"
        if method == "POST" and path == "/services/oauth2/token":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            ok = (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) == (
                "client_credentials",
                self.client_id,
                self.client_secret,
            )
            if not ok:
                return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            return 200, {"access_token": self.token, "instance_url": "", "token_type": "Bearer"}
        if method != "GET":
            return None
        if path in (f"{base}/query", f"{base}/queryAll"):
            return self._start(query.get("q", ""), include_deleted=path.endswith("queryAll"))
        if path.startswith(f"{base}/query/"):
            locator, _, offset = path.rsplit("/", 1)[1].rpartition("-")
            return self._page(locator, int(offset))
        return None

    def _start(self, soql: str, include_deleted: bool) -> Response:
        self.queries.append(soql)
        match = _SOQL.match(soql)
        if not match:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected query: {soql}"}]
        name = match["object"]
        if name not in self.fields:
            return 400, [{"errorCode": "INVALID_TYPE", "message": f"sObject type '{name}' is not supported."}]
        fields = [f.strip() for f in match["fields"].split(",")]
        for field in fields:
            if field not in self.fields[name]:
                message = (
                    f"\n{soql[:40]}\n^\nERROR at Row:1:Column:8\nNo such column '{field}' on entity '{name}'."
                )
                return 400, [{"errorCode": "INVALID_FIELD", "message": message}]
        rows = [
            r
            for r in self.records[name].values()
            if (include_deleted or not r.get("IsDeleted"))
            and (match["since"] is None or _instant(r["SystemModstamp"]) >= _instant(match["since"]))
        ]
        rows.sort(key=lambda r: (_instant(r["SystemModstamp"]), r["Id"]))
        locator = f"01g{next(self._ids):05d}"
        # A query locator is a snapshot: later changes do not move records between its pages.
        self._cursors[locator] = [
            {"attributes": {"type": name, "url": f"/services/data/{VERSION}/sobjects/{name}/{r['Id']}"}}
            | {f: r.get(f) for f in fields}
            for r in rows
        ]
        return self._page(locator, 0)

    def _page(self, locator: str, offset: int) -> Response:
        if locator not in self._cursors:
            return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
        rows = self._cursors[locator]
        page = rows[offset : offset + self.page_size]
        body: dict[str, Any] = {
            "totalSize": len(rows),
            "done": offset + self.page_size >= len(rows),
            "records": page,
        }
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/{VERSION}/query/{locator}-{offset + self.page_size}"
        return 200, body
