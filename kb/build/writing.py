"""Every write to a sources folder: one writer at a time, and never a
half-written file.

A command that writes to ``sources/`` (kb add, kb review) does it inside
``sources_lock``: an exclusive lock on ``sources/.kb-sources.lock``
(kb.build.lock's ``exclusive_lock``).  It reads what it is about to change
only once it holds the lock, so two commands at once queue, and the second
reads what the first wrote: neither loses the other's change, and a check
such as "this id is not in the manifest yet" still holds when it writes.

``write_file`` writes a file through a temporary file of its own in the
same folder (``.<name>.<random>.kb-tmp``), flushed to disk, then renamed
over the file's name (``os.replace``, atomic): a reader sees the old file or
the new one, never part of one.  Whatever stops it (an error, a full disk,
Ctrl-C) the temporary file is removed and the file left as it was; one left
by a killed process is removed by the next writer to take the lock.
"""

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from kb.build.lock import exclusive_lock

LOCK_NAME = ".kb-sources.lock"
TEMPORARY_SUFFIX = ".kb-tmp"
NEW_FILE_MODE = 0o644


@contextmanager
def sources_lock(sources_dir: str | Path, notify: Callable[[str], None] | None = None):
    """Hold the write lock of ``sources_dir``, waiting for another writer to
    finish first (``notify`` is told whom it waits for); the temporary files
    of killed writers are removed once it is held."""
    sources_dir = Path(sources_dir)

    def waiting(holder: str) -> None:
        if notify:
            notify(f"{sources_dir} is being written by {holder or 'another command'}; waiting for it to finish")

    with exclusive_lock(sources_dir / LOCK_NAME, waiting):
        for stale in sources_dir.glob(f".*{TEMPORARY_SUFFIX}"):
            stale.unlink(missing_ok=True)
        yield


def write_file(path: str | Path, data: bytes, *, new: bool = False, check: Callable[[Path], None] | None = None) -> Path:
    """Write ``data`` as ``path``, holding ``sources_lock`` of its folder.

    ``new``: the file must not exist yet (else ``FileExistsError``).
    ``check`` is given the complete temporary file before it replaces
    ``path``, and stops the write by raising.  On any failure the temporary
    file is removed and ``path`` is as it was."""
    path = Path(path)
    if new and path.exists():
        raise FileExistsError(errno.EEXIST, "already exists", str(path))
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else NEW_FILE_MODE
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    temporary = Path(name)
    try:
        with open(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        if check:
            check(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entries (the rename) to disk, where the system
    allows it; the file is in place either way."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
