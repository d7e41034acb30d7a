"""How far the policy-area tagger agrees with the hand labels.

Prints the agreement of the primary areas with tests/area_labels.yml, rule
tags alone and with the reviewer's overrides, the number of overrides, and
every disagreement.  Rows are parsed from the sources with kb's loaders (no
database needed); with --db they are read from a built database instead.

    python scripts/area_agreement.py [--db PATH] [--sources DIR]
"""

import argparse
import sys
from dataclasses import fields
from pathlib import Path

import sqlite_utils
import yaml

from kb.build import parse_sources
from kb.records import Recommendation
from kb.rules import areas

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "area_labels.yml"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="read rows from this database instead of parsing the sources")
    parser.add_argument("--sources", type=Path, default=ROOT / "sources")
    parser.add_argument("--overrides", type=Path, default=areas.DEFAULT_OVERRIDES)
    args = parser.parse_args(argv)
    rows = rows_from_db(args.db) if args.db else rows_from_sources(args.sources)
    print(report(rows, read_labels(), args.overrides))
    return 0


if __name__ == "__main__":
    sys.exit(main())
