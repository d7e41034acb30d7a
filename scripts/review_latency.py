"""How long a reviewer waits: from sending a verdict in the browser to the
site showing it.

Builds the knowledge base from a copy of sources/, serves it as kb serve
does (a snapshot, with a reviewer), and sends VERDICTS verdicts one after
another through Datasette's own client, each adding a response (an ask of
the CMA's 2023 submission, a paragraph of the 2023 Policy Address); for each
it times the POST until /-/review/status says the verdict is live, that is
until the incremental build is done and the server has switched to it.
Prints each time and the median.

    python scripts/review_latency.py [--verdicts 5]
"""

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasette.app import Datasette  # noqa: E402

from kb.build import build  # noqa: E402
from kb.build.snapshot import served_snapshot  # noqa: E402
from kb.cli.serving import datasette_settings  # noqa: E402

ASK, SPEECH = "cma-2023-policy-address/10", "hksarg-2023-policy-address"
FIELDS_RE = re.compile(r'<input type="hidden" name="(csrftoken|kb_form|return_to)" value="([^"]*)"')


async def verdict_to_live(datasette, cookies: dict, paragraph: str) -> float:
    page = await datasette.client.get(f"/p/{paragraph}", cookies=cookies)
    cookies["ds_csrftoken"] = page.cookies.get("ds_csrftoken") or cookies.get("ds_csrftoken")
    form = dict(FIELDS_RE.findall(page.text), action="add", ask=ASK, paragraph=paragraph, relation="related")
    started = time.monotonic()
    sent = await datasette.client.post("/-/review", data=form, cookies=cookies)
    assert sent.status_code == 303, sent.text
    while (status := (await datasette.client.get("/-/review/status", cookies=cookies)).json())["state"] == "building":
        await asyncio.sleep(0.1)
    assert status["state"] == "live", status
    return time.monotonic() - started


async def measure(folder: Path, verdicts: int) -> list[float]:
    sources, db = Path(shutil.copytree(ROOT / "sources", folder / "sources")), folder / "kb.db"
    build(sources, db)
    with served_snapshot(db) as snapshot:
        plugins = {"kb": {"sources": str(sources), "database": str(db), "reviewers": ["reviewer"]}}
        datasette = Datasette(immutables=[str(snapshot)], settings=datasette_settings(), metadata={"plugins": plugins})
        await datasette.invoke_startup()
        cookies = {"ds_actor": datasette.sign({"a": {"id": "reviewer"}}, "actor")}
        return [await verdict_to_live(datasette, cookies, f"{SPEECH}/{20 + n}") for n in range(verdicts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verdicts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        took = asyncio.run(measure(Path(folder), args.verdicts))
    print("verdict to live, s:", " ".join(f"{t:.1f}" for t in took), f"(median {statistics.median(took):.1f})")


if __name__ == "__main__":
    main()
