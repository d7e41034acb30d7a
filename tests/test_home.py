"""The home page says what the knowledge base holds, read from the database."""

import html
import re
import shutil

import yaml
from datasette.app import Datasette

from kb.build.pipeline import build
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


async def _home(db_path) -> str:
    response = await Datasette([str(db_path)], immutables=[], metadata=METADATA).client.get("/")
    assert response.status_code == 200
    return response.text


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def test_home_counts_documents_publishers_and_asks(built_db):
    text = _text(await _home(built_db))
    assert "11 documents from 5 publishers, 2020–2025:" in text
    assert "69 recommendations, strategies and measures (24 sub-items more)" in text
    assert "1,128 numbered paragraphs of government speeches" in text


async def test_home_lists_each_publisher_with_its_documents_and_asks(built_db):
    page = await _home(built_db)
    rows = re.findall(r'<tr>\s*<td><a href="([^"]+)" lang="zh-Hant">([^<]+)</a>.*?</tr>', page, re.S)
    publishers = [(name, url) for url, name in rows if "publisher_id=" in url]
    assert [name for name, _ in publishers] == [
        "香港特別行政區政府", "香港中華廠商聯合會", "香港品牌發展局", "香港生產力促進局", "澳門特別行政區政府經濟及科技發展局"]
    assert dict(publishers)["香港中華廠商聯合會"] == "/kb/documents?publisher_id=cma"
    assert 'href="/kb/recommendations?publisher_id=cma">32</a>' in page


async def test_home_lists_the_latest_documents_newest_first_with_their_scorecards(built_db):
    page = await _home(built_db)
    latest = page.split("Latest documents", 1)[1]
    titles = re.findall(r'<a href="/kb/documents/([^"]+)" lang="zh-Hant">', latest)
    assert titles[:3] == ["hkpc-2025-manufacturing-study", "hksarg-2024-25-budget", "cma-2024-budget"]
    assert 'href="/-/responses/hkpc-2025-manufacturing-study">responses' in latest
    assert 'href="/-/responses/hksarg-2024-25-budget">249 paragraphs: what it took up' in latest


async def test_home_follows_a_document_added_to_the_sources(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", sources)
    entries = yaml.safe_load((sources / "manifest.yml").read_text(encoding="utf-8"))
    kept = [entry for entry in entries if entry["publisher"]["id"] in ("cma", "hksarg")]
    (sources / "manifest.yml").write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in ("link_reviews.yml", "response_reviews.yml", "area_overrides.yml"):
        (sources / name).unlink(missing_ok=True)
    db = tmp_path / "kb.db"
    build(sources, db)
    text = _text(await _home(db))
    assert "8 documents from 2 publishers" in text
    assert "香港品牌發展局" not in text
