"""404s as kb pages: what was not found (the message and the address asked
for), the search box and the navigation.  JSON requests keep Datasette's JSON
errors."""

from datasette.utils.asgi import NotFound, Response


def not_found_response(datasette, request, exception):
    """An awaitable giving the kb 404 page for a NotFound on an HTML page; None otherwise."""
    if not isinstance(exception, NotFound) or request is None or request.path.endswith(".json"):
        return None

    async def page():
        context = {"error": exception.args[0] if exception.args else "Not found", "path": request.path, "status": 404}
        return Response.html(await datasette.render_template("404.html", context, request=request), status=404)

    return page
