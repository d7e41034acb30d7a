"""Web: the Datasette plugin, loaded through the entry point ``kb.web``.

This module wires the hooks; the pages it adds are one module per kind of
page (recommendation_view, paragraph_view, compare_view, responses_view,
search_view, source_view, area_views …) with their templates in templates/;
limits bounds every connection, export writes CSV, citations writes RIS,
BibTeX and CSL-JSON, permalinks makes URLs (at the public base URL),
internal_tables keeps the search index's tables off Datasette's pages.
Reviewing in the browser is a plugin of its own, kb.web.review (entry point
kb_review), with review_tokens, review_live and signin_limits.

May import: kb.read, kb.rules, kb.text and kb.records; never kb.cli, and
kb.build only from review and review_live (they write a verdict and build).
"""

from datasette import hookimpl
from datasette.handle_exception import handle_exception as datasette_error_page
from datasette.utils import tilde_decode, tilde_encode
from markupsafe import Markup, escape

from kb.web import (
    area_filter,
    area_views,
    caching,
    citations,
    compare_view,
    errors,
    export,
    fairness,
    home,
    internal_tables,
    navigation,
    not_found,
    originals,
    paragraph_view,
    permalinks,
    recommendation_view,
    responses_view,
    search_view,
    source_view,
    table_view,
)
from kb.web.limits import apply_limits
from kb.read.search import register_sql_functions

# Foreign-key columns shown by the name of the row they point to, on row pages
# (table pages expand them already): (table, column) -> (other table, label column).
# A recommendation's row page is kb's own page, which shows none of Datasette's
# cells: naming its foreign keys would be queries for nothing.
LABELS = {
    ("documents", "publisher_id"): ("publishers", "name_zh"),
}


@hookimpl
def register_routes():
    return [
        (source_view.ROUTE, source_view.source_page),
        (area_views.MATRIX_ROUTE, area_views.matrix_page),
        (area_views.AREA_ROUTE, area_views.area_page),
        (compare_view.COMPARE_ROUTE, compare_view.compare_page),
        (compare_view.THREAD_ROUTE, compare_view.thread_page),
        (search_view.ROUTE, search_view.search_page),
        (export.SEARCH_ROUTE, export.search_export),
        (citations.ROUTE, citations.cite_download),
        (recommendation_view.PERMALINK_ROUTE, recommendation_view.permalink_page),
        (originals.ROUTE, originals.original_page),
        (recommendation_view.NATURAL_ROUTE, recommendation_view.natural_url),
        (paragraph_view.PERMALINK_ROUTE, paragraph_view.permalink_page),
        (paragraph_view.NATURAL_ROUTE, paragraph_view.natural_url),
        (responses_view.INDEX_ROUTE, responses_view.index_page),
        (responses_view.ROUTE, responses_view.scorecard_page),
    ]


@hookimpl
def permission_allowed(datasette, action, resource):
    """The search index, its shadow tables, build_info and link_profiles are not pages of
    their own: no page lists them or links their rows (internal_tables)."""
    return internal_tables.permission_allowed(datasette, action, resource)


@hookimpl
def prepare_connection(conn):
    """kb_normalize(), kb_fuzzy_score() and the other search functions, in
    SQL, and SQLite's limits on string length, SQL length and the like."""
    register_sql_functions(conn)
    apply_limits(conn)


@hookimpl
def handle_exception(datasette, request, exception):
    """A missing page or row is a kb page that says what was not found;
    errors a request causes (a sort on no such column, a null character in
    a facet, a number too large) are 400s with a clear message, not 500s."""
    bad_request = errors.client_error(exception, request)
    if bad_request is not None:
        return datasette_error_page(datasette, request, bad_request)
    return not_found.not_found_response(datasette, request, exception)


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The home page shows what the knowledge base holds; a recommendation's
    row page is kb's recommendation page, a government paragraph's kb's
    paragraph page, a document's row page its citation; the recommendations
    and documents tables need names in both languages."""
    if view_name == "index":
        async def home_overview():
            db = datasette.get_database(navigation.database_name(datasette))
            return {"kb_overview": await home.overview(datasette, db)}

        return home_overview
    if request is not None and view_name == "row" and table == "paragraphs":
        async def paragraph():
            db = datasette.get_database(database)
            return await paragraph_view.paragraph_context(datasette, db, tilde_decode(request.url_vars["pks"]), request)

        return paragraph
    if request is None or view_name not in ("table", "row") or table not in ("recommendations", "documents"):
        return {}
    if view_name == "row" and table == "documents":
        async def document_citation():
            db = datasette.get_database(database)
            return {"kb_doc_cite": await citations.document_cite_context(datasette, db, tilde_decode(request.url_vars["pks"]), request)}

        return document_citation
    if view_name == "table":
        async def table_names():
            db = datasette.get_database(database)
            if table == "documents":
                return {"kb_documents": await table_view.document_counts(datasette, db)}
            return {"kb_names": await table_view.names(db), "kb_export_url": export.table_export_url(datasette, database, request)}

        return table_names
    if table != "recommendations":
        return {}

    async def recommendation():
        row_id = tilde_decode(request.url_vars["pks"])
        db = datasette.get_database(database)
        return await recommendation_view.recommendation_context(datasette, db, row_id, request)

    return recommendation


@hookimpl
def filters_from_request(request, database, table, datasette):
    """``?_area=`` on the recommendations table: every row tagged with the area."""
    return area_filter.filter_arguments(request, table)


@hookimpl
def register_facet_classes():
    """The recommendations table's facet by every policy-area tag."""
    return [area_filter.AreaFacet]


@hookimpl
def register_output_renderer(datasette):
    """Any table, view or query as CSV for Excel (``.excelcsv``); the
    recommendations table with each row's permalink and names."""
    return {"extension": export.EXTENSION, "render": export.render_table, "can_render": export.can_render}


@hookimpl
def asgi_wrapper(datasette):
    """Open SQL (a visitor's own query) runs a few at a time on threads of
    its own, so other pages never wait behind it; Datasette's CSV has its
    formula-like cells neutralised as kb's own exports do (and the
    recommendations table's CSV kb's columns); with a public base URL, every
    request is answered as if it reached that address; an anonymous GET's
    page is cached by the database's build, with its ETag (caching)."""
    errors.quiet_tracebacks()
    fair = fairness.fair_sql(datasette)
    public = permalinks.public_requests(datasette)
    cached = caching.cached_pages(datasette)
    return lambda app: public(cached(fair(export.neutralise_csv_responses(app, datasette))))


@hookimpl
def startup(datasette):
    """Tables counted within a time limit before the first request (caching)."""

    async def count():
        await caching.count_tables_briefly(datasette)

    return count


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["tilde_encode"] = tilde_encode
    env.filters["kb_cells"] = table_view.cells
    env.filters["kb_href"] = originals.href  # an original's link: http(s) or this site's, else none
    env.globals["kb_nav"] = lambda path="": navigation.nav_items(datasette, path)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Line ranges and file names link to the source view; foreign keys show names."""
    if table == "recommendations" and column in ("line_start", "support_line_start") and value:
        end = row["line_end" if column == "line_start" else "support_line_end"]
        url = source_view.passage_url(datasette, _raw(row["document_id"]), _raw(row["id"]), value)
        return Markup(f'<a href="{escape(url)}" title="Show in the source text">lines {value}–{end}</a>')
    if table == "documents" and column == "source_file" and value:
        url = source_view.document_url(datasette, _raw(row["id"]))
        return Markup(f'<a href="{escape(url)}" title="Read the whole source text">{escape(value)}</a>')
    if table == "policy_areas" and column == "name_zh" and value:
        url = datasette.urls.path(f"/-/areas/{_raw(row['id'])}")
        return Markup(f'<a href="{escape(url)}" title="Its rows, newest first">{escape(value)}</a>')
    if (table, column) in LABELS and isinstance(value, str):
        return _labelled_link(datasette, database, *LABELS[(table, column)], value)
    return None


async def _labelled_link(datasette, database, other_table, label_column, value):
    db = datasette.get_database(database)
    row = (await db.execute(f"select [{label_column}] from [{other_table}] where id = ?", [value])).first()
    label = row[0] if row else value
    url = datasette.urls.row(database, other_table, tilde_encode(value))
    return Markup(f'<a href="{escape(url)}">{escape(label)}</a> <em>{escape(value)}</em>')


def _raw(value):
    """A cell's own value: the table page hands over foreign keys expanded
    to ``{"value": …, "label": …}``."""
    return value["value"] if isinstance(value, dict) else value
