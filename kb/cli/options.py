"""The --sources and --db options every kb command that needs them shares."""

import click

DEFAULT_SOURCES = "sources"
DEFAULT_DB = "kb.db"


def sources_option(help: str = "Folder holding manifest.yml and the source documents", path_type=None):
    return click.option("-s", "--sources", "sources_dir", default=DEFAULT_SOURCES, show_default=True,
                        type=click.Path(file_okay=False, dir_okay=True, path_type=path_type), help=help)


def db_option(help: str = "SQLite database file of the knowledge base", path_type=None):
    return click.option("-d", "--db", "db_path", default=DEFAULT_DB, show_default=True,
                        type=click.Path(file_okay=True, dir_okay=False, path_type=path_type), help=help)
