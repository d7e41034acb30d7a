"""Build the knowledge base and say what was built: the build that kb build,
kb serve, kb add and kb review run."""

import sqlite3

import click

from kb.build.manifest import ManifestError
from kb.records import ParseError
from kb.rules.areas import AreaError
from kb.text.wording import plural


def build_and_echo(sources_dir: str, db_path: str, full: bool = False, parsed=None, horizon: int | None = None,
                   only: set[str] | None = None) -> None:
    """Build ``db_path`` from ``sources_dir`` and print a line per document
    with its warnings (``only``: of these documents, the others counted in
    one line); an error stops the build with the database left as it was.
    ``parsed``: documents parsed already; ``horizon``: years (``kb.build.build``)."""
    # Imported here: the build's modules (numpy, jieba, sqlite-utils) slow every other command's start.
    from kb.build import BuildError, build_and_report
    from kb.rules.reviews import ReviewError

    try:
        options = {} if horizon is None else {"horizon": horizon}
        reports, summary = build_and_report(sources_dir, db_path, notify=_notify, full=full, parsed=parsed, **options)
    except (ManifestError, ParseError, BuildError, AreaError, ReviewError, OSError, sqlite3.Error) as error:
        raise click.ClickException(f"{error}\nThe build stopped; {db_path} was left as it was.") from error
    for report in reports:
        if only is None or report.document_id in only:
            click.echo(report.line())
            for warning in report.warnings:
                click.echo(f"warning: {warning}", err=True)
    others = [report for report in reports if only is not None and report.document_id not in only]
    if others:
        warned = sum(len(report.warnings) for report in others)
        among = f", {plural(warned, 'warning')} among them" if warned else ""
        click.echo(f"{plural(len(others), 'other document')} not listed{among}: kb build lists them")
    click.echo(summary)


def _notify(message: str) -> None:
    click.echo(message, err=True)
