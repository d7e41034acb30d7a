"""The navigation bar every page shows, kb's and Datasette's alike, with
labels in English and Chinese.  A part of the site that wants an entry adds a
``NavItem`` to ``NAV`` (in the order it should appear)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    en: str
    zh: str
    path: str  # "/-/…" for kb pages, or "/{db}/…" for the knowledge base's database and tables


NAV = [
    NavItem("Search", "搜尋", "/-/search"),
    NavItem("Recommendations", "建議", "/{db}/recommendations"),
    NavItem("Documents", "文件", "/{db}/documents"),
    NavItem("Areas", "政策範疇", "/-/areas"),
    NavItem("Compare", "比較", "/-/compare"),
    NavItem("Responses", "政府回應", "/-/responses"),
    NavItem("SQL", "查詢", "/{db}"),
]


def database_name(datasette) -> str:
    """The name of the database that holds the knowledge base (the first one served)."""
    names = [name for name in datasette.databases if name != "_internal"]
    return names[0] if names else "kb"


def nav_items(datasette, current_path: str = "") -> list[dict]:
    """``NAV`` with each entry's URL for this instance; the entry whose URL is
    the longest prefix of ``current_path`` is marked current."""
    db = database_name(datasette)
    items = [{"en": item.en, "zh": item.zh, "href": str(datasette.urls.path(item.path.format(db=db))), "current": False}
             for item in NAV]
    matching = [item for item in items if current_path == item["href"] or current_path.startswith(item["href"] + "/")]
    if matching:
        max(matching, key=lambda item: len(item["href"]))["current"] = True
    return items
