"""How kb serves a built knowledge base: the Datasette settings ``kb serve``
passes, shared by the benchmark so that it measures what is served."""

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
