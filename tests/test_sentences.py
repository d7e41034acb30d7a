"""kb.text.sentences: where a sentence ends, and text cut into sentences."""

from kb.text.sentences import ANY_END, BREAKS, CHINESE_BREAKS, COLONS, COMMAS, ends_sentence, first_sentence, sentences, split

# cma-2023-policy-address.txt, lines 811-815, joined.
CMA_SENTENCE = (
    "碳排放和廢物處理達致碳中和等方面入手之外，更應大力鼓勵市民實踐低碳的生活模式，"
    "以及促進各行各業特別是工業加快綠色轉型；而推動產品層面的減排和碳管理無疑是一項必行之策。"
)


def test_first_sentence():
    assert first_sentence(CMA_SENTENCE + "值得留意的是，") == (CMA_SENTENCE[:-1], "值得留意的是，")
    assert first_sentence("值得留意的是，歐盟在 2023年 4月通過了 ") == ("值得留意的是，歐盟在 2023年 4月通過了", "")


def test_split_at_stops_semicolons_and_line_breaks():
    assert split("政府應檢討。！本會建議；a;b\n支持?完") == ["政府應檢討", "本會建議", "a", "b", "支持", "完"]
    assert split("一，二。三", BREAKS + COMMAS) == ["一", "二", "三"]
    assert split("完。") == ["完", ""]


def test_sentences_keep_their_marks():
    assert sentences("政府應檢討。！本會建議；\n 支持?") == ["政府應檢討。！", "本會建議；", "支持?"]
    assert sentences("today?\", December 1；完", CHINESE_BREAKS) == ["today?\", December 1；", "完"]


def test_ends_sentence():
    assert ends_sentence("政策之策。」")
    assert not ends_sentence("研究結果重點如下：")
    assert ends_sentence("研究結果重點如下：", ANY_END)
    assert ends_sentence("and so on… ", ANY_END)
    assert ends_sentence("（一）推動創科；及", BREAKS + COLONS, then="及和或")
    assert not ends_sentence("（一）推動創科及", BREAKS + COLONS, then="及和或")
