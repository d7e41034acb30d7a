"""Build the knowledge base and say what was built: the build that kb build,
kb serve, kb add and kb review run."""

import sqlite3
import time

import click

from kb.build.manifest import ManifestError
from kb.records import ParseError
from kb.rules.areas import AreaError


def build_and_echo(sources_dir: str, db_path: str, full: bool = False) -> None:
    """Build ``db_path`` from ``sources_dir`` and print a line per document;
    an error stops the build with the database left as it was."""
    # Imported here: the build's modules (numpy, jieba, sqlite-utils) slow every other command's start.
    from kb.build.pipeline import BuildError, build
    from kb.rules.reviews import ReviewError

    started = time.perf_counter()
    try:
        reports = build(sources_dir, db_path, notify=_notify, full=full)
    except (ManifestError, ParseError, BuildError, AreaError, ReviewError, OSError, sqlite3.Error) as error:
        raise click.ClickException(f"{error}\nThe build stopped; {db_path} was left as it was.") from error
    for report in reports:
        click.echo(report.line())
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
    rows = sum(sum(report.top_level.values()) + report.sub_items for report in reports if not report.paragraphs)
    paragraphs = sum(report.paragraphs + report.sub_items for report in reports if report.paragraphs)
    counted = f"{rows} rows, {paragraphs} paragraphs" if paragraphs else f"{rows} rows"
    click.echo(f"Wrote {db_path}: {len(reports)} documents, {counted} in {time.perf_counter() - started:.2f}s")


def _notify(message: str) -> None:
    click.echo(message, err=True)
