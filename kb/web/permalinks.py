"""The short permalinks people cite, ``/r/<id>`` for a recommendation and
``/p/<id>`` for a government paragraph, with the handlers their routes share
(the page itself, and the natural URL ``/<db>/<table>/<document>/<number>``
redirected to it); the responses page of a document; the citation downloads;
and the absolute URL of a path, at the public base URL when one is set.

The public base URL is the plugin's configuration, in Datasette's metadata
(``kb serve --base-url`` writes it there):

    plugins:
      kb:
        base_url: https://kb.example.org

Every request is then answered as if it had reached that address
(``public_requests``): kb's permalinks, citations and CSV, and Datasette's own
absolute URLs (a table's ``next_url``, the JSON a page links to), never name
the address the server listens on."""

from urllib.parse import quote, urlencode

from datasette.utils.asgi import Response

from kb.text.urls import parse_base_url
from kb.web.source_view import kb_database


def recommendation_path(recommendation_id: str) -> str:
    """``/r/<document id>/<number>``."""
    return "/r/" + quote(recommendation_id, safe="/")


def paragraph_path(paragraph_id: str) -> str:
    """``/p/<document id>/<number>``."""
    return "/p/" + quote(paragraph_id, safe="/")


def responses_path(document_id: str) -> str:
    """``/-/responses/<document id>``: a submission's scorecard, or what a government text took up."""
    return "/-/responses/" + quote(document_id, safe="")


def cite_urls(datasette, args: list[tuple[str, str]]) -> dict:
    """The citation downloads (RIS, BibTeX, CSL-JSON) of what ``args`` name:
    ``r=`` a recommendation, ``p=`` a government paragraph, ``document=`` a
    document, or ``q=`` (with the search's filters) a search's results."""
    query = "?" + urlencode(args)
    return {name: datasette.urls.path(f"/-/cite.{extension}") + query for name, extension in CITE_FORMATS.items()}


# The citation downloads' formats: name -> the extension of their URL.
CITE_FORMATS = {"ris": "ris", "bibtex": "bib", "csl": "csl.json"}
PLUGIN = "kb"  # the name the plugin's configuration goes under


def public_base(datasette) -> tuple[str, str, str] | None:
    """The configured public base URL, parsed, or None when none is set."""
    text = (datasette.plugin_config(PLUGIN) or {}).get("base_url")
    return parse_base_url(str(text)) if text else None


def public_requests(datasette):
    """An ASGI wrapper that, when a public base URL is set, gives every
    request its scheme and host, so every absolute URL (kb's and Datasette's)
    is made with them.  The base URL's path, if any, is Datasette's own
    ``base_url`` setting (``kb serve --base-url`` sets both)."""
    base = public_base(datasette)

    def wrap(app):
        if base is None:
            return app
        scheme, host = base[0], base[1].encode("latin-1")

        async def public(scope, receive, send):
            if scope.get("type") == "http":
                headers = [(key, value) for key, value in scope.get("headers") or [] if key.lower() != b"host"]
                scope = dict(scope, scheme=scheme, headers=[(b"host", host), *headers])
            return await app(scope, receive, send)

        return public

    return wrap


def absolute_url(request, path: str) -> str:
    if request is None:
        return path
    return f"{request.scheme}://{request.host}{path}"


def page_handler(context_of, template: str):
    """The route handler of a permalink: ``context_of(datasette, db, id, request)``
    rendered with ``template``."""
    async def page(datasette, request):
        db = await kb_database(datasette)
        context = await context_of(datasette, db, request.url_vars["id"], request)
        return Response.html(await datasette.render_template(template, context, request=request))

    return page


def natural_url_handler(path_of):
    """The route handler that redirects ``/<db>/<table>/<document>/<number>``
    to the permalink ``path_of(<document>/<number>)``."""
    async def natural_url(datasette, request):
        row_id = f"{request.url_vars['document_id']}/{request.url_vars['number']}"
        return Response.redirect(datasette.urls.path(path_of(row_id)))

    return natural_url
