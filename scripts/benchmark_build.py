"""Benchmark building, growing and serving a knowledge base of N documents.

Makes a synthetic corpus of N documents: the five submissions and reports
of sources/ and its latest Policy Address and Budget (``seed_entries``)
copied under new ids and years, a year at a time (``corpus_plan``): each
year three copies of each submission or report and one of each speech (two
speeches a year, as in Hong Kong), so copies 1 to 3 of
``cma-2023-policy-address`` are ``cma-1903-policy-address-c1`` to ``-c3``,
published 120 years before it, copy 4 a year later, and so on
(``copy_years``), with 10% of the Han characters of long lines changed to
other Han characters of the corpus (deterministic seed), so that copies are
alike but not identical.  Then:

* builds it with ``kb build`` in a child process: wall and CPU time (the
  child's and its workers'), peak memory (largest resident set of any of
  them), rows, candidate pairs scored and links;
* adds one document with ``kb add`` (which ends with an incremental build),
  twice, each time to a copy of the corpus and its database: a copy of the
  BDC report published after every other document ("newest": only it is
  linked), and one published two years before the last copy ("inserted":
  the documents of the ten years after it are linked again): wall clock,
  CPU and the build's long steps;
* serves the database in this process through Datasette's own client, with
  kb's metadata and settings, single client: p50/p95 of a recommendation
  page, the comparison page of two documents, the recommendations table, a
  government paragraph's page (of one that responds to asks) and the page of
  what a government text took up;
* copies the database and grows the recommendations table to ``--table-rows``
  rows (copies of its rows under new ids) for the table figure;
* ``kb search 中小企`` in a fresh process, wall clock, process start included.

    python scripts/benchmark_build.py N [N ...] [--requests 40] [--table-rows 100000] [--keep DIR]

Compare figures measured in one run: the machine may be shared.
"""

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
METADATA = ROOT / "metadata.yml"
SEED = 20261127
SPEECH_KINDS = ("policy-address", "budget")
CHANGED = 0.10  # of the Han characters of a long line
LONG_LINE = 30  # characters
KEPT_START, KEPT_END = 12, 6  # a line's first and last characters (headings, numbering, 回覆如下：) are kept
# Characters a loader may read as numbering or structure: never changed, never introduced.
_KEPT = set("一二三四五六七八九十是表章節項第條點議員年月日回覆如下關於立法會書面質詢")
# Lines a loader reads for more than text: a reply's opening paragraph, the BDC's 一是..六是 narratives.
_KEPT_LINE_RE = re.compile(r"回覆如下|公函|質詢|[一二三四五六]是")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_YEAR_RE = re.compile(r"(19|20)\d\d")
# Copies start 120 years before the seeds (2020-2025), three a year of each
# submission or report and one of each speech: 3,000 documents (seventeen a
# year) end in 2075.  Until December 2026 every seed had three copies a year,
# speeches included: six speeches a year, three times Hong Kong's, and three
# times the responses' pairs (figures before then were of that corpus).
FIRST_COPY_YEARS = -120
COPIES_A_YEAR = 3


# --- the synthetic corpus -------------------------------------------------------


def seed_entries() -> list[dict]:
    """The documents of sources/ a corpus is copied from: every submission,
    report and reply, and the latest Policy Address and latest Budget, so
    that each year of the corpus has two government speeches, as Hong Kong's
    has (a Policy Address and a Budget): what decides how many speeches fall
    in an ask's horizon, and so how many pairs are scored."""
    entries = yaml.safe_load((SOURCES / "manifest.yml").read_text(encoding="utf-8"))
    latest = {}
    for entry in entries:
        if entry["kind"] in SPEECH_KINDS and str(entry["published"]) > str(latest.get(entry["kind"], {}).get("published", "")):
            latest[entry["kind"]] = entry
    return [entry for entry in entries if entry["kind"] not in SPEECH_KINDS or latest[entry["kind"]] is entry]


def shifted(value: str, years: int) -> str:
    """Every year in ``value`` moved ``years`` later."""
    return _YEAR_RE.sub(lambda m: str(int(m.group(0)) + years), value)


def mutate(text: str, rng: random.Random, pool: list[str]) -> str:
    """``text`` with ``CHANGED`` of the Han characters of long lines changed."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if len(line) < LONG_LINE or _KEPT_LINE_RE.search(line):
            continue
        chars = list(line)
        han = [i for i, c in enumerate(chars) if KEPT_START <= i < len(chars) - KEPT_END and _HAN_RE.match(c) and c not in _KEPT]
        for i in rng.sample(han, round(len(han) * CHANGED)):
            chars[i] = rng.choice(pool)
        lines[index] = "".join(chars)
    return "\n".join(lines)


def copies_a_year(seed: dict) -> int:
    """How many copies of ``seed`` a year of the corpus holds: one of a
    speech (a Policy Address and a Budget a year), ``COPIES_A_YEAR`` of the others."""
    return 1 if seed["kind"] in SPEECH_KINDS else COPIES_A_YEAR


def copy_years(copy: int, a_year: int = COPIES_A_YEAR) -> int:
    """How many years copy ``copy`` of a seed is published after it (before,
    when negative): ``a_year`` copies a year from ``FIRST_COPY_YEARS`` on, so that
    every size of corpus has the same documents a year (and 3,000 documents
    fit in the years a manifest accepts, 1900-2099)."""
    return FIRST_COPY_YEARS + (copy - 1) // a_year if copy else 0


def corpus_plan(count: int) -> list[tuple[dict, int]]:
    """The first ``count`` documents of the corpus, as (seed, copy): the
    seeds, then a year at a time, its speeches first, ``copies_a_year`` of
    each seed.  A smaller corpus is the start of a larger one."""
    seeds = seed_entries()
    plan = [(seed, 0) for seed in seeds]
    year = 0
    while len(plan) < count:
        for seed in sorted(seeds, key=lambda s: s["kind"] not in SPEECH_KINDS):  # stable: the manifest's order within each
            a_year = copies_a_year(seed)
            plan += [(seed, year * a_year + k + 1) for k in range(a_year)]
        year += 1
    return plan[:count]


def document_entry(seed: dict, copy: int) -> dict:
    """The manifest entry of copy ``copy`` of a seed document (copy 0 is the seed)."""
    entry = {key: value for key, value in seed.items() if key not in ("expect", "sha256", "original")}
    years = copy_years(copy, copies_a_year(seed))
    # A copy's id names its copy number: shifting a year alone would give
    # hksarg-2023-policy-address to copy 3 of the 2020 address, a seed's id.
    entry["id"] = f"{shifted(seed['id'], years)}-c{copy}" if copy else seed["id"]
    entry["file"] = f"{entry['id']}.txt"
    entry["published"] = shifted(str(seed["published"]), years)
    if seed.get("cycle"):
        entry["cycle"] = shifted(str(seed["cycle"]), years)
    return entry


def make_corpus(count: int, folder: Path, seed: int = SEED) -> list[dict]:
    """Write ``count`` documents and their manifest to ``folder``; returns the entries."""
    texts = {s["id"]: (SOURCES / s["file"]).read_text(encoding="utf-8") for s in seed_entries()}
    pool = sorted({c for text in texts.values() for c in _HAN_RE.findall(text)} - _KEPT)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for n, (seed_entry, copy) in enumerate(corpus_plan(count)):
        entries.append(write_document(folder, seed_entry, copy, texts, pool, seed + n))
    write_manifest(folder, entries)
    return entries


def write_document(folder: Path, seed: dict, copy: int, texts: dict, pool: list[str], seed_value: int) -> dict:
    entry = document_entry(seed, copy)
    text = texts[seed["id"]]
    if copy:
        text = mutate(text, random.Random(seed_value), pool)
    (folder / entry["file"]).write_text(text, encoding="utf-8")
    return entry


class _NoAliases(yaml.SafeDumper):
    """Entries sharing a publisher written out in full: kb refuses YAML anchors and aliases."""

    def ignore_aliases(self, data):
        return True


def write_manifest(folder: Path, entries: list[dict]) -> None:
    text = yaml.dump(entries, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)
    (folder / "manifest.yml").write_text(text, encoding="utf-8")


def add_document(folder: Path, entries: list[dict], count: int) -> dict:
    """Add document number ``count`` (0-based) to the corpus in ``folder``."""
    texts = {s["id"]: (SOURCES / s["file"]).read_text(encoding="utf-8") for s in seed_entries()}
    pool = sorted({c for text in texts.values() for c in _HAN_RE.findall(text)} - _KEPT)
    seed, copy = corpus_plan(count + 1)[-1]
    entry = write_document(folder, seed, copy, texts, pool, SEED + count)
    write_manifest(folder, entries + [entry])
    return entry


# --- building -------------------------------------------------------------------


def added_dates(entries: list[dict]) -> dict[str, str]:
    """When the document ``time_adding`` adds is published: after every
    other (``newest``), and two years before the last copy (``inserted``)."""
    years = [int(str(entry["published"])[:4]) for entry in entries]
    copies = [year for entry, year in zip(entries, years) if re.search(r"-c\d+$", entry["id"])] or years
    return {"newest": f"{max(years) + 1}-06", "inserted": f"{max(1900, max(copies) - 2)}-06"}


def time_adding(sources: Path, db: Path, folder: Path, published: str, name: str) -> dict:
    """``kb add`` of a copy of the BDC report (its Han characters changed, as
    a copy's are) published ``published``, to a copy of the corpus and its
    database, which are removed afterwards: its wall and CPU time, and the
    incremental build's long steps."""
    work = folder / f"add-{name}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(sources, work / "sources")
    shutil.copyfile(db, work / "kb.db")
    seed = next(entry for entry in seed_entries() if entry["id"].startswith("bdc-"))
    texts = {s["id"]: (SOURCES / s["file"]).read_text(encoding="utf-8") for s in seed_entries()}
    pool = sorted({c for text in texts.values() for c in _HAN_RE.findall(text)} - _KEPT)
    path = work / "added.txt"
    path.write_text(mutate(texts[seed["id"]], random.Random(SEED - 1), pool), encoding="utf-8")
    try:
        load = load_average()
        added = run_kb("add", str(path), "--publisher", "bdc", "--published", published, "--id", f"bdc-added-{name}",
                       "-s", str(work / "sources"), "-d", str(work / "kb.db"))
        if "building incrementally" not in added["stderr"]:
            raise SystemExit(f"kb add ({name}) did not build incrementally")
        return {**added, "published": published, "load": f"{load} before, {load_average()} after"}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes: wall times carry it."""
    return "/".join(f"{n:.2f}" for n in os.getloadavg())


def run_kb(*args: str) -> dict:
    """Run ``kb`` in a child process: wall, CPU (with its workers) and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"kb {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024, "output": done.stdout, "stderr": done.stderr}


def database_figures(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        info = dict(conn.execute("select key, value from build_info"))
        return {
            "rows": conn.execute("select count(*) from recommendations").fetchone()[0],
            "paragraphs": conn.execute("select count(*) from paragraphs").fetchone()[0],
            "links": conn.execute("select count(*) from links").fetchone()[0],
            "candidate_pairs": info.get("candidate_pairs", "?"),
        }


# --- serving --------------------------------------------------------------------


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def time_pages(db: Path, paths: dict[str, list[str]], requests: int) -> dict[str, tuple[float, float]]:
    """p50/p95 in milliseconds of each kind of page, single client."""
    from datasette.app import Datasette

    from kb.cli.serving import datasette_settings

    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    datasette = Datasette(immutables=[str(db)], metadata=metadata, settings=datasette_settings())
    await datasette.invoke_startup()
    figures = {}
    for kind, urls in paths.items():
        for url in urls[:3]:  # warm up
            await _get(datasette, url)
        times = []
        for n in range(requests):
            started = time.perf_counter()
            await _get(datasette, urls[n % len(urls)])
            times.append(1000 * (time.perf_counter() - started))
        figures[kind] = percentiles(times)
    return figures


async def _get(datasette, url: str) -> None:
    response = await datasette.client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")


def page_paths(db: Path) -> dict[str, list[str]]:
    name = db.stem
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select id from recommendations where parent_id is null order by random() limit 20")]
        documents = conn.execute("select id, publisher_id from documents order by year, id").fetchall()
        government = [r[0] for r in conn.execute("select distinct document_id from paragraphs order by random() limit 20")]
        paragraphs = [r[0] for r in conn.execute(
            "select paragraph_id from responses group by paragraph_id order by random() limit 20")]
    last, pairs = {}, []
    for document_id, publisher_id in documents:  # consecutive documents of one publisher
        if publisher_id in last:
            pairs.append((last[publisher_id], document_id))
        last[publisher_id] = document_id
    pairs = random.Random(SEED).sample(pairs, min(len(pairs), 20))
    return {
        "recommendation page": [f"/{name}/recommendations/{_tilde(i)}" for i in ids],
        "comparison page": [f"/-/compare?a={a}&b={b}" for a, b in pairs],
        "recommendations table": [f"/{name}/recommendations"],
        "government paragraph page": [f"/{name}/paragraphs/{_tilde(i)}" for i in paragraphs],
        "what a government text took up": [f"/-/responses/{i}" for i in government],
    }


def _tilde(value: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(value)


def grow_table(db: Path, target: Path, rows: int) -> None:
    """A copy of ``db`` whose recommendations table holds ``rows`` rows."""
    shutil.copy(db, target)
    with sqlite3.connect(target) as conn:
        columns = [r[1] for r in conn.execute("pragma table_info(recommendations)")]
        have = conn.execute("select count(*) from recommendations").fetchone()[0]
        copy = 0
        while have < rows:
            copy += 1
            chosen = ", ".join(f"id || '.c{copy}'" if c == "id" else ("null" if c == "parent_id" else c) for c in columns)
            limit = rows - have
            conn.execute(f"insert into recommendations ({', '.join(columns)}) select {chosen} from recommendations "
                         f"where id not like '%.c%' limit {limit}")
            have = conn.execute("select count(*) from recommendations").fetchone()[0]


# --- the run --------------------------------------------------------------------


def benchmark(count: int, folder: Path, requests: int) -> dict:
    sources, db = folder / f"sources-{count}", folder / f"kb-{count}.db"
    entries = make_corpus(count, sources)
    load_before = load_average()
    built = run_kb("build", "-s", str(sources), "-d", str(db))
    figures = {"documents": count, **built, **database_figures(db), "load": (load_before, load_average())}
    figures["added"] = {name: time_adding(sources, db, folder, published, name)
                        for name, published in added_dates(entries).items()}
    figures["pages"] = asyncio.run(time_pages(db, page_paths(db), requests))
    started = time.perf_counter()
    run_kb("search", "中小企", "-d", str(db))
    figures["search"] = time.perf_counter() - started
    return figures


def steps(output: str) -> list[str]:
    """The build's long steps with their wall times (``tagging policy areas: 1.5s``), its warnings left out."""
    return [line for line in output.splitlines() if re.match(r"^(tagging|linking|finding|writing) .*: [\d.]+s$", line)]


def report(figures: dict) -> None:
    print(f"\n== {figures['documents']} documents: {figures['rows']} rows, {figures['paragraphs']} government paragraphs")
    print(f"full build: {figures['wall']:.1f} s wall, {figures['cpu']:.1f} s CPU, peak {figures['peak_mb']:.0f} MB "
          f"(load average {figures['load'][0]} before, {figures['load'][1]} after, on {os.cpu_count()} cores)")
    for line in steps(figures["stderr"]):
        print(f"  {line}")
    print(f"candidate pairs scored: {figures['candidate_pairs']}, links: {figures['links']}")
    for name, added in figures["added"].items():
        print(f"kb add, {name} ({added['published']}): {added['wall']:.1f} s wall, {added['cpu']:.1f} s CPU "
              f"(load average {added['load']})")
        for line in steps(added["stderr"]):
            print(f"  {line}")
    for kind, (p50, p95) in figures["pages"].items():
        print(f"{kind}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"kb search 中小企: {figures['search']:.2f} s wall, process start included")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="+", type=int, help="numbers of documents")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per kind of page")
    parser.add_argument("--table-rows", type=int, default=100_000, help="rows for the table figure (0: skip)")
    parser.add_argument("--keep", type=Path, help="keep the corpora and databases in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        results = []
        for count in args.counts:
            results.append(benchmark(count, folder, args.requests))
            report(results[-1])
        if len(results) > 1:
            first, last = results[0], results[-1]
            print(f"\ntime({last['documents']}) / time({first['documents']}): "
                  f"{last['cpu'] / first['cpu']:.1f} CPU, {last['wall'] / first['wall']:.1f} wall")
        if args.table_rows:
            largest = folder / f"kb-{args.counts[-1]}.db"
            grown = folder / "table.db"
            grow_table(largest, grown, args.table_rows)
            name = grown.stem
            pages = asyncio.run(time_pages(grown, {"table": [f"/{name}/recommendations"]}, args.requests))
            p50, p95 = pages["table"]
            print(f"\nrecommendations table at {args.table_rows:,} rows: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
