"""Whether a piece of a submission asks for something.

The generic loader finds sections by their headings; this module says which
of them are asks.  A section is not an ask when its heading introduces or
closes the document (前言, 背景, 摘要, 小結, 總結, 結語 …) and it asks nothing
new, nor when it states support (支持, 認同, 歡迎 …) and asks nothing; a
heading found by its look alone is an ask only when its section asks.  A
sentence asks when it uses a word of asking (建議, 促請, 要求, 應, 必須 …).
No word list here names a document: they are the words Chinese submissions
use to ask, to introduce, to conclude and to agree.
"""

import re

from kb.text.sentences import sentences

# Words of asking.  應 only where it is the modal verb, not 回應, 供應,
# 相應, 應用, 應對 …; 須 not in 無須 or 毋須.
ASK_RE = re.compile(
    r"建議|促請|要求|呼籲|懇請|敦促|籲請|必須|務必|希望(?:政府|當局|特區政府)|期望(?:政府|當局|特區政府)"
    r"|(?<![回反相適供響因順答效感照呼對理])應(?![用對付變])|(?<![無毋])須(?![知要])|recommend|urge",
    re.I,
)
# A sentence that asks someone to act, as a section's distinct asks do:
# the writer asks (本會建議, 我們促請), someone is asked (建議政府, 要求當局),
# or the government is told what it should do (政府應, 當局必須).
_ASKER = r"[本我][\u4e00-\u9fff]{0,4}?(?:建議|促請|要求|呼籲|懇請|敦促|籲請)"
_ASKED = r"(?:建議|促請|要求|呼籲|懇請|敦促|籲請|希望|期望)(?:特區政府|政府|當局|局方|有關部門|各部門)"
_TOLD = r"(?:特區政府|政府|當局|局方|部門)(?:亦|也|更|須|需)?(?:應該|應當|應|必須|務必|宜|須|需要)"
ADDRESSED_ASK_RE = re.compile(rf"{_ASKER}|{_ASKED}|{_TOLD}")
# Headings of what introduces or closes a document, or sums it up.
FRAMING_HEADING_RE = re.compile(
    r"前言|引言|序言|緒言|導言|背景|簡介|概述|摘要|撮要|小結|總結|結語|結論|總括|總體立場|整體立場|整體意見|總體意見"
    r"|結束語|致謝|鳴謝|introduction|background|summary|conclusion",
    re.I,
)
# Support or agreement stated, rather than asked: the writer giving it
# (本會認同, 我們歡迎) or a word that gives it weight (表示支持, 全面認可,
# 原則上同意).  Not 支持 as a noun (融資支持方案), nor a heading that asks
# the government to support something (支持的士與網約車互補發展).
_AGREE = "(?:支持|認同|歡迎|贊同|贊成|肯定|認可|同意|讚賞)"
SUPPORT_RE = re.compile(
    rf"[本我][\u4e00-\u9fff]{{0,4}}?{_AGREE}"
    rf"|(?:表示|予以|完全|全面|整體上?|原則上|十分|非常|大力|一直|樂見)[\u4e00-\u9fff]{{0,12}}?{_AGREE}|\bwe (?:welcome|support)",
    re.I,
)
# The share of a sentence's wording (pairs of characters, words of asking
# and the document's voice aside) that, found in the other asks, makes it a
# restatement of them rather than a new ask: a conclusion's sentence that
# sums the asks up shares a third or more with them, a new ask a tenth.
RESTATED = 0.2
# A sentence that points to the asks (以下建議, 建議如下) asks nothing itself.
_POINTER_RE = re.compile(r"以下|如下|下列|上述|前述")


def asks(text: str) -> bool:
    """Whether a text uses a word of asking."""
    return bool(ASK_RE.search(text))


def is_framing(heading: str) -> bool:
    """Whether a heading introduces, gives background to, sums up or
    concludes (前言, 背景, 執行摘要, 六、小結, 結語 …)."""
    return bool(FRAMING_HEADING_RE.search(heading)) and len(heading) <= 20


def states_support(heading: str, body: str) -> bool:
    """Whether a section states support in the writer's voice (in its
    heading or first sentence) and asks nothing."""
    first = sentences(body)[0] if body.strip() else ""
    return bool(SUPPORT_RE.search(heading) or SUPPORT_RE.search(first)) and not asks(heading + body)


def asking_sentences(text: str) -> list[str]:
    """The sentences of a text that ask."""
    return [sentence for sentence in sentences(text) if asks(sentence)]


def addressed_asks(text: str) -> list[str]:
    """The sentences of a text that ask someone to act (ADDRESSED_ASK_RE)."""
    return [sentence for sentence in sentences(text) if ADDRESSED_ASK_RE.search(sentence)]


def asks_anew(text: str, others: list[str]) -> bool:
    """Whether a text holds an ask that ``others`` (the other asks' texts)
    do not already make: an asking sentence most of whose wording is new.
    The wording is its pairs of Han characters, words of asking and the
    document's own voice (pairs in half the other asks or more: 本會, 政府)
    left out."""
    known = [_pairs(other) for other in others]
    every = set().union(*known) if known else set()
    voice = {pair for pair in every if sum(pair in pairs for pairs in known) * 2 >= max(2, len(known))}
    for sentence in asking_sentences(text):
        if _POINTER_RE.search(sentence):
            continue
        pairs = _pairs(ASK_RE.sub("|", sentence)) - voice
        if pairs and len(pairs & every) / len(pairs) < RESTATED:
            return True
    return False


def _pairs(text: str) -> set[str]:
    """The pairs of adjacent Han characters of a text."""
    han = re.sub(r"[^\u3400-\u9fff]+", "|", text)
    return {han[k : k + 2] for k in range(len(han) - 1) if "|" not in han[k : k + 2]}
