"""Which links kb makes: only to http:// and https:// addresses with a host.

A URL from a manifest or a command line becomes an ``href`` on the pages;
``javascript:``, ``data:`` and the like would run in the reader's browser,
so kb add and kb build refuse them (``url_problem``) and the pages render
only what ``http_url`` passes as a link."""

import unicodedata
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000


def url_problem(url) -> str | None:
    """Why ``url`` is not a link kb makes, or None when it is one."""
    if not isinstance(url, str):
        return f"must be text, not {type(url).__name__}"
    if not url:
        return "is empty"
    if len(url) > MAX_URL_LENGTH:
        return f"is {len(url)} characters long; the most is {MAX_URL_LENGTH}"
    if any(character.isspace() or unicodedata.category(character) in ("Cc", "Cs", "Cf") for character in url):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        return f"is not a URL ({error})"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    if not host:
        return "has no host (e.g. https://www.example.org/…)"
    return None


def http_url(url) -> str | None:
    """``url`` when it is an http(s) link with a host, else None: what a
    page may put in an ``href``."""
    return url if url_problem(url) is None else None


class BaseUrlError(ValueError):
    """A public base URL that is not ``http(s)://host[:port][/path]``."""


def parse_base_url(text) -> tuple[str, str, str]:
    """The public base URL a site is read at, ``https://kb.example.org[:port][/path]``,
    as (scheme, host[:port], path without its last slash); a BaseUrlError
    says what is wrong with anything else."""
    problem = url_problem(text)
    if problem:
        raise BaseUrlError(f"the public base URL {problem}: {str(text)[:100]!r}")
    parts = urlsplit(text)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BaseUrlError(f"the public base URL takes no query, fragment or user name: {text[:100]!r}")
    try:
        parts.port
    except ValueError as error:
        raise BaseUrlError(f"the public base URL's port is not a port: {text[:100]!r}") from error
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")
