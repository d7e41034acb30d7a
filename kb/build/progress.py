"""Progress of long work, on stderr: which step a build is in and how long
it took, so a build of a large document is never silent.

A step that takes at least ``SLOW_SECONDS`` is reported when it ends, with
its time; a step announced at its start (a large document's parsing) is
reported at both ends.  Quick builds print nothing.
"""

import time
from collections.abc import Callable
from contextlib import contextmanager

SLOW_SECONDS = 1.0
LARGE_BYTES = 1_000_000  # documents at least this large are announced before they are parsed


class Progress:
    """Tells ``notify`` (a function taking one line of text) about slow steps."""

    def __init__(self, notify: Callable[[str], None] | None, slow_seconds: float | None = None):
        self.notify = notify
        self.slow_seconds = SLOW_SECONDS if slow_seconds is None else slow_seconds

    @contextmanager
    def step(self, name: str, announce: bool = False):
        """Time the work of a ``with`` block called ``name``."""
        if self.notify and announce:
            self.notify(f"{name} …")
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        if self.notify and (announce or seconds >= self.slow_seconds):
            self.notify(f"{name}: {seconds:.1f}s")


def size_text(size: int) -> str:
    """A file size for people: ``5.1 MB``, ``840 KB``."""
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"
