"""Mapped imports: the mapping file is checked against the contract; values are mapped as
declared; a row missing a required field is rejected with its reason, never dropped; counts
reconcile. Small hand-made inputs here; the three real datasets in test_mapped_imports_real.py."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest

from sources.mapped_import import MappingError, load_mapping, run_mapping
from sources.mapped_import.engine import stable_id
from sources.mapped_import.schema import ValueSpec

REPO = Path(__file__).resolve().parent.parent


def _mapping(tmp_path: Path, text: str, **params: str):
    path = tmp_path / "mapping.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_mapping(path, params or None)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# A CRM export with a stage column, a missing owner, an unknown stage and a d/m/Y date.
DEALS = """\
deal,owner,stage,closed_on,value
D1,Ann,won,05/03/2024,"1,200.50"
D2,,lost,06/03/2024,0
D3,Bob,open,,300
D4,Bob,stalled,07/03/2024,10
D5,Ann,won,31/02/2024,5
"""

DEALS_MAPPING = """\
name: test_crm
params:
  snapshot: "2024-03-31"
crm_folder: "{snapshot}"
inputs:
  deals: {file: "deals*.csv"}
objects:
  - object: Opportunity
    input: deals
    columns:
      Id: deal
      CreatedDate: {param: snapshot}
      OwnerId: {hash: [owner], prefix: "U-"}
      StageName: {column: stage, map: {won: Closed Won, lost: Closed Lost, open: Prospecting}}
      IsClosed: {column: stage, map: {won: true, lost: true, open: false}}
      IsWon: {column: stage, map: {won: true, lost: false, open: false}}
      CloseDate: {coalesce: [{column: closed_on, date_format: "%d/%m/%Y"}, {param: snapshot}]}
      Amount: {column: value, number: true, non_negative: true}
"""


def test_a_mapped_import_writes_contract_rows_and_rejects_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "deals_march.csv").write_text(DEALS, encoding="utf-8")
    result = run_mapping(_mapping(tmp_path, DEALS_MAPPING), tmp_path / "in", tmp_path / "landing")
    out = tmp_path / "landing" / "crm" / "2024-03-31" / "Opportunity.csv"
    assert result.objects[0].path == out
    assert _rows(out) == [
        {
            "Id": "D1",
            "CreatedDate": "2024-03-31",
            "OwnerId": stable_id("U-", ["Ann"]),
            "StageName": "Closed Won",
            "IsClosed": "true",
            "IsWon": "true",
            "CloseDate": "2024-03-05",
            "Amount": "1200.5",
        },
        # no close date: the coalesce falls back to the snapshot parameter
        {
            "Id": "D3",
            "CreatedDate": "2024-03-31",
            "OwnerId": stable_id("U-", ["Bob"]),
            "StageName": "Prospecting",
            "IsClosed": "false",
            "IsWon": "false",
            "CloseDate": "2024-03-31",
            "Amount": "300",
        },
    ]
    # D2: no owner (OwnerId required); D4: a stage the value map does not know; D5: 31 February.
    assert _rows(tmp_path / "landing" / "_rejects" / "test_crm.csv") == [
        {
            "file": "deals_march.csv",
            "line": "3",
            "field": "Opportunity.OwnerId",
            "value": "",
            "reason": "required Opportunity.OwnerId is empty (from owner)",
        },
        {
            "file": "deals_march.csv",
            "line": "5",
            "field": "Opportunity.StageName",
            "value": "stalled",
            "reason": "value 'stalled' is not in the mapping's value map",
        },
        {
            "file": "deals_march.csv",
            "line": "6",
            "field": "Opportunity.CloseDate",
            "value": "31/02/2024",
            "reason": "not a date in the form '%d/%m/%Y'",
        },
    ]
    rec = result.objects[0].reconciliations["deals_march.csv"]
    assert (rec.rows_read, rec.rows_written, rec.rows_rejected, rec.skipped) == (5, 2, 3, {})
    assert result.balanced


def test_every_file_of_a_glob_is_read_and_reconciled_on_its_own(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "deals_march.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "in" / "deals_april.csv").write_text(
        "deal,owner,stage,closed_on,value\nD9,Cy,won,01/04/2024,7\n"
    )
    result = run_mapping(_mapping(tmp_path, DEALS_MAPPING), tmp_path / "in", tmp_path / "landing")
    recs = result.objects[0].reconciliations
    assert sorted(recs) == ["deals_april.csv", "deals_march.csv"]
    assert (recs["deals_april.csv"].rows_read, recs["deals_april.csv"].rows_written) == (1, 1)
    assert (recs["deals_march.csv"].rows_read, recs["deals_march.csv"].rows_written) == (5, 2)
    # files are read in path order: April's file sorts first
    assert [r["Id"] for r in _rows(result.objects[0].path)] == ["D9", "D1", "D3"]


def test_ids_are_stable_and_an_empty_key_gives_no_id() -> None:
    assert stable_id("A-", ["Acme"]) == stable_id("A-", [" Acme "])
    assert stable_id("A-", ["Acme"]) != stable_id("A-", ["Acme Corp"])
    assert stable_id("A-", ["Acme"]).startswith("A-") and len(stable_id("A-", ["Acme"])) == 18
    assert stable_id("A-", ["", " "]) == ""


ADS = """\
month,day,campaign,placement,cost,displays
April,1,camp 1,abc,"1,000.25",10
April,1,camp 1,def,0.75,5
April,1,camp 1,def,0.75,5
April,2,camp 1,abc,x,1
May,3,camp 2,#N/A,2,0
"""

ADS_MAPPING = """\
name: test ads
params:
  year: null
inputs:
  ads: {file: ads.csv}
objects:
  - object: ad_spend
    input: ads
    drop_exact_duplicates: true
    aggregate: {group_by: [month, day, campaign], sum: [cost, displays]}
    columns:
      date: {template: "{year} {month} {day}", date_format: "%Y %B %d"}
      platform: {const: display_ads}
      campaign_id: campaign
      spend: {column: cost, number: true, non_negative: true}
      impressions: displays
"""


def test_duplicates_aggregation_and_a_year_parameter(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ads.csv").write_text(ADS, encoding="utf-8")
    with pytest.raises(MappingError, match="parameter 'year' has no value"):
        run_mapping(_mapping(tmp_path, ADS_MAPPING), tmp_path / "in", tmp_path / "landing")
    result = run_mapping(_mapping(tmp_path, ADS_MAPPING, year="2019"), tmp_path / "in", tmp_path / "landing")
    out = tmp_path / "landing" / "marketing" / "ad_spend_test_ads.csv"
    # line 4 is an exact copy of line 3 (dropped); lines 2+3 are one day: 1000.25 + 0.75, 10 + 5;
    # line 5 has an unparseable cost (rejected before the sum); line 6 is another day.
    assert _rows(out) == [
        {
            "date": "2019-04-01",
            "platform": "display_ads",
            "campaign_id": "camp 1",
            "spend": "1001",
            "impressions": "15",
        },
        {
            "date": "2019-05-03",
            "platform": "display_ads",
            "campaign_id": "camp 2",
            "spend": "2",
            "impressions": "0",
        },
    ]
    rec = result.objects[0].reconciliations["ads.csv"]
    assert (rec.rows_read, rec.rows_written, rec.rows_rejected) == (5, 2, 1)
    assert rec.skipped == {
        "exact duplicates of an earlier row": 1,
        "merged into an earlier row of their group (aggregate)": 1,
    }
    assert rec.balanced
    assert [(r.line, r.field, r.value) for r in result.objects[0].rejects] == [(5, "cost", "x")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("object: Opportunity", "object: Deal"), "unknown object 'Deal'"),
        (
            ("      Amount:", "      amount:"),
            "Opportunity has no column 'amount' \\(did you mean Amount\\?\\)",
        ),
        (
            ('      OwnerId: {hash: [owner], prefix: "U-"}\n', ""),
            "required column Opportunity.OwnerId is not mapped",
        ),
        (("input: deals\n    columns", "input: sales\n    columns"), "unknown input 'sales'"),
        (("{param: snapshot}]}", "{param: as_of}]}"), "unknown parameter 'as_of'"),
        (("Id: deal", "Id: {column: deal, const: x}"), "exactly one of column, const"),
        (("crm_folder:", "crm_foldr:"), "crm_foldr: Extra inputs are not permitted"),
    ],
)
def test_a_bad_mapping_file_is_refused_with_a_clear_error(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in DEALS_MAPPING
    with pytest.raises(MappingError, match=message) as error:
        _mapping(tmp_path, DEALS_MAPPING.replace(*change, 1))
    assert "mapping.yml" in str(error.value)


def test_a_source_column_that_is_not_in_the_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "deals.csv").write_text(DEALS.replace("closed_on", "close"), encoding="utf-8")
    with pytest.raises(MappingError, match="source column\\(s\\) closed_on not found"):
        run_mapping(_mapping(tmp_path, DEALS_MAPPING), tmp_path / "in", tmp_path / "landing")
    assert not (tmp_path / "landing").exists()  # nothing half-written


def test_a_where_column_that_is_not_in_the_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "deals.csv").write_text(DEALS, encoding="utf-8")
    mapping = DEALS_MAPPING.replace(
        "    input: deals\n", "    input: deals\n    where: {column: status, not_empty: true}\n"
    )
    with pytest.raises(MappingError, match="`where` column 'status' not found"):
        run_mapping(_mapping(tmp_path, mapping), tmp_path / "in", tmp_path / "landing")


def test_value_modifiers() -> None:
    from sources.mapped_import.engine import RowError, ValueMapper

    mapper = ValueMapper({"year": 2018})
    row = {"origin": "unknown", "won": "2018-02-26 19:58:54", "lost": "", "value": "(1,234.50)"}
    assert mapper.value(ValueSpec(column="origin", null_values=["unknown"]), row, "LeadSource") == ""
    assert mapper.value(ValueSpec(column="won", present="Closed", absent="Open"), row, "Status") == "Closed"
    assert mapper.value(ValueSpec(column="lost", present="Closed", absent="Open"), row, "Status") == "Open"
    assert mapper.value(ValueSpec(column="won", date_format="%Y-%m-%d %H:%M:%S"), row, "D") == "2018-02-26"
    assert mapper.value(ValueSpec(column="won", datetime_format="%Y-%m-%d %H:%M:%S"), row, "D") == (
        "2018-02-26T19:58:54"
    )
    assert mapper.value(ValueSpec(column="value", number=True), row, "Amount") == "-1234.5"
    with pytest.raises(RowError, match="negative"):
        mapper.value(ValueSpec(column="value", number=True, non_negative=True), row, "Amount")
    keep = ValueSpec(column="origin", map={"social": "Social"}, unmapped="keep")
    assert mapper.value(keep, row, "LeadSource") == "unknown"


@pytest.mark.parametrize("name", ["maven_crm", "olist_marketing_funnel", "online_advertising"])
def test_the_shipped_mappings_are_valid(name: str) -> None:
    mapping = load_mapping(REPO / "sources" / "mappings" / f"{name}.yml")
    assert mapping.name == name
    assert mapping.dbt_vars["as_of_date"]


def test_salesops_import_reports_a_bad_mapping_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from orchestration.cli import main

    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: x\ninputs: {a: {file: a.csv}}\nobjects:\n  - {object: Lead, input: a, columns: {}}\n"
    )
    code = main(["import", "--mapping", str(bad), "--input", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "bad.yml" in err and "required column Lead.LastName is not mapped" in err
    assert not (tmp_path / "out").exists()
    bad.write_text("name: [unclosed\n")
    assert (
        main(["import", "--mapping", str(bad), "--input", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    )
    assert "cannot be read" in capsys.readouterr().err
