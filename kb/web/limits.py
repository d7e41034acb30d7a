"""Limits that keep one query from stalling the site.

Every connection Datasette opens gets SQLite's own limits (``apply_limits``):
no string or blob longer than ``MAX_LENGTH`` bytes (``randomblob(1e9)``
fails at once instead of allocating a gigabyte), no SQL text longer than
``MAX_SQL_LENGTH``, and tighter bounds on expression depth, compound
selects, function arguments and LIKE patterns.  The knowledge base's
largest value (a body of under 2,000 characters, a source line of a few
hundred) fits far inside them.

``printf()`` and its alias ``format()`` are replaced by a version that
refuses a width or precision above ``MAX_PRINTF_WIDTH`` and otherwise runs
SQLite's own: older SQLite (3.40) spends 15 s in ``printf('%.*c',
2000000000, 'x')`` before noticing the result is too long, in one step the
time limit cannot interrupt.

``time_limit`` interrupts work that kb runs on a connection itself, as
Datasette does for the SQL it runs.
"""

import re
import sqlite3
import threading
import time
from contextlib import contextmanager

MAX_LENGTH = 10_000_000
MAX_SQL_LENGTH = 100_000
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_LENGTH,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: MAX_SQL_LENGTH,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 200,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 100,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1_000,
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
}
MAX_PRINTF_WIDTH = MAX_LENGTH
# A printf conversion: flags, width, precision, length, conversion character.
_CONVERSION_RE = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?(.)?", re.S)
# How many SQLite virtual-machine steps pass between checks of the clock.
_STEPS_BETWEEN_CHECKS = 1_000


def apply_limits(conn: sqlite3.Connection) -> None:
    """Lower SQLite's limits on ``conn`` to the values in ``LIMITS`` and
    bound printf()'s widths."""
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    for name in ("printf", "format"):
        conn.create_function(name, -1, bounded_printf, deterministic=True)


class PrintfTooWide(ValueError):
    """A printf() width or precision above MAX_PRINTF_WIDTH."""


def bounded_printf(*args):
    """SQLite's printf(format, …), refusing widths and precisions above
    ``MAX_PRINTF_WIDTH``."""
    if not args:
        return None
    if isinstance(args[0], str):
        check_printf_widths(args[0], args[1:])
    placeholders = ", ".join("?" * len(args))
    return _plain_connection().execute(f"select printf({placeholders})", args).fetchone()[0]


def check_printf_widths(format_text: str, args) -> None:
    """Raise PrintfTooWide if a width or precision of ``format_text``, written
    in it or taken from ``args`` by ``*``, is above ``MAX_PRINTF_WIDTH``."""
    remaining = list(args)
    for match in _CONVERSION_RE.finditer(format_text):
        if match.group(3) == "%":
            continue
        for size in match.group(1, 2):
            value = remaining.pop(0) if size == "*" and remaining else size
            if _too_wide(value):
                raise PrintfTooWide(f"printf width or precision {value} is above {MAX_PRINTF_WIDTH}")
        if remaining:
            remaining.pop(0)


def _too_wide(value) -> bool:
    if value is None or value == "*":
        return False
    try:
        return abs(int(float(value))) > MAX_PRINTF_WIDTH
    except (TypeError, ValueError, OverflowError):
        return False


_local = threading.local()


def _plain_connection() -> sqlite3.Connection:
    """An in-memory connection of this thread with SQLite's own printf."""
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(":memory:")
        for limit, value in LIMITS.items():
            _local.conn.setlimit(limit, value)
    return _local.conn


@contextmanager
def time_limit(conn: sqlite3.Connection, seconds: float):
    """Interrupt SQL running on ``conn`` once ``seconds`` have passed: the
    statement raises ``sqlite3.OperationalError: interrupted``."""
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, _STEPS_BETWEEN_CHECKS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, _STEPS_BETWEEN_CHECKS)
