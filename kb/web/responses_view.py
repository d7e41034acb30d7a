"""Government responses on the site: a submission's scorecard
(``/-/responses/<document id>``: every ask, its status and best evidence,
with counts), the same address for a government text showing what it took
up (each paragraph that responds to an ask, with the asks), and, on a
recommendation's page, its responses as a timeline (``responses_context``,
shown by ``_kb_responses.html``).  A quoted paragraph comes as runs of text,
those it shares with the ask flagged; the templates escape them and mark the
shared ones (``_kb_marks.html``)."""

from urllib.parse import quote

from datasette.utils import tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup, escape

from kb.read import scorecard as kb_scorecard
from kb.read import uptake as kb_uptake
from kb.web import export
from kb.web.compare_view import THREAD_SHOWN
from kb.web.permalinks import absolute_url, paragraph_path, recommendation_path, responses_path
from kb.web.source_view import kb_database, passage_url
from kb.rules.link_window import published_year
from kb.records import document_of

ROUTE = r"^/-/responses/(?P<document_id>[^/]+)$"
SCORECARD_COLUMNS = [
    "ask_id", "ask_permalink", "number", "title", "status", "thread_status", "status_method",
    "evidence_document_id", "evidence_document_title", "evidence_published", "evidence_paragraph_id", "paragraph_permalink",
    "evidence_number", "evidence_page", "evidence_relation", "evidence_score", "evidence_method", "evidence_text",
]
UPTAKE_COLUMNS = [
    "paragraph_id", "paragraph_permalink", "paragraph_number", "paragraph_page", "paragraph_chapter", "paragraph_section",
    "paragraph_text", "relation", "score", "method", "ask_id", "ask_permalink", "ask_number", "ask_title",
    "publisher_zh", "publisher_en", "ask_document_id", "ask_document_title", "ask_published", "ask_status",
]
INDEX_ROUTE = r"^/-/responses/?$"


async def scorecard_page(datasette, request):
    db = await kb_database(datasette)
    document_id = request.url_vars["document_id"]
    if await db.execute_fn(lambda conn: kb_uptake.is_government_text(conn, document_id)):
        return await uptake_page(datasette, request, db, document_id)
    try:
        card = await db.execute_fn(lambda conn: kb_scorecard.scorecard(conn, document_id))
    except LookupError as error:
        raise NotFound(error.args[0]) from error
    if request.args.get("_format") == "json":
        return Response.json(card.to_json())
    if request.args.get("_format") == "csv":
        rows = [_with_permalinks(datasette, request, row, "ask_id", "evidence_paragraph_id") for row in card.to_rows()]
        return export.csv_response(export.to_csv(rows, SCORECARD_COLUMNS), f"{document_id}-responses.csv")
    asks = await db.execute_fn(lambda conn: [_ask(datasette, db.name, conn, ask) for ask in card.asks])
    context = {"database": db.name, "card": card, "asks": asks,
               "document_url": datasette.urls.row(db.name, "documents", tilde_encode(document_id)),
               "json_url": datasette.urls.path(responses_path(document_id)) + "?_format=json",
               "csv_url": datasette.urls.path(responses_path(document_id)) + "?_format=csv"}
    return Response.html(await datasette.render_template("kb_responses.html", context, request=request))


async def uptake_page(datasette, request, db, document_id: str):
    """What a government text took up: the paragraphs that address an ask,
    then those that only relate to one, each in the text's order with its
    asks; ``?publisher=<id>`` keeps the asks of one publisher."""
    publisher = request.args.get("publisher") or None
    try:
        taken = await db.execute_fn(lambda conn: kb_uptake.uptake(conn, document_id, publisher))
    except kb_uptake.UnknownPublisher as error:
        raise BadRequest(f"publisher must be a publisher's id such as cma, not {publisher[:20]!r}") from error
    query = f"&publisher={quote(publisher)}" if publisher else ""
    if request.args.get("_format") == "json":
        return Response.json(taken.to_json())
    if request.args.get("_format") == "csv":
        rows = [_with_permalinks(datasette, request, row, "ask_id", "paragraph_id") for row in taken.to_rows()]
        name = f"{document_id}-took-up" + (f"-{publisher}" if publisher else "")
        return export.csv_response(export.to_csv(rows, UPTAKE_COLUMNS), f"{name}.csv")
    page = datasette.urls.path(responses_path(document_id))
    publishers = await db.execute_fn(lambda conn: kb_uptake.publishers_answered(conn, document_id))
    context = {"database": db.name, "uptake": taken, "page_url": page,
               "publishers": [dict(found, url=f"{page}?publisher={quote(found['id'])}") for found in publishers],
               "addressing": _taken_up(datasette, db.name, taken.addressing),
               "relating": _taken_up(datasette, db.name, taken.relating),
               "document_url": datasette.urls.row(db.name, "documents", tilde_encode(document_id)),
               "json_url": f"{page}?_format=json{query}",
               "csv_url": f"{page}?_format=csv{query}"}
    return Response.html(await datasette.render_template("kb_uptake.html", context, request=request))


def _with_permalinks(datasette, request, row: dict, ask_key: str, paragraph_key: str) -> dict:
    """A CSV row with the absolute permalinks of its ask and its paragraph, where it has them."""
    link = lambda key, path_of: row.get(key) and absolute_url(request, datasette.urls.path(path_of(row[key])))  # noqa: E731
    return dict(row, ask_permalink=link(ask_key, recommendation_path), paragraph_permalink=link(paragraph_key, paragraph_path))


def _taken_up(datasette, database: str, paragraphs: list) -> list[dict]:
    """Paragraphs and their asks, with the links to their pages."""
    url = lambda table, key: datasette.urls.row(database, table, tilde_encode(key))  # noqa: E731
    return [{"p": paragraph, "url": url("paragraphs", paragraph.id),
             "asks": [{"a": ask, "url": url("recommendations", ask.recommendation_id)} for ask in paragraph.asks]}
            for paragraph in paragraphs]


async def index_page(datasette, request):
    """Every document with asks, newest first, with its counts by status;
    then every government text, with the asks it took up."""
    db = await kb_database(datasette)
    documents = await db.execute_fn(kb_scorecard.documents_with_asks)
    government = await db.execute_fn(kb_uptake.government_texts)
    for document in documents + government:
        document["url"] = datasette.urls.path(responses_path(document["id"]))
    context = {"database": db.name, "documents": documents, "government": government}
    return Response.html(await datasette.render_template("kb_responses_index.html", context, request=request))


def _ask(datasette, database: str, conn, ask) -> dict:
    text = kb_scorecard.ask_text(conn, ask.id)
    best = ask.best
    return {
        "card": ask,
        "url": datasette.urls.row(database, "recommendations", tilde_encode(ask.id)),
        "best": _evidence(datasette, database, best, text) if best else None,
        "more": len(ask.evidence) - 1 if best else 0,
    }


def _evidence(datasette, database: str, evidence, ask_text: str) -> dict:
    quote = kb_scorecard.shared_runs(evidence.text, ask_text)
    return {
        "e": evidence,
        "quote": quote,
        "quote_html": marked(quote),
        "source_url": passage_url(datasette, evidence.document_id, evidence.paragraph_id, evidence.line_start),
        "paragraph_url": datasette.urls.row(database, "paragraphs", tilde_encode(evidence.paragraph_id)),
    }


def marked(runs: list[tuple[str, bool]]) -> Markup:
    """A quote's runs as HTML, escaped, the shared ones in <mark> (written in
    Python, not by a template macro: an ask's page holds many quotes)."""
    return Markup("".join(f"<mark>{escape(text)}</mark>" if is_shared else escape(text) for text, is_shared in runs))


# Responses to the thread's other asks shown on an ask's page: a proposal
# repeated for decades gathers hundreds, each quoted with its shared words marked.
THREAD_RESPONSES_SHOWN = 20


def _nearest(evidence: list, published: str, count: int) -> list:
    """The ``count`` responses published nearest ``published``, in their order."""
    around = published_year(published, 0)
    distance = [abs(published_year(e.published, 0) - around) for e in evidence]
    kept = set(sorted(range(len(evidence)), key=lambda i: (distance[i], i))[:count])
    return [e for i, e in enumerate(evidence) if i in kept]


def _lead(own: list[dict], status: dict) -> dict:
    """The paragraphs a status rests on, for the top of an ask's page: the
    strongest addressing paragraph in the first and in the latest addressing
    text; for an ask with no addressing paragraph, its strongest response."""
    def strongest_in(document_id):
        return next((item for item in own if item["e"].document_id == document_id and item["e"].relation == "addresses"), None)

    first = strongest_in(status["first_document_id"]) if status["first_document_id"] else None
    latest = strongest_in(status["latest_document_id"]) if status["latest_document_id"] else None
    closest = min(own, key=lambda item: kb_scorecard.strongest(item["e"]), default=None) if not first else None
    return {"first": first, "latest": latest if latest is not first else None, "closest": closest}


async def responses_context(datasette, db, recommendation_id: str, published: str, thread) -> dict | None:
    """What ``_kb_responses.html`` shows of a recommendation's responses, as a
    timeline; None for a row that is not an ask (a sub-item, a strategy) or a
    database without responses.  ``published`` is the date of its document,
    ``thread`` its thread as the page read it (``compare_view.read_thread``):
    the responses shown are those to the asks of that thread."""
    def read(conn):
        timeline = kb_scorecard.timeline(conn, recommendation_id, THREAD_SHOWN, thread=thread,
                                         pick=lambda found: _nearest(found, published, THREAD_RESPONSES_SHOWN))
        if timeline is None:
            return None
        texts: dict[str, str] = {}  # each ask's text, read once however many responses quote it

        def quoted(evidence):
            if evidence.recommendation_id not in texts:
                texts[evidence.recommendation_id] = kb_scorecard.ask_text(conn, evidence.recommendation_id)
            return _evidence(datasette, db.name, evidence, texts[evidence.recommendation_id])

        own = [quoted(e) for e in timeline.own]
        thread_items = [dict(quoted(e), ask_url=datasette.urls.row(db.name, "recommendations", tilde_encode(e.recommendation_id)))
                        for e in timeline.thread]  # those nearest in time, read in full
        return {"timeline": timeline, "own": own, "thread": thread_items, "thread_more": timeline.thread_total - len(timeline.thread),
                "lead": _lead(own, timeline.status),
                "thread_url": datasette.urls.path("/-/thread/" + quote(recommendation_id, safe="/")),
                "scorecard_url": datasette.urls.path(responses_path(document_of(recommendation_id)))}

    return await db.execute_fn(read)
