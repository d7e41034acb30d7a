"""The comparison page: two documents through the links between their
recommendations, put in date order; the changed wording aligned sentence by
sentence with changed characters marked and unchanged stretches folded; weak
links apart from continued asks; between two publishers, asks taken up and
not taken up.  And a recommendation's proposal thread, as a timeline, for its
page (``thread_context``, shown by ``_kb_thread.html``) and on a page of its
own.  The changes are plain data here; the templates escape the text and
mark them up (``_kb_marks.html``)."""

from difflib import SequenceMatcher
from functools import lru_cache

from jinja2.filters import do_urlencode

from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from kb.read import compare as kb_compare
from kb.text.sentences import sentences
from kb.web.source_view import KeptPerVersion, file_version, first_or_404, kb_database, passage_url

COMPARE_ROUTE = r"^/-/compare$"
THREAD_ROUTE = r"^/-/thread/(?P<id>.+)$"
PAIRING_RATIO = 0.4  # two changed sentences this alike are shown side by side
FOLD_AT = 2  # runs of this many unchanged sentences or more are folded
THREAD_SHOWN = 40  # rows of a thread shown on a recommendation's page (its thread page shows all)


async def compare_page(datasette, request):
    db = await kb_database(datasette)
    documents, order, options = await _documents(db)
    a, b = request.args.get("a"), request.args.get("b")
    context = {"database": db.name, "documents": documents, "a": a, "b": b, "comparison": None, "message": None}
    if a and b:
        unknown = [document_id for document_id in (a, b) if document_id not in order]
        if unknown:
            raise NotFound(f"No document {unknown[0]!r}")
        if a == b:
            context["message"] = "Pick two different documents: a document compared with itself has nothing to show."
        else:
            swapped = order[a] > order[b]
            if swapped:
                a, b = b, a
                context.update(a=a, b=b)
            comparison = await db.execute_fn(lambda conn: kb_compare.compare(conn, a, b))
            if request.args.get("_format") == "json":
                return Response.json(comparison.to_json())
            context.update(await _comparison_context(datasette, db, comparison))
            context["swapped"] = swapped
    context["options"] = {side: _selected(options, chosen, default) for side, chosen, default in
                          (("a", context["a"], 0), ("b", context["b"], 1))}
    return Response.html(await datasette.render_template("kb_compare.html", context, request=request))


async def _documents(db) -> tuple[list[dict], dict[str, int], list[tuple[str, str]]]:
    """Every document in publication order, each id's place in it, and the
    pickers' options as (id, HTML) with none selected.  They grow with the
    corpus: for a database served immutable they are read and written once
    per version of its file."""
    version = file_version(db)
    made = _DOCUMENTS.get(version)
    if made is None:
        documents = await db.execute_fn(kb_compare.documents)
        options = [(d["id"], f'<option value="{escape(d["id"])}">{escape(d["year"])} · {escape(str(d["publisher_id"]).upper())} · '
                             f'{escape(d["title_zh"])}{" — " + escape(d["title_en"]) if d["title_en"] else ""}</option>\n')
                   for d in documents]
        made = _DOCUMENTS.put(version, (documents, {d["id"]: index for index, d in enumerate(documents)}, options))
    return made


_DOCUMENTS = KeptPerVersion()


def _selected(options: list[tuple[str, str]], chosen: str | None, default: int) -> Markup:
    """The options, the ``chosen`` document's selected, or with none chosen the ``default``-th."""
    marked = (lambda i, d: d == chosen) if chosen else (lambda i, d: i == default)  # noqa: E731
    return Markup("".join(html.replace('">', '" selected>', 1) if marked(i, d) else html
                          for i, (d, html) in enumerate(options)))


def is_weak(pair) -> bool:
    """A link the rules found on a shared name or a few words, or the same ask
    by two publishers (right about half the time), not confirmed by a reviewer."""
    return pair.relation in ("related", kb_compare.SAME_ASK) and pair.method != "manual"


async def _comparison_context(datasette, db, comparison) -> dict:
    def texts(conn):
        ids = dict.fromkeys(row_id for p in comparison.pairs for row_id in (p.a.id, p.b.id))  # a row in two pairs is read once
        text = {row_id: kb_compare.row_text(conn, row_id) for row_id in ids}
        return [(text[p.a.id], text[p.b.id]) for p in comparison.pairs]

    pairs = [
        {"a": _row(datasette, db.name, p.a), "b": _row(datasette, db.name, p.b), "score": p.score,
         "relation": p.relation, "method": p.method, "weak": is_weak(p), "lines": aligned_diff(a_text, b_text)}
        for p, (a_text, b_text) in zip(comparison.pairs, await db.execute_fn(texts))
    ]
    return {
        "comparison": comparison,
        "same_publisher": comparison.a["publisher_id"] == comparison.b["publisher_id"],
        "pairs": [p for p in pairs if not p["weak"]],
        "weak": [p for p in pairs if p["weak"]],
        "new": [_row(datasette, db.name, row) for row in comparison.new],
        "dropped": [_row(datasette, db.name, row) for row in comparison.dropped],
    }


@lru_cache(maxsize=4096)
def aligned_diff(a: str, b: str) -> list[dict]:
    """A's and B's sentences aligned: runs of unchanged sentences (``same``, folded
    when long), changed pairs (``changed``, characters marked on both sides), and
    sentences only in A (``deleted``) or only in B (``added``).  Plain text: a
    changed pair's sides are (op, text) pieces, which the template marks up."""
    a_s, b_s = sentences(a), sentences(b)
    lines: list[dict] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a_s, b_s, autojunk=False).get_opcodes():
        if op == "equal":
            lines.append({"kind": "same", "texts": a_s[i1:i2], "fold": i2 - i1 >= FOLD_AT})
        elif op == "delete":
            lines += [{"kind": "deleted", "a": s} for s in a_s[i1:i2]]
        elif op == "insert":
            lines += [{"kind": "added", "b": s} for s in b_s[j1:j2]]
        else:
            lines += _pair_sentences(a_s[i1:i2], b_s[j1:j2])
    return lines


def _pair_sentences(a_s: list[str], b_s: list[str]) -> list[dict]:
    """Changed sentences of A and B: each A sentence beside the most alike B
    sentence that follows the last one paired, when they are alike enough."""
    lines, j = [], 0
    for sentence in a_s:
        best = _most_alike(sentence, b_s, j)
        if best[0] >= PAIRING_RATIO:
            lines += [{"kind": "added", "b": other} for other in b_s[j:best[1]]]
            pieces = kb_compare.char_diff(sentence, b_s[best[1]])
            lines.append({"kind": "changed", "a": [p for p in pieces if p[0] != kb_compare.INSERT],
                          "b": [p for p in pieces if p[0] != kb_compare.DELETE]})
            j = best[1] + 1
        else:
            lines.append({"kind": "deleted", "a": sentence})
    lines += [{"kind": "added", "b": other} for other in b_s[j:]]
    return lines


def _most_alike(sentence: str, b_s: list[str], start: int) -> tuple[float, int | None]:
    """(ratio, index) of the B sentence from ``start`` on most like ``sentence``
    (the last of equals), or (0, None).  ``SequenceMatcher.ratio`` counts
    matching characters, at most a longest common subsequence, so rapidfuzz's
    ``Indel.normalized_similarity`` (the same ratio over that subsequence,
    worked out in C) bounds it: sentences are tried by that bound, highest
    first, and no further once it falls under ``PAIRING_RATIO`` or the best
    ratio so far."""
    rest = b_s[start:]
    if not rest:
        return (0, None)
    bounds = cdist([sentence], rest, scorer=Indel.normalized_similarity)[0]
    best: tuple[float, int | None] = (0, None)
    for i in sorted(range(len(rest)), key=lambda i: -bounds[i]):
        if bounds[i] < PAIRING_RATIO - _SLACK or (best[1] is not None and bounds[i] < best[0] - _SLACK):
            break
        found = (SequenceMatcher(None, sentence, rest[i], autojunk=False).ratio(), start + i)
        best = found if best[1] is None or found >= best else best
    return best


_SLACK = 1e-9  # float rounding between the bound and the ratio


def _row(datasette, database: str, row) -> dict:
    """A row with the links the page shows: its row page and its source passage."""
    return {
        "id": row.id,
        "title": row.title,
        "number": row.number,
        "url": datasette.urls.row(database, "recommendations", tilde_encode(row.id)),
        "source_url": passage_url(datasette, row.document_id, row.id, row.line_start) if row.line_start else None,
    }


async def read_thread(db, recommendation_id: str, limit: int | None = THREAD_SHOWN):
    """A recommendation's thread (of its parent, for a sub-item), or None.  A
    thread longer than ``limit`` gives the rows nearest this one, and what
    the whole spans: read over every row of the thread once per thread and
    version of an immutable database's file (a synthetic thread grows with
    the corpus), on every page of a database that may change."""
    summaries = _thread_summaries(db)
    return await db.execute_fn(lambda conn: kb_compare.thread_for(conn, recommendation_id, limit, summaries))


def _thread_summaries(db) -> dict | None:
    version = file_version(db)
    if version is None:
        return None
    summaries = _SUMMARIES.get(version)
    if summaries is None or len(summaries) >= SUMMARIES_KEPT:
        summaries = _SUMMARIES.put(version, {})
    return summaries


SUMMARIES_KEPT = 4096  # threads' summaries kept for a database, at most
_SUMMARIES = KeptPerVersion()


def thread_context(datasette, database: str, thread, current: str) -> dict | None:
    """What ``_kb_thread.html`` shows of a thread, as a timeline with links
    (``current``, the row whose page it is on, in bold); None for no thread."""
    if thread is None:
        return None
    compare_url = datasette.urls.path("/-/compare")
    links_in: dict[str, list[dict]] = {}
    for link in thread.links:  # each with the address comparing its two documents, made here rather than in the template
        href = f"{compare_url}?a={do_urlencode(link['from_id'].split('/')[0])}&b={do_urlencode(link['to_id'].split('/')[0])}"
        links_in.setdefault(link["to_id"], []).append(dict(link, compare_href=href))
    rows = [
        {"id": row.id, "title": row.title, "year": row.year, "published": row.published,
         "document_title": row.document_title, "publisher_id": row.publisher_id, "current": row.id == current,
         "url": datasette.urls.row(database, "recommendations", tilde_encode(row.id)),
         "links_in": links_in.get(row.id, [])}
        for row in thread.rows
    ]
    return {"thread": thread, "rows": rows, "compare_url": compare_url,
            "thread_url": datasette.urls.path(f"/-/thread/{current}")}


async def thread_page(datasette, request):
    db = await kb_database(datasette)
    recommendation_id = request.url_vars["id"]
    sql = "select id, title, parent_id from recommendations where id = ?"
    row = await first_or_404(db, sql, [recommendation_id], f"No recommendation {recommendation_id!r}")
    thread = await read_thread(db, recommendation_id, limit=None)
    context = {"database": db.name, "row": dict(row),
               "kb_thread": thread_context(datasette, db.name, thread, row["parent_id"] or row["id"]),  # a sub-item shows its parent
               "row_url": datasette.urls.row(db.name, "recommendations", tilde_encode(recommendation_id))}
    return Response.html(await datasette.render_template("kb_thread_page.html", context, request=request))
