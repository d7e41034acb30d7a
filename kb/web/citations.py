"""Citations: the line "Cite this" shows on a recommendation's, a government
paragraph's and a document's page, and the same facts as downloads a
reference manager imports (``/-/cite.ris``, ``/-/cite.bib``,
``/-/cite.csl.json``): for one recommendation (``?r=<id>``), one government
paragraph (``?p=<id>``), a whole document (``?document=<id>``) or a search's
results (``?q=…`` with the search page's filters).

Each cited thing is an *item*, a dict of publisher, document, date, number,
title, page, permalink and access date (the day it is served), from which
every format is written:

- RIS: ``RPRT`` for an ask in a submission or report, ``GOVDOC`` for a
  government text or its paragraph;
- BibTeX: ``@techreport`` and ``@misc`` likewise, with ``urldate``;
- CSL-JSON: ``report``, with ``accessed``."""

import json
import re
from datetime import date

from datasette.utils import tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, Response

from kb.web.permalinks import absolute_url, cite_urls, paragraph_path, recommendation_path
from kb.web.source_view import kb_database

ROUTE = r"^/-/cite\.(?P<format>ris|bib|csl\.json)$"
MAX_ITEMS = 1_000
GOVERNMENT_KINDS = ("policy-address", "budget")
LABELS = {"recommendation": "Recommendation", "strategy": "Strategy", "measure": "Measure", "paragraph": "Paragraph"}
TITLE_CHARS = 60  # a government paragraph is titled by its first sentence, cut to this

_PUBLISHER = "p.name_zh as publisher_zh, p.name_en as publisher_en"
_DOCUMENT = ("d.id as document_id, d.title_zh as document_zh, d.title_en as document_en, d.kind as document_kind, "
             "d.published, d.year as document_year")
_SQL = {
    "r": f"""select r.id, r.kind, r.number, r.title, r.page, {_DOCUMENT}, {_PUBLISHER}
             from recommendations r join documents d on d.id = r.document_id join publishers p on p.id = r.publisher_id
             where r.id in (select value from json_each(?))""",
    "p": f"""select g.id, 'paragraph' as kind, g.number, g.text as title, g.page, {_DOCUMENT}, {_PUBLISHER}
             from paragraphs g join documents d on d.id = g.document_id join publishers p on p.id = d.publisher_id
             where g.id in (select value from json_each(?))""",
    "document": f"""select d.id, 'document' as kind, null as number, d.title_zh as title, null as page, {_DOCUMENT}, {_PUBLISHER}
                    from documents d join publishers p on p.id = d.publisher_id
                    where d.id in (select value from json_each(?))""",
}
_NAMES = {"r": "recommendation", "p": "government paragraph", "document": "document"}


def today() -> str:
    """The access date of a citation: the day it is served."""
    return date.today().isoformat()


def item(row: dict, permalink: str, accessed: str | None = None) -> dict:
    """A cited thing from a row of ``_SQL`` (or the same keys): a recommendation,
    a government paragraph (``kind`` paragraph) or a document (``kind`` document)."""
    kind = row["kind"]
    title = row["title"] or ""
    if kind == "paragraph":
        title = first_sentence(title)
    return {
        "id": row["id"],
        "kind": kind,
        "label": f"{LABELS.get(kind, 'Recommendation')} {row['number']}" if kind != "document" else None,
        "number": row["number"],
        "title": title,
        "document_id": row["document_id"],
        "document_zh": row["document_zh"],
        "document_en": row["document_en"],
        "publisher_zh": row["publisher_zh"],
        "publisher_en": row["publisher_en"],
        "date": str(row["published"] or row["document_year"]),
        "page": row["page"],
        "url": permalink,
        "accessed": accessed or today(),
        "government": kind == "paragraph" or is_government(row["document_kind"]),
    }


def row_item(row: dict, document: dict, publisher: dict, permalink: str, kind: str | None = None) -> dict:
    """The item of a page's row, from the row, its document and its publisher as the page read them."""
    return item({
        "id": row["id"], "kind": kind or row.get("kind") or "recommendation", "number": row.get("number"),
        "title": row.get("title") or row.get("text"), "page": row.get("page"),
        "document_id": document["id"], "document_zh": document["title_zh"], "document_en": document.get("title_en"),
        "document_kind": document.get("kind"), "published": document.get("published"), "document_year": document.get("year"),
        "publisher_zh": publisher["name_zh"], "publisher_en": publisher["name_en"],
    }, permalink)


def is_government(document_kind: str | None) -> bool:
    """A Policy Address, a Budget or a government reply: a government document, not a report."""
    kind = (document_kind or "").lower()
    return kind in GOVERNMENT_KINDS or kind.startswith("government")


def first_sentence(text: str) -> str:
    """A government paragraph's title: its first sentence, at most ``TITLE_CHARS`` characters."""
    sentence = re.split(r"(?<=[。！？；])", " ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= TITLE_CHARS else sentence[:TITLE_CHARS - 1] + "…"


def publisher(it: dict) -> str:
    return f"{it['publisher_en']} ({it['publisher_zh']})" if it["publisher_en"] else it["publisher_zh"]


def document_title(it: dict) -> str:
    return f"{it['document_en']} ({it['document_zh']})" if it["document_en"] else it["document_zh"]


def text(it: dict) -> str:
    """One line to paste into a paper: publisher, document, date, number and
    title, page, permalink and kb id, access date."""
    parts = [publisher(it), document_title(it), it["date"]]
    page = f"p. {it['page']}" if it["page"] else None
    if it["kind"] == "paragraph":
        parts.append(f"{it['label']}: {it['title']}" + (f", {page}" if page else ""))
    elif it["kind"] != "document":
        parts += [f"{it['label']}: {it['title']}", *([page] if page else [])]
    parts += [f"{it['url']} (kb id {it['id']})", f"Accessed {it['accessed']}"]
    return ". ".join(parts) + "."


# --- formats ---------------------------------------------------------------

def _date_parts(text: str) -> list[int]:
    return [int(part) for part in re.findall(r"\d+", text)[:3]]


def _one_line(value) -> str:
    return " ".join(str(value).split())


def _note(it: dict) -> str:
    where = f"{it['label']} in {document_title(it)}" if it["label"] else document_title(it)
    return f"{where}. kb id {it['id']}"


def _ris_date(parts: list[int]) -> str | None:
    """RIS's date, ``YYYY/MM/DD/``, with the parts not known left empty (``2023///``)."""
    if not parts:
        return None
    padded = [str(parts[0])] + [f"{part:02d}" for part in parts[1:]]
    return "/".join(padded + [""] * (3 - len(padded))) + "/"


def to_ris(items: list[dict]) -> str:
    """RIS, one record per item (CRLF line ends, as the format has them)."""
    lines = []
    for it in items:
        date_parts = _date_parts(it["date"])
        fields = [
            ("TY", "GOVDOC" if it["government"] else "RPRT"),
            ("TI", f"{it['label']}: {it['title']}" if it["label"] else it["title"]),
            ("T2", document_title(it) if it["label"] else None),
            ("TT", it["document_en"] if not it["label"] else None),
            ("AU", publisher(it)),
            ("PB", publisher(it)),
            ("PY", str(date_parts[0]) if date_parts else None),
            ("DA", _ris_date(date_parts)),
            ("IS", it["number"]),
            ("M3", it["label"].split(" ")[0] if it["label"] else None),
            ("SP", it["page"]),
            ("UR", it["url"]),
            ("Y2", it["accessed"].replace("-", "/")),
            ("LA", "zh-Hant"),
            ("ID", it["id"]),
            ("N1", _note(it)),
        ]
        lines += [f"{tag}  - {_one_line(value)}" for tag, value in fields if value not in (None, "")]
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


_BIBTEX_ESCAPES = str.maketrans({
    "\\": r"\textbackslash ", "{": "(", "}": ")", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde ", "^": r"\textasciicircum ",
})
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def bibtex_key(kb_id: str) -> str:
    """A BibTeX key from a kb id: ``cma-2023-policy-address/5.3`` → ``cma-2023-policy-address-5-3``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", kb_id).strip("-")


def to_bibtex(items: list[dict]) -> str:
    """BibTeX: ``@techreport`` for a report's ask or a report, ``@misc`` for a government text."""
    entries = []
    for it in items:
        date_parts = _date_parts(it["date"])
        escaped = lambda value: _one_line(value).translate(_BIBTEX_ESCAPES)  # noqa: E731
        fields = [
            ("author", "{" + escaped(publisher(it)) + "}"),  # a body, not a person's name
            ("title", escaped(f"{it['label']}: {it['title']}" if it["label"] else it["title"])),
            ("institution" if not it["government"] else "publisher", escaped(publisher(it))),
            ("type", escaped(it["label"].split(" ")[0]) if it["label"] else None),
            ("number", escaped(it["number"]) if it["number"] else None),
            ("howpublished" if it["government"] else "series", escaped(document_title(it)) if it["label"] else None),
            ("year", str(date_parts[0]) if date_parts else None),
            ("month", _MONTHS[date_parts[1] - 1] if len(date_parts) > 1 and 1 <= date_parts[1] <= 12 else None),
            ("date", it["date"]),
            ("pages", str(it["page"]) if it["page"] else None),
            ("url", it["url"]),
            ("urldate", it["accessed"]),
            ("langid", "chinese"),
            ("note", escaped(_note(it))),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@{'misc' if it['government'] else 'techreport'}{{{bibtex_key(it['id'])},\n{body}\n}}\n")
    return "\n".join(entries)


def to_csl(items: list[dict]) -> str:
    """CSL-JSON: a list of ``report`` items."""
    records = []
    for it in items:
        record = {
            "id": it["id"],
            "type": "report",
            "title": f"{it['label']}: {it['title']}" if it["label"] else it["title"],
            "author": [{"literal": publisher(it)}],
            "publisher": publisher(it),
            "container-title": document_title(it) if it["label"] else None,
            "genre": it["label"].split(" ")[0] if it["label"] else None,
            "number": it["number"],
            "issued": {"date-parts": [_date_parts(it["date"])]} if _date_parts(it["date"]) else None,
            "page": str(it["page"]) if it["page"] else None,
            "URL": it["url"],
            "accessed": {"date-parts": [_date_parts(it["accessed"])]},
            "language": "zh-Hant",
            "note": _note(it),
        }
        records.append({key: value for key, value in record.items() if value not in (None, "")})
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


FORMATS = {
    "ris": (to_ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "bib": (to_bibtex, "application/x-bibtex; charset=utf-8", "bib"),
    "csl.json": (to_csl, "application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


# --- reading and serving ---------------------------------------------------

def permalink(datasette, database: str, request, kind: str, kb_id: str) -> str:
    """The absolute permalink of a recommendation (``r``), paragraph (``p``) or document."""
    if kind == "r":
        path = datasette.urls.path(recommendation_path(kb_id))
    elif kind == "p":
        path = datasette.urls.path(paragraph_path(kb_id))
    else:
        path = datasette.urls.row(database, "documents", tilde_encode(kb_id))
    return absolute_url(request, path)


async def read_items(datasette, db, request, refs: list[tuple[str, str]]) -> list[dict]:
    """The items of ``refs``, (``r``, ``p`` or ``document``, id) pairs, in
    their order; a 404 names the first that is not in the knowledge base."""
    found = {}
    for kind, sql in _SQL.items():
        ids = [kb_id for k, kb_id in refs if k == kind]
        if ids:
            for row in (await db.execute(sql, [json.dumps(ids)])).rows:
                found[(kind, row["id"])] = dict(row)
    accessed = today()
    items = []
    for kind, kb_id in refs:
        if (kind, kb_id) not in found:
            raise NotFound(f"No {_NAMES[kind]} {kb_id!r}")
        items.append(item(found[(kind, kb_id)], permalink(datasette, db.name, request, kind, kb_id), accessed))
    return items


async def cite_download(datasette, request):
    """``/-/cite.ris``, ``.bib``, ``.csl.json``: the citations of what the
    query names (``r=``, ``p=``, ``document=``, or ``q=`` and its filters)."""
    from kb.web.search_view import all_results

    write, content_type, extension = FORMATS[request.url_vars["format"]]
    db = await kb_database(datasette)
    if request.args.get("q", "").strip():
        found = await all_results(db, request)
        refs = [("p" if result.kind == "paragraph" else "r", result.id) for result in found.results]
        name = "search"
    else:
        refs = [(kind, kb_id) for kind in _SQL for kb_id in request.args.getlist(kind) if kb_id]
        if not refs:
            raise BadRequest("Name what to cite: r=<recommendation id>, p=<paragraph id>, document=<document id> or q=<search>")
        name = bibtex_key(refs[0][1]) if len(refs) == 1 else "citations"
    items = await read_items(datasette, db, request, refs[:MAX_ITEMS])
    return Response(write(items), content_type=content_type,
                    headers={"content-disposition": f'attachment; filename="{name}.{extension}"'})


async def document_cite_context(datasette, db, document_id: str, request) -> dict:
    """What a document's page shows under "Cite this": the citation line and its downloads."""
    items = await read_items(datasette, db, request, [("document", document_id)])
    return {"citation": text(items[0]), "permalink": items[0]["url"], "kb_id": document_id,
            "downloads": cite_urls(datasette, [("document", document_id)])}
