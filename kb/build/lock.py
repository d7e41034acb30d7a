"""One build at a time on a database, one writer at a time in a sources
folder, and no leftovers from killed builds.

``exclusive_lock`` holds an exclusive lock (``flock``) on a lock file, which
says who holds it; a second process waits for the first, and is told whom
it waits for.  The lock is the kernel's: it is released when its holder
exits, however it exits, so a killed process never leaves it held.

A build holds it on ``<db>.lock`` beside the database for as long as it
runs (``build_lock``); kb.build.writing holds it on the sources folder's
lock file while a command writes there.

Holding the build lock, a build removes the temporary files that earlier
builds killed half-way left behind (``<db>.tmp-<pid>`` and its journal): no
other build can be writing them.
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
def exclusive_lock(path: str | Path, waiting: Callable[[str], None] | None = None):
    """Hold an exclusive lock on the file ``path`` (made if missing), which
    then says who holds it.  When another process holds it, ``waiting`` is
    told who (or ``""`` if the file does not say) before this one waits."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                waiting(_holder(descriptor))
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        _write_holder(descriptor)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def build_lock(db_path: str | Path, notify: Callable[[str], None] | None = None):
    """Hold the build lock of ``db_path``, waiting for another build to finish
    first; ``notify`` is told who holds it while waiting."""
    def waiting(holder: str) -> None:
        if notify:
            notify(f"{db_path} is being built by {holder or 'another build'}; waiting for it to finish")

    with exclusive_lock(lock_path(db_path), waiting):
        yield


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
