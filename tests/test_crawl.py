"""No dead ends: from the home page, every same-site link, kb's pages and
Datasette's, answers 200 (redirects followed).  The crawl takes the kinds of
page in turn (a kind: the first two parts of the path, how many parts, the
extension and the ``_`` arguments), so the cap reaches every kind of page
before a second of any; downloads that are not HTML (CSV, JSON, text) count
when they answer 200 and are not read for links."""

import collections
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import yaml
from datasette.app import Datasette

from kb.cli.serving import datasette_settings
from tests.conftest import ROOT

CAP = 2500  # pages; the knowledge base links some 13,000


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def _kind(url: str) -> tuple:
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    extension = segments[-1].rsplit(".", 1)[-1] if "." in segments[-1] else ""
    arguments = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True) if key.startswith("_")})
    return (tuple(segments[:2]), len(segments), extension, tuple(arguments))


def _same_site(base: str, href: str) -> str | None:
    """``href`` as a path and query on this site, or None for another site, a mailto: and the like."""
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https") or url.netloc not in ("localhost", ""):
        return None
    return urlunsplit(("", "", url.path, url.query, ""))


async def crawl(datasette, cap: int = CAP) -> tuple[int, int, list]:
    """(pages fetched, links found, [(status, url, the page linking it)] for every answer but 200)."""
    queues: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)
    visits: collections.Counter = collections.Counter()
    seen, failed, fetched = {"/"}, [], 0
    queues[_kind("/")].append(("/", None))
    while fetched < cap and (ready := [kind for kind, queue in queues.items() if queue]):
        kind = min(ready, key=visits.__getitem__)
        visits[kind] += 1
        url, linked_from = queues[kind].popleft()
        fetched += 1
        response = await datasette.client.get(url, follow_redirects=True)
        if response.status_code != 200:
            failed.append((response.status_code, url, linked_from))
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        links = _Links()
        links.feed(response.text)
        for href in links.hrefs:
            path = _same_site(str(response.url), href)
            if path is not None and path not in seen:
                seen.add(path)
                queues[_kind(path)].append((path, url))
    return fetched, len(seen), failed


async def test_every_link_from_the_home_page_answers_200(built_db):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    datasette = Datasette(immutables=[str(built_db)], metadata=metadata, settings=datasette_settings())
    fetched, found, failed = await crawl(datasette)
    assert fetched == CAP and found > CAP  # the cap, not the links, ended the crawl
    assert failed == []


async def test_internal_tables_are_listed_nowhere_and_not_pages(built_db):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    datasette = Datasette(immutables=[str(built_db)], metadata=metadata, settings=datasette_settings())
    listing = (await datasette.client.get("/kb?_show_hidden=1")).text
    assert "hidden table" not in listing and "recommendations_search" not in listing and "build_info" not in listing
    assert "link_profiles" not in listing
    assert "recommendations_search" not in (await datasette.client.get("/kb.json")).text
    for table in ("recommendations_search", "recommendations_search_idx", "recommendations_search_data", "build_info", "link_profiles"):
        assert (await datasette.client.get(f"/kb/{table}")).status_code == 403
    # kb's pages and SQL still read them
    assert (await datasette.client.get("/-/search?q=中試")).status_code == 200
    count = await datasette.client.get("/kb.json?sql=select+count(*)+as+n+from+recommendations_search&_shape=array")
    assert count.json() == [{"n": 93 + 1544}]  # every row and government paragraph
