"""Convert one ad-platform report export into the contract's ad spend (landing/marketing).

The export's format is recognised from its header row; lines above it (title, date range,
account) are its preamble; totals rows are skipped; numbers may carry thousands separators
and currency signs. A row that cannot be converted (bad date, empty, negative or unparseable
spend, a row that covers several days) is rejected into `<out>/_rejects/<name>.csv` with
file, line, field, value and reason. Rows of one day and campaign inside one file (an export
segmented by device or network) are segments of that day: they are added up, because in the
contract a second row for the same day replaces the first.

Every record of the file is accounted for:
records read = rows written + rows rejected + header + preamble + blank + totals + merged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sources.ad_exports.formats import ExportFormat, detect, find_column
from sources.contract import FILE_OBJECTS
from sources.import_output import Reconciliation, Reject, safe_name, write_csv_atomic, write_rejects
from sources.mapped_import.engine import parse_number, plain_decimal

AD_SPEND = next(o for o in FILE_OBJECTS if o.name == "ad_spend")
# The contract's ad_spend columns a platform report can fill (crm_campaign_id it cannot).
OUTPUT_COLUMNS = (
    "date",
    "platform",
    "campaign_id",
    "campaign_name",
    "spend",
    "currency",
    "impressions",
    "clicks",
    "conversions",
)
HEADER_SEARCH_LINES = 30  # a header further down than this is not an export we know
EMPTY_MARKERS = {"", "--", "-", " --"}


class ExportError(Exception):
    """The file as a whole is not an export we can read (names the file)."""


@dataclass
class ExportResult:
    source: Path
    format: ExportFormat
    output: Path
    reconciliation: Reconciliation
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None
    conversions_rounded: int = 0

    def render(self) -> str:
        text = f"{self.source.name} ({self.format.label}) -> {self.output}\n  {self.reconciliation.render()}"
        if self.conversions_rounded:
            text += (
                f"\n  {self.conversions_rounded} rows had fractional conversions (summed per day), "
                "rounded half up"
            )
        if self.rejects_path:
            text += f"\n  rejected rows with their reasons: {self.rejects_path}"
        return text


class _RowReject(Exception):
    def __init__(self, field_name: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field_name, value, reason


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    # Google Ads' "Excel CSV" download is UTF-16 with tabs; the plain CSV download is UTF-8.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path}: neither UTF-8 nor UTF-16 ({exc})") from exc


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(physical line where the record starts, cells) for every record, blank ones included."""
    first_lines = text.splitlines()[:HEADER_SEARCH_LINES]
    delimiter = (
        "\t"
        if sum(line.count("\t") for line in first_lines) > sum(line.count(",") for line in first_lines)
        else ","
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    line = 1
    for record in reader:
        out.append((line, record))
        line = reader.line_num + 1
    return out


def _cell(record: list[str], index: int | None) -> str:
    if index is None or index >= len(record):
        return ""
    value = record[index].strip()
    return "" if value in EMPTY_MARKERS else value


def _parse_date(value: str, formats: tuple[str, ...], day_first: bool) -> date:
    for pattern in formats:
        if day_first:
            pattern = pattern.replace("%m/%d", "%d/%m")
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _count(value: str, name: str) -> Decimal | None:
    if value == "":
        return None
    try:
        number = parse_number(value)
    except InvalidOperation as exc:
        raise _RowReject(name, value, "not a number") from exc
    if number < 0:
        raise _RowReject(name, value, "negative where the contract wants >= 0")
    return number


def _is_totals(record: list[str], name_at: int | None, id_at: int | None) -> bool:
    first = next((c.strip() for c in record if c.strip()), "")
    if first.lower().startswith("total"):  # Google: "Total: Campaigns", "Total: Account"
        return True
    # Meta and LinkedIn summary rows: figures with no campaign.
    return _cell(record, name_at) == "" and _cell(record, id_at) == ""


def output_path(out_dir: Path, fmt: ExportFormat, source: Path) -> Path:
    return out_dir / AD_SPEND.folder / f"ad_spend_{fmt.platform}_{safe_name(source.stem)}.csv"


def convert_export(source: Path, out_dir: Path, *, day_first: bool = False) -> ExportResult:
    """Read `source`, write `<out_dir>/marketing/ad_spend_<platform>_<name>.csv`."""
    records = _records(_decode(source))
    header_at = next(
        (i for i, (_, rec) in enumerate(records[:HEADER_SEARCH_LINES]) if detect(rec) is not None), None
    )
    if header_at is None:
        raise ExportError(
            f"{source}: no Google Ads, Meta Ads or LinkedIn Ads header in the first {HEADER_SEARCH_LINES} "
            "lines (see docs/connectors/ad_exports.md for the columns each format needs)"
        )
    header = records[header_at][1]
    fmt = detect(header)
    assert fmt is not None

    def col(names: tuple[str, ...]) -> int | None:
        found = find_column(header, names) if names else None
        return found[0] if found else None

    spend_found = find_column(header, fmt.spend)
    assert spend_found is not None
    spend_at, header_currency = spend_found
    at = {
        "date": col(fmt.date),
        "start": col(fmt.range_start),
        "end": col(fmt.range_end),
        "id": col(fmt.campaign_id),
        "name": col(fmt.campaign_name),
        "currency": col(fmt.currency),
        "impressions": col(fmt.impressions),
        "clicks": col(fmt.clicks),
        "conversions": col(fmt.conversions),
    }
    rec = Reconciliation(source=source.name, rows_read=len(records))
    rec.skip("header row")
    for _, record in records[:header_at]:
        rec.skip("preamble lines" if any(c.strip() for c in record) else "blank lines")
    rejects: list[Reject] = []
    rows: dict[tuple[str, str], dict[str, object]] = {}
    rounded = 0
    for line, record in records[header_at + 1 :]:
        if not any(c.strip() for c in record):
            rec.skip("blank lines")
            continue
        if _is_totals(record, at["name"], at["id"]):
            rec.skip("totals rows")
            continue
        try:
            day_text = _cell(record, at["date"])
            field_name = "date"
            if not day_text and at["start"] is not None:
                start, end = _cell(record, at["start"]), _cell(record, at["end"])
                field_name = "reporting starts"
                if start != end:
                    raise _RowReject(
                        field_name,
                        f"{start}..{end}",
                        "the row covers several days; export with a breakdown by day",
                    )
                day_text = start
            try:
                day = _parse_date(day_text, fmt.date_formats, day_first)
            except ValueError as exc:
                raise _RowReject(field_name, day_text, "not a date in a form this export uses") from exc
            spend_text = _cell(record, spend_at)
            if spend_text == "":
                raise _RowReject("spend", spend_text, "spend is empty")
            spend = _count(spend_text, "spend")
            impressions = _count(_cell(record, at["impressions"]), "impressions")
            clicks = _count(_cell(record, at["clicks"]), "clicks")
            conversions = _count(_cell(record, at["conversions"]), "conversions")
            for name, value in (("impressions", impressions), ("clicks", clicks)):
                if value is not None and value != value.to_integral_value():
                    raise _RowReject(name, str(value), "not a whole number")
        except _RowReject as err:
            rejects.append(Reject(source.name, line, err.field, err.value, err.reason))
            rec.rows_rejected += 1
            continue
        name = _cell(record, at["name"])
        campaign_id = _cell(record, at["id"]) or name  # Google's UI report may have no Campaign ID
        currency = _cell(record, at["currency"]).upper() or header_currency or ""
        key = (day.isoformat(), campaign_id)
        row = rows.get(key)
        if row is None:
            rows[key] = {
                "date": day.isoformat(),
                "platform": fmt.platform,
                "campaign_id": campaign_id,
                "campaign_name": name,
                "spend": spend,
                "currency": currency,
                "impressions": impressions,
                "clicks": clicks,
                "conversions": conversions,
            }
            rec.rows_written += 1
        else:
            if row["currency"] != currency:
                rejects.append(
                    Reject(
                        source.name,
                        line,
                        "currency",
                        currency,
                        f"same day and campaign as an earlier row in {row['currency']}",
                    )
                )
                rec.rows_rejected += 1
                continue
            for name_, value in (
                ("spend", spend),
                ("impressions", impressions),
                ("clicks", clicks),
                ("conversions", conversions),
            ):
                if value is not None:
                    row[name_] = (row[name_] or Decimal(0)) + value  # type: ignore[operator]
            rec.skip("merged into the same day and campaign (segments of one day)")
    # Google reports fractional conversions (attribution models); the contract wants a count.
    for row in rows.values():
        conv = row["conversions"]
        if isinstance(conv, Decimal) and conv != conv.to_integral_value():
            row["conversions"] = conv.quantize(Decimal(1), rounding=ROUND_HALF_UP)
            rounded += 1
    output = output_path(out_dir, fmt, source)
    write_csv_atomic(
        output,
        OUTPUT_COLUMNS,
        ({k: plain_decimal(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows.values()),
    )
    rejects_path = write_rejects(out_dir / "_rejects" / output.name, rejects)
    return ExportResult(source, fmt, output, rec, rejects, rejects_path, rounded)
