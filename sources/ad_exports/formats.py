"""The report layouts the three ad platforms export, as their UIs name the columns.

Each format lists, per contract column, the header names it may come under (compared without
case and surrounding spaces). A header row is recognised by its `signature` columns; anything
above it is the export's preamble (report title, date range, account). What each layout is
based on is in docs/connectors/ad_exports.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    platform: str  # the contract's platform value
    label: str
    signature: tuple[tuple[str, ...], ...]  # every group must have one name in the header
    date: tuple[str, ...]
    range_start: tuple[str, ...]  # a row covering a date range instead of one day
    range_end: tuple[str, ...]
    campaign_id: tuple[str, ...]
    campaign_name: tuple[str, ...]
    spend: tuple[str, ...]  # a name, or a regex prefixed "re:" whose group 1 is the currency
    currency: tuple[str, ...]
    impressions: tuple[str, ...]
    clicks: tuple[str, ...]
    conversions: tuple[str, ...]
    date_formats: tuple[str, ...]


GOOGLE_ADS = ExportFormat(
    platform="google_ads",
    label="Google Ads campaign report",
    signature=(("campaign",), ("cost",), ("impr.", "impressions")),
    date=("day", "date"),
    range_start=(),
    range_end=(),
    campaign_id=("campaign id",),
    campaign_name=("campaign",),
    spend=("cost",),
    currency=("currency code", "currency"),
    impressions=("impr.", "impressions"),
    clicks=("clicks",),
    conversions=("conversions", "conv."),
    date_formats=("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%m/%d/%Y"),
)

META_ADS = ExportFormat(
    platform="meta_ads",
    label="Meta Ads Manager export",
    signature=(("campaign name",), ("reporting starts",), (r"re:amount spent(?: \(([a-z]{3})\))?",)),
    date=("day",),
    range_start=("reporting starts",),
    range_end=("reporting ends",),
    campaign_id=("campaign id",),
    campaign_name=("campaign name",),
    spend=(r"re:amount spent(?: \(([a-z]{3})\))?",),
    currency=("currency",),
    impressions=("impressions",),
    clicks=("link clicks", "clicks (all)"),
    conversions=("results",),
    date_formats=("%Y-%m-%d",),
)

LINKEDIN_ADS = ExportFormat(
    platform="linkedin_ads",
    label="LinkedIn Campaign Manager campaign performance export",
    signature=(("campaign name",), ("total spent",), ("start date (in utc)", "start date")),
    date=("start date (in utc)", "start date"),
    range_start=(),
    range_end=(),
    campaign_id=("campaign id",),
    campaign_name=("campaign name",),
    spend=("total spent",),
    currency=("currency",),
    impressions=("impressions",),
    clicks=("clicks",),
    conversions=("conversions",),
    date_formats=("%m/%d/%Y", "%Y-%m-%d"),
)

FORMATS: tuple[ExportFormat, ...] = (META_ADS, LINKEDIN_ADS, GOOGLE_ADS)


def _norm(name: str) -> str:
    return " ".join(name.strip().strip("\ufeff").lower().split())


def find_column(header: list[str], names: tuple[str, ...]) -> tuple[int, str | None] | None:
    """The index of the first header cell matching one of `names`, and the currency a
    `re:` name captured (e.g. `Amount spent (USD)` -> USD)."""
    cells = [_norm(h) for h in header]
    for name in names:
        if name.startswith("re:"):
            pattern = re.compile(name[3:])
            for i, cell in enumerate(cells):
                match = pattern.fullmatch(cell)
                if match:
                    currency = match.group(1) if match.groups() else None
                    return i, currency.upper() if currency else None
        elif name in cells:
            return cells.index(name), None
    return None


def detect(header: list[str]) -> ExportFormat | None:
    for fmt in FORMATS:
        if all(find_column(header, group) is not None for group in fmt.signature):
            return fmt
    return None
