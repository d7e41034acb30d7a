"""A build under a running server, two builds at once, builds killed
half-way, and a server stopped with SIGTERM."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main as cli_module
from kb.build.pipeline import build
from kb.cli import cli
from kb.build.lock import build_lock
from kb.build import store
from kb.build.snapshot import served_snapshot, snapshot_folder
from tests.conftest import ROOT

CMA = "cma-2023-policy-address"


def _count(db_path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("select count(*) from recommendations").fetchone()[0]


def _drop_cma_2023(sources):
    """Leave the 2023 CMA submission (29 rows) out of the manifest."""
    manifest = sources / "manifest.yml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index(f"- id: {CMA}")
    end = text.index("- id: cma-2024-budget")
    manifest.write_text(text[:start] + text[end:], encoding="utf-8")
    (sources / "link_reviews.yml").write_text("[]\n", encoding="utf-8")
    (sources / "response_reviews.yml").write_text("[]\n", encoding="utf-8")
    (sources / "area_overrides.yml").unlink()


def test_a_build_under_a_running_server_is_not_seen_until_restart(tmp_path, sources_copy, monkeypatch):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    seen = {}

    def serve_while_building(args):
        served = args[args.index("-i") + 1]
        seen["served"] = served
        seen["before"] = _count(served)
        _drop_cma_2023(sources_copy)
        build(sources_copy, db_path)
        seen["built"] = _count(db_path)
        seen["after"] = _count(served)  # a connection opened after the build

    monkeypatch.setattr(cli_module, "run_datasette", serve_while_building)
    args = ["serve", "-s", str(sources_copy), "-d", str(db_path), "-m", str(ROOT / "metadata.yml")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen == {"served": seen["served"], "before": 93, "built": 64, "after": 93}
    assert seen["served"] != str(db_path)
    assert not snapshot_folder(db_path).exists()  # removed when the server stops


def test_a_snapshot_left_by_a_killed_server_is_removed(tmp_path, monkeypatch):
    db_path = tmp_path / "kb.db"
    build(ROOT / "sources", db_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = snapshot_folder(db_path, int(dead.stdout))
    stale.mkdir()
    os.link(db_path, stale / "kb.db")
    monkeypatch.setattr(cli_module, "run_datasette", lambda args: None)
    args = ["serve", "-s", str(ROOT / "sources"), "-d", str(db_path), "-m", str(ROOT / "metadata.yml")]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kb.db", "kb.db.lock"]


def test_a_database_in_a_folder_that_cannot_be_written_is_served_from_a_temporary_folder(tmp_path, monkeypatch):
    db_path = tmp_path / "kb.db"
    build(ROOT / "sources", db_path)
    real_mkdir = Path.mkdir

    def read_only(path, *args, **kwargs):
        if path.parent == tmp_path:
            raise PermissionError(13, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    served = []
    monkeypatch.setattr(cli_module, "run_datasette", lambda args: served.append((args[2], _count(args[2]))))
    args = ["serve", "-s", str(ROOT / "sources"), "-d", str(db_path), "-m", str(ROOT / "metadata.yml")]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    [(path, count)] = served
    assert count == 93 and Path(path).name == "kb.db" and Path(path).parent.parent != tmp_path
    assert not Path(path).exists()  # removed when the server stops


def test_a_second_build_waits_for_the_first_and_says_who_holds_it(tmp_path):
    db_path = tmp_path / "kb.db"
    messages, finished = [], []
    with build_lock(db_path):
        second = threading.Thread(target=lambda: finished.append(build(ROOT / "sources", db_path, notify=messages.append)))
        second.start()
        second.join(timeout=3)
        assert second.is_alive() and not db_path.exists()  # waiting
    second.join(timeout=60)
    assert finished and _count(db_path) == 93
    messages = [message for message in messages if "waiting" in message]  # not the progress of slow steps
    assert len(messages) == 1
    assert messages[0].startswith(f"{db_path} is being built by process {os.getpid()} on ")
    assert messages[0].endswith("; waiting for it to finish")


def test_temporary_files_of_a_killed_build_are_removed_by_the_next(tmp_path):
    db_path = tmp_path / "kb.db"
    for name in ("kb.db.tmp-4242", "kb.db.tmp-4242-journal", "kb.db.tmp-77"):
        (tmp_path / name).write_bytes(b"half-written")
    messages = []
    build(ROOT / "sources", db_path, notify=messages.append)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kb.db", "kb.db.lock"]
    assert [message for message in messages if message.startswith("removed")] == [
        f"removed {name}, left by a build that did not finish" for name in ("kb.db.tmp-4242", "kb.db.tmp-4242-journal", "kb.db.tmp-77")
    ]


def test_a_build_killed_with_sigkill_leaves_nothing_after_the_next(tmp_path):
    db_path = tmp_path / "kb.db"
    code = f"from kb.build.pipeline import build; build({str(ROOT / 'sources')!r}, {str(db_path)!r})"
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("kb.db.tmp-*")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.kill()
    child.wait()
    build(ROOT / "sources", db_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kb.db", "kb.db.lock"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.mark.parametrize(
    "sql",
    [
        "select kb_fuzzy_score(printf('%.*c', 1500, 'a'), printf('%.*c', 100000, 'b'))",
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n",
    ],
)
def test_sigterm_stops_the_server_promptly_and_cleans_up(tmp_path, sql):
    db_path = tmp_path / "kb.db"
    build(ROOT / "sources", db_path)
    port = _free_port()
    command = [sys.executable, "-m", "kb", "serve", "-s", str(ROOT / "sources"), "-d", str(db_path), "-m", str(ROOT / "metadata.yml"), "-p", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while _get(base + "/") != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert snapshot_folder(db_path, server.pid).is_dir()
        slow = threading.Thread(target=_get, args=(f"{base}/kb.json?sql={urllib.parse.quote(sql)}",))
        slow.start()
        time.sleep(0.3)
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert time.monotonic() - stopping < 4
        assert server.returncode == 0
        assert not snapshot_folder(db_path, server.pid).exists()
        slow.join()
    finally:
        if server.poll() is None:
            server.kill()


# --- an incremental build with no server writes the database's file in place ---------


def _tables(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        names = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table' and name not like '%search%'")]
        return {name: conn.execute(f"select count(*) from [{name}]").fetchone()[0] for name in names}


def test_an_incremental_build_with_no_server_writes_the_file_in_place(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    _drop_cma_2023(sources_copy)
    build(sources_copy, db_path)
    inode = db_path.stat().st_ino
    shutil.copy(ROOT / "sources" / "manifest.yml", sources_copy / "manifest.yml")  # the CMA's 2023 asks back
    build(sources_copy, db_path)
    assert db_path.stat().st_ino == inode
    assert _count(db_path) == 93
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kb.db", "kb.db.lock"]  # no copy, no journal left


def test_an_incremental_build_under_a_servers_snapshot_writes_a_new_file(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    with served_snapshot(db_path) as snapshot:
        _drop_cma_2023(sources_copy)
        build(sources_copy, db_path)
        assert (_count(snapshot), _count(db_path)) == (93, 64)
        assert not snapshot.samefile(db_path)


def test_an_in_place_build_that_fails_while_writing_leaves_the_database_as_it_was(tmp_path, sources_copy, monkeypatch):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    before = _tables(db_path)
    _drop_cma_2023(sources_copy)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(store, "sync_positions", fail)  # after documents, rows and links were written
    with pytest.raises(OSError, match="disk full"):
        build(sources_copy, db_path)
    assert _tables(db_path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kb.db", "kb.db.lock"]


def test_a_snapshot_rolls_back_what_an_in_place_build_killed_half_way_left(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    code = (f"import os; from kb.build import store\n"
            f"with store.one_transaction({str(db_path)!r}) as db:\n"
            f"    db.execute('pragma cache_size = 1')\n"
            f"    db.execute('delete from recommendations')\n"
            f"    db.execute('delete from document_lines')\n"
            f"    os._exit(9)\n")  # killed before the transaction ends
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 9
    assert Path(f"{db_path}-journal").exists()
    with served_snapshot(db_path) as snapshot:
        assert _count(snapshot) == 93
