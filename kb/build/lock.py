"""One build at a time on a database, and no leftovers from killed builds.

A build holds an exclusive lock (``flock``) on ``<db>.lock`` beside the
database for as long as it runs; the file says who holds it.  A second build
of the same database waits for the first, saying whom it waits for.  The
lock is the kernel's: it is released when its holder exits, however it
exits, so a killed build never leaves the database locked.

Holding the lock, a build removes the temporary files that earlier builds
killed half-way left behind (``<db>.tmp-<pid>`` and its journal): no other
build can be writing them.
"""

import fcntl
import os
import socket
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path


def lock_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.lock")


def temporary_path(db_path: str | Path, pid: int | None = None) -> Path:
    """Where a build writes the new database before swapping it in."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.tmp-{os.getpid() if pid is None else pid}")


@contextmanager
def build_lock(db_path: str | Path, notify: Callable[[str], None] | None = None):
    """Hold the build lock of ``db_path``, waiting for another build to finish
    first; ``notify`` is told who holds it while waiting."""
    path = lock_path(db_path)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if notify:
                notify(f"{db_path} is being built by {_holder(descriptor) or 'another build'}; waiting for it to finish")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        _write_holder(descriptor)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def remove_stale_temporaries(db_path: str | Path) -> list[Path]:
    """Remove temporary databases (and their journals) left by builds that
    were killed; call it holding the build lock.  Returns what it removed."""
    db_path = Path(db_path)
    stale = sorted(db_path.parent.glob(f"{db_path.name}.tmp-*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _holder(descriptor: int) -> str:
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 200).decode("utf-8", "replace").strip()


def _write_holder(descriptor: int) -> None:
    holder = f"process {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}"
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, holder.encode(), 0)
