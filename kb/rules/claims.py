"""What an ask asks for, read for a claim that a paragraph ``addresses`` it.

The ranking (``kb.rules.responses``) reads every word of an ask; a claim to
address it reads only its asking clauses, and asks that the paragraph does
the kind of change asked for.  Pure text, general Chinese: the lists are in
kb/rules/data/response_words.yml (``claim``).

* ``claim_units``: the ask's title, its sub-items' titles and the sentences
  that ask (``kb.rules.responses.asks``), each as (its asking clause, its text
  for terms).  A sentence whose asking word the firms say (企業應 …: the
  study asks firms, not the government) is left out; so are the clauses
  that open with a reason or a background (因應…, 隨著…, 正如…): why the ask
  is made, not what it asks.
* The asking clause is what follows the sentence's last asking word, without
  what it says exists already (除了…之外); a title is its own clause.
* ``change_kind``: the kind of the first change word of an asking clause
  (widen, extend, more, less, create, fund); ``does_kind``: whether a
  paragraph's text holds a word of that kind.  An ask to widen a fund's scope
  is not done by a paragraph funding more of what it already funds.
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from kb.text.normalize import normalize
from kb.text.segment import tokens
from kb.text.sentences import split

WORDS_PATH = Path(__file__).parent / "data" / "response_words.yml"
# Switches, on as kb ships them; scripts/response_accuracy.py --leave-one-out tries them off
ASKING_CLAUSES = True  # leave out the firms' sentences and the clauses giving a reason
CHANGE_KINDS = True  # a paragraph addressing an ask does the kind of change it asks for
BESIDES = re.compile(r"除了[^。；;]*?之外")
CLAUSES = re.compile(r"[，,；;]")


@dataclass(frozen=True)
class ClaimWords:
    askers: frozenset[str]  # who is asked when they come before the asking word: not the government
    background: tuple[str, ...]  # openers of a clause that gives a reason or a background
    change: tuple[tuple[str, str], ...]  # (word, kind), longer words first


@cache
def claim_words() -> ClaimWords:
    data = yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8"))["claim"]
    folded = lambda text: [normalize(word) for word in text.split()]  # noqa: E731
    change = [(word, kind) for kind, text in data["change"].items() for word in folded(text)]
    return ClaimWords(frozenset(folded(data["askers"])), tuple(folded(data["background"])),
                      tuple(sorted(change, key=lambda pair: -len(pair[0]))))


@lru_cache(maxsize=4096)
def claim_units(title: str, sub_titles: tuple[str, ...], bodies: tuple[str, ...],
                ask_words: frozenset[str], clauses: bool = True) -> tuple[tuple[str, str], ...]:
    """(asking clause, text for terms) of each unit a claim reads, folded:
    the titles whole, then each sentence of the bodies that asks (with
    ``clauses`` off, the firms' sentences and the reasons' clauses too)."""
    words = claim_words()
    units = [(normalize(text), normalize(text)) for text in (title, *sub_titles)]
    for body in bodies:
        for sentence in split(body):
            folded = normalize(sentence)
            cut = tokens(folded)
            at = [i for i, token in enumerate(cut) if token in ask_words]
            if not at or (clauses and at[0] and cut[at[0] - 1] in words.askers):
                continue
            kept = folded if not clauses else "，".join(
                part for part in CLAUSES.split(folded) if not part.strip().startswith(words.background))
            units.append((BESIDES.sub("，", "".join(cut[at[-1] + 1:])), kept))
    return tuple(units)


def change_kind(clause: str) -> str | None:
    """The kind of the first change word of an asking clause, if any."""
    found = None
    for word, kind in claim_words().change:
        at = clause.find(word)
        if at >= 0 and (found is None or at < found[0]):
            found = (at, kind)
    return found[1] if found else None


def does_kind(kind: str | None, folded_text: str) -> bool:
    """The paragraph holds a change word of the kind asked (any, if none is)."""
    return kind is None or not CHANGE_KINDS or any(word in folded_text for word, of in claim_words().change if of == kind)
