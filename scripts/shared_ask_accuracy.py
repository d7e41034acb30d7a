"""How well kb finds the same ask in documents of two publishers.

The documents of a labels file are read as kb reads them: the five LegCo
submissions of tests/submissions/ as kb add reads them (the generic loader;
the scan through OCR), the seed documents of sources/ with their own loaders.
Every pair of them is compared with kb.rules.shared_asks, and the pairs found
are measured against the pairs labelled by reading them (each ask named by a
quote of its text, resolved here to the row that holds it), apart for the
pairs used while the rule was written and tuned (dev) and the pairs held out:

* tests/submissions/shared_asks.yml (the default): the five submissions on
  ride-hailing, every pair dev;
* tests/shared_asks_seed.yml: four seed documents of three publishers (the
  BDC, the CMA, the HKPC), every pair held out.

* recall: labelled pairs found;
* precision: pairs found that are labelled pairs; pairs labelled "maybe" are
  counted neither way.  A found pair is held out when one of its documents
  has only held-out pairs (the scan): its precision is that of the pairs
  found with that document.

The scan's text is read from the OCR text cached beside its PDF
(<id>.ocr.txt): OCR takes about a minute.  --ocr reads the scan again with
OCR, as kb add --ocr does, measures on that text and says whether it still
matches the cached one; --write-ocr-cache then writes it.

    python scripts/shared_ask_accuracy.py [--labels FILE] [--show-held-out] [--ocr [--write-ocr-cache]]

Only the held-out pairs' figures are printed, not which of them were missed
or found wrongly, unless --show-held-out asks for them: tuning on the list
would spend them.
"""

import argparse
import itertools
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

import loaders
from kb.build import parse_sources
from kb.records import Recommendation
from kb.rules.shared_asks import SharedAsk, shared_asks
from kb.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from generic_accuracy import SUBMISSIONS, submission_text, unknown_document  # noqa: E402

LABELS = SUBMISSIONS / "shared_asks.yml"
SEED_LABELS = ROOT / "tests" / "shared_asks_seed.yml"
OCR_CACHE = ".ocr.txt"  # a scan's OCR text, beside its PDF


@dataclass(frozen=True)
class LabelPair:
    a: str  # row id
    b: str
    held_out: bool


@dataclass
class Measure:
    pairs: list[LabelPair]
    maybe: list[LabelPair]
    found: list[SharedAsk]
    rows: dict[str, Recommendation]
    held_out_documents: set[str] = field(default_factory=set)
    matched: set[LabelPair] = field(default_factory=set)
    right: list[SharedAsk] = field(default_factory=list)
    wrong: list[SharedAsk] = field(default_factory=list)
    neutral: list[SharedAsk] = field(default_factory=list)

    def recall(self, held_out: bool) -> tuple[int, int]:
        labelled = [pair for pair in self.pairs if pair.held_out == held_out]
        return sum(pair in self.matched for pair in labelled), len(labelled)

    def is_held_out(self, found: SharedAsk) -> bool:
        return bool({_document(found.a_id), _document(found.b_id)} & self.held_out_documents)

    def precision(self, held_out: bool) -> tuple[int, int]:
        right = sum(self.is_held_out(pair) == held_out for pair in self.right)
        return right, right + sum(self.is_held_out(pair) == held_out for pair in self.wrong)


def _document(row_id: str) -> str:
    return row_id.split("/")[0]


def read_labels(path: Path = LABELS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ocr_cache(document_id: str) -> Path:
    return SUBMISSIONS / f"{document_id}{OCR_CACHE}"


def document_text(document_id: str, ocr: bool = False) -> str:
    """A submission's text as kb add reads it: a scan's (one with OCR text
    cached beside it) from the cache, or with ``ocr`` from OCR afresh."""
    cache = ocr_cache(document_id)
    if not cache.exists():
        return submission_text(document_id)
    return submission_text(document_id, ocr=True) if ocr else cache.read_text(encoding="utf-8")


def document_rows(document_id: str, text: str | None = None) -> list[Recommendation]:
    """A seed document's rows as kb build stores them, or a submission's as kb add stores them."""
    if text is None and document_id in source_rows():
        return source_rows()[document_id]
    text = document_text(document_id) if text is None else text
    return loaders.LOADERS["generic"](text, unknown_document(document_id)).recommendations


@cache
def source_documents() -> dict:
    """What kb build parses of every document of sources/, by document."""
    return {found.parsed.document.id: found.parsed for found in parse_sources(ROOT / "sources")}


def source_rows() -> dict[str, list[Recommendation]]:
    return {document_id: parsed.recommendations for document_id, parsed in source_documents().items()}


def source_publishers() -> dict[str, str]:
    return {document_id: parsed.document.publisher_id for document_id, parsed in source_documents().items()}


def resolve(quote: str, rows: list[Recommendation]) -> str:
    """The id of the deepest row whose title or body holds ``quote`` (spaces ignored)."""
    wanted = _plain(quote)
    holding = [row for row in rows if wanted in _plain(f"{row.title}\n{row.body or ''}")]
    if not holding:
        raise LookupError(f"no row holds {quote!r}")
    return max(holding, key=lambda row: (row.id.count("."), -row.ordinal)).id


def _plain(text: str) -> str:
    return "".join(normalize(text).split())


def label_pairs(entries: list[dict], documents: dict[str, str], rows: dict[str, list[Recommendation]]) -> list[LabelPair]:
    """Each labelled pair as row ids, the same pair of rows once."""
    pairs: dict[tuple[str, str], LabelPair] = {}
    for entry in entries or []:
        sides = sorted(resolve(quote, rows[documents[key]]) for key, quote in (entry["a"], entry["b"]))
        pairs.setdefault(tuple(sides), LabelPair(*sides, bool(entry.get("held_out"))))
    return list(pairs.values())


def related(one: str, other: str) -> bool:
    """The same row, or one a sub-item (at any depth) of the other."""
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


def covers(found: SharedAsk, pair: LabelPair) -> bool:
    return (related(found.a_id, pair.a) and related(found.b_id, pair.b)) or (
        related(found.a_id, pair.b) and related(found.b_id, pair.a))


def find_all(rows: dict[str, list[Recommendation]]) -> list[SharedAsk]:
    """The shared asks of every pair of documents of two publishers (as kb
    compare looks for them), with every document as background."""
    background = [row for document in rows.values() for row in document]
    found = []
    for a, b in itertools.combinations(rows, 2):
        if publisher(a) != publisher(b):
            found += shared_asks(rows[a], rows[b], background)
    return found


def publisher(document_id: str) -> str:
    """A seed document's publisher; each submission is its own publisher's."""
    return source_publishers().get(document_id, document_id)


def held_out_documents(pairs: list[LabelPair]) -> set[str]:
    """The documents all of whose labelled pairs are held out."""
    held = {_document(row_id) for pair in pairs if pair.held_out for row_id in (pair.a, pair.b)}
    return held - {_document(row_id) for pair in pairs if not pair.held_out for row_id in (pair.a, pair.b)}


def measure(labels: dict | None = None, texts: dict[str, str] | None = None) -> Measure:
    """The rule on the labelled submissions; ``texts`` replaces the text of
    some of them (a scan OCR'd afresh)."""
    labels = labels or read_labels()
    documents = labels["documents"]
    texts = texts or {}
    rows = {document_id: document_rows(document_id, texts.get(document_id)) for document_id in documents.values()}
    pairs = label_pairs(labels["pairs"], documents, rows)
    maybe = label_pairs(labels.get("maybe"), documents, rows)
    by_id = {row.id: row for document in rows.values() for row in document}
    result = Measure(pairs, maybe, find_all(rows), by_id, held_out_documents(pairs))
    for found in result.found:
        hits = [pair for pair in pairs if covers(found, pair)]
        result.matched.update(hits)
        if hits:
            result.right.append(found)
        elif any(covers(found, pair) for pair in maybe):
            result.neutral.append(found)
        else:
            result.wrong.append(found)
    return result


def _ratio(counts: tuple[int, int]) -> str:
    hit, total = counts
    return f"{hit}/{total} = {hit / total:.1%}" if total else "0/0"


def report(result: Measure, show_held_out: bool = False) -> str:
    title = lambda row_id: f"{row_id} {result.rows[row_id].title[:30]}"  # noqa: E731
    lines = [
        f"labelled pairs: {len(result.pairs)} ({sum(p.held_out for p in result.pairs)} held out), maybe: {len(result.maybe)}",
        f"pairs found: {len(result.found)} (right {len(result.right)}, wrong {len(result.wrong)}, maybe {len(result.neutral)})",
        f"recall, dev:         {_ratio(result.recall(False))}",
        f"precision, dev:      {_ratio(result.precision(False))}",
        f"recall, held out:    {_ratio(result.recall(True))}",
        f"precision, held out: {_ratio(result.precision(True))}",
    ]
    shown = lambda found: show_held_out or not result.is_held_out(found)  # noqa: E731
    held = lambda found: " (held out)" if result.is_held_out(found) else ""  # noqa: E731
    lines += [f"  missed{' (held out)' if p.held_out else ''}: {title(p.a)}  ~  {title(p.b)}"
              for p in result.pairs if p not in result.matched and (show_held_out or not p.held_out)]
    for name, found in (("wrong", result.wrong), ("maybe", result.neutral), ("right", result.right)):
        lines += [f"  {name}{held(f)} [{f.score}]: {title(f.a_id)}  ~  {title(f.b_id)}  ({', '.join(f.shared)})"
                  for f in found if shown(f)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS, help=f"the labels (default {LABELS.relative_to(ROOT)}; the held-out pairs: {SEED_LABELS.relative_to(ROOT)})")
    parser.add_argument("--show-held-out", action="store_true", help="also list the held-out pairs missed and found")
    parser.add_argument("--ocr", action="store_true", help="read the scan with OCR again (about a minute) rather than its cached text")
    parser.add_argument("--write-ocr-cache", action="store_true", help="with --ocr: write the OCR text as the scan's cached text")
    args = parser.parse_args(argv)
    if args.write_ocr_cache and not args.ocr:
        parser.error("--write-ocr-cache needs --ocr")
    texts = {}
    labels = read_labels(args.labels)
    if args.ocr:
        for document_id in labels["documents"].values():
            cache = ocr_cache(document_id)
            if cache.exists():
                texts[document_id] = document_text(document_id, ocr=True)
                same = texts[document_id] == cache.read_text(encoding="utf-8")
                print(f"OCR of {document_id}: {'the same as' if same else 'differs from'} {cache.relative_to(ROOT)}")
                if args.write_ocr_cache and not same:
                    cache.write_text(texts[document_id], encoding="utf-8")
                    print(f"  written to {cache.relative_to(ROOT)}")
    print(report(measure(labels, texts), args.show_held_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
