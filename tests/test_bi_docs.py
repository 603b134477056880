"""docs/bi.md prints the connection string that the tests use, character for character."""

from __future__ import annotations

from pathlib import Path

from orchestration.bi_connection import sqlalchemy_url
from tests.conftest import REPO

BI_DOC = REPO / "docs" / "bi.md"
EXAMPLE_SERVING = Path("/srv/salesops/data/serving.duckdb")


def test_the_documented_sqlalchemy_url_is_the_tested_one() -> None:
    url = sqlalchemy_url(EXAMPLE_SERVING)
    assert url == "duckdb:////srv/salesops/data/serving.duckdb?access_mode=read_only"
    text = BI_DOC.read_text(encoding="utf-8")
    # In the tested section and in the Superset recipe.
    assert text.count(url) >= 2
    # No other spelling of a DuckDB SQLAlchemy URL anywhere on the page.
    assert text.count("duckdb:///") == text.count(url)


def test_readme_links_the_bi_recipes() -> None:
    assert "docs/bi.md" in (REPO / "README.md").read_text(encoding="utf-8")
