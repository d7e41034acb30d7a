"""kb.text.segment: words of folded Chinese text."""

import random
import re
import time
from pathlib import Path

from kb.text.normalize import HAN, normalize
from kb.text.segment import MAX_RUN, MIN_WORD, _tokenizer, bounded, tokens, words

SOURCES = Path(__file__).resolve().parent.parent / "sources"
HAN_RE = re.compile(f"[{HAN}]")


def test_words_of_folded_text_are_cut_with_the_simplified_dictionary():
    assert words(normalize("資助業界舉辦本地展覽展銷會")) == ["资助", "业界", "举办", "本地", "展览", "展销会"]


def test_single_characters_numbers_and_latin_words_are_dropped():
    assert words(normalize("在2023年推出 BUD 專項基金的新措施")) == ["推出", "专项基金", "措施"]


def test_a_run_longer_than_any_sentence_is_cut_to_max_run_characters():
    run = "發" * (MAX_RUN + 500)
    assert bounded(f"開始，{run}，結束") == f"開始，{'發' * MAX_RUN}，結束"
    assert bounded("㐀" * 5000) == "㐀" * MAX_RUN  # any Han character, beyond jieba's own range too
    text = "，".join(["發" * (MAX_RUN - 1)] * 5)
    assert bounded(text) == text  # runs up to MAX_RUN characters are left whole


def test_segmenting_a_one_megabyte_line_takes_a_bounded_time():
    generator = random.Random(1)
    lines = ["發" * 333_333, "".join(chr(generator.randint(0x4E00, 0x9FA5)) for _ in range(333_333))]
    for line in lines:
        started = time.perf_counter()
        found = words(normalize(line))
        assert time.perf_counter() - started < 5 and len(found) <= MAX_RUN // MIN_WORD


def _han_tokens(tokens) -> list[str]:
    return [token for token in tokens if HAN_RE.search(token)]


def test_the_compiled_cutter_cuts_the_sources_han_text_as_jieba_does():
    """kb cuts with jieba-rs; its Han tokens (all the rules read: words,
    ask words, the text after an ask word) are jieba's own on every line of
    the seed sources, folded as the rules fold them."""
    folded = [normalize(line) for path in sorted(SOURCES.glob("*.txt"))
              for line in path.read_text(encoding="utf-8").splitlines() if HAN_RE.search(line)]
    assert len(folded) > 5_000
    reference = _tokenizer()
    differing = [line for line in folded if _han_tokens(tokens(line)) != _han_tokens(reference.lcut(bounded(line)))]
    assert differing == []


def test_ask_words_are_cut_apart_from_the_words_holding_their_character():
    assert "应" in tokens(normalize("政府應盡快推出措施")) and "应" not in tokens(normalize("確保供應，應對挑戰"))


def test_a_character_outside_jiebas_range_is_a_token_of_its_own_as_jieba_cuts_it():
    """Folding gives 𪨶 (beyond the Basic Multilingual Plane) for a
    traditional character; jieba cuts its neighbours apart from it."""
    line = "全𪨶首间胸痛中心"
    assert tokens(line) == [token for token in _tokenizer().lcut(line) if token.strip()] == ["全", "𪨶", "首", "间", "胸痛", "中心"]
