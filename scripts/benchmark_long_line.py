"""Build time against the length of one line: does a very long line inside a
recommendation's body slow the build more than in proportion?

Copies sources/ to a temporary folder and adds a submission on the 2023
Policy Address (read by the generic loader) whose second ask's body holds a
line of the requested size in UTF-8: one Han character repeated
(``--kind repeated``, the default) or Han characters drawn at random, with no
punctuation (``--kind random``).  Then runs ``kb build --full`` on it in a
child process for each size and prints the seconds it took; a build that
outlasts ``--limit`` seconds is stopped and printed as ``>limit``.  The
submission alone, with a short line, is built first as the baseline.  A build
whose time doubles with the line's size is linear; one whose time grows four
times is quadratic.

    python scripts/benchmark_long_line.py [--sizes 0.125 0.25 0.5 1] [--kind random] [--limit 300]
"""

import argparse
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCUMENT_ID = "bench-2023-long-line"
ASKS = (
    ("加強支援中小企業", "政府應設立專項基金，資助中小企業參加海外展覽，開拓東南亞市場。"),
    ("推動再工業化", "建議政府擴大再工業化資助計劃的涵蓋範圍，鼓勵廠商在港設立智能生產線。"),
    ("培育創科人才", "政府應增加職業專才教育的資源，培養本地製造業所需的技術人才。"),
)
REPEATED = "發"


def long_line(size_mb: float, kind: str, seed: int = 1) -> str:
    """A line of ``size_mb`` MB of UTF-8 (three bytes a character), no punctuation."""
    count = int(size_mb * 1_000_000) // 3
    if kind == "repeated":
        return REPEATED * count
    generator = random.Random(seed)
    return "".join(chr(generator.randint(0x4E00, 0x9FA5)) for _ in range(count))


def document_text(line: str) -> str:
    """A submission of three numbered asks; ``line`` is a line of the second's body."""
    parts = ["香港測試商會對2023年施政報告的建議", ""]
    for number, (title, body) in enumerate(ASKS, start=1):
        parts += [f"{number}. {title}", body]
        if number == 2:
            parts.append(line)
        parts.append("")
    return "\n".join(parts) + "\n"


MANIFEST_ENTRY = f"""
- id: {DOCUMENT_ID}
  file: {DOCUMENT_ID}.txt
  expect: {{recommendation: 3}}
  loader: generic
  publisher:
    id: bench
    zh: 香港測試商會
    en: Hong Kong Test Chamber
  title:
    zh: 香港測試商會對2023年施政報告的建議
    en: A test chamber's recommendations for the 2023 Policy Address
  kind: submission on the Policy Address
  cycle: 2023 Policy Address
  published: "2023-08"
  language: zh-Hant
"""


def sources_with(folder: Path, line: str) -> Path:
    """A copy of sources/ in ``folder`` with the submission holding ``line`` added."""
    sources = Path(shutil.copytree(ROOT / "sources", folder / "sources"))
    (sources / f"{DOCUMENT_ID}.txt").write_text(document_text(line), encoding="utf-8")
    with open(sources / "manifest.yml", "a", encoding="utf-8") as manifest:
        manifest.write(MANIFEST_ENTRY)
    return sources


def _build(sources: str, db_path: str) -> None:
    from kb.build import build

    build(sources, db_path, full=True)


def timed_build(line: str, limit: float) -> float | None:
    """Seconds a full build of the sources with ``line`` took, or None past ``limit``."""
    with tempfile.TemporaryDirectory() as folder:
        sources = sources_with(Path(folder), line)
        child = multiprocessing.get_context("spawn").Process(target=_build, args=(str(sources), str(Path(folder) / "kb.db")))
        started = time.perf_counter()
        child.start()
        child.join(limit)
        took = time.perf_counter() - started
        if child.is_alive():
            child.terminate()
            child.join()
            return None
        if child.exitcode != 0:
            raise SystemExit(f"the build failed (exit code {child.exitcode})")
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.125, 0.25, 0.5, 1.0], help="line sizes in MB")
    parser.add_argument("--kind", choices=("repeated", "random"), default="repeated")
    parser.add_argument("--limit", type=float, default=300, help="seconds after which a build is stopped")
    args = parser.parse_args()
    print(f"{'line MB':>8}  {'seconds':>8}  {'x previous':>10}   ({args.kind} Han characters, full build of sources/ plus one submission)")
    baseline = timed_build(ASKS[1][1], args.limit)
    print(f"{'short':>8}  {baseline:8.2f}" if baseline is not None else f"{'short':>8}  >{args.limit:g}")
    previous = None
    for size in args.sizes:
        took = timed_build(long_line(size, args.kind), args.limit)
        if took is None:
            print(f"{size:8g}  >{args.limit:g}")
            previous = None
            continue
        growth = f"{took / previous:10.2f}" if previous else ""
        print(f"{size:8g}  {took:8.2f}  {growth}")
        previous = took


if __name__ == "__main__":
    main()
