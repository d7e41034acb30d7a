"""How well the generic loader finds the asks of documents it has never seen.

Three measures:

* the LegCo submissions in tests/submissions/, against the asks labelled by
  reading them (tests/submissions/asks.yml): recall (labelled top-level asks
  found, with their number where one is printed, and their page) and
  precision (top-level rows that are labelled asks), plus rows without a
  page and rows whose title or body holds an endnote URL, a table-of-contents
  line or a LegCo stamp;
* the synthetic submissions in tests/generated/ (scripts/make_submission_pdfs.py),
  each varying one trait, against their labels (tests/generated/asks.yml),
  which list sub-items too: recall over the asks and their sub-items,
  precision over every row;
* the seed texts in sources/, treated as unknown (as with --loader generic):
  the share of the top-level recommendations their own loaders find that the
  generic loader finds with the same number.

Every PDF is read as kb add reads one for the generic loader (pdf_pages with
marks).  The scanned submission needs OCR (about a minute): it is measured
only with --ocr.  A document marked held_out was kept aside while the loader
was written: its figures are printed apart, and only with --held-out.

    python scripts/generic_accuracy.py [--held-out] [--ocr] [--sources DIR]
"""

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz

import loaders
from kb.build import parse_sources
from kb.text.pdf import join_pages, ocr_pages, pdf_pages
from kb.records import Document, Recommendation
from kb.text.pages import is_stamp

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
LABELS = SUBMISSIONS / "asks.yml"
GENERATED = ROOT / "tests" / "generated"
TITLE_MATCH = 70  # rapidfuzz partial_ratio of a label's title against a row's title and body
_URL_RE = re.compile(r"https?://|www\.")
_TOC_RE = re.compile(r"(?:\t|[.…·]{3,})\s*\d{1,3}\s*$", re.M)


@dataclass
class Label:
    number: str | None
    page: int
    title: str
    subs: list[str] = field(default_factory=list)


@dataclass
class Measure:
    """The generic loader on one labelled submission."""

    document_id: str
    held_out: bool
    labels: list[Label]
    rows: list[Recommendation]
    matched: dict[int, Recommendation] = field(default_factory=dict)  # label index -> row
    noise: list[str] = field(default_factory=list)
    judge_subs: bool = False  # the labels list sub-items: every row is judged
    sub_matched: list[tuple[int, int]] = field(default_factory=list)  # (label index, sub index) found

    @property
    def top(self) -> list[Recommendation]:
        return [row for row in self.rows if not row.parent_id]

    @property
    def judged(self) -> list[Recommendation]:
        """The rows precision is measured on."""
        return self.rows if self.judge_subs else self.top

    @property
    def asks(self) -> int:
        return len(self.labels) + (sum(len(label.subs) for label in self.labels) if self.judge_subs else 0)

    @property
    def found(self) -> int:
        return len(self.matched) + len(self.sub_matched)

    @property
    def recall(self) -> float:
        return self.found / self.asks if self.asks else 1.0

    @property
    def precision(self) -> float:
        return self.found / len(self.judged) if self.judged else 0.0

    @property
    def without_page(self) -> list[str]:
        return [row.id for row in self.rows if row.page is None]


@dataclass
class SeedMeasure:
    """The generic loader on a seed text, against the document's own loader."""

    document_id: str
    expected: list[Recommendation]
    found: list[Recommendation]

    @property
    def same_numbers(self) -> list[str]:
        numbers = {row.number for row in self.found if not row.parent_id}
        return [row.number for row in self.expected if row.number in numbers]

    @property
    def recall(self) -> float:
        return len(self.same_numbers) / len(self.expected) if self.expected else 1.0


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def submission_text(document_id: str, ocr: bool = False, folder: Path = SUBMISSIONS) -> str:
    """The text kb add would store for a submission read by the generic
    loader (OCR for the scan)."""
    path = folder / f"{document_id}.pdf"
    return join_pages(ocr_pages(path) if ocr else pdf_pages(path, marks=True))


def unknown_document(document_id: str, pdf: bool = False) -> Document:
    """A document nobody describes; ``pdf``: its text came from a PDF kept beside it."""
    return Document(
        id=document_id, publisher_id="unknown", title_zh=document_id, title_en=document_id, kind="submission",
        cycle=None, published="2026", year=2026, language="zh-Hant", source_file=f"{document_id}.txt", sha256="",
        original_file=f"{document_id}.pdf" if pdf else None,
    )


def measure_submission(document_id: str, entry: dict, text: str, judge_subs: bool = False) -> Measure:
    labels = [Label(str(ask["number"]) if "number" in ask else None, ask["page"], ask["title"], ask.get("subs", []))
              for ask in entry["asks"]]
    rows = loaders.LOADERS["generic"](text, unknown_document(document_id, pdf=True)).recommendations
    measure = Measure(document_id, bool(entry.get("held_out")), labels, rows, judge_subs=judge_subs)
    free = list(measure.top)
    for index, label in enumerate(labels):
        row = next((row for row in free if _matches(label, row)), None)
        if row is not None:
            measure.matched[index] = row
            free.remove(row)
            measure.sub_matched += [(index, sub) for sub in _subs_found(label, row, rows)]
    measure.noise = [f"{row.id}: {what}" for row in rows for what in _noise(row)]
    return measure


def _subs_found(label: Label, parent: Recommendation, rows: list[Recommendation]) -> list[int]:
    """The label's sub-items found, in order, among the parent row's sub-items, each with a page."""
    free = [row for row in rows if row.parent_id == parent.id and row.page is not None]
    found = []
    for index, title in enumerate(label.subs):
        row = next((row for row in free if fuzz.partial_ratio(title, row.title) >= TITLE_MATCH), None)
        if row is not None:
            found.append(index)
            free.remove(row)
    return found


def _matches(label: Label, row: Recommendation) -> bool:
    if label.number is not None and row.number != label.number:
        return False
    if row.page != label.page:
        return False
    return fuzz.partial_ratio(label.title, f"{row.title} {row.body[:400]}") >= TITLE_MATCH


def _noise(row: Recommendation) -> list[str]:
    found = []
    for name, text in (("title", row.title), ("body", row.body or "")):
        if _URL_RE.search(text):
            found.append(f"endnote URL in its {name}")
        if _TOC_RE.search(text):
            found.append(f"table-of-contents line in its {name}")
        if any(is_stamp(line) for line in text.split("\n")) or "號文件" in text and "立法會CB" in text.replace(" ", ""):
            found.append(f"LegCo stamp in its {name}")
    return found


def measure_submissions(ocr: bool = False, held_out: bool = True) -> list[Measure]:
    """The shared submissions (the scan only with ``ocr``; the held-out
    ones only with ``held_out``)."""
    measures = []
    for document_id, entry in read_labels().items():
        scanned = "OCR" in entry.get("note", "")
        if scanned and not ocr or entry.get("held_out") and not held_out:
            continue
        measures.append(measure_submission(document_id, entry, submission_text(document_id, ocr=bool(scanned))))
    return measures


def measure_generated(held_out: bool = True) -> list[Measure]:
    """The synthetic submissions of tests/generated/, sub-items judged."""
    measures = []
    for document_id, entry in read_labels(GENERATED / "asks.yml").items():
        if entry.get("held_out") and not held_out:
            continue
        text = submission_text(document_id, folder=GENERATED)
        measures.append(measure_submission(document_id, entry, text, judge_subs=True))
    return measures


def measure_seeds(sources_dir: Path = ROOT / "sources") -> list[SeedMeasure]:
    measures = []
    for seed in parse_sources(sources_dir):
        source = seed.source
        if source.document.loader == "generic":
            continue
        expected = [row for row in seed.parsed.recommendations if not row.parent_id and row.kind == "recommendation"]
        if not expected:
            continue
        found = loaders.LOADERS["generic"](seed.text, source.document).recommendations
        measures.append(SeedMeasure(source.document.id, expected, found))
    return measures


def totals(measures: list[Measure]) -> tuple[float, float]:
    asks = sum(measure.asks for measure in measures)
    judged = sum(len(measure.judged) for measure in measures)
    found = sum(measure.found for measure in measures)
    return found / asks, found / judged


def print_measures(title: str, measures: list[Measure], held_out: bool) -> None:
    """Each document's figures, what it missed and what is not an ask, then
    the totals of the dev documents and, apart, of the held-out ones."""
    print(title)
    for measure in measures:
        held = "  (held out)" if measure.held_out else ""
        print(
            f"  {measure.document_id:40} asks {measure.asks:2}  rows {len(measure.judged):2}  "
            f"recall {measure.recall:6.1%}  precision {measure.precision:6.1%}  "
            f"rows without page {len(measure.without_page)}  noise {len(measure.noise)}{held}"
        )
        for index, label in enumerate(measure.labels):
            if index not in measure.matched:
                print(f"      missed: {label.number or '-'} p{label.page} {label.title}")
            else:
                found = {sub for at, sub in measure.sub_matched if at == index}
                for sub, text in enumerate(label.subs if measure.judge_subs else []):
                    if sub not in found:
                        print(f"      missed sub-item of {measure.matched[index].number}: {text}")
        matched = set(id(row) for row in measure.matched.values())
        for row in measure.top:
            if id(row) not in matched:
                print(f"      not an ask: {row.number} p{row.page} {row.title[:40]}")
        for line in measure.noise:
            print(f"      noise: {line}")
    dev = [measure for measure in measures if not measure.held_out]
    if dev:
        recall, precision = totals(dev)
        print(f"  dev ({len(dev)} documents): recall {recall:.1%}, precision {precision:.1%}")
    kept = [measure for measure in measures if measure.held_out]
    if held_out and kept:
        recall, precision = totals(kept)
        print(f"  held out ({len(kept)} documents): recall {recall:.1%}, precision {precision:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held-out", action="store_true", help="also measure the documents kept aside while the loader was written")
    parser.add_argument("--ocr", action="store_true", help="also OCR and measure the scanned submission (about a minute)")
    parser.add_argument("--sources", type=Path, default=ROOT / "sources", help="folder holding the seed texts")
    args = parser.parse_args()

    print_measures("Labelled LegCo submissions (tests/submissions/asks.yml), generic loader:",
                   measure_submissions(ocr=args.ocr, held_out=args.held_out), args.held_out)
    print_measures("\nSynthetic submissions, one trait each (tests/generated/asks.yml), generic loader:",
                   measure_generated(held_out=args.held_out), args.held_out)

    print("\nSeed texts through the generic loader (--loader generic), against their own loaders:")
    seeds = measure_seeds(args.sources)
    for seed in seeds:
        missing = [row.number for row in seed.expected if row.number not in seed.same_numbers]
        print(
            f"  {seed.document_id:40} own loader {len(seed.expected):2}  same number {len(seed.same_numbers):2}  "
            f"recall {seed.recall:6.1%}" + (f"  missing {', '.join(missing)}" if missing else "")
        )
    expected = sum(len(seed.expected) for seed in seeds)
    same = sum(len(seed.same_numbers) for seed in seeds)
    print(f"  all: {same}/{expected} = {same / expected:.1%}")


if __name__ == "__main__":
    main()
