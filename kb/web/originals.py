"""The original documents kept beside their text in sources/ (the manifest's
``original: {file: …}``), served at ``/-/original/<document id>``.

`kb serve` names the sources folder in the ``KB_SOURCES`` environment
variable; without it, or when a document keeps no original, there is no link
and the route answers 404.  The file is read only from inside that folder."""

import os
from pathlib import Path
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from kb.web.source_view import first_or_404, kb_database

ROUTE = r"^/-/original/(?P<document_id>[^/]+)$"
SOURCES_ENV = "KB_SOURCES"
CONTENT_TYPES = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8"}


def original_path(document: dict) -> Path | None:
    """The document's original file in the sources folder, if both are known and the file is there."""
    sources, name = os.environ.get(SOURCES_ENV), document.get("original_file")
    if not sources or not name:
        return None
    folder = Path(sources).resolve()
    path = (folder / name).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def original_url(datasette, document: dict) -> str | None:
    """Where the page links for the original: the manifest's ``url``, else the kept file, else None."""
    if document.get("url"):
        return document["url"]
    if original_path(document):
        return datasette.urls.path(f"/-/original/{quote(document['id'], safe='')}")
    return None


async def original_page(datasette, request):
    db = await kb_database(datasette)
    document_id = request.url_vars["document_id"]
    document = dict(await first_or_404(db, "select * from documents where id = ?", [document_id], f"No document {document_id!r}"))
    path = original_path(document)
    if path is None:
        raise NotFound(f"The original of {document_id!r} is not kept on this server")
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return Response(path.read_bytes(), content_type=content_type,
                    headers={"content-disposition": f'inline; filename="{path.name}"'})
