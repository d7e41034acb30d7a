"""How kb serves a built knowledge base: the Datasette settings ``kb serve``
passes, shared by the benchmark so that it measures what is served; and the
path of a public base URL, which Datasette's ``base_url`` setting serves under."""

from kb.text.urls import BaseUrlError, parse_base_url  # noqa: F401  (kb serve reports its errors)

# Long bodies are cut on table pages (a row's own page shows them whole).
# Facet suggestions are off: on a table of 100,000 rows Datasette runs some
# 55 queries per page view to suggest them; the facets metadata.yml names
# are still shown.
SETTINGS = {"truncate_cells_html": 300, "suggest_facets": False}


def datasette_settings() -> dict:
    """The settings, as ``Datasette(settings=...)`` takes them."""
    return dict(SETTINGS)


def setting_args() -> list[str]:
    """The settings, as ``datasette serve`` takes them on its command line."""
    return [arg for name, value in SETTINGS.items() for arg in ("--setting", name, _text(value))]


def _text(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def base_url_path(base_url: str) -> str | None:
    """The path a public base URL puts the site under, as Datasette's
    ``base_url`` setting takes it (``https://example.org/kb`` → ``/kb/``), or
    None for a site at the root; a BaseUrlError for a URL that is not one."""
    path = parse_base_url(base_url)[2]
    return path + "/" if path else None
