"""The same ask in two publishers' submissions on one subject
(kb.rules.shared_asks), measured on the labelled pairs of the LegCo
submissions, and shown by kb compare."""

import shutil
import sqlite3
import sys
from functools import cache

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.read.compare import SAME_ASK, compare
from kb.records import Recommendation
from kb.rules.shared_asks import shared_asks
from tests.conftest import ROOT, SOURCES

sys.path.insert(0, str(ROOT / "scripts"))
import shared_ask_accuracy  # noqa: E402

SUBMISSIONS = ROOT / "tests" / "submissions"


@cache
def measured() -> shared_ask_accuracy.Measure:
    return shared_ask_accuracy.measure()


def row(rec_id: str, title: str, body: str = "", parent_id=None) -> Recommendation:
    document_id, number = rec_id.split("/")
    return Recommendation(rec_id, document_id, number, 1, title, body, 2026, 1, 1, parent_id=parent_id)


def test_every_label_quote_resolves_to_one_row_of_its_submission():
    labels = shared_ask_accuracy.read_labels()
    rows = {document_id: shared_ask_accuracy.document_rows(document_id) for document_id in labels["documents"].values()}
    for entry in labels["pairs"] + labels["maybe"]:
        for key, quote in (entry["a"], entry["b"]):
            found = shared_ask_accuracy.resolve(quote, rows[labels["documents"][key]])
            assert found.startswith(labels["documents"][key] + "/")
    assert len(labels["pairs"]) == 20 and sum(bool(entry.get("held_out")) for entry in labels["pairs"]) == 11
    # The held-out pairs are the scan's, and every pair of the scan is held out.
    for entry in labels["pairs"] + labels["maybe"]:
        assert bool(entry.get("held_out")) == ("tc" in (entry["a"][0], entry["b"][0]))


def test_the_scan_is_read_from_its_cached_ocr_text_and_has_its_four_asks():
    scan = "cb3-641-2-hk-taxi-council"
    cache = shared_ask_accuracy.ocr_cache(scan)
    assert cache.exists() and shared_ask_accuracy.document_text(scan) == cache.read_text(encoding="utf-8")
    rows = shared_ask_accuracy.document_rows(scan)
    assert [row.number for row in rows if not row.parent_id] == ["1", "2", "3", "4"]
    assert shared_ask_accuracy.held_out_documents(measured().pairs) == {scan}


def test_the_cached_ocr_text_is_what_ocr_reads_now():
    """The cache must not drift from what kb add --ocr stores (about a minute of OCR)."""
    scan = "cb3-641-2-hk-taxi-council"
    assert shared_ask_accuracy.document_text(scan, ocr=True) == shared_ask_accuracy.ocr_cache(scan).read_text(encoding="utf-8")


def test_a_quote_resolves_to_the_deepest_row_holding_it():
    rows = [row("d/1", "許可證限額"), row("d/1.1", "建立年度檢討機制", "以客觀數據調整限額", parent_id="d/1")]
    assert shared_ask_accuracy.resolve("年度檢討", rows) == "d/1.1"
    assert shared_ask_accuracy.resolve("許可證限額", rows) == "d/1"
    with pytest.raises(LookupError):
        shared_ask_accuracy.resolve("保險", rows)


def test_a_found_pair_matches_a_label_on_a_row_within_it_or_holding_it():
    label = shared_ask_accuracy.LabelPair("a/2.1", "b/1", False)
    found = shared_ask_accuracy.SharedAsk
    assert shared_ask_accuracy.covers(found("a/2", "b/1", 20, ()), label)
    assert shared_ask_accuracy.covers(found("b/1", "a/2.1", 20, ()), label)
    assert not shared_ask_accuracy.covers(found("a/2.2", "b/1", 20, ()), label)
    assert not shared_ask_accuracy.covers(found("a/21", "b/1", 20, ()), label)


def test_the_measure_on_the_dev_pairs_is_what_the_note_reports():
    result = measured()
    assert result.recall(held_out=False) == (5, 9)
    assert result.precision(held_out=False) == (5, 10)


def test_the_measure_on_the_held_out_pairs_is_what_the_note_reports():
    result = measured()
    assert result.recall(held_out=True) == (2, 11)
    assert result.precision(held_out=True) == (2, 4)


def test_the_script_prints_recall_and_precision_apart_for_dev_and_held_out_pairs(capsys):
    assert shared_ask_accuracy.main([]) == 0
    out = capsys.readouterr().out
    assert "recall, dev:         5/9 = 55.6%" in out and "precision, dev:      5/10 = 50.0%" in out
    assert "recall, held out:    2/11 = 18.2%" in out and "precision, held out: 2/4 = 50.0%" in out
    assert "(held out)" not in out  # which held-out pairs were missed or found wrongly only when asked


def test_two_asks_on_one_point_in_other_words_are_paired_and_the_subjects_words_are_not_enough():
    a = [row("a/1", "檢討網約車許可證上限", "以候車時間數據每年檢討上限"), row("a/2", "網約車平台牌照費用", "平台牌照年費合理")]
    b = [row("b/1", "關於網約車上限的檢討", "不應只以平台候車時間數據檢討上限"),
         row("b/2", "網約車司機的性罪行審查", "司機申請牌照須審查定罪紀錄")]
    pairs = shared_asks(a, b)
    assert [(p.a_id, p.b_id) for p in pairs] == [("a/1", "b/1")]
    assert {"上限", "检讨"} <= set(pairs[0].shared)


def test_kb_compare_of_two_publishers_shows_the_asks_both_make(tmp_path):
    sources = shutil.copytree(SOURCES, tmp_path / "sources")
    runner = CliRunner()
    for name, publisher, document_id in [("cb3-710-6-path-of-democracy", "pod", "pod-2026-rh"),
                                         ("cb3-710-4-hk-taxi-drivers-union", "hktdu", "hktdu-2026-rh")]:
        result = runner.invoke(cli, ["add", str(SUBMISSIONS / f"{name}.pdf"), "--sources", str(sources), "--no-build",
                                     "--publisher", publisher, "--publisher-zh", publisher, "--publisher-en", publisher,
                                     "--id", document_id, "--published", "2026-06", "--loader", "generic"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
    db_path = tmp_path / "kb.db"
    assert runner.invoke(cli, ["build", "--sources", str(sources), "--db", str(db_path)]).exit_code == 0
    with sqlite3.connect(db_path) as conn:
        comparison = compare(conn, "pod-2026-rh", "hktdu-2026-rh")
    same = {(p.a.id, p.b.id) for p in comparison.pairs if p.relation == SAME_ASK}
    assert ("pod-2026-rh/2", "hktdu-2026-rh/1") in same  # the cap of 10,000 permits
    assert "hktdu-2026-rh/1" not in {r.id for r in comparison.new}
    printed = runner.invoke(cli, ["compare", "pod-2026-rh", "hktdu-2026-rh", "--db", str(db_path)]).output
    assert "[same ask" in printed
