"""Errors caused by a request, shown as 400 Bad Request with a clear
message rather than as 500 with an exception's text.

Datasette answers some requests it cannot serve with a 500: a sort on a
column that does not exist (``?_sort=zzz``), a facet or filter whose name
holds a null character (``?_facet=%00``), a number too large for SQLite.
These are the request's fault, not the server's.

``quiet_tracebacks`` stops Datasette printing, for every error, a traceback
with every local variable in it (which it does when the ``rich`` package is
installed): that takes about a second of the event loop per error, during
which the server answers nobody, so a client sending queries that fail or
run out of time stalls the whole site.  A 500 still prints its plain
traceback.
"""

import sqlite3

import datasette.handle_exception
from datasette.utils.asgi import BadRequest
from datasette.views.base import DatasetteError

# SQLite's messages that mean "this input cannot be run", whatever the cause.
_SQLITE_INPUT_ERRORS = (sqlite3.ProgrammingError, sqlite3.OperationalError, sqlite3.InterfaceError, sqlite3.DataError)
_SERVER_TROUBLE = ("disk i/o error", "malformed", "unable to open", "readonly database", "out of memory")


def client_error(exception: BaseException, request=None) -> BadRequest | None:
    """The 400 a request deserves for ``exception``, or ``None`` when the
    exception is the server's own fault (a 500 stays a 500)."""
    if request is not None and "_through" in request.args and isinstance(exception, (ValueError, KeyError, TypeError)):
        return BadRequest('_through must be JSON such as {"table": "recommendation_areas", "column": "area_id", "value": "trade"}')
    if isinstance(exception, DatasetteError):
        return BadRequest(exception.message) if exception.status == 500 and not _server_trouble(exception.message) else None
    if isinstance(exception, _SQLITE_INPUT_ERRORS) and not _server_trouble(str(exception)):
        return BadRequest(f"This request cannot be run: {_plain(str(exception))}")
    if isinstance(exception, OverflowError):
        return BadRequest("A number in this request is too large")
    if isinstance(exception, UnicodeError):
        return BadRequest("This request holds text that is not valid Unicode")
    return None


def _server_trouble(message: str) -> bool:
    return any(words in str(message).lower() for words in _SERVER_TROUBLE)


def _plain(message: str) -> str:
    """SQLite's message, with null characters shown as ``\\x00``."""
    return message.replace("\x00", "\\x00")


def quiet_tracebacks() -> None:
    """Datasette's error handler without rich's tracebacks: see above."""
    datasette.handle_exception.rich = None
