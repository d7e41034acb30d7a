"""Whether a built knowledge base is up to date with its sources, checked
cheaply enough to run before every ``kb serve``.

A build records, in ``build_info``, each input file's size, modification
time and SHA-256 (``inputs``: the ``*.yml`` files of the sources folder and
every file the manifest names), the schema it wrote (``schema``: a hash of
the table definitions in ``kb.build.store``) and the ``kb_version``.  A database is
stale when it is missing or unreadable, when it was written by another kb
version or schema, when a ``*.yml`` file was added or removed, or when an
input's contents changed.  Files whose size and modification time are as
recorded are taken as unchanged without reading them; only a file whose
time changed but not its size is hashed.  Any other change of code (a loader,
the link rules) does not make the database stale: bump the version to force
a rebuild, or run ``kb build``.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import sqlite_utils

import kb
from kb.build import store
from kb.build.manifest import read_manifest

INPUTS_KEY = "inputs"
SCHEMA_KEY = "schema"
VERSION_KEY = "kb_version"


def schema_version() -> str:
    """A hash of the tables, keys, indexes and views ``kb.build.store`` creates."""
    shape = [store.TABLES, store.PRIMARY_KEYS, store.NOT_NULL, store.FOREIGN_KEYS, store.INDEXES, store.VIEWS]
    return hashlib.sha256(json.dumps(_canonical(shape), sort_keys=True).encode()).hexdigest()[:16]


def _canonical(value):
    """``value`` with sets sorted and types named, the same in every process
    (a set's order changes with Python's string hashing)."""
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, type):
        return value.__name__
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def read_input(path: Path) -> tuple[bytes, list]:
    """A file's bytes and its state as ``input_state`` records it, from one
    read.  Its size and time are taken before its bytes: a file changed
    while it is read is hashed by the next ``needs_build``, never taken as
    unchanged."""
    status = path.stat()
    data = path.read_bytes()
    return data, [status.st_size, status.st_mtime_ns, hashlib.sha256(data).hexdigest()]


def input_state(sources_dir: str | Path, files: list[Path], known: Mapping[Path, list] | None = None) -> dict[str, list]:
    """Each input file (the folder's ``*.yml`` and ``files``), by its path
    relative to the folder: [size, modification time in ns, SHA-256].  A
    file in ``known`` (its state as ``read_input`` gave it when the build
    read it) is not read again."""
    sources_dir = Path(sources_dir)
    known = known or {}
    state = {}
    for path in sorted(sources_dir.glob("*.yml")) + list(files):
        name = input_name(sources_dir, path)
        if path in known:
            state[name] = list(known[path])
        else:
            status = path.stat()
            state[name] = [status.st_size, status.st_mtime_ns, sha256(path)]
    return state


def input_name(sources_dir: str | Path, path: Path) -> str:
    """The name ``input_state`` records a file under: its path relative to the sources folder."""
    sources_dir = Path(sources_dir)
    return path.relative_to(sources_dir).as_posix() if path.is_relative_to(sources_dir) else str(path)


def build_info(sources_dir: str | Path, files: list[Path], known: Mapping[Path, list] | None = None) -> dict[str, str]:
    """What a build records so that ``needs_build`` can judge it later
    (``known``: the files the build read already, see ``input_state``)."""
    state = input_state(sources_dir, files, known)
    digest = hashlib.sha256(json.dumps([(name, s[2]) for name, s in state.items()]).encode()).hexdigest()
    return {INPUTS_KEY: json.dumps(state), SCHEMA_KEY: schema_version(), VERSION_KEY: kb.__version__,
            "fingerprint": digest}


def needs_build(sources_dir: str | Path, db_path: str | Path) -> bool:
    """Whether ``db_path`` is missing, was built by another kb version or
    schema, or from other sources.  Raises ``ManifestError`` when it is
    stale and the manifest is broken."""
    if not Path(db_path).is_file():
        return True
    if _stale(Path(sources_dir), Path(db_path)):
        read_manifest(sources_dir)  # a broken manifest is an error here, before anything is built
        return True
    return False


def _stale(sources_dir: Path, db_path: Path) -> bool:
    try:
        info = store.read_build_info(sqlite_utils.Database(db_path))
        recorded = json.loads(info.get(INPUTS_KEY) or "null")
    except Exception:  # an unreadable or foreign file: rebuild it
        return True
    if not isinstance(recorded, dict) or info.get(SCHEMA_KEY) != schema_version() or info.get(VERSION_KEY) != kb.__version__:
        return True
    return _changed(sources_dir, recorded)


def _changed(sources_dir: Path, recorded: dict[str, list]) -> bool:
    present = {path.name for path in sources_dir.glob("*.yml")}
    if present != {name for name in recorded if "/" not in name and name.endswith(".yml")}:
        return True
    for name, (size, mtime, digest) in recorded.items():
        path = sources_dir / name
        try:
            status = path.stat()
        except OSError:
            return True
        if status.st_size != size:
            return True
        if status.st_mtime_ns != mtime and sha256(path) != digest:
            return True
    return False


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
