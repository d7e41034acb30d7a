"""A kb serve of this checkout on 127.0.0.1 for the scripts that measure one
(hostile.py, slow_sql_fairness.py), and the one GET they time with."""

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30
START_SECONDS = 300  # a build of sources/ first, on a busy machine


def get(url: str) -> tuple[int, float]:
    """Status (0 when the request failed) and seconds of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        try:
            error.read()
        except OSError:  # the server may close the connection after an error
            pass
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(folder: Path, db: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``kb serve`` on 127.0.0.1 on a copy of ``db`` in ``folder`` (or a
    database it builds there from sources/); the process and its address."""
    if db is not None:
        shutil.copy(db, folder / "kb.db")
    port = free_port()
    command = [
        sys.executable, "-m", "kb", "serve", "--sources", str(ROOT / "sources"), "--db", str(folder / "kb.db"),
        "--metadata", str(ROOT / "metadata.yml"), "--host", "127.0.0.1", "--port", str(port),
    ]
    log = open(folder / "serve.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        if get(base + "/-/versions.json")[0] == 200:
            return server, base
        time.sleep(0.3)
    server.kill()
    raise SystemExit(f"kb serve did not start; see {folder / 'serve.log'}")


def stop_server(server: subprocess.Popen) -> float:
    """SIGTERM; the seconds the server took to exit."""
    started = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return time.perf_counter() - started
