"""Landing discovery (file -> object, reading order) and the raw load (every row, as delivered)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sources.landing import LandingError, crm_object_for, discover
from sources.load import LoadError, load_landing
from tests.conftest import write_landing_file as write


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("Opportunity.csv", "Opportunity"),
        ("Opportunity_2024.csv", "Opportunity"),
        ("Opportunity-incremental.CSV", "Opportunity"),
        ("OpportunityHistory.csv", "OpportunityHistory"),
        ("OpportunityHistory_2024-06.csv", "OpportunityHistory"),
        ("OpportunityStage.csv", "OpportunityStage"),
        ("UserTerritory2Association.csv", "UserTerritory2Association"),
        ("User.csv", "User"),
        ("Users.csv", None),  # 's' is a letter: not a User file
        ("Opportunity2.csv", None),  # a digit after the name: not an Opportunity file
        ("OpportunityHistoryX.csv", None),
        ("Opportunity.txt", None),
        ("opportunity.csv", None),  # object names are Salesforce API names, matched exactly
    ],
)
def test_file_name_to_object(file_name: str, expected: str | None) -> None:
    obj = crm_object_for(file_name) if file_name.lower().endswith(".csv") else None
    assert (obj.name if obj else None) == expected


def test_discovery_orders_by_relative_path_and_lists_ignored(tmp_path: Path) -> None:
    write(tmp_path, "crm/Opportunity.csv", "Id\n")
    write(tmp_path, "crm/2024-06-02/Opportunity.csv", "Id\n")
    write(tmp_path, "crm/2024-06-01/Opportunity.csv", "Id\n")
    write(tmp_path, "crm/2024-06-01/Account.csv", "Id\n")
    write(tmp_path, "crm/2024-06-01/Widget.csv", "Id\n")
    write(tmp_path, "crm/notes.txt", "x")
    write(tmp_path, "marketing/ad_spend_2024.csv", "date\n")
    write(tmp_path, "marketing/other.csv", "date\n")
    write(tmp_path, "finance/sub/sm_expenses.CSV", "month\n")
    write(tmp_path, "plan/quotas.csv", "user_id\n")

    inventory = discover(tmp_path)

    assert [f.relative_path for f in inventory.files] == [
        "crm/2024-06-01/Account.csv",
        "crm/2024-06-01/Opportunity.csv",
        "crm/2024-06-02/Opportunity.csv",
        "crm/Opportunity.csv",  # directly in crm/: after every dated folder
        "finance/sub/sm_expenses.CSV",
        "marketing/ad_spend_2024.csv",
        "plan/quotas.csv",
    ]
    assert [f.sequence for f in inventory.files] == list(range(7))
    assert inventory.ignored == ["crm/2024-06-01/Widget.csv", "crm/notes.txt", "marketing/other.csv"]


def test_missing_landing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LandingError, match="does not exist"):
        discover(tmp_path / "nope")


OPP_HEADER = "Id,CreatedDate,OwnerId,StageName,CloseDate"


def test_load_keeps_every_row_as_delivered_with_lineage(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "crm/2024-01-01/Opportunity.csv",
        f"{OPP_HEADER},Amount,Custom__c\n"
        '006A,2024-01-01T00:00:00.000+0000,005A,Prospecting,2024-03-01,"1,000.50",x\n'
        '006B,2024-01-01T00:00:00Z,005A,"Closed, Won ""quoted""",2024-03-01,,"multi\nline"\n',
    )
    # Header names in another case and another order, fewer columns: same table.
    write(
        landing,
        "crm/2024-01-02/Opportunity_inc.csv",
        "stagename,ID,closedate,CREATEDDATE,ownerid,lastmodifieddate\n"
        "Closed Won,006A,2024-04-01,2024-01-01T00:00:00Z,005A,2024-01-02T10:00:00Z\n",
    )
    warehouse = tmp_path / "wh.duckdb"

    report = load_landing(landing, warehouse)

    assert report.rows_by_table["crm_opportunity"] == 3
    assert [f.rows for f in report.files] == [2, 1]
    assert report.files[0].extra_columns == ["custom__c"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select id, stagename, amount, custom__c, lastmodifieddate, _file, _file_seq, _row_number "
            "from raw.crm_opportunity order by _file_seq, _row_number"
        ).fetchall()
        # Every contract table exists, empty when no file was delivered.
        assert con.execute("select count(*) from raw.crm_opportunity_history").fetchone()[0] == 0
        columns = {r[0] for r in con.execute("describe raw.crm_lead").fetchall()}
    assert rows == [
        ("006A", "Prospecting", "1,000.50", "x", None, "crm/2024-01-01/Opportunity.csv", 0, 1),
        ("006B", 'Closed, Won "quoted"', None, "multi\nline", None, "crm/2024-01-01/Opportunity.csv", 0, 2),
        (
            "006A",
            "Closed Won",
            None,
            None,
            "2024-01-02T10:00:00Z",
            "crm/2024-01-02/Opportunity_inc.csv",
            1,
            1,
        ),
    ]
    assert {"mql_date__c", "isconverted", "_file", "_file_seq", "_row_number"} <= columns


def test_quotes_in_folder_and_header_names_reach_sql_quoted(tmp_path: Path) -> None:
    """A folder name with a single quote (read as a path literal) and a header with a double
    quote (added as a column) load as they are instead of breaking the statement."""
    landing = tmp_path / "o'brien's landing"
    write(landing, "crm/Account.csv", 'Id,CreatedDate,Name,Odd "Name"__c\n001A,2024-01-01,Acme,x\n')
    warehouse = tmp_path / "wh.duckdb"

    report = load_landing(landing, warehouse)

    assert report.rows_by_table["crm_account"] == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute('select id, "odd ""name""__c", _file from raw.crm_account').fetchone()
    assert row == ("001A", "x", "crm/Account.csv")


def test_load_is_idempotent(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/Account.csv", "Id,CreatedDate,Name\n001A,2024-01-01,Acme\n")
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)
    report = load_landing(landing, warehouse)
    assert report.rows_by_table["crm_account"] == 1


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing,
        "crm/2024-01-01/Opportunity.csv",
        "Id,CreatedDate,OwnerId,CloseDate\n006A,2024-01-01,005A,2024-02-01\n",
    )
    with pytest.raises(LoadError, match=r"crm/2024-01-01/Opportunity.csv: required column\(s\) StageName"):
        load_landing(landing, tmp_path / "wh.duckdb")


def test_duplicate_header_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/Account.csv", "Id,CreatedDate,Name,NAME\n001A,2024-01-01,Acme,Acme2\n")
    with pytest.raises(LoadError, match="appears twice"):
        load_landing(landing, tmp_path / "wh.duckdb")


def test_landing_without_crm_files_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "marketing/ad_spend.csv", "date,platform,campaign_id,spend\n2024-01-01,g,c,1\n")
    with pytest.raises(LandingError, match="no CRM files"):
        load_landing(landing, tmp_path / "wh.duckdb")


def test_empty_file_is_refused_by_name(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-01/Account.csv", "")
    with pytest.raises(LoadError, match=r"crm/2024-01-01/Account.csv: the file is empty"):
        load_landing(landing, tmp_path / "wh.duckdb")


def test_binary_file_is_refused_by_name(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = landing / "crm" / "Account.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(LoadError, match=r"crm/Account.csv: cannot be read as a UTF-8 CSV file: \S") as error:
        load_landing(landing, tmp_path / "wh.duckdb")
    assert "\n" not in str(error.value)


def test_header_only_file_loads_no_rows(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "crm/2024-01-02/Account.csv", "Id,CreatedDate,Name\n")
    report = load_landing(landing, tmp_path / "wh.duckdb")
    assert report.rows_by_table["crm_account"] == 0
