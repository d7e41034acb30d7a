"""A reviewer's verdict, seen at once: after each verdict the server builds
the knowledge base again, in the background, and switches to the new file
without a restart.

The build is kb's own (``kb.build.build``, incremental: a verdict changes
only the responses of the pairs of documents it names), holding the build
lock, writing a temporary file that replaces the database only when
complete.  The server then takes the new file as a new snapshot
(``kb.build.snapshot.next_snapshot``) and swaps Datasette's database for it
in one step of the event loop (``remove_database`` then ``add_database``
under the same name, with no ``await`` between), so every request reads
either the old file or the new one, never part of one, and no request
finds the database missing.

Verdicts are counted as they are written (tickets); a build takes in every
verdict written before it starts, and one more build follows if verdicts
came in meanwhile, so a burst of verdicts makes at most two builds.  A build
that fails leaves the served database as it was and keeps its error, which
the reviewer's page shows (``status_for``); the next verdict tries again.

Datasette keeps one connection per thread and database *name*; a swapped-in
database must not reuse the old file's connections, so ``ServedDatabase``
keys them by build as well.  The old snapshot's connections are closed and
its file removed a while after the swap (``RETIRE_SECONDS``), when the
requests that were reading it are long answered.
"""

import asyncio
import shutil
import sys
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from datasette.database import Database

from kb.build import build
from kb.build.snapshot import next_snapshot
from kb.web.navigation import database_name

RETIRE_SECONDS = 60  # well past Datasette's time limit for a query
_connections = threading.local()


class ServedDatabase(Database):
    """A read-only snapshot served under the knowledge base's name, whose
    threads' connections are its own, not those of the build before."""

    def __init__(self, ds, path: str, generation: int):
        super().__init__(ds, path=path, is_mutable=False)
        self.generation = generation

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"kb_build_{self.generation}_{self.name}"

        def in_thread():
            conn = getattr(_connections, key, None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(_connections, key, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


@dataclass
class Live:
    """The verdicts written, the builds that took them in, and the last failure."""

    sources: Path
    database: Path
    folder: Path  # the server's snapshot folder, where each new build's snapshot goes
    written: int = 0  # verdicts written since the server started (the last ticket)
    live: int = 0  # the last ticket the served database takes in
    building: bool = False
    failure: tuple[int, str] | None = None  # (last ticket of the failed build, why)
    generation: int = 0
    by_reviewer: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task | None = None

    def written_by(self, datasette, reviewer: str) -> int:
        """Count a verdict just written by ``reviewer`` and start a build
        (unless one runs: it is followed by another); its ticket."""
        self.written += 1
        self.by_reviewer[reviewer] = self.written
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._build_until_live(datasette))
        return self.written

    async def _build_until_live(self, datasette) -> None:
        while self.live < self.written:
            target = self.written
            self.building = True
            try:
                snapshot = await asyncio.to_thread(self._build, target)
            except Exception as error:  # any failure: keep serving what is served, and say why
                self.failure = (target, str(error) or type(error).__name__)
                print(f"kb: the build after verdict {target} failed; still serving the previous build: {error}", file=sys.stderr)
                return
            finally:
                self.building = False
            _switch(datasette, snapshot, self.generation)
            self.live, self.failure = target, None

    def _build(self, target: int) -> Path:
        build(self.sources, self.database)
        self.generation += 1
        return next_snapshot(self.database, self.folder, self.generation)

    def status_for(self, reviewer: str) -> dict:
        """Where the reviewer's last verdict is: ``live``, ``building`` or
        ``failed`` (with why), or ``none`` when they gave none yet."""
        ticket = self.by_reviewer.get(reviewer, 0)
        if not ticket:
            state, message = "none", ""
        elif self.live >= ticket:
            state, message = "live", "Your verdict is live: the pages show it."
        elif self.failure and self.failure[0] >= ticket:
            state = "failed"
            message = (f"Your verdict is saved, but the site could not be built again: {self.failure[1]} "
                       "The pages still show the previous build.")
        else:
            state, message = "building", "Your verdict is saved; the site is being built again …"
        return {"state": state, "message": message, "ticket": ticket, "live": self.live, "written": self.written}


_live: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def live_for(datasette, sources: Path, database: Path) -> Live:
    """The one ``Live`` of this server; new snapshots go beside the one it started with."""
    if datasette not in _live:
        _live[datasette] = Live(Path(sources), Path(database), Path(_served(datasette).path).parent)
    return _live[datasette]


def _served(datasette) -> Database:
    return datasette.get_database(database_name(datasette))


def _switch(datasette, snapshot: Path, generation: int) -> None:
    """Serve ``snapshot`` under the served database's name, in one step; the
    old one is retired later."""
    old = _served(datasette)
    new = ServedDatabase(datasette, str(snapshot), generation)
    datasette.remove_database(old.name)
    datasette.add_database(new, name=old.name, route=old.route)
    asyncio.get_running_loop().call_later(RETIRE_SECONDS, _retire, old)


def _retire(old: Database) -> None:
    """Close an old snapshot's connections; remove its file when it was a
    rebuild's (the first is kb serve's, removed when it stops)."""
    old.close()
    if isinstance(old, ServedDatabase):
        shutil.rmtree(Path(old.path).parent, ignore_errors=True)
