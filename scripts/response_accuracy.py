"""How far the government responses kb finds agree with the hand labels.

Prints, for the labelled asks in tests/response_labels.yml (by the rules
alone, no reviewer's verdicts; every labelled pair of documents is scored,
whether or not it falls in a build's horizon):

* cases: of the (ask, government text) pairs with a labelled addressing
  paragraph, how many have one among the top three (and the top ten)
  paragraphs the rules rank for that ask in that text;
* recall: of the paragraphs labelled ``addresses``, how many are among the
  top three paragraphs the rules rank for that ask in that document;
* precision: of the responses the rules call ``addresses`` in a labelled
  ask's document, how many are labelled ``addresses``;
* how many of the responses the rules call ``related`` are labelled
  ``related`` or ``addresses`` (the labels list the paragraphs a reader
  found, not every one on the topic: a floor, not a precision);

then every labelled paragraph missed and every wrong ``addresses``.  The
held-out sets (``held_out`` in the labels file: pairs of an asks' document
and a government document, kept aside while the rules were calibrated) are
measured apart with ``--held-out``; ``--all`` measures
everything together.  Rows are parsed from the sources with kb's loaders.

    python scripts/response_accuracy.py [--sources DIR] [--held-out | --all] [--labels FILE ...] [--by-set] [--leave-one-out]

``--labels FILE`` (repeatable) reads more labels in the same format; the
sets such a file lists under ``held_out:`` or ``sets:`` (``asks' document ->
government document``), or all its labels if it lists none, are held out:
a new held-out set is measured with
``python scripts/response_accuracy.py --held-out --labels FILE``.
"""

import argparse
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb.build import build, parse_sources
from kb.records import by_document, document_of
from kb.rules import claims as kb_claims
from kb.rules import responses as kb_responses

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "response_labels.yml"
TOP, WIDE = 3, 10


@dataclass
class Label:
    ask: str
    document: str
    addresses: list[str]
    related: list[str]


@dataclass
class Accuracy:
    labels: list[Label]
    missed: list[tuple[str, str, int | None]] = field(default_factory=list)  # (ask, paragraph id, rank)
    cases: int = 0  # (ask, government text) pairs with a labelled addressing paragraph
    cases_top: int = 0  # ... one of them among the top TOP
    cases_wide: int = 0  # ... among the top WIDE
    wrong: list[tuple[str, str, int]] = field(default_factory=list)  # (ask, paragraph id, score)
    labelled: int = 0
    found: int = 0
    right: int = 0
    related_found: int = 0
    related_labelled: int = 0

    @property
    def recall(self) -> float:
        return (self.labelled - len(self.missed)) / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0


def read_labels(path: Path = LABELS, extra: tuple[Path, ...] = ()) -> tuple[list[Label], set[tuple[str, str]]]:
    """The labels, and the held-out sets as (asks' document, government
    document) pairs, of ``path`` and of every ``extra`` file (the same format;
    its sets are listed under ``held_out:`` or ``sets:``, and a file that
    lists neither is held out whole)."""
    labels, held_out = [], set()
    for number, source in enumerate((path, *extra)):
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        found = [
            Label(
                entry["ask"],
                entry["document"],
                [f"{entry['document']}/{n}" for n in entry.get("addresses") or []],
                [f"{entry['document']}/{n}" for n in entry.get("related") or []],
            )
            for entry in data.get("labels") or []
        ]
        listed = (data.get("held_out") or []) + (data.get("sets") or [] if number else [])
        held_out |= {tuple(part.strip() for part in entry.split("->")) for entry in listed}
        if number and not listed:
            held_out |= {(document_of(label.ask), label.document) for label in found}
        if number:  # a label of an extra file replaces one of the same ask and government text
            replaced = {(label.ask, label.document) for label in found}
            labels = [label for label in labels if (label.ask, label.document) not in replaced]
        labels += found
    return labels, held_out


def is_held_out(label: Label, held_out: set[tuple[str, str]]) -> bool:
    return (document_of(label.ask), label.document) in held_out


def parsed_sources(sources_dir: Path):
    """Every row, paragraph and document of every source, as kb build parses them."""
    parsed = [found.parsed for found in parse_sources(sources_dir)]
    return ([row for result in parsed for row in result.recommendations],
            [paragraph for result in parsed for paragraph in result.paragraphs],
            [result.document for result in parsed])


def measure(labels: list[Label], ranked, responses) -> Accuracy:
    """Recall (labelled among the top three) and precision of ``addresses``."""
    accuracy = Accuracy(labels)
    addressing, relating = {}, {}
    for response in responses:
        chosen = addressing if response.relation == kb_responses.ADDRESSES else relating
        chosen.setdefault((response.recommendation_id, document_of(response.paragraph_id)), []).append(response)
    for label in labels:
        order = [pid for _, pid in ranked.get((label.ask, label.document), [])]
        ranks = [order.index(pid) + 1 for pid in label.addresses if pid in order]
        if label.addresses:
            accuracy.cases += 1
            accuracy.cases_top += bool(ranks) and min(ranks) <= TOP
            accuracy.cases_wide += bool(ranks) and min(ranks) <= WIDE
        for pid in label.addresses:
            accuracy.labelled += 1
            rank = order.index(pid) + 1 if pid in order else None
            if rank is None or rank > TOP:
                accuracy.missed.append((label.ask, pid, rank))
        for response in relating.get((label.ask, label.document), []):
            accuracy.related_found += 1
            accuracy.related_labelled += response.paragraph_id in label.addresses + label.related
        for response in addressing.get((label.ask, label.document), []):
            accuracy.found += 1
            if response.paragraph_id in label.addresses:
                accuracy.right += 1
            else:
                accuracy.wrong.append((label.ask, response.paragraph_id, response.score))
    return accuracy


def accuracy_of(sources_dir: Path = ROOT / "sources", part: str = "calibration",
                extra: tuple[Path, ...] = ()) -> Accuracy:
    """``part`` is calibration (the labels not held out), held-out, or all;
    ``extra`` label files are read with tests/response_labels.yml."""
    labels, held_out = read_labels(LABELS, extra)
    if part == "calibration":
        labels = [label for label in labels if not is_held_out(label, held_out)]
    elif part == "held-out":
        labels = [label for label in labels if is_held_out(label, held_out)]
    rows, paragraphs, documents = parsed_sources(sources_dir)
    ranked, responses = score_labelled(labels, rows, paragraphs)
    return measure(labels, ranked, responses)


def score_labelled(labels: list[Label], rows, paragraphs):
    """The rules' ranking and responses for every labelled pair of documents."""
    rows_of, paragraphs_of = by_document(rows), by_document(paragraphs)
    ranked, responses = {}, []
    for submission, government in sorted({(document_of(label.ask), label.document) for label in labels}):
        for ask_id, scored in kb_responses.rank_pair(rows_of[submission], paragraphs_of[government]).items():
            ranked[(ask_id, government)] = scored
        responses += kb_responses.rule_responses(rows_of[submission], paragraphs_of[government])
    return ranked, responses


def report(accuracy: Accuracy, title: str) -> str:
    lines = [
        f"{title}: {len(accuracy.labels)} asks, {accuracy.labelled} labelled addressing paragraphs",
        f"  cases (an ask and a text with a labelled answer): {accuracy.cases}; labelled paragraph in the top {TOP}: "
        f"{accuracy.cases_top} = {percent(accuracy.cases_top, accuracy.cases)}, top {WIDE}: {accuracy.cases_wide}"
        f" = {percent(accuracy.cases_wide, accuracy.cases)}",
        f"  recall (labelled paragraph in the top {TOP}): {accuracy.labelled - len(accuracy.missed)}/{accuracy.labelled}"
        f" = {100 * accuracy.recall:.1f}%",
        f"  precision of addresses: {accuracy.right}/{accuracy.found} = {100 * accuracy.precision:.1f}%"
        if accuracy.found else "  precision of addresses: no addresses claimed (0/0)",
        f"  related responses labelled related or addresses: {accuracy.related_labelled}/{accuracy.related_found}",
    ]
    if accuracy.missed:
        lines.append("  missed:")
        lines += [f"    {ask} -> {pid} (rank {rank or 'not a candidate'})" for ask, pid, rank in accuracy.missed]
    if accuracy.wrong:
        lines.append("  wrong addresses:")
        lines += [f"    {ask} -> {pid} (score {score})" for ask, pid, score in accuracy.wrong]
    return "\n".join(lines)


def accuracy_by_set(sources_dir: Path = ROOT / "sources", part: str = "all",
                    extra: tuple[Path, ...] = ()) -> dict[tuple[str, str], Accuracy]:
    """Each labelled (asks' document, government document) set's figures."""
    labels, held_out = read_labels(LABELS, extra)
    if part != "all":
        labels = [label for label in labels if is_held_out(label, held_out) == (part == "held-out")]
    rows, paragraphs, _ = parsed_sources(sources_dir)
    ranked, responses = score_labelled(labels, rows, paragraphs)
    sets = sorted({(document_of(label.ask), label.document) for label in labels})
    return {pair: measure([label for label in labels if (document_of(label.ask), label.document) == pair],
                          ranked, responses) for pair in sets}


def report_sets(sources_dir: Path, part: str, extra: tuple[Path, ...] = ()) -> str:
    lines = [f"By set (top {TOP} / top {WIDE} / cases; addresses right / claimed):"]
    for (asks, government), accuracy in accuracy_by_set(sources_dir, part, extra).items():
        lines.append(f"    {asks} -> {government}: {accuracy.cases_top}/{accuracy.cases_wide}/{accuracy.cases}; "
                     f"{accuracy.right}/{accuracy.found}")
    return "\n".join(lines)


# The ranking's weights tried by leave-one-set-out (kb.rules.responses)
GRID = {"VARIANT_WEIGHT": (0.0, 0.3, 0.5), "CONTEXT_WEIGHT": (0.0, 0.3, 0.5), "SUPPORT_WEIGHT": (0.0, 0.5, 0.8)}


def leave_one_set_out(sources_dir: Path = ROOT / "sources", extra: tuple[Path, ...] = ()) -> str:
    """For each labelled set: the weights of ``GRID`` that rank best on the
    other sets (most cases in the top three, then the top ten; ties to the
    weights kb ships), and the figures they give on the set itself."""
    import itertools

    names = list(GRID)
    shipped = tuple(getattr(kb_responses, name) for name in names)
    figures = {}
    try:
        for values in itertools.product(*GRID.values()):
            for name, value in zip(names, values):
                setattr(kb_responses, name, value)
            figures[values] = accuracy_by_set(sources_dir, "all", extra)
    finally:
        for name, value in zip(names, shipped):
            setattr(kb_responses, name, value)
    lines = [f"Leave one set out ({', '.join(names)} chosen on the other sets; top {TOP} / top {WIDE} / cases):"]
    top = wide = cases = 0
    for held in figures[shipped]:
        def others(values):
            rest = [a for pair, a in figures[values].items() if pair != held]
            return sum(a.cases_top for a in rest), sum(a.cases_wide for a in rest), values == shipped
        chosen = max(figures, key=others)
        accuracy = figures[chosen][held]
        top, wide, cases = top + accuracy.cases_top, wide + accuracy.cases_wide, cases + accuracy.cases
        lines.append(f"    {held[0]} -> {held[1]}: {accuracy.cases_top}/{accuracy.cases_wide}/{accuracy.cases}"
                     f" with {chosen}")
    lines.append(f"  in all: top {TOP} {top}/{cases} = {percent(top, cases)}, top {WIDE} {wide}/{cases} = {percent(wide, cases)}")
    return "\n".join(lines)


# The claim's settings tried by leave-one-set-out: the claim's threshold (kb.rules.responses) and the
# claim's two readings of an ask (kb.rules.claims), each on or off
CLAIM_GRID = {"responses.ADDRESSES_SCORE": (40, 44, 48), "claims.ASKING_CLAUSES": (False, True),
              "claims.CHANGE_KINDS": (False, True)}


def leave_one_set_out_claims(sources_dir: Path = ROOT / "sources", extra: tuple[Path, ...] = ()) -> str:
    """For each labelled set: the claim's settings of ``CLAIM_GRID`` whose
    ``addresses`` are right most often on the other sets (then the most
    right; ties to the settings kb ships), and the claims they make on the
    set itself."""
    import itertools

    modules = {"responses": kb_responses, "claims": kb_claims}
    names = list(CLAIM_GRID)
    where = [(modules[name.split(".")[0]], name.split(".")[1]) for name in names]
    shipped = tuple(getattr(module, attribute) for module, attribute in where)
    figures = {}
    try:
        for values in itertools.product(*CLAIM_GRID.values()):
            for (module, attribute), value in zip(where, values):
                setattr(module, attribute, value)
            figures[values] = accuracy_by_set(sources_dir, "all", extra)
    finally:
        for (module, attribute), value in zip(where, shipped):
            setattr(module, attribute, value)
    lines = [f"Leave one set out, addresses ({', '.join(names)} chosen on the other sets; right / claimed):"]
    right = found = 0
    for held in figures[shipped]:
        def others(values):
            rest = [a for pair, a in figures[values].items() if pair != held]
            hits, claimed = sum(a.right for a in rest), sum(a.found for a in rest)
            return (hits / claimed if claimed else 0.0), hits, values == shipped
        chosen = max(figures, key=others)
        accuracy = figures[chosen][held]
        right, found = right + accuracy.right, found + accuracy.found
        lines.append(f"    {held[0]} -> {held[1]}: {accuracy.right}/{accuracy.found} with {chosen}")
    lines.append(f"  in all: addresses right {right}/{found} = {percent(right, found)}")
    return "\n".join(lines)


def unanswered(sources_dir: Path = ROOT / "sources") -> tuple[list[tuple[str, str]], list[tuple[str, list[str]]]]:
    """The asks kb lists as having no response found (their own status and
    their thread's, by the rules alone: the sources built without the
    reviewer's verdicts), as (ask, thread status); and those of them a
    reader labelled as addressed in a government text, with the paragraphs.
    The labels cover every pair of the sources' window."""
    labels, _ = read_labels()
    addressed: dict[str, list[str]] = {}
    for label in labels:
        addressed.setdefault(label.ask, []).extend(label.addresses)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "sources"
        shutil.copytree(sources_dir, copy, ignore=shutil.ignore_patterns(".*"))
        (copy / "response_reviews.yml").unlink(missing_ok=True)
        build(copy, Path(folder) / "kb.db")
        with sqlite3.connect(Path(folder) / "kb.db") as conn:
            listed = conn.execute("select recommendation_id, thread_status from response_status "
                                  "where status = 'no response found' order by recommendation_id").fetchall()
    wrong = [(ask, addressed[ask]) for ask, _ in listed if addressed.get(ask)]
    return listed, wrong


def report_unanswered(listed, wrong) -> str:
    lines = [f"Asks with no response found (rules alone): {len(listed)}; "
             f"{sum(thread == 'no response found' for _, thread in listed)} of them with no response over their thread"]
    lines += [f"    {ask} (thread: {thread})" for ask, thread in listed]
    lines.append(f"  of these, labelled as addressed by a reader: {len(wrong)}")
    lines += [f"    {ask} -> {', '.join(pids)}" for ask, pids in wrong]
    return "\n".join(lines)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=ROOT / "sources")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--held-out", action="store_true", help="measure the held-out sets only")
    group.add_argument("--all", action="store_true", help="measure every labelled set together")
    parser.add_argument("--labels", type=Path, action="append", default=[], metavar="FILE",
                        help="read labels from FILE too (the format of tests/response_labels.yml; its sets, "
                             "listed under held_out: or sets:, or all of it if it lists none, are held out)")
    parser.add_argument("--by-set", action="store_true",
                        help="print the figures of each (asks' document, government document) set apart")
    parser.add_argument("--leave-one-out", action="store_true",
                        help="also choose the ranking's weights, and the addresses claim's settings, on all sets "
                             "but one and measure that one, for each set")
    args = parser.parse_args()
    part = "held-out" if args.held_out else "all" if args.all else "calibration"
    extra = tuple(args.labels)
    print(report(accuracy_of(args.sources, part, extra), f"Responses, {part} labels"))
    if args.by_set:
        print(report_sets(args.sources, part, extra))
    if args.leave_one_out:
        print(leave_one_set_out(args.sources, extra))
        print(leave_one_set_out_claims(args.sources, extra))
    if args.all:
        print(report_unanswered(*unanswered(args.sources)))


if __name__ == "__main__":
    main()
