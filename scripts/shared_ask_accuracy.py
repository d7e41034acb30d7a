"""How well kb finds the same ask in two publishers' submissions on one subject.

The four LegCo submissions with a text layer in tests/submissions/ are read as
kb add reads them (the generic loader), every pair of them is compared with
kb.rules.shared_asks, and the pairs found are measured against the pairs
labelled by reading them (tests/submissions/shared_asks.yml, where each ask is
named by a quote of its text, resolved here to the row that holds it):

* recall: labelled pairs found, apart for the pairs used while the rule was
  written and tuned (dev) and the pairs held out;
* precision: pairs found that are labelled pairs; pairs labelled "maybe" are
  counted neither way.

    python scripts/shared_ask_accuracy.py [--show-held-out]

Only the held-out pairs' figure is printed, not which of them were missed,
unless --show-held-out asks for them: tuning on the list would spend them.
"""

import argparse
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import loaders
from kb.records import Recommendation
from kb.rules.shared_asks import SharedAsk, shared_asks
from kb.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from generic_accuracy import submission_text, unknown_document  # noqa: E402

LABELS = ROOT / "tests" / "submissions" / "shared_asks.yml"


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
    matched: set[LabelPair] = field(default_factory=set)
    right: list[SharedAsk] = field(default_factory=list)
    wrong: list[SharedAsk] = field(default_factory=list)
    neutral: list[SharedAsk] = field(default_factory=list)

    def recall(self, held_out: bool) -> tuple[int, int]:
        labelled = [pair for pair in self.pairs if pair.held_out == held_out]
        return sum(pair in self.matched for pair in labelled), len(labelled)

    def precision(self) -> tuple[int, int]:
        return len(self.right), len(self.right) + len(self.wrong)


def read_labels(path: Path = LABELS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def document_rows(document_id: str) -> list[Recommendation]:
    """A submission's rows as kb add stores them."""
    return loaders.LOADERS["generic"](submission_text(document_id), unknown_document(document_id)).recommendations


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
    """The shared asks of every pair of documents, with every document as background."""
    background = [row for document in rows.values() for row in document]
    found = []
    for a, b in itertools.combinations(rows, 2):
        found += shared_asks(rows[a], rows[b], background)
    return found


def measure(labels: dict | None = None) -> Measure:
    labels = labels or read_labels()
    documents = labels["documents"]
    rows = {document_id: document_rows(document_id) for document_id in documents.values()}
    pairs = label_pairs(labels["pairs"], documents, rows)
    maybe = label_pairs(labels.get("maybe"), documents, rows)
    by_id = {row.id: row for document in rows.values() for row in document}
    result = Measure(pairs, maybe, find_all(rows), by_id)
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
        f"recall, dev:      {_ratio(result.recall(False))}",
        f"recall, held out: {_ratio(result.recall(True))}",
        f"precision:        {_ratio(result.precision())}",
    ]
    lines += [f"  missed{' (held out)' if p.held_out else ''}: {title(p.a)}  ~  {title(p.b)}"
              for p in result.pairs if p not in result.matched and (show_held_out or not p.held_out)]
    lines += [f"  wrong [{f.score}]: {title(f.a_id)}  ~  {title(f.b_id)}  ({', '.join(f.shared)})" for f in result.wrong]
    lines += [f"  right [{f.score}]: {title(f.a_id)}  ~  {title(f.b_id)}  ({', '.join(f.shared)})" for f in result.right]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-held-out", action="store_true", help="also list the held-out pairs missed")
    args = parser.parse_args(argv)
    print(report(measure(), args.show_held_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
