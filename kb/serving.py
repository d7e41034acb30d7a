"""How kb serves a built knowledge base: the Datasette settings ``kb serve``
passes, shared by the benchmark so that it measures what is served."""

# Long bodies are cut on table pages (a row's own page shows them whole).
SETTINGS = {"truncate_cells_html": 300}


def datasette_settings() -> dict:
    """The settings, as ``Datasette(settings=...)`` takes them."""
    return dict(SETTINGS)


def setting_args() -> list[str]:
    """The settings, as ``datasette serve`` takes them on its command line."""
    return [arg for name, value in SETTINGS.items() for arg in ("--setting", name, str(value).lower())]
