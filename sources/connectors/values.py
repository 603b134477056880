"""Value formats of the landing contract (sources.md, "CRM objects"), from API values.

Everything a connector lands is text: the loader keeps values as delivered and staging types them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

# Incremental cursors are compared as strings by dlt, so every cursor value has one fixed-width
# form (UTC, microseconds): "2024-03-05T14:22:10Z" and "2024-03-05T14:22:10.500+0000" then order
# as the instants they are.
EPOCH_CURSOR = "1970-01-01T00:00:00.000000Z"


class ValueFormatError(ValueError):
    """An API value that does not have the format its field promises."""


def _named(field: str, message: str) -> str:
    return f"{field}: {message}" if field else message


def parse_instant(value: object, field: str = "") -> datetime | None:
    """An API timestamp as an aware UTC datetime: ISO 8601 (Z, +0000, +00:00, none = UTC) or
    epoch milliseconds (HubSpot's form for some date properties)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueFormatError(_named(field, f"not an ISO 8601 timestamp: {text!r}")) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def cursor_value(value: object, field: str = "") -> str:
    """The canonical cursor form of an API timestamp (see EPOCH_CURSOR)."""
    instant = parse_instant(value, field)
    if instant is None:
        raise ValueFormatError(_named(field, "no modification timestamp to use as the cursor"))
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def landing_datetime(value: object, field: str = "") -> str | None:
    """A timestamp as the contract writes datetimes: ISO 8601 UTC with milliseconds and Z."""
    instant = parse_instant(value, field)
    if instant is None:
        return None
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def landing_date(value: object, timezone: str = "UTC", field: str = "") -> str | None:
    """A date (YYYY-MM-DD). A timestamp is taken as the date it falls on in `timezone` (the CRM
    account's time zone: HubSpot stores a date property as midnight of that day there)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if len(text) == 10 and not text.isdigit():
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise ValueFormatError(_named(field, f"not a date: {text!r}")) from exc
    instant = parse_instant(text, field)
    assert instant is not None
    return instant.astimezone(ZoneInfo(timezone)).date().isoformat()


def text(value: object) -> str | None:
    """A JSON scalar as landing text: booleans as true/false, numbers in plain decimal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def boolean(value: object, field: str = "") -> str | None:
    """HubSpot's boolean properties ("true"/"false", any case) as landing booleans."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return text(value)
    lowered = str(value).strip().lower()
    if lowered not in ("true", "false"):
        raise ValueFormatError(_named(field, f"not a boolean: {value!r}"))
    return lowered


def percent(fraction: object, field: str = "") -> str | None:
    """A probability given as a fraction 0-1 (HubSpot) as Salesforce's 0-100."""
    if fraction is None or fraction == "":
        return None
    try:
        number = Decimal(str(fraction)) * 100
    except InvalidOperation as exc:
        raise ValueFormatError(_named(field, f"not a number: {fraction!r}")) from exc
    return format(number.normalize(), "f")
