import shutil
import sqlite3
from pathlib import Path

import pytest

from kb.build.pipeline import build
from kb.build.manifest import source_for

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "sources"


def parse_source(document_id, parse):
    """Run a loader on a real document from sources/."""
    source = source_for(SOURCES, document_id)
    return parse(source.path.read_text(encoding="utf-8"), source.document)


def changed_copy(built_db, folder: Path, *updates: tuple[str, list]) -> Path:
    """A copy of the built database in ``folder`` with ``updates`` (SQL,
    parameters) applied: markup in a paragraph, a title."""
    path = folder / "kb.db"
    shutil.copy(built_db, path)
    with sqlite3.connect(path) as conn:
        for sql, parameters in updates:
            conn.execute(sql, parameters)
    return path


def source_lines(document_id):
    """The lines of a real source file; index 0 is line 1."""
    return (SOURCES / f"{document_id}.txt").read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def source(request):
    """The manifest entry of the document named by the test module's DOC_ID."""
    return source_for(SOURCES, request.module.DOC_ID)


@pytest.fixture(scope="module")
def text(source):
    """The text of that document."""
    return source.path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """The knowledge base built once from the real sources."""
    path = tmp_path_factory.mktemp("kb") / "kb.db"
    build(SOURCES, path)
    return path


@pytest.fixture
def sources_copy(tmp_path):
    """A writable copy of sources/, for tests that break it."""
    return Path(shutil.copytree(SOURCES, tmp_path / "sources"))


def in_fresh_process(function, *args):
    """``function(*args)`` run in a new interpreter, started afresh rather
    than forked: the test process runs many threads by then (servers,
    executors), and a pool forked from it may inherit a lock one of them
    held; a build forks its workers from a process of one thread."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as executor:
        return executor.submit(function, *args).result(timeout=600)
