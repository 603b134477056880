"""dlt resources over the Salesforce REST API: one SOQL query per contract object.

Each object is read with `queryAll` (which also returns deleted records, IsDeleted = true, while
they are in the recycle bin), ordered by SystemModstamp and filtered on it from the object's
cursor, and paged through `nextRecordsUrl`. SystemModstamp rather than LastModifiedDate: it also
moves on system changes and deletions, and every object has it (OpportunityHistory has no
LastModifiedDate). The contract's field names are Salesforce's, so records map one to one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.extract.resource import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, OAuth2ClientCredentials
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator
from requests import HTTPError
from requests.auth import AuthBase

from sources.connectors import values as v
from sources.connectors.outbox import changed_rows_resource
from sources.connectors.rest import retrying_rest_client
from sources.connectors.settings import ConnectorConfigError, required_env
from sources.contract import CRM_OBJECTS, LandingObject

log = logging.getLogger(__name__)

API_VERSION = "v61.0"
CURSOR_FIELD = "SystemModstamp"
# Fields the contract lists that an org may not have (custom fields, multi-currency, activity
# subtypes): a query naming one fails with INVALID_FIELD, and is retried without it.
_NO_SUCH_COLUMN = re.compile(r"No such column '([A-Za-z0-9_]+)'")


def salesforce_client() -> RESTClient:
    """A client for SALESFORCE_INSTANCE_URL, authenticated by SALESFORCE_ACCESS_TOKEN or, when
    that is not set, by the OAuth client-credentials flow with SALESFORCE_CLIENT_ID and
    SALESFORCE_CLIENT_SECRET (a connected app's)."""
    instance = required_env("SALESFORCE_INSTANCE_URL", "the org's My Domain URL").rstrip("/")
    auth: AuthBase
    if os.environ.get("SALESFORCE_ACCESS_TOKEN", "").strip():
        auth = BearerTokenAuth(token=os.environ["SALESFORCE_ACCESS_TOKEN"].strip())
    elif os.environ.get("SALESFORCE_CLIENT_ID", "").strip():
        auth = OAuth2ClientCredentials(
            access_token_url=f"{instance}/services/oauth2/token",
            client_id=required_env("SALESFORCE_CLIENT_ID", "the connected app's consumer key"),
            client_secret=required_env("SALESFORCE_CLIENT_SECRET", "the connected app's consumer secret"),
        )
    else:
        raise ConnectorConfigError(
            "environment variable SALESFORCE_ACCESS_TOKEN is not set (or SALESFORCE_CLIENT_ID and "
            "SALESFORCE_CLIENT_SECRET for the client-credentials flow)"
        )
    return retrying_rest_client(instance, auth)


def soql(obj: LandingObject, fields: list[str], since: str) -> str:
    """The object's query from cursor `since`. SOQL compares SystemModstamp at whole seconds, so
    the query starts at the cursor's second, inclusive; dlt drops the rows it already has."""
    query = f"SELECT {', '.join(fields)} FROM {obj.name}"
    if since > v.EPOCH_CURSOR:
        query += f" WHERE {CURSOR_FIELD} >= {since[:19]}Z"
    return query + f" ORDER BY {CURSOR_FIELD}, Id"


def _error_codes(error: HTTPError) -> list[dict[str, Any]]:
    try:
        body = error.response.json() if error.response is not None else []
    except ValueError:
        return []
    return body if isinstance(body, list) else []


def query_records(
    client: RESTClient, obj: LandingObject, since: str, missing: list[str]
) -> Iterator[dict[str, Any]]:
    """Every record of `obj` modified at or after `since`, deleted ones included. `missing`
    holds the fields the org does not have; found ones are added to it."""
    fields = [f for f in dict.fromkeys([*obj.columns, CURSOR_FIELD]) if f not in missing]
    base = f"/services/data/{os.environ.get('SALESFORCE_API_VERSION') or API_VERSION}"
    path = f"{base}/queryAll"
    while True:
        pages = client.paginate(
            path,
            params={"q": soql(obj, fields, since)},
            paginator=JSONLinkPaginator(next_url_path="nextRecordsUrl"),
            data_selector="records",
        )
        try:
            first = next(pages)
        except StopIteration:
            return
        except HTTPError as error:
            if error.response is not None and error.response.status_code == 404 and path.endswith("queryAll"):
                log.warning(
                    "%s: queryAll is not served here (404); using query, which omits deleted records",
                    obj.name,
                )
                path = f"{base}/query"
                continue
            errors = _error_codes(error)
            codes = {e.get("errorCode") for e in errors}
            absent = [m.group(1) for e in errors if (m := _NO_SUCH_COLUMN.search(e.get("message", "")))]
            droppable = absent and absent[0] in fields and absent[0] not in ("Id", CURSOR_FIELD)
            if "INVALID_FIELD" in codes and droppable:
                log.info("%s has no field %s in this org; querying without it", obj.name, absent[0])
                fields.remove(absent[0])
                missing.append(absent[0])
                continue
            if "INVALID_TYPE" in codes:
                log.warning("%s is not available in this org; skipped", obj.name)
                return
            raise
        yield from first
        for page in pages:
            yield from page
        return


def record_to_row(obj: LandingObject, record: dict[str, Any]) -> dict[str, str | None]:
    """The contract row of a record: the same field names, values as text."""
    return {field: v.text(record.get(field)) for field in obj.columns}


def record_cursor(record: dict[str, Any]) -> str:
    """SystemModstamp; the other modification stamps only if a response leaves it out."""
    return v.cursor_value(
        record.get(CURSOR_FIELD) or record.get("LastModifiedDate") or record.get("CreatedDate"),
        field=CURSOR_FIELD,
    )


def _object_resource(client: RESTClient, obj: LandingObject) -> DltResource:
    def rows(since: str) -> Iterator[tuple[str, dict[str, str | None], str]]:
        # Remembered with the cursor, so later runs do not ask for absent fields again.
        missing = dlt.current.resource_state().setdefault("missing_fields", [])
        for record in query_records(client, obj, since, missing):
            try:
                cursor = record_cursor(record)
            except v.ValueFormatError as exc:
                raise v.ValueFormatError(f"Salesforce {obj.name} record {record.get('Id')}: {exc}") from exc
            yield obj.name, record_to_row(obj, record), cursor

    return changed_rows_resource(obj.name, rows)


def salesforce_resources(
    client: RESTClient, objects: tuple[LandingObject, ...] = CRM_OBJECTS
) -> list[DltResource]:
    return [_object_resource(client, obj) for obj in objects]
