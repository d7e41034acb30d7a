"""How far the policy-area tagger agrees with the hand labels.

Prints the agreement of the primary areas with tests/area_labels.yml, rule
tags alone and with the reviewer's overrides, the number of overrides, and
every disagreement.  Rows are parsed from the sources with kb's loaders (no
database needed); with --db they are read from a built database instead.

Then the LegCo submissions in tests/submissions/ (topics beyond the economy),
read as kb add reads them, against tests/submissions/areas.yml, where each row
is named by a quote of its text and labelled with every area it touches:
primary agreement, and over every tag the share of labelled areas tagged
(recall) and of tags labelled (precision); the held-out submissions apart.

    python scripts/area_agreement.py [--db PATH] [--sources DIR]
"""

import argparse
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import sqlite_utils
import yaml

from kb.build import parse_sources
from kb.records import Recommendation
from kb.rules import areas

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
LABELS = ROOT / "tests" / "area_labels.yml"
SUBMISSION_LABELS = ROOT / "tests" / "submissions" / "areas.yml"


def rows_from_sources(sources_dir: Path) -> list[Recommendation]:
    """Every row of every document, in reading order, as kb build parses them."""
    return [row for found in parse_sources(sources_dir) for row in found.parsed.recommendations]


def rows_from_db(db_path: Path) -> list[Recommendation]:
    """The rows of a database written by ``kb build``, in reading order."""
    names = {field.name for field in fields(Recommendation)}
    db = sqlite_utils.Database(db_path)
    records = db["recommendations"].rows_where(order_by="document_id, ordinal")
    return [Recommendation(**{k: v for k, v in record.items() if k in names}) for record in records]


def read_labels(path: Path = LABELS) -> dict[str, str]:
    return {str(key): str(value) for key, value in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def agreement(labels: dict[str, str], tagged: dict[str, str]) -> float:
    """The share of labelled rows whose primary area is the label."""
    return sum(tagged.get(rec_id) == area for rec_id, area in labels.items()) / len(labels)


def report(rows: list[Recommendation], labels: dict[str, str], overrides_path: Path) -> str:
    taxonomy = areas.read_taxonomy()
    overrides = areas.read_overrides(overrides_path, taxonomy)
    rule = areas.primary_areas(areas.tag(rows, taxonomy))
    final = areas.primary_areas(areas.tag(rows, taxonomy, overrides))
    lines = [
        f"rows: {len(rows)}, labelled: {len(labels)}",
        f"rule-only agreement:      {_figure(labels, rule)}",
        f"agreement with overrides: {_figure(labels, final)}",
        f"overrides: {len(overrides)} ({len(overrides) / len(rows):.1%} of rows) from {overrides_path}",
    ]
    lines += [f"  unknown override id: {rec_id}" for rec_id in areas.unknown_override_ids(rows, overrides)]
    lines += [f"  unlabelled row: {row.id}" for row in rows if row.id not in labels]
    lines.append("disagreements (id, label, rule tag):")
    for rec_id, label in labels.items():
        if rule.get(rec_id) != label:
            mark = "  [fixed by override]" if final.get(rec_id) == label else ""
            lines.append(f"  {rec_id}\t{label}\t{rule.get(rec_id)}{mark}")
    return "\n".join(lines)


def _figure(labels: dict[str, str], tagged: dict[str, str]) -> str:
    agreed = sum(tagged.get(rec_id) == area for rec_id, area in labels.items())
    return f"{agreed}/{len(labels)} = {agreement(labels, tagged):.1%}"


@dataclass
class TopicMeasure:
    """The tagger on labelled submissions: counts of agreement."""

    rows: int = 0
    primary_agreed: int = 0
    labelled_areas: int = 0
    tagged_areas: int = 0
    both: int = 0  # labelled areas that are tagged
    disagreements: list[str] = field(default_factory=list)

    def add(self, row_id: str, labelled: list[str], tags: list[areas.AreaTag]) -> None:
        tagged = [t.area_id for t in sorted(tags, key=lambda t: not t.is_primary)]
        self.rows += 1
        self.primary_agreed += (tagged[:1] == labelled[:1])
        self.labelled_areas += len(labelled)
        self.tagged_areas += len(tagged)
        self.both += len(set(labelled) & set(tagged))
        if tagged[:1] != labelled[:1] or set(tagged) != set(labelled):
            self.disagreements.append(f"  {row_id}\tlabel {', '.join(labelled) or 'none'}\ttags {', '.join(tagged) or 'none'}")

    def figures(self) -> str:
        return (f"primary {_share(self.primary_agreed, self.rows)}, any-tag recall {_share(self.both, self.labelled_areas)}, "
                f"precision {_share(self.both, self.tagged_areas)}")


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "0/0"


def measure_topics(labels_path: Path = SUBMISSION_LABELS) -> dict[bool, TopicMeasure]:
    """The tagger on the labelled submissions, by held-out or not."""
    from shared_ask_accuracy import document_rows, resolve

    taxonomy = areas.read_taxonomy()
    measures = {False: TopicMeasure(), True: TopicMeasure()}
    for document_id, entry in yaml.safe_load(labels_path.read_text(encoding="utf-8")).items():
        rows = document_rows(document_id)
        tags = areas.tag(rows, taxonomy)
        measure = measures[bool(entry.get("held_out"))]
        for label in entry["rows"]:
            row_id = resolve(label["quote"], rows)
            measure.add(row_id, list(label["areas"]), [t for t in tags if t.recommendation_id == row_id])
    return measures


def topic_report(measures: dict[bool, TopicMeasure]) -> str:
    lines = ["", "LegCo submissions (tests/submissions/areas.yml), every tag:"]
    for held_out, name in ((False, "dev"), (True, "held out")):
        measure = measures[held_out]
        lines.append(f"{name + ':':10}{measure.rows} rows: {measure.figures()}")
        lines += measure.disagreements
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="read rows from this database instead of parsing the sources")
    parser.add_argument("--sources", type=Path, default=ROOT / "sources")
    parser.add_argument("--overrides", type=Path, default=areas.DEFAULT_OVERRIDES)
    args = parser.parse_args(argv)
    rows = rows_from_db(args.db) if args.db else rows_from_sources(args.sources)
    print(report(rows, read_labels(), args.overrides))
    print(topic_report(measure_topics()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
