"""How kb serves a built knowledge base: the Datasette settings ``kb serve``
passes, shared by the benchmark so that it measures what is served; the
path of a public base URL, which Datasette's ``base_url`` setting serves under;
and the reviewers it lets sign in."""

import os
import re

from kb.text.urls import BaseUrlError, parse_base_url  # noqa: F401  (kb serve reports its errors)

# A reviewer is configured by the hash of their password in the environment
# (``kb reviewer add NAME`` prints it): KB_REVIEWER_MEI_PASSWORD_HASH signs in "mei".
REVIEWER_ENV_RE = re.compile(r"^KB_REVIEWER_([A-Z0-9_]{1,40})_PASSWORD_HASH$")
AUTH_PLUGIN = "datasette-auth-passwords"

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


def reviewer_variable(name: str) -> str:
    """The environment variable holding reviewer ``name``'s password hash."""
    return f"KB_REVIEWER_{name.upper()}_PASSWORD_HASH"


def reviewers_in(environ=None) -> list[str]:
    """The reviewers the environment names, by their sign-in names (lower case)."""
    environ = os.environ if environ is None else environ
    return sorted(match.group(1).lower() for key in environ if (match := REVIEWER_ENV_RE.match(key)) and environ[key])


def auth_config(names: list[str]) -> dict:
    """datasette-auth-passwords' configuration for these reviewers: each
    hash read by Datasette from the environment (``$env``), so it is never
    written to the metadata file nor shown at /-/metadata.json."""
    return {f"{name}_password_hash": {"$env": reviewer_variable(name)} for name in names}
