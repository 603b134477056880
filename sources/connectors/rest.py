"""The HTTP client every connector uses: dlt's RESTClient on dlt's retrying session.

dlt's session (dlt.sources.helpers.requests.Client) retries on 429, every 5xx and on dropped
connections, waiting exponentially (backoff factor x 2^attempt, capped) or as long as the
response's Retry-After header says (capped by the same maximum). The knobs are dlt's own
settings, read from the environment: RUNTIME__REQUEST_MAX_ATTEMPTS (default 5),
RUNTIME__REQUEST_BACKOFF_FACTOR (1 s), RUNTIME__REQUEST_MAX_RETRY_DELAY (300 s),
RUNTIME__REQUEST_TIMEOUT (60 s).
"""

from __future__ import annotations

from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.specs import RuntimeConfiguration
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from requests.auth import AuthBase


def retrying_rest_client(base_url: str, auth: AuthBase) -> RESTClient:
    """A RESTClient for `base_url` whose requests retry per dlt's runtime settings.

    Credentials go in `auth` (applied to each prepared request), never in default headers:
    dlt logs a request's headers at DEBUG level, but not what an AuthBase adds.
    """
    config = resolve_configuration(RuntimeConfiguration())
    client = Client(
        raise_for_status=False,  # RESTClient raises itself, after the retries
        request_timeout=config.request_timeout,
        request_max_attempts=config.request_max_attempts,
        request_backoff_factor=config.request_backoff_factor,
        request_max_retry_delay=config.request_max_retry_delay,
    )
    return RESTClient(base_url=base_url, auth=auth, session=client.session, config=config)
