"""Datasette plugin: links from rows to their source passages, and the
source view that shows them."""

from datasette import hookimpl
from markupsafe import Markup, escape

from kb.datasette_plugin import source_view


@hookimpl
def register_routes():
    return [(source_view.ROUTE, source_view.source_page)]


@hookimpl
def render_cell(row, value, column, table, datasette):
    """Turn a row's line range, and a document's file name, into links to the source view."""
    if table == "recommendations" and column in ("line_start", "support_line_start") and value:
        end = row["line_end" if column == "line_start" else "support_line_end"]
        url = source_view.passage_url(datasette, _raw(row["document_id"]), _raw(row["id"]), value)
        return Markup(f'<a href="{escape(url)}" title="Show in the source text">lines {value}–{end}</a>')
    if table == "documents" and column == "source_file" and value:
        url = source_view.document_url(datasette, _raw(row["id"]))
        return Markup(f'<a href="{escape(url)}" title="Read the whole source text">{escape(value)}</a>')
    return None


def _raw(value):
    """A cell's own value: the table page hands over foreign keys expanded
    to ``{"value": …, "label": …}``."""
    return value["value"] if isinstance(value, dict) else value
