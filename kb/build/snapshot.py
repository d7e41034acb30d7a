"""What ``kb serve`` serves: a snapshot of the database taken when it starts.

Datasette opens a new SQLite connection per worker thread, whenever it needs
one; were it to open the database's own path, a ``kb build`` meanwhile would
leave some connections on the old file and others on the new.  Serving a
hard link to the file as it was at start keeps every connection on the same
one: a build swaps a new file in under the database's name (``os.replace``),
and the link keeps pointing to the old, which no build ever changes.  A new
build is picked up by restarting ``kb serve``.

The link lives in a folder beside the database, ``.<db>.serve-<pid>/``, with
the database's own file name (Datasette names a database after its file), and
is removed when the server stops; one left by a server that was killed is
removed by the next ``kb serve``.  Where the database's folder cannot be
written (a read-only volume), the snapshot goes in a temporary folder.

A server that builds again itself (after a reviewer's verdict, kb.web.review)
takes the new file as a new snapshot in the same folder, ``build-<n>/<db>``
(``next_snapshot``), and switches to it: every page is read from one
complete file, the old one or the new.

A build that finds no snapshot sharing the database's file (it has no other
hard link: ``unserved``) writes it in place, in one SQLite transaction,
rather than a copy swapped in: taking a snapshot waits for such a build to
end (a shared ``flock`` on the file, against the build's exclusive one),
and rolls back first what a build killed half-way left in the file's
journal (SQLite does so on opening it; a hard link to the file alone would
not see the journal).
"""

import fcntl
import os
import sqlite3
import shutil
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path


def snapshot_folder(db_path: str | Path, pid: int | None = None) -> Path:
    db_path = Path(db_path)
    return db_path.absolute().parent / f".{db_path.name}.serve-{os.getpid() if pid is None else pid}"


@contextmanager
def served_snapshot(db_path: str | Path):
    """A path to the database as it is now, unchanged by later builds, for as
    long as the ``with`` block runs."""
    remove_stale_snapshots(db_path)
    folder = _new_folder(db_path)
    snapshot = folder / Path(db_path).name
    try:
        _link(db_path, snapshot)
        yield snapshot
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def next_snapshot(db_path: str | Path, folder: str | Path, generation: int) -> Path:
    """A snapshot of the database as it is now, the ``generation``-th of the
    server whose snapshot folder is ``folder``."""
    snapshot = Path(folder) / f"build-{generation}" / Path(db_path).name
    shutil.rmtree(snapshot.parent, ignore_errors=True)
    snapshot.parent.mkdir(parents=True)
    _link(db_path, snapshot)
    return snapshot


def _link(db_path: str | Path, snapshot: Path) -> None:
    with _file_lock(db_path, fcntl.LOCK_SH):
        _roll_back_unfinished(db_path)
        try:
            os.link(db_path, snapshot)
        except OSError:  # a file system without hard links
            shutil.copy2(db_path, snapshot)


@contextmanager
def unserved(db_path: str | Path):
    """Whether no server's snapshot shares the database's file (its only
    hard link is its name), kept so for the ``with`` block: a server taking
    a snapshot meanwhile waits for the block to end.  A file with other
    links is not opened at all: closing a descriptor of a file drops every
    SQLite lock the process holds on it, and a server building again itself
    (kb.web.review_live) reads its snapshot, that very file."""
    if os.stat(db_path).st_nlink != 1:
        yield False
        return
    with _file_lock(db_path, fcntl.LOCK_EX) as descriptor:
        yield os.fstat(descriptor).st_nlink == 1 and os.path.samestat(os.fstat(descriptor), os.stat(db_path))


@contextmanager
def _file_lock(path: str | Path, operation: int):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, operation)
        yield descriptor
    finally:
        os.close(descriptor)  # releases the lock


def _roll_back_unfinished(db_path: str | Path) -> None:
    """What a build killed while writing the file in place left in its
    journal, rolled back (SQLite does so when it reads the file)."""
    if Path(f"{db_path}-journal").exists():
        try:
            with closing(sqlite3.connect(db_path)) as conn:
                conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.Error:
            pass  # a file SQLite cannot open: served as it is, and the server says what is wrong


def _new_folder(db_path: str | Path) -> Path:
    """The snapshot's folder beside the database or, where that folder
    cannot be written (a read-only volume), a temporary folder."""
    folder = snapshot_folder(db_path)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir()
    except OSError:
        return Path(tempfile.mkdtemp(prefix="kb-serve-"))
    return folder


def remove_stale_snapshots(db_path: str | Path) -> list[Path]:
    """Remove snapshot folders of servers that are no longer running."""
    db_path = Path(db_path)
    prefix = f".{db_path.name}.serve-"
    stale = []
    for folder in db_path.absolute().parent.glob(f"{prefix}*"):
        pid = folder.name[len(prefix) :]
        if pid.isascii() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder)
    return stale


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
