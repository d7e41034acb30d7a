"""Everyday English queries reach Chinese rows through CC-CEDICT: recall on
labelled queries, how a query is read, dropping a reading, the command line
and the search page."""

import shlex
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.read.search import search
from kb.rules import cedict
from kb.rules.english import candidates, english_words, read_english
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from english_relevance import recall  # noqa: E402

TESTS = Path(__file__).parent
QUERIES = yaml.safe_load((TESTS / "english_queries.yml").read_text(encoding="utf-8"))
HELD_OUT = yaml.safe_load((TESTS / "english_queries_held_out.yml").read_text(encoding="utf-8"))
FRESH = yaml.safe_load((TESTS / "english_queries_fresh.yml").read_text(encoding="utf-8"))
FRESH2 = yaml.safe_load((TESTS / "english_queries_fresh2.yml").read_text(encoding="utf-8"))
FRESH3 = yaml.safe_load((TESTS / "english_queries_fresh3.yml").read_text(encoding="utf-8"))
FRESH4 = yaml.safe_load((TESTS / "english_queries_fresh4.yml").read_text(encoding="utf-8"))
FRESH5 = yaml.safe_load((TESTS / "english_queries_fresh5.yml").read_text(encoding="utf-8"))
FRESH6 = yaml.safe_load((TESTS / "english_queries_fresh6.yml").read_text(encoding="utf-8"))
FRESH7 = yaml.safe_load((TESTS / "english_queries_fresh7.yml").read_text(encoding="utf-8"))
FRESH8 = yaml.safe_load((TESTS / "english_queries_fresh8.yml").read_text(encoding="utf-8"))
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conn(built_db):
    connection = sqlite3.connect(built_db)
    yield connection
    connection.close()


def in_text(text: str):
    """A ``count`` for read_english: how many times a term occurs in the text."""
    return lambda term: text.count(term)


def terms(query: str, text: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.english, r.terms) for r in read_english(english_words(query), in_text(text) if text else None)]


# --- the dictionary ------------------------------------------------------------------------


def test_cc_cedict_finds_glosses_by_their_words():
    assert candidates(("insurance",))[0][0] == "保險"
    assert candidates(("financing",))[0][0] == "融資"
    assert "租金" in dict(candidates(("rent",)))


@pytest.mark.parametrize(
    "gloss, words",
    [("to insure", ("insure",)), ("(attributive) low-carbon", ("low", "carbon")), ("to be in favor of", ("in", "favor", "of")),
     ("CL:份[fen4]", None)],
)
def test_glosses_lose_notes_and_a_leading_to(gloss, words):
    assert cedict.gloss_words(gloss) == words


@pytest.mark.parametrize("sense", ["CL:份[fen4]", "variant of 保險", "surname Bao", "(Tw) taxi", "see 保險"])
def test_cross_references_and_marked_senses_are_left_out(sense):
    assert cedict.SKIP_SENSE.match(sense.lower())


@pytest.mark.parametrize(
    "a, b", [("subsidies", "subsidy"), ("financing", "finance"), ("offsetting", "offset"), ("nationals", "national"),
             ("startups", "startup"), ("centre", "center"), ("organisation", "organization"), ("labour", "labor"),
             ("programme", "program"), ("licence", "license")],
)
def test_a_word_and_its_other_forms_share_a_stem(a, b):
    assert cedict.stem(a) == cedict.stem(b)


def test_a_british_spelling_reads_as_the_american_one():
    assert candidates(("centre",))[0] == ("中心", 1.0)


def test_a_word_shared_by_many_compounds_is_a_term_of_its_own():
    assert "技術" in dict(candidates(("technical",)))  # 技術人員, 技術指導, 技術援助 …


# --- reading a query -------------------------------------------------------------------------


def test_hong_kong_usage_comes_before_the_dictionary():
    assert terms("rates") == [("rates", ("差餉",))]
    assert terms("MPF") == [("mpf", ("強積金",))]


def test_phrases_before_words_and_stop_words_dropped():
    read = terms("support for the rule of law")
    assert [english for english, _ in read] == ["support", "rule of law"]
    assert read[1][1][0] == "法治"


def test_the_text_chooses_among_the_dictionary_terms():
    assert terms("financing", "中小企業融資，金融服務")[0][1] == ("融資",)  # 金融 is "finance"
    assert "罰款" in terms("fine", "提高亂拋垃圾的定額罰款")[0][1]


def test_a_term_the_text_lacks_gives_way_to_its_parts():
    # Hong Kong writes 原產地, the dictionary 原產國; a text with neither backs off to 原產
    assert terms("country of origin", "香港的原產效應") == [("country of origin", ("原產",))]


def test_hong_kong_usage_the_text_lacks_gives_way_to_the_dictionary():
    assert terms("country of origin", "香港的原產地效應") == [("country of origin", ("原產地",))]
    assert terms("mainland", "內地市場") == [("mainland", ("內地",))]  # the dictionary's 大陸 is not Hong Kong's word
    assert terms("mainland", "中國大陸") == [("mainland", ("大陸",))]


def test_a_noun_in_tion_is_read_through_its_verb_too():
    assert "預防" in terms("prevention", "加強預防工作，防災")[0][1]  # "to prevent", besides its own 防災 ("disaster prevention")
    assert "推廣" in dict(candidates(("promotion",)))  # "to promote"
    assert "減少" in dict(candidates(("reduction",)))  # "to reduce"


def test_a_usage_phrase_holding_a_letter_is_read_as_a_phrase():
    assert terms("Tseung Kwan O tunnel", "將軍澳隧道") == [("tseung kwan o", ("將軍澳",)), ("tunnel", ("隧道",))]
    assert terms("women s development", "推動婦女發展") == [("women development", ("婦女發展",))]  # a letter alone still goes


def test_a_usage_phrase_written_as_one_word_is_read_as_the_phrase():
    assert terms("Shatin bypass", "沙田繞道") == [("shatin", ("沙田",)), ("bypass", ("繞道",))]


def test_a_period_in_years_is_read_as_the_text_writes_it():
    assert terms("ten-year forecast", "未來十年的供應預測") == [("ten year", ("十年",)), ("forecast", ("預測",))]


def test_rows_naming_a_thing_without_the_word_for_its_kind_follow_those_with_it(conn):
    found = [result.id for result in search(conn, "Infrastructure Bond Scheme", within="government")]
    # 基礎建設債券計劃 first; then 二百億元綠色債券及基礎建設債券, with no 計劃
    assert found.index("hksarg-2023-24-budget/216") < found.index("hksarg-2024-25-budget/143")


def test_a_word_the_glosses_do_not_read_is_read_as_the_name_its_pinyin_spells():
    assert cedict.names_spelt("Zhuhai") == ("珠海",) and "廣州" in cedict.names_spelt("guangzhou")
    assert terms("Zhuhai airport", "入股珠海機場") == [("zhuhai", ("珠海",)), ("airport", ("機場",))]
    assert terms("zhuhai", "澳門") == [("zhuhai", ())]  # a name the text lacks is not a term
    assert cedict.names_spelt("airport") == ()


def test_hong_kong_usage_phrases_of_any_length_are_read_whole():
    read = terms("new capital investment entrant scheme", "推出新資本投資者入境計劃")
    assert read == [("new capital investment entrant scheme", ("新資本投資者入境計劃",))]


def test_a_term_the_text_lacks_is_dropped_and_the_word_stays():
    (reading,) = read_english(["insurance"], in_text("石礦場"))
    assert reading.terms == () and reading.known


def test_two_words_written_as_one():
    assert terms("start-ups", "支援初創企業") == [("start ups", ("初創",))]


def test_two_words_whose_terms_the_text_writes_together():
    assert terms("national education", "推行聯校國民教育活動") == [("national education", ("國民教育",))]


def test_a_plural_finds_its_singular():
    assert "補貼" in terms("subsidies", "電費補貼")[0][1]
    assert cedict.stem("women") == cedict.stem("woman") and cedict.stem("children") == cedict.stem("child")


def test_a_possessive_s_is_not_a_word():
    assert terms("women s development", "推動婦女發展") == [("women development", ("婦女發展",))]


def test_letters_in_a_row_are_an_abbreviation():
    assert terms("r d", "新型研發機構") == [("r&d", ("研發",))]
    assert "研發" in cedict.initials(("r", "d")) and "問答" in cedict.initials(("q", "a"))


def test_a_phrase_keeps_its_words_readings_to_widen_to():
    (reading,) = read_english(["insurance", "company"], in_text("保險公司，保險業，公司"))
    assert reading.terms == ("保險公司",) and "保險" in reading.parts[0] and "公司" in reading.parts[1]


def test_hong_kong_usage_phrases_are_read_first_wherever_they_are():
    read = terms("revitalising industrial buildings", "活化工廈，振興工業")
    assert read == [("revitalising", ("活化", "振興")), ("industrial buildings", ("工廈",))]  # 工業大廈: not in the text


def test_a_word_whose_terms_the_text_lacks_backs_off_to_their_shared_character(conn):
    from kb.read.search import _term_counter
    assert set(read_english(["ladder"], _term_counter(conn))[0].terms) >= {"階梯"}  # 扶梯, 梯子 → 梯 → 置業階梯


def test_a_character_whose_first_sense_is_the_word_is_a_term_when_the_text_uses_it_so(conn):
    from kb.read.search import _term_counter
    count = _term_counter(conn)
    assert "稅" in read_english(["tax"], count)[0].terms  # 稅務, 稅收, 稅率 … in the text
    assert "新" in read_english(["new"], count)[0].terms
    assert "示" not in read_english(["show"], count)[0].terms  # "to show": a verb
    assert "力" not in read_english(["power"], count)[0].terms  # most of its rows are 努力, 能力 …


def test_a_word_s_term_joins_a_character_glossed_with_the_other_word(conn):
    from kb.read.search import _term_counter
    count = _term_counter(conn)
    assert read_english(["youth", "festival"], count)[0].terms == ("青年節",)  # 節: "seasonal festival"
    assert [r.english for r in read_english(["new", "manufacturing", "models"], count)] == ["new", "manufacturing models"]
    assert read_english(["relocating", "government"], count)[0].terms == ("搬遷政府",)  # not 搬遷 + 政


def test_a_noun_is_read_through_its_verb_when_the_text_uses_that_much_more(conn):
    from kb.read.search import _term_counter
    count = _term_counter(conn)
    assert "轉型" in read_english(["transformation"], count)[0].terms  # "to transform"; 轉變 in far fewer rows
    assert read_english(["development"], count)[0].terms[0] == "發展"  # 開發 ("to develop") not preferred


def test_a_kind_of_a_word_joins_the_other_word_s_terms(conn):
    from kb.read.search import _term_counter
    count = _term_counter(conn)
    assert read_english(["degree", "programmes"], count)[0].terms == ("學位課程",)  # "academic degree" + "academic program"
    assert [r.english for r in read_english(["new", "manufacturing", "models"], count)] == ["new", "manufacturing models"]


def test_a_word_joins_a_hong_kong_usage_phrase_after_it_as_the_text_writes_them(conn):
    from kb.read.search import _term_counter
    count = _term_counter(conn)
    assert read_english(["land", "border", "crossings"], count)[0].terms == ("陸路口岸",)  # 陸路 "land route" + 口岸
    assert [r.english for r in read_english(["property", "rates"], count)] == ["property", "rates"]


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "queries, count, glossary_only, with_dictionary",
    [(QUERIES, 49, 0.391, 0.980), (HELD_OUT, 20, 0.300, 0.950), (QUERIES + HELD_OUT, 69, 0.365, 0.971),
     (FRESH, 36, 0.203, 0.916)],
    ids=["development", "old-held-out", "both", "first-fresh"],
)
def test_recall_at_10_of_the_development_queries_as_measured(conn, queries, count, glossary_only, with_dictionary):
    """The 49 queries the first reading was built with, the 20 held out from
    it and the 36 first fresh ones, all tuned on since
    (scripts/english_relevance.py prints these)."""
    before, _ = recall(conn, queries, dictionary=False)
    after, misses = recall(conn, queries, dictionary=True)
    assert (len(queries), round(before, 3), round(after, 3)) == (count, glossary_only, with_dictionary), misses


def test_second_fresh_english_queries_as_measured_once(conn):
    """41 queries written from randomly picked rows, measured once at
    79.1% and a development set since (single characters, 79.8%; a noun
    through its verb, kinds of a word, 86.1%; Hong Kong usage's lexicon,
    98.0%)."""
    before, _ = recall(conn, FRESH2, dictionary=False)
    after, misses = recall(conn, FRESH2, dictionary=True)
    assert (len(FRESH2), round(before, 3), round(after, 3)) == (41, 0.216, 0.980), misses


def test_third_fresh_english_queries_a_development_set_since(conn):
    """42 queries measured once at 62.7%; their misses were read before Hong
    Kong usage's lexicon was written, so they are a development set since
    (90.4%)."""
    before, _ = recall(conn, FRESH3, dictionary=False)
    after, misses = recall(conn, FRESH3, dictionary=True)
    assert (len(FRESH3), round(before, 3), round(after, 3)) == (42, 0.119, 0.904), misses


def test_fourth_fresh_english_queries_as_measured_once(conn):
    """42 queries written from randomly picked rows after Hong Kong usage's
    lexicon and before running any of them, measured once: 70.6% (65.8%
    with the previous 22-entry usage file), short of the 90% aimed at.
    Romanised names read through their pinyin and the lexicon's second
    part, written after reading its misses, bring it to 91.0%: a
    development figure."""
    before, _ = recall(conn, FRESH4, dictionary=False)
    after, misses = recall(conn, FRESH4, dictionary=True)
    assert (len(FRESH4), round(before, 3), round(after, 3)) == (42, 0.024, 0.910), misses


def test_fifth_fresh_english_queries_as_measured_once(conn):
    """42 queries written from randomly picked rows after the lexicon's
    second part and before running any of them, measured once: 76.0%
    (70.2% at the start of the round, 76.6% with the lexicon's first part
    alone), short of the 90% aimed at.  Nouns in -ction, -ention … read
    through their verbs and five usage entries, written after reading its
    misses, bring it to 85.2%: a development figure."""
    before, _ = recall(conn, FRESH5, dictionary=False)
    after, misses = recall(conn, FRESH5, dictionary=True)
    assert (len(FRESH5), round(before, 3), round(after, 3)) == (42, 0.087, 0.852), misses


def test_sixth_fresh_english_queries_as_measured_once(conn):
    """42 queries written from randomly picked rows after every change of
    the round to the reading and before running any of them, measured once:
    74.8% (56.8% with the reading as the round found it), short of the 90%
    aimed at.  Rows naming a thing without the word for its kind and
    periods in years, written after reading its misses: 77.6%, a
    development figure."""
    before, _ = recall(conn, FRESH6, dictionary=False)
    after, misses = recall(conn, FRESH6, dictionary=True)
    assert (len(FRESH6), round(before, 3), round(after, 3)) == (42, 0.091, 0.776), misses


def test_seventh_fresh_english_queries_as_measured_once(conn):
    """42 queries written from randomly picked rows after the round's last
    change to the reading and before running any of them, measured once on
    the final code: 69.8% (60.3% with the reading as the round found it),
    short of the 90% aimed at.  Usage phrases holding a letter and written
    as one word, written after reading its misses: 72.2%, a development
    figure."""
    before, _ = recall(conn, FRESH7, dictionary=False)
    after, misses = recall(conn, FRESH7, dictionary=True)
    assert (len(FRESH7), round(before, 3), round(after, 3)) == (42, 0.071, 0.722), misses


def test_eighth_fresh_english_queries_as_measured_once(conn):
    """42 queries written from randomly picked rows, by reading only, in a
    round that did not change the reading, and measured once: 72.1%, short
    of the 90% aimed at (4.8% with the glossary alone)."""
    before, _ = recall(conn, FRESH8, dictionary=False)
    after, misses = recall(conn, FRESH8, dictionary=True)
    assert (len(FRESH8), round(before, 3), round(after, 3)) == (42, 0.048, 0.721), misses


def test_labelled_english_ids_exist(conn):
    ids = {row[0] for row in conn.execute("SELECT id FROM recommendations UNION ALL SELECT id FROM paragraphs")}
    labelled = QUERIES + HELD_OUT + FRESH + FRESH2 + FRESH3 + FRESH4 + FRESH5 + FRESH6 + FRESH7 + FRESH8
    assert {id for item in labelled for id in item["expect"]} <= ids


@pytest.mark.parametrize("query", ["insurance", "SME financing", "ride-hailing"])
def test_queries_that_found_nothing_now_find_rows(conn, query):
    assert search(conn, query, within="all").results


def test_glossary_wins_over_the_dictionary_and_is_said(conn):
    found = search(conn, "SME training", within="all")
    assert [(r.english, r.terms[0], r.source) for r in found.readings] == [
        ("sme", "中小企業", "glossary"), ("training", "訓練", "dictionary")]
    assert found.read_as.startswith("sme → 中小企業; training → 訓練")
    assert {result.method for result in found} <= {"exact", "glossary", "dictionary"}


def test_hong_kong_usage_is_said_apart_from_the_dictionary(conn):
    found = search(conn, "mainland economic outlook", within="government")
    assert [(r.english, r.terms[0], r.source) for r in found.readings] == [
        ("mainland", "內地", "Hong Kong usage"), ("economic outlook", "經濟前景", "Hong Kong usage")]
    found = search(conn, "insurance company", within="government")
    assert [(r.english, r.source) for r in found.readings] == [("insurance company", "dictionary")]


def test_government_paragraphs_are_searched_in_english(conn):
    found = search(conn, "export credit insurance", within="government")
    assert found.results[0].id == "hksarg-2023-policy-address/69.2"
    assert "<mark>出口信用保險</mark>" in found.results[0].snippet  # Hong Kong usage's whole term


def test_a_dropped_term_is_not_searched_and_is_said(conn):
    found = search(conn, "insurance", within="government", drop=["保險"])
    assert found.readings[0].terms == [] and found.readings[0].dropped == ["保險"]
    assert not found.results


def test_a_phrase_widens_to_its_words_after_its_own_rows(conn):
    found = search(conn, "insurance companies", within="government", limit=50, drop=["保險公司"])
    assert found.readings[0].widened and found.results  # 保險 with 公司/企業
    assert "(then 保險" in found.read_as
    narrow = {r.id for r in search(conn, "insurance companies", within="government", limit=50) if r.score > 50}
    assert narrow and all(r.score > 50 for r in search(conn, "insurance companies", within="government", limit=50)
                          if r.id in narrow)


def test_words_of_an_office_s_full_name_do_not_name_it_inside_a_longer_query(conn):
    found = search(conn, "attracting enterprises, investment and talent", within="government")
    assert "引進重點企業辦公室" not in found.read_as
    assert search(conn, "OASES", within="government").readings[0].terms == ["引進重點企業辦公室"]
    assert "中小企業市場推廣基金" in search(conn, "SME marketing fund").read_as  # a short name saying what it is


def test_the_help_example_drops_a_term_the_reading_gives(built_db):
    example = next(line.split("kb ", 1)[1] for line in cli.commands["search"].help.splitlines()
                   if line.strip().startswith("kb search") and "--drop" in line)
    args = [*shlex.split(example), "--db", str(built_db), "-n", "2"]
    drop = args[args.index("--drop") + 1]
    kept = [arg for i, arg in enumerate(args) if arg != "--drop" and args[i - 1] != "--drop"]
    before = CliRunner().invoke(cli, kept, catch_exceptions=False).output.splitlines()[0]
    after = CliRunner().invoke(cli, args, catch_exceptions=False).output.splitlines()[0]
    assert drop in before and drop not in after, (before, after)


def test_chinese_queries_are_not_read_through_the_dictionary(conn):
    assert search(conn, "中試").readings == []


def test_kb_search_says_how_it_read_the_query(built_db):
    args = ["search", "insurance", "--in", "government", "--db", str(built_db), "-n", "2"]
    output = CliRunner().invoke(cli, args, catch_exceptions=False).output
    assert output.splitlines()[0] == "Read as: insurance → 保險"
    dropped = CliRunner().invoke(cli, [*args, "--drop", "保險"], catch_exceptions=False).output
    assert "No results" in dropped


async def test_search_page_names_the_terms_and_links_to_drop_one(built_db):
    client = Datasette([str(built_db)], metadata=METADATA).client
    page = (await client.get("/-/search?q=insurance+company&in=government")).text
    assert "Your English was read as" in page and "保險公司" in page and "(dictionary)" in page
    assert "drop=%E4%BF%9D%E9%9A%AA%E5%85%AC%E5%8F%B8" in page  # drop=保險公司
    dropped = (await client.get("/-/search?q=insurance+company&in=government&drop=%E4%BF%9D%E9%9A%AA%E5%85%AC%E5%8F%B8")).text
    assert "put back" in dropped
    usage = (await client.get("/-/search?q=mainland+economic+outlook&in=government")).text
    assert "內地" in usage and "(Hong Kong usage)" in usage
    both = (await client.get("/-/search?q=mainland&in=government")).text  # part of a glossary name too
    assert "內銷" in both and "內地" in both and "(glossary and Hong Kong usage)" in both
