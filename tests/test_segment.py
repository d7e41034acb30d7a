"""kb.text.segment: words of folded Chinese text."""

from kb.text.normalize import normalize
from kb.text.segment import words


def test_words_of_folded_text_are_cut_with_the_simplified_dictionary():
    assert words(normalize("資助業界舉辦本地展覽展銷會")) == ["资助", "业界", "举办", "本地", "展览", "展销会"]


def test_single_characters_numbers_and_latin_words_are_dropped():
    assert words(normalize("在2023年推出 BUD 專項基金的新措施")) == ["推出", "专项基金", "措施"]
