"""The database's internal tables, kept off Datasette's pages.

The search index (``recommendations_search``) and its FTS5 shadow tables
(``_config``, ``_content``, ``_data``, ``_docsize``, ``_idx``), the record of
what built the file (``build_info``), what linking prepared of each row
(``link_profiles``) and any other table Datasette counts as
hidden are for kb's own queries.  Datasette would list them under "hidden
tables", and the row links of the shadow tables lead to 404s (a blob key, a
key of several columns).  ``hidden`` says which tables these are; the plugin
denies viewing them as tables, so no page lists or links them.  SQL, the
canned queries and kb's own pages still read them."""

import weakref

_HIDDEN: "weakref.WeakKeyDictionary[object, frozenset[str]]" = weakref.WeakKeyDictionary()


async def hidden(db) -> frozenset[str]:
    """The names of ``db``'s hidden tables (Datasette's notion: metadata's
    ``hidden: true``, full-text index tables, SQLite's own), read once per
    database: the served file does not change under a running server."""
    if db not in _HIDDEN:
        _HIDDEN[db] = frozenset(await db.hidden_table_names())
    return _HIDDEN[db]


def permission_allowed(datasette, action, resource):
    """False for viewing an internal table; None (no opinion) otherwise."""
    if action != "view-table" or not isinstance(resource, (tuple, list)):
        return None
    database, table = resource

    async def inner():
        try:
            db = datasette.get_database(database)
        except KeyError:
            return None
        return False if table in await hidden(db) else None

    return inner
