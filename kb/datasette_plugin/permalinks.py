"""The short permalinks people cite: ``/r/<id>`` for a recommendation,
``/p/<id>`` for a government paragraph, and the absolute URL of a path as
the request reached the server."""

from urllib.parse import quote


def recommendation_path(recommendation_id: str) -> str:
    """``/r/<document id>/<number>``."""
    return "/r/" + quote(recommendation_id, safe="/")


def paragraph_path(paragraph_id: str) -> str:
    """``/p/<document id>/<number>``."""
    return "/p/" + quote(paragraph_id, safe="/")


def absolute_url(request, path: str) -> str:
    if request is None:
        return path
    return f"{request.scheme}://{request.host}{path}"
