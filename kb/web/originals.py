"""The original documents kept beside their text in sources/ (the manifest's
``original: {file: …}``), served at ``/-/original/<document id>``.

The sources folder is the plugin's configuration, in Datasette's metadata:

    plugins:
      kb:
        sources: /path/to/sources

`kb serve` writes it there for the folder it builds from.  Without it, or
when a document keeps no original, there is no link and the route answers
404.  The file is read only from inside that folder."""

from pathlib import Path
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from kb.text.urls import http_url
from kb.web.source_view import first_or_404, kb_database

ROUTE = r"^/-/original/(?P<document_id>[^/]+)$"
PLUGIN = "kb"  # the name the plugin's configuration goes under
CONTENT_TYPES = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8"}


def sources_folder(datasette) -> Path | None:
    """The sources folder the plugin is configured with, or None."""
    folder = (datasette.plugin_config(PLUGIN) or {}).get("sources")
    return Path(folder).resolve() if folder else None


def original_path(datasette, document: dict) -> Path | None:
    """The document's original file in the sources folder, if both are known and the file is there."""
    folder, name = sources_folder(datasette), document.get("original_file")
    if folder is None or not name:
        return None
    path = (folder / name).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def original_url(datasette, document: dict) -> str | None:
    """Where the page links for the original: the manifest's ``url`` when it
    is an http(s) address (never ``javascript:`` or ``data:``, whatever the
    database holds), else the kept file, else None."""
    if http_url(document.get("url")):
        return document["url"]
    if original_path(datasette, document):
        return datasette.urls.path(f"/-/original/{quote(document['id'], safe='')}")
    return None


def href(url) -> str | None:
    """``url`` when a page may link to it: an http(s) address with a host,
    or a path on this site (``/-/original/…``); else None.  The templates
    pass every link to an original through it (the ``kb_href`` filter)."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return http_url(url)


async def original_page(datasette, request):
    db = await kb_database(datasette)
    document_id = request.url_vars["document_id"]
    document = dict(await first_or_404(db, "select * from documents where id = ?", [document_id], f"No document {document_id!r}"))
    path = original_path(datasette, document)
    if path is None:
        raise NotFound(f"The original of {document_id!r} is not kept on this server")
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return Response(path.read_bytes(), content_type=content_type,
                    headers={"content-disposition": f'inline; filename="{path.name}"'})
