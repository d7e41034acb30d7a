"""The short permalinks people cite, ``/r/<id>`` for a recommendation and
``/p/<id>`` for a government paragraph, with the handlers their routes share
(the page itself, and the natural URL ``/<db>/<table>/<document>/<number>``
redirected to it); the responses page of a document; and the absolute URL of
a path as the request reached the server."""

from urllib.parse import quote

from datasette.utils.asgi import Response

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
