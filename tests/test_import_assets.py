"""The file connectors as Dagster assets: files dropped in the inbox are converted into the
landing folder by the `imports` assets; the sensor asks for a run only when the inbox changed;
the full refresh does not include them."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.import_assets import (
    ad_exports,
    import_inbox_sensor,
    inbox_fingerprint,
    mapped_imports,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ad_exports"

# Three rows in the layout of online_advertising_performance_data.csv (../shared/data): two
# placements of one day and campaign (summed: 10.5 + 2.25 = 12.75), and another campaign.
ADS = """\
month,day,campaign_number,user_engagement,banner,placement,displays,cost,clicks,revenue,post_click_conversions,post_click_sales_amount
April,1,camp 1,High,160 x 600,abc,100,10.5,2,0,1,0
April,1,camp 1,High,160 x 600,#N/A,50,2.25,1,0,0,0
April,2,camp 2,Low,240 x 400,def,10,1,0,0,0,0
"""  # noqa: E501


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "inbox"
    (root / "ad_exports").mkdir(parents=True)
    monkeypatch.setenv("SALESOPS_IMPORT_INBOX", str(root))
    monkeypatch.setenv("SALESOPS_LANDING_DIR", str(tmp_path / "landing"))
    return root


def test_the_import_assets_convert_the_inbox_into_the_landing(inbox: Path, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "meta_ads_export.csv", inbox / "ad_exports")
    (inbox / "online_advertising").mkdir()
    ads_file = inbox / "online_advertising" / "online_advertising_performance_data.csv"
    ads_file.write_text(ADS, encoding="utf-8")
    result = dg.materialize([ad_exports, mapped_imports])
    assert result.success
    landing = tmp_path / "landing"
    assert (landing / "marketing" / "ad_spend_meta_ads_meta_ads_export.csv").is_file()
    spend_file = landing / "marketing" / "ad_spend_online_advertising.csv"
    spend = spend_file.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0:3] + [line.split(",")[5]] for line in spend[1:]] == [
        ["2020-04-01", "display_ads", "camp 1", "12.75"],
        ["2020-04-02", "display_ads", "camp 2", "1"],
    ]
    meta = {
        node: result.asset_materializations_for_node(node)[0].metadata
        for node in ("imports__ad_exports", "imports__mapped_imports")
    }
    assert meta["imports__ad_exports"]["rows_written"].value == 3
    assert meta["imports__ad_exports"]["rows_rejected"].value == 2
    assert meta["imports__mapped_imports"]["rows_written"].value == 2 + 2  # 2 spend rows + 2 campaigns


def test_a_broken_export_fails_the_asset_naming_the_file(inbox: Path) -> None:
    (inbox / "ad_exports" / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = dg.materialize([ad_exports], raise_on_error=False)
    assert not result.success
    failure = result.failure_data_for_node("imports__ad_exports")
    assert failure is not None and "mystery.csv" in str(failure.user_failure_data.description)


def test_the_sensor_runs_once_per_change_of_the_inbox(inbox: Path) -> None:
    assert isinstance(import_inbox_sensor(dg.build_sensor_context()), dg.SkipReason)  # empty inbox
    shutil.copy(FIXTURES / "linkedin_campaign_export.csv", inbox / "ad_exports")
    first = import_inbox_sensor(dg.build_sensor_context())
    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert first.cursor == inbox_fingerprint(inbox)
    unchanged = import_inbox_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(unchanged, dg.SkipReason)
    shutil.copy(FIXTURES / "google_ads_campaign_report.csv", inbox / "ad_exports")
    changed = import_inbox_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(changed, dg.SensorResult) and changed.cursor != first.cursor


def test_the_imports_have_their_own_job_outside_the_full_refresh() -> None:
    from orchestration.manifest import ensure_manifest

    ensure_manifest()
    from orchestration.definitions import defs

    imports = {dg.AssetKey(["imports", "ad_exports"]), dg.AssetKey(["imports", "mapped_imports"])}
    graph = defs.resolve_asset_graph()
    assert imports <= graph.get_all_asset_keys()
    assert {graph.get(k).group_name for k in imports} == {"imports"}
    import_job = defs.resolve_job_def("import_files")
    assert set(import_job.asset_layer.executable_asset_keys) == imports
    refresh_job = defs.resolve_job_def("full_refresh")
    assert not imports & set(refresh_job.asset_layer.executable_asset_keys)
    assert defs.resolve_sensor_def("import_inbox_sensor").job_name == "import_files"
    assert defs.resolve_sensor_def("refresh_after_import") is not None
