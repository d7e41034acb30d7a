"""How far the computed links agree with the hand labels.

Prints recall and precision of kb.rules.links.compute_links against
tests/link_labels.yml, by the rules alone and with the reviewer's verdicts
(sources/link_reviews.yml), then every labelled link missed, every computed
link labelled a non-link, every computed link nobody has judged yet, and the
relations that differ from the labels.  Precision counts the judged pairs
only: labelled links and labelled non-links.  Rows are parsed from the
sources with kb's loaders (no database needed).

    python scripts/link_accuracy.py [--sources DIR] [--reviews PATH] [--evidence]
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.build import area_tags, parse_sources
from kb.records import Document, Recommendation
from kb.rules import areas as kb_areas
from kb.rules import links as kb_links
from kb.rules import reviews as kb_reviews

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "link_labels.yml"
SHOWN_RESTATED = 0.25  # --evidence also shows pairs whose later row restates this much of the earlier title


@dataclass
class Labels:
    links: dict[tuple[str, str], str]  # (from, to) -> relation
    non_links: set[tuple[str, str]]


@dataclass
class Accuracy:
    found: set[tuple[str, str]]
    labels: Labels

    @property
    def hits(self) -> set[tuple[str, str]]:
        return self.found & set(self.labels.links)

    @property
    def missed(self) -> list[tuple[str, str]]:
        return sorted(set(self.labels.links) - self.found)

    @property
    def wrong(self) -> list[tuple[str, str]]:
        return sorted(self.found & self.labels.non_links)

    @property
    def unjudged(self) -> list[tuple[str, str]]:
        return sorted(self.found - set(self.labels.links) - self.labels.non_links)

    @property
    def recall(self) -> float:
        return len(self.hits) / len(self.labels.links) if self.labels.links else 1.0

    @property
    def precision(self) -> float:
        judged = len(self.hits) + len(self.wrong)
        return len(self.hits) / judged if judged else 1.0


def parsed_sources(sources_dir: Path) -> tuple[list[Recommendation], list[Document]]:
    """Every row (in reading order) and document of every source, as kb build parses them."""
    parsed = [found.parsed for found in parse_sources(sources_dir)]
    return [row for result in parsed for row in result.recommendations], [result.document for result in parsed]


def primary_areas(rows: list[Recommendation], sources_dir: Path, overrides: bool = False) -> dict[str, str]:
    """Each row's primary policy area: by the rules alone, or as kb build
    tags it, with the reviewer's overrides in the sources folder."""
    tags = area_tags(sources_dir, rows) if overrides else kb_areas.tag(rows, kb_areas.read_taxonomy())
    return kb_areas.primary_areas(tags)


def read_labels(path: Path = LABELS) -> Labels:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    links = {(e["from"], e["to"]): e["relation"] for e in data.get("links") or []}
    non_links = {(e["from"], e["to"]) for e in data.get("non_links") or []}
    return Labels(links, non_links)


def accuracy(computed: list[kb_links.Link], labels: Labels) -> Accuracy:
    return Accuracy({(link.from_id, link.to_id) for link in computed}, labels)


def report(rule: list[kb_links.Link], reviewed: list[kb_links.Link], labels: Labels, reviews: int) -> str:
    plain, final = accuracy(rule, labels), accuracy(reviewed, labels)
    by_pair = {(link.from_id, link.to_id): link for link in reviewed}
    agreed = [pair for pair in final.hits if by_pair[pair].relation == labels.links[pair]]
    lines = [
        f"labels: {len(labels.links)} links, {len(labels.non_links)} non-links; computed links: {len(rule)} by the rules",
        f"rule-only recall:    {_figure(len(plain.hits), len(labels.links))}",
        f"rule-only precision: {_figure(len(plain.hits), len(plain.hits) + len(plain.wrong))}",
        f"with {reviews} reviews: recall {final.recall:.1%}, precision {final.precision:.1%}, {len(reviewed)} links"
        " (reviews judge some labelled pairs themselves: not an independent measure)",
        f"relations agreeing with the labels: {_figure(len(agreed), len(final.hits))}",
        "missed links (labelled, not computed):",
        *[f"  {a} -> {b}\t{labels.links[(a, b)]}" for a, b in plain.missed],
        "wrong links (computed, labelled non-links):",
        *[f"  {a} -> {b}" for a, b in plain.wrong],
        "unjudged links (computed, not in the labels):",
        *[f"  {a} -> {b}\t{by_pair[(a, b)].relation}\t{by_pair[(a, b)].score}" for a, b in final.unjudged],
        "relations that differ from the labels (pair, label, computed):",
        *[f"  {a} -> {b}\t{labels.links[(a, b)]}\t{by_pair[(a, b)].relation}"
          for a, b in sorted(final.hits) if by_pair[(a, b)].relation != labels.links[(a, b)]],
    ]
    return "\n".join(lines)


def evidence_table(rows: list[Recommendation], documents: list[Document], areas: dict[str, str], labels: Labels) -> str:
    """Coverage, title likeness, shared names and words, whether the primary
    areas agree and how much of the earlier title the later row restates,
    for every labelled pair and every pair with some evidence."""
    found = kb_links.evidence_for(rows, documents, areas)
    judged = set(labels.links) | labels.non_links
    lines = ["label\tcoverage\ttitle\tnames\twords\tarea\trestated\tpair"]
    for pair, e in sorted(found.items(), key=lambda item: -item[1].coverage):
        if pair in judged or e.coverage >= kb_links.TERM_LINK_COVERAGE or e.words or e.restated >= SHOWN_RESTATED:
            label = "link" if pair in labels.links else "non-link" if pair in labels.non_links else "-"
            lines.append(f"{label}\t{e.coverage:.3f}\t{e.title:.0f}\t{len(e.names)}\t{len(e.words)}\t"
                         f"{'same' if e.same_area else '-'}\t{e.restated:.2f}\t{pair[0]} -> {pair[1]}")
    return "\n".join(lines)


def _figure(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=Path, default=ROOT / "sources")
    parser.add_argument("--reviews", type=Path, default=kb_reviews.DEFAULT_LINK_REVIEWS)
    parser.add_argument("--evidence", action="store_true", help="also print the evidence for every labelled pair")
    args = parser.parse_args(argv)
    rows, documents = parsed_sources(args.sources)
    reviews = kb_reviews.read_link_reviews(args.reviews) if args.reviews.is_file() else []
    labels = read_labels()
    rule_areas = primary_areas(rows, args.sources)
    rule = kb_links.compute_links(rows, documents, areas=rule_areas)
    found = kb_links.compute_links(rows, documents, primary_areas(rows, args.sources, overrides=True))
    reviewed = kb_reviews.apply_link_reviews(found, reviews, rows, kb_links.document_order(documents))
    print(report(rule, reviewed, labels, len(reviews)))
    if args.evidence:
        print(evidence_table(rows, documents, rule_areas, labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
