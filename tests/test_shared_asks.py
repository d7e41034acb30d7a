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


@cache
def measured_seed() -> shared_ask_accuracy.Measure:
    return shared_ask_accuracy.measure(shared_ask_accuracy.read_labels(shared_ask_accuracy.SEED_LABELS))


@pytest.mark.parametrize("path, pairs, held_out", [(shared_ask_accuracy.LABELS, 20, 0),
                                                   (shared_ask_accuracy.SEED_LABELS, 14, 14)])
def test_every_label_quote_resolves_to_one_row_of_its_document(path, pairs, held_out):
    labels = shared_ask_accuracy.read_labels(path)
    rows = {document_id: shared_ask_accuracy.document_rows(document_id) for document_id in labels["documents"].values()}
    for entry in labels["pairs"] + labels["maybe"]:
        for key, quote in (entry["a"], entry["b"]):
            found = shared_ask_accuracy.resolve(quote, rows[labels["documents"][key]])
            assert found.startswith(labels["documents"][key] + "/")
        assert shared_ask_accuracy.publisher(labels["documents"][entry["a"][0]]) != shared_ask_accuracy.publisher(labels["documents"][entry["b"][0]])
    assert len(labels["pairs"]) == pairs and sum(bool(entry.get("held_out")) for entry in labels["pairs"]) == held_out


def test_the_seed_documents_are_read_with_their_own_loaders_and_one_publishers_two_are_not_compared():
    rows = shared_ask_accuracy.document_rows("cma-2023-policy-address")
    assert [row.id for row in rows[:5]] == [f"cma-2023-policy-address/{n}" for n in ("1", "2", "3", "4", "4.1")]
    assert shared_ask_accuracy.publisher("cma-2024-budget") == shared_ask_accuracy.publisher("cma-2023-policy-address") == "cma"
    found = measured_seed().found
    assert found and not any({p.a_id.split("/")[0], p.b_id.split("/")[0]} == {"cma-2023-policy-address", "cma-2024-budget"}
                             for p in found)


def test_the_scan_is_read_from_its_cached_ocr_text_and_has_its_four_asks():
    scan = "cb3-641-2-hk-taxi-council"
    cache = shared_ask_accuracy.ocr_cache(scan)
    assert cache.exists() and shared_ask_accuracy.document_text(scan) == cache.read_text(encoding="utf-8")
    rows = shared_ask_accuracy.document_rows(scan)
    assert [row.number for row in rows if not row.parent_id] == ["1", "2", "3", "4"]


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
    assert result.recall(held_out=False) == (11, 20)
    assert result.precision(held_out=False) == (8, 14)
    assert result.held_out_documents == set()


def test_the_measure_on_the_held_out_pairs_is_what_the_note_reports():
    result = measured_seed()
    assert result.held_out_documents == {"bdc-2020-brand-relaunch-survey", "cma-2023-policy-address",
                                         "cma-2024-budget", "hkpc-2025-manufacturing-study"}
    assert result.recall(held_out=True) == (7, 14)
    assert result.precision(held_out=True) == (7, 28)


def test_the_script_prints_recall_and_precision_apart_for_dev_and_held_out_pairs(capsys):
    assert shared_ask_accuracy.main([]) == 0
    out = capsys.readouterr().out
    assert "recall, dev:         11/20 = 55.0%" in out and "precision, dev:      8/14 = 57.1%" in out
    assert shared_ask_accuracy.main(["--labels", str(shared_ask_accuracy.SEED_LABELS)]) == 0
    out = capsys.readouterr().out
    assert "recall, held out:    7/14 = 50.0%" in out and "precision, held out: 7/28 = 25.0%" in out
    assert "(held out)" not in out  # which held-out pairs were missed or found wrongly only when asked


def test_two_asks_on_one_point_in_other_words_are_paired_and_the_subjects_words_are_not_enough():
    a = [row("a/1", "檢討網約車許可證上限", "以候車時間數據每年檢討上限"), row("a/2", "網約車平台牌照費用", "平台牌照年費合理")]
    b = [row("b/1", "關於網約車上限的檢討", "不應只以平台候車時間數據檢討上限"),
         row("b/2", "網約車司機的性罪行審查", "司機申請牌照須審查定罪紀錄")]
    pairs = shared_asks(a, b)
    assert (pairs[0].a_id, pairs[0].b_id) == ("a/1", "b/1") and {"上限", "检讨"} <= set(pairs[0].shared)
    # The fee's ask is paired with its best in B too, a weak lead on one word (平台, 牌照), far below.
    assert all(p.score * 3 < pairs[0].score for p in pairs[1:])
    assert not any("网约车" in p.shared for p in pairs)  # the subject's own word, in every ask


def test_a_sections_sub_items_make_one_ask_that_can_meet_several_narrower_asks():
    a = [row("a/1", "許可證限額"), row("a/1.1", "以一萬輛作起步上限", "上限審慎起步", parent_id="a/1"),
         row("a/1.2", "建立年度檢討機制", "以候車時間數據檢討上限", parent_id="a/1"),
         row("a/2", "司機的性罪行審查", "申請牌照須審查定罪紀錄")]
    b = [row("b/1", "關於許可證上限一萬輛", "一萬輛上限不應提高"), row("b/2", "關於候車時間數據", "候車時間數據不足以檢討"),
         row("b/3", "關於平台牌照年費", "年費水平合理")]
    pairs = shared_asks(a, b)
    assert {(p.a_id, p.b_id) for p in pairs[:2]} == {("a/1", "b/1"), ("a/1", "b/2")}  # top-level asks only
    assert [(p.a_id, p.b_id) for p in pairs[2:]] == [("a/2", "b/3")]  # the offences' best in B, on one word …
    assert pairs[2].score * 3 < pairs[1].score  # … a weak lead, far below


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
