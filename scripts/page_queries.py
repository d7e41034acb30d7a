"""How many SQL statements the knowledge base's database runs for one view of
a page: a recommendation's page (its permalink and its row URL), a
government paragraph's page, a comparison and a thread, counted on every
connection Datasette opens to it (``set_trace_callback``), Datasette's own
statements included.  Each page is asked for once first, so that what
Datasette reads once per server (the schema, the foreign keys) is not counted.

    python scripts/page_queries.py                 # build into a temporary folder
    python scripts/page_queries.py --db kb.db      # an existing database
    python scripts/page_queries.py -v              # and every statement
"""

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from datasette import hookimpl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "recommendation /r/": "/r/cma-2023-policy-address/4",
    "recommendation row URL": "/kb/recommendations/cma-2023-policy-address~2F4",
    "sub-item /r/": "/r/cma-2023-policy-address/4.1",
    "paragraph /p/": "/p/hksarg-2024-25-budget/127",
    "paragraph row URL": "/kb/paragraphs/hksarg-2024-25-budget~2F127",
    "compare": "/-/compare?a=cma-2023-policy-address&b=cma-2024-budget",
    "thread": "/-/thread/cma-2023-policy-address/4",
    "responses": "/-/responses/cma-2024-budget",
}


class StatementLog:
    """A Datasette plugin that logs every statement run on the kb database."""

    __name__ = "kb-page-queries"  # Datasette lists plugins by name

    def __init__(self):
        self.statements: list[str] = []

    @hookimpl
    def prepare_connection(self, conn, database):
        if database != "_internal":
            conn.set_trace_callback(self.statements.append)


async def measure(db_path: Path, verbose: bool) -> dict[str, int]:
    from datasette.app import Datasette
    from datasette.plugins import pm

    log = StatementLog()
    pm.register(log, name="page-queries")
    try:
        metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
        datasette = Datasette([str(db_path)], immutables=[], metadata=metadata)
        counts = {}
        for name, path in PAGES.items():
            first = await datasette.client.get(path)
            assert first.status_code == 200, (path, first.status_code)
            log.statements.clear()
            await datasette.client.get(path)
            counts[name] = len(log.statements)
            if verbose:
                print(f"--- {name} {path}")
                for statement in log.statements:
                    print("   ", " ".join(statement.split())[:160])
        return counts
    finally:
        pm.unregister(name="page-queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a built knowledge base (default: build one from sources/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every statement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "kb.db"  # the pages' URLs name the database kb
        if args.db is None:
            from kb.build.pipeline import build

            build(ROOT / "sources", db_path)
        else:
            shutil.copyfile(args.db, db_path)
        counts = asyncio.run(measure(db_path, args.verbose))
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>3} queries  {PAGES[name]}")


if __name__ == "__main__":
    main()
