"""Parsing time against text size: is it linear?

Makes synthetic documents of the requested sizes from the real ones: the
lines of each document's last recommendation (after its heading; for the
BDC's one-line table rows, its supporting narrative) are repeated until the
file reaches the size, so the loader sees its own kind of
text, just much more of it.  Prints, per document and size, the time its
loader takes, the shared cleanup's time (paragraph_spans over every line)
and the speed in MB/s; a linear parser keeps the same speed at every size.
With ``--build SIZE`` it also runs a whole ``kb build`` with the 2023 CMA
submission grown to SIZE MB and prints each slow step (kb's progress lines).

    python scripts/benchmark_parse.py [--sizes 0.5 5 50] [--build 5]
"""

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.build import build, loader_for, read_sources  # noqa: E402
from kb.text.cleanup import paragraph_spans
from kb.text.lines import numbered_lines  # noqa: E402

SOURCES = ROOT / "sources"


def last_row_ranges(db_path: Path) -> dict[str, list[tuple[int, int]]]:
    """Each document's last top-level row: its body lines (after the heading)
    and, where it has one, its supporting text after its first line (which holds
    its marker, 六是), as 0-based slices of the lines."""
    sql = """select document_id, line_start, line_end, support_line_start, support_line_end from recommendations r
             where parent_id is null and ordinal = (select max(ordinal) from recommendations
                                                    where document_id = r.document_id and parent_id is null)"""
    with sqlite3.connect(db_path) as conn:
        return {
            document_id: [(start, end)] + ([(support_start, support_end)] if support_start else [])
            for document_id, start, end, support_start, support_end in conn.execute(sql)
        }


def grown(text: str, slices: list[tuple[int, int]], size: float) -> str | None:
    """``text`` with the first non-empty slice of its lines repeated to reach ``size`` MB."""
    lines = text.split("\n")
    for start, end in slices:
        slab = lines[start:end]
        if "".join(slab).strip():
            copies = max(1, int(size * 1e6) // len("\n".join(slab).encode()))
            return "\n".join(lines[:end] + slab * copies + lines[end:])
    return None


def seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure_parsing(sizes: list[float], ranges: dict) -> None:
    print(f"{'document':36} {'MB':>6} {'loader s':>9} {'MB/s':>7} {'cleanup s':>10} {'MB/s':>7}  rows")
    for read in read_sources(SOURCES):
        source, text = read.source, read.text
        parse = loader_for(source)
        for size in sizes:
            synthetic = grown(text, ranges.get(source.document.id, []), size)  # a government text has no rows
            if synthetic is None:
                print(f"{source.document.id:36} its last row has no lines to repeat")
                break
            megabytes = len(synthetic.encode()) / 1e6
            rows = []
            loader = seconds(lambda: rows.append(len(parse(synthetic, source.document).recommendations)))
            cleanup = seconds(lambda: paragraph_spans(numbered_lines(synthetic)))
            print(
                f"{source.document.id:36} {megabytes:6.1f} {loader:9.2f} {megabytes / loader:7.1f} "
                f"{cleanup:10.2f} {megabytes / cleanup:7.1f}  {rows[0]}"
            )


def measure_build(size: float, ranges: dict, folder: Path) -> None:
    sources = Path(shutil.copytree(SOURCES, folder / "sources"))
    document_id = "cma-2023-policy-address"
    path = sources / f"{document_id}.txt"
    path.write_text(grown(path.read_text(encoding="utf-8"), ranges[document_id], size), encoding="utf-8")
    print(f"\nkb build with {document_id} grown to {path.stat().st_size / 1e6:.1f} MB:")
    total = seconds(lambda: build(sources, folder / "big.db", notify=lambda line: print("  " + line, flush=True)))
    print(f"  whole build: {total:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.5, 5, 50], help="sizes of the synthetic documents, in MB")
    parser.add_argument("--build", type=float, help="also time a whole kb build with one document of this size, in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "kb.db"
        build(SOURCES, db_path)
        ranges = last_row_ranges(db_path)
        measure_parsing(args.sizes, ranges)
        if args.build:
            measure_build(args.build, ranges, Path(folder))


if __name__ == "__main__":
    main()
