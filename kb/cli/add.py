"""The ``kb add`` command: add a PDF or a text file to sources/."""

from pathlib import Path

import click

from kb.cli.building import build_and_echo
from kb.cli.options import db_option, sources_option
from kb.text.wording import plural


@click.command(name="add")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publisher", required=True, help="Publisher id, e.g. cma; a new one needs --publisher-zh and --publisher-en")
@click.option("--publisher-zh", help="A new publisher's name in Chinese")
@click.option("--publisher-en", help="A new publisher's name in English")
@click.option("--id", "document_id", help="Document id  [default: <publisher>-<year>-<words of the file name>, at most 40 characters]")
@click.option("--title-zh", help="Title in Chinese  [default: the document's own title]")
@click.option("--title-en", help="Title in English  [default: the document's own, else '<publisher> <kind>, <month> <year>']")
@click.option("--kind", default="submission", show_default=True, help="submission, report, policy-address, budget, reply …")
@click.option("--cycle", help="Policy cycle addressed, e.g. '2024-25 Budget'")
@click.option("--published", help="Publication date, 2026 or 2026-06  [default: the latest date the document is signed or "
                                   "printed with, not a meeting it mentions]")
@click.option("--year", type=click.IntRange(1900, 2100), help="Policy year addressed  [default: from --cycle or --published]")
@click.option("--url", help="Where the publisher put the original: an http:// or https:// address")
@click.option("--loader", help="Loader name  [default: the one the manifest uses for this publisher when it fits, else generic]")
@sources_option(path_type=Path)
@db_option("The database to build once the document is added (incrementally, when it allows)", path_type=Path)
@click.option("--no-build", is_flag=True, help="Add the document only; build later with kb build")
@click.option("--dry-run", is_flag=True, help="Parse and print what would be added; write nothing")
@click.option("--ocr", is_flag=True, help="Read a scanned PDF with Tesseract (Traditional Chinese + English); about 20 s a page")
def add_command(path, publisher, publisher_zh, publisher_en, document_id, title_zh, title_en, kind, cycle, published, year, url, loader, sources_dir, db_path, no_build, dry_run, ocr):
    """Add PATH, a PDF or a UTF-8 text or Markdown file, to SOURCES

    The document is parsed before anything is written; then its text goes
    to SOURCES/<id>.txt (a PDF's pages separated by form feeds), a PDF is
    kept as SOURCES/<id>.pdf, and its entry is appended to manifest.yml.
    Then DB is built: incrementally when the same code built it, so only
    the new document is parsed and linked (--no-build: not at all).

    \b
    Example:
        kb add cb3-710-4-hk-taxi-drivers-union.pdf --publisher hktdu \\
          --publisher-zh 香港的士司機總會 --publisher-en "HK Taxi Drivers' Union"
    """
    from kb.build.add import AddError, AddRequest, add  # here: PDF reading is slow to import, and only kb add needs it

    request = AddRequest(
        path=path, sources_dir=sources_dir, publisher=publisher, publisher_zh=publisher_zh, publisher_en=publisher_en,
        id=document_id, title_zh=title_zh, title_en=title_en, kind=kind, cycle=cycle, published=published, year=year,
        url=url, loader=loader, ocr=ocr, dry_run=dry_run,
    )
    try:
        added = add(request, progress=lambda message: click.echo(message, err=True),
                    describe=lambda found: click.echo(description(found)))
    except AddError as error:
        raise click.ClickException(f"{error}\nNothing was written.") from error
    built = not (dry_run or no_build)
    click.echo(outcome(added, dry_run, db_path if built else None))
    if built:
        build_and_echo(str(sources_dir), str(db_path), parsed=added.parsed_by_fingerprint(),  # not parsed again
                       only={added.document.id})


def description(added) -> str:
    """What kb add will store, printed before it writes anything: the
    document's id and title, its kind, date and cycle, its rows by kind,
    the first and last titles with their pages, and every warning."""
    document = added.document
    pages = f", {plural(added.pages, 'page')}" if added.pages else ""
    cycle = f", cycle {document.cycle}" if document.cycle else ""
    lines = [f"{document.id}: {document.title_zh} ({document.publisher_id}, {document.published}{pages}{', OCR' if document.ocr else ''})"]
    lines.append(f"  kind: {document.kind}, published {document.published}{cycle}; title in English: {document.title_en}")
    lines.append(f"  loader: {added.loader_note}")
    lines.append("  found: " + ", ".join(plural(count, kind) for kind, count in added.counts().items()))
    top = [row for row in added.parsed.recommendations if not row.parent_id]
    if top:
        lines.append(f"  first: {_row_line(top[0])}")
        lines.append(f"  last:  {_row_line(top[-1])}")
    lines += [f"  warning: {warning}" for warning in added.warnings]
    return "\n".join(lines)


def outcome(added, dry_run: bool, db_path: Path | None = None) -> str:
    """What kb add did: the entry a dry run would append, or the files
    written and the database it builds next (``db_path``), if any."""
    lines = []
    if dry_run:
        lines.append("Dry run: nothing was written. This entry would be appended to the manifest:")
        lines.append(added.entry.rstrip("\n"))
    else:
        then = f"building {db_path}" if db_path else "run kb build to load it"
        lines.append("Wrote " + ", ".join(str(path) for path in added.written) + f"; {then}.")
    return "\n".join(lines)


def _row_line(row) -> str:
    page = f" (page {row.page})" if row.page else ""
    return f"{row.number} {row.title}{page}"
