"""dlt resources over the HubSpot CRM v3 API, one per HubSpot object, each with its own cursor.

Every listing is the v3 list endpoint (GET /crm/v3/objects/<type>), paged by `paging.next.after`,
read twice: live records, then `archived=true` (deleted ones). The incremental cursor (the
records' `updatedAt`, or `archivedAt` for archived ones) is applied by dlt to what is read,
not sent to HubSpot: the search API, HubSpot's only server-side filter on modification time,
returns neither archived records nor property history and stops at 10,000 results, so it could
not give every change. Each run therefore reads every page and lands only the records changed
since the cursor.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from dlt.extract.resource import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from requests import HTTPError

from sources.connectors.outbox import changed_rows_resource
from sources.connectors.rest import retrying_rest_client
from sources.connectors.settings import required_env
from sources.connectors.values import ValueFormatError
from sources.hubspot import mapping as m

log = logging.getLogger(__name__)

API_URL = "https://api.hubapi.com"
PAGE_SIZE = 100
HISTORY_PAGE_SIZE = 50  # HubSpot's maximum when propertiesWithHistory is asked for

Record = dict[str, Any]
RowsOf = Callable[[Record, str], Iterator[tuple[str, m.Row]]]


def hubspot_client() -> RESTClient:
    """A client for HUBSPOT_API_URL (default the public API) with the private app token of
    HUBSPOT_TOKEN."""
    token = required_env("HUBSPOT_TOKEN", "a HubSpot private app access token")
    return retrying_rest_client(os.environ.get("HUBSPOT_API_URL") or API_URL, BearerTokenAuth(token=token))


def _pages(client: RESTClient, path: str, params: dict[str, Any]) -> Iterator[Record]:
    paginator = JSONResponseCursorPaginator(cursor_path="paging.next.after", cursor_param="after")
    pages = client.paginate(path, params=params, paginator=paginator, data_selector="results")
    try:
        first = next(pages, [])
    except HTTPError as error:
        # HubSpot answers a missing scope with 403 (which fails the run); 404 means the account
        # or API version has no such endpoint at all, which is no reason to stop the others.
        if error.response is not None and error.response.status_code == 404:
            log.warning("%s is not served here (404); skipped", path)
            return
        raise
    yield from first
    for page in pages:
        yield from page


def list_objects(
    client: RESTClient,
    object_type: str,
    properties: tuple[str, ...],
    *,
    history: tuple[str, ...] = (),
    associations: tuple[str, ...] = (),
) -> Iterator[Record]:
    """Every record of an object type: live ones, then archived ones."""
    for archived in ("false", "true"):
        params: dict[str, Any] = {
            "limit": HISTORY_PAGE_SIZE if history else PAGE_SIZE,
            "archived": archived,
            "properties": ",".join(properties),
        }
        if history:
            params["propertiesWithHistory"] = ",".join(history)
        if associations:
            params["associations"] = ",".join(associations)
        yield from _pages(client, f"/crm/v3/objects/{object_type}", params)


def list_owners(client: RESTClient) -> Iterator[Record]:
    for archived in ("false", "true"):
        yield from _pages(client, "/crm/v3/owners", {"limit": PAGE_SIZE, "archived": archived})


def deal_stages(client: RESTClient) -> Iterator[Record]:
    """Every stage of every deal pipeline (one unpaged call), as listed in `stages`."""
    for pipeline in _pages(client, "/crm/v3/pipelines/deals", {}):
        yield from pipeline.get("stages") or []


def _incremental_resource(name: str, records: Callable[[], Iterator[Record]], rows_of: RowsOf) -> DltResource:
    """A resource landing the rows of each record changed since the last run."""

    def rows(since: str) -> Iterator[tuple[str, m.Row, str]]:
        for record in records():
            try:
                cursor = m.record_cursor(record)
                mapped = list(rows_of(record, since))
            except ValueFormatError as exc:
                # The run stops (nothing lands, the cursor stays) rather than land a guess.
                raise ValueFormatError(f"HubSpot {name} record {record.get('id')}: {exc}") from exc
            for object_name, row in mapped:
                yield object_name, row, cursor

    return changed_rows_resource(name, rows)


def hubspot_resources(client: RESTClient, timezone: str = "UTC") -> list[DltResource]:
    """The connector's resources. `timezone` is the HubSpot account's (date properties are
    midnight there)."""

    # The stage of a deal is an id; its label, probability and closed/won come from the pipelines,
    # read afresh at the start of each run's deal listing.
    stage_lookup: dict[str, m.Stage] = {}

    def deals() -> Iterator[Record]:
        stage_lookup.clear()
        stage_lookup.update((stage.id, stage) for stage in map(m.stage_of, deal_stages(client)))
        yield from list_objects(
            client, "deals", m.DEAL_PROPERTIES, history=m.DEAL_HISTORY_PROPERTIES, associations=("companies",)
        )

    def deal_rows(record: Record, since: str) -> Iterator[tuple[str, m.Row]]:
        yield "Opportunity", m.deal_to_opportunity(record, stage_lookup, timezone)
        for row in m.deal_history(record, stage_lookup, timezone, since):
            yield "OpportunityHistory", row

    def contact_rows(record: Record, since: str) -> Iterator[tuple[str, m.Row]]:
        yield "Contact", m.contact_to_contact(record)
        yield "Lead", m.contact_to_lead(record, timezone)

    activity_links = ("contacts", "deals", "companies")
    return [
        _incremental_resource(
            "owners", lambda: list_owners(client), lambda r, _: iter([("User", m.owner_to_user(r))])
        ),
        _incremental_resource(
            "deal_stages",
            lambda: deal_stages(client),
            lambda r, _: iter([("OpportunityStage", m.stage_to_opportunity_stage(r))]),
        ),
        _incremental_resource(
            "companies",
            lambda: list_objects(client, "companies", m.COMPANY_PROPERTIES),
            lambda r, _: iter([("Account", m.company_to_account(r))]),
        ),
        _incremental_resource(
            "contacts",
            lambda: list_objects(
                client, "contacts", m.CONTACT_PROPERTIES, associations=("companies", "deals")
            ),
            contact_rows,
        ),
        _incremental_resource("deals", deals, deal_rows),
        _incremental_resource(
            "calls",
            lambda: list_objects(client, "calls", m.CALL_PROPERTIES, associations=activity_links),
            lambda r, _: iter([("Task", m.call_to_task(r, timezone))]),
        ),
        _incremental_resource(
            "emails",
            lambda: list_objects(client, "emails", m.EMAIL_PROPERTIES, associations=activity_links),
            lambda r, _: iter([("Task", m.email_to_task(r, timezone))]),
        ),
        _incremental_resource(
            "meetings",
            lambda: list_objects(client, "meetings", m.MEETING_PROPERTIES, associations=activity_links),
            lambda r, _: iter([("Event", m.meeting_to_event(r))]),
        ),
    ]
