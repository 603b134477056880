"""Ad-platform report exports -> contract ad spend: each format against a real-shaped export
(preamble, totals rows, thousands separators, bad rows). Expected values are worked by hand in
tests/fixtures/ad_exports/WORKING.md."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sources.ad_exports import ExportError, convert_export
from sources.ad_exports.__main__ import main as ad_exports_main
from sources.ad_exports.convert import OUTPUT_COLUMNS
from sources.landing import discover

FIXTURES = Path(__file__).parent / "fixtures" / "ad_exports"
COLUMNS = list(OUTPUT_COLUMNS)


def test_the_converter_writes_only_contract_columns() -> None:
    from sources.ad_exports.convert import AD_SPEND

    assert set(OUTPUT_COLUMNS) <= set(AD_SPEND.columns)


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_google_ads_campaign_report(tmp_path: Path) -> None:
    result = convert_export(FIXTURES / "google_ads_campaign_report.csv", tmp_path)
    assert result.format.platform == "google_ads"
    assert result.output == tmp_path / "marketing" / "ad_spend_google_ads_google_ads_campaign_report.csv"
    assert _rows(result.output) == [
        COLUMNS,
        ["2024-03-01", "google_ads", "1234567890", "Brand - Search", "2000", "USD", "20000", "1000", "20"],
        ["2024-03-01", "google_ads", "2345678901", "Generic - Search", "987", "USD", "8000", "250", "4"],
        ["2024-03-02", "google_ads", "1234567890", "Brand - Search", "1100.1", "USD", "11000", "600", "10"],
    ]
    assert result.conversions_rounded == 1
    rec = result.reconciliation
    assert (rec.rows_read, rec.rows_written, rec.rows_rejected) == (11, 3, 2)
    assert rec.skipped == {
        "header row": 1,
        "preamble lines": 2,
        "totals rows": 2,
        "merged into the same day and campaign (segments of one day)": 1,
    }
    assert rec.balanced
    assert result.rejects_path == tmp_path / "_rejects" / result.output.name
    assert _rows(result.rejects_path) == [
        ["file", "line", "field", "value", "reason"],
        [
            "google_ads_campaign_report.csv",
            "8",
            "date",
            "2024-03-32",
            "not a date in a form this export uses",
        ],
        ["google_ads_campaign_report.csv", "9", "spend", "-3.00", "negative where the contract wants >= 0"],
    ]


def test_meta_ads_export_takes_the_currency_from_the_spend_header(tmp_path: Path) -> None:
    result = convert_export(FIXTURES / "meta_ads_export.csv", tmp_path)
    assert result.format.platform == "meta_ads"
    assert _rows(result.output)[1:] == [
        ["2024-03-01", "meta_ads", "23851234567890123", "Spring Sale", "150.25", "EUR", "10200", "310", "12"],
        ["2024-03-01", "meta_ads", "23851234567890456", "Retargeting, EU", "80", "EUR", "5000", "95", ""],
        [
            "2024-03-02",
            "meta_ads",
            "23851234567890123",
            "Spring Sale",
            "1020.75",
            "EUR",
            "60000",
            "1400",
            "40",
        ],
    ]
    rec = result.reconciliation
    assert (rec.rows_read, rec.rows_written, rec.rows_rejected) == (7, 3, 2)
    assert rec.skipped == {"header row": 1, "totals rows": 1}
    assert [(r.line, r.field, r.value) for r in result.rejects] == [
        (5, "reporting starts", "2024-03-01..2024-03-31"),
        (6, "spend", "abc"),
    ]
    assert "breakdown by day" in result.rejects[0].reason


def test_linkedin_export_skips_its_metadata_lines(tmp_path: Path) -> None:
    result = convert_export(FIXTURES / "linkedin_campaign_export.csv", tmp_path)
    assert result.format.platform == "linkedin_ads"
    assert _rows(result.output)[1:] == [
        [
            "2024-03-01",
            "linkedin_ads",
            "512345678",
            "CFO Sponsored Content",
            "1050",
            "USD",
            "45000",
            "210",
            "5",
        ],
        [
            "2024-03-02",
            "linkedin_ads",
            "512345678",
            "CFO Sponsored Content",
            "990.5",
            "USD",
            "41250",
            "198",
            "3",
        ],
        ["2024-03-02", "linkedin_ads", "512349999", "IT Leaders Message Ads", "400", "USD", "2000", "60", ""],
    ]
    rec = result.reconciliation
    assert (rec.rows_read, rec.rows_written, rec.rows_rejected) == (11, 3, 1)
    assert rec.skipped == {"header row": 1, "preamble lines": 5, "blank lines": 1}
    assert [(r.line, r.field, r.value) for r in result.rejects] == [(11, "date", "13/2/2024")]


def test_day_first_reads_day_month_dates(tmp_path: Path) -> None:
    result = convert_export(FIXTURES / "linkedin_campaign_export.csv", tmp_path, day_first=True)
    # 3/1/2024 is now 3 January; 13/2/2024 (13 February) is valid.
    assert [r[0] for r in _rows(result.output)[1:]] == [
        "2024-01-03",
        "2024-02-03",
        "2024-02-03",
        "2024-02-13",
    ]
    assert result.reconciliation.rows_rejected == 0


def test_google_excel_download_utf16_tab_separated(tmp_path: Path) -> None:
    text = (FIXTURES / "google_ads_campaign_report.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    export = tmp_path / "google_excel.csv"
    with open(export, "w", encoding="utf-16", newline="") as handle:
        csv.writer(handle, delimiter="\t").writerows(rows)
    result = convert_export(export, tmp_path / "out")
    expected = _rows(convert_export(FIXTURES / "google_ads_campaign_report.csv", tmp_path / "ref").output)
    assert _rows(result.output) == expected
    assert result.reconciliation.rows_rejected == 2


def test_an_unknown_layout_is_refused_naming_the_file(tmp_path: Path) -> None:
    export = tmp_path / "bing.csv"
    export.write_text("TimePeriod,CampaignName,Spend\n2024-03-01,Brand,10\n", encoding="utf-8")
    with pytest.raises(ExportError, match="bing.csv: no Google Ads, Meta Ads or LinkedIn Ads header"):
        convert_export(export, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_output_is_a_landing_ad_spend_file_and_no_temp_file_is_left(tmp_path: Path) -> None:
    assert ad_exports_main([str(p) for p in sorted(FIXTURES.glob("*.csv"))] + ["--out", str(tmp_path)]) == 0
    inventory = discover(tmp_path)
    assert sorted(f.relative_path for f in inventory.files) == [
        "marketing/ad_spend_google_ads_google_ads_campaign_report.csv",
        "marketing/ad_spend_linkedin_ads_linkedin_campaign_export.csv",
        "marketing/ad_spend_meta_ads_meta_ads_export.csv",
    ]
    assert {f.object.name for f in inventory.files} == {"ad_spend"}
    assert not list(tmp_path.rglob("*.tmp"))


def test_google_report_without_campaign_id_uses_the_campaign_name(tmp_path: Path) -> None:
    export = tmp_path / "google_no_id.csv"
    export.write_text(
        "Campaign report\nDay,Campaign,Cost,Impr.,Clicks\n"
        '"Mar 1, 2024",Brand,"2,000.00","1,000",10\n'
        'Total: Campaigns,,"2,000.00","1,000",10\n',
        encoding="utf-8",
    )
    result = convert_export(export, tmp_path / "out")
    # the header names no currency: empty, i.e. the reporting currency
    assert _rows(result.output)[1:] == [
        ["2024-03-01", "google_ads", "Brand", "Brand", "2000", "", "1000", "10", ""]
    ]
    assert result.reconciliation.skipped == {"header row": 1, "preamble lines": 1, "totals rows": 1}
