"""The ``kb`` command: build the knowledge base and serve it with Datasette."""

import json
import os
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import click

from kb import __version__
from kb.read.area_matrix import DIMENSIONS, area_matrix, format_matrix
from kb.cli.add import add_command
from kb.cli.building import build_and_echo
from kb.cli.options import db_option, sources_option
from kb.cli.review import review_command
from kb.cli.reviewers import reviewer_group
from kb.read.compare import compare as compare_documents
from kb.build.manifest import ManifestError
from kb.read.search import WITHIN, SearchIndexMissing, search
from kb.rules.timing import HORIZON_YEARS
from kb.cli.serving import AUTH_PLUGIN, auth_config, reviewers_in, setting_args
from kb.build.snapshot import served_snapshot

DEFAULT_METADATA = "metadata.yml"


@click.group()
@click.version_option(__version__)
def cli():
    "Build and serve a knowledge base of policy recommendations"


@cli.command(name="build")
@sources_option()
@db_option()
@click.option("--full", is_flag=True, help="Build from nothing, keeping nothing of the previous database.")
@click.option("--horizon", default=HORIZON_YEARS, show_default=True, type=click.IntRange(1, 50), metavar="YEARS",
              help="Compare each ask with the government texts delivered up to YEARS years after it was written.")
def build_command(sources_dir, db_path, full, horizon):
    """Parse every document in SOURCES and write a fresh DB

    The new database replaces the old one only once it is complete; a
    failing build leaves the old one untouched.  When the same code built
    the previous database, only the documents added or changed since are
    parsed, and the links and responses of the others are kept (--full
    builds everything again).  Each ask is compared with every Policy
    Address and Budget delivered after it was written, within --horizon
    years.

    \b
    Example:
        kb build --sources sources --db kb.db
    """
    build_and_echo(sources_dir, db_path, full, horizon=horizon)


@cli.command()
@sources_option()
@db_option()
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to serve on")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Host to bind to; 0.0.0.0 for all interfaces")
@click.option(
    "-m",
    "--metadata",
    "metadata_path",
    default=DEFAULT_METADATA,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Datasette metadata: titles, facets, canned queries",
)
@click.option("--base-url", metavar="URL",
              help="The public address readers use (https://kb.example.org): permalinks, citations and CSV name it, "
                   "never the address the server listens on. Default: the metadata's plugins: kb: base_url:, if any.")
def serve(sources_dir, db_path, port, host, metadata_path, base_url):
    """Build the DB if it is missing or stale, then serve it read-only

    The server serves the database as it was when it started: a build
    meanwhile is picked up by restarting it.  Reviewers named in the
    environment (KB_REVIEWER_<NAME>_PASSWORD_HASH, see kb reviewer add) sign
    in at /-/login and review in the browser; the server then builds again
    and serves the new database at once.  SIGTERM stops it once the
    requests under way are answered.  Behind a proxy, --base-url names the
    public address every permalink and citation uses.

    \b
    Example:
        kb serve --port 8001
        kb serve --host 0.0.0.0 --base-url https://kb.example.org
    """
    if base_url is not None:
        _check_base_url(base_url, "--base-url")
    if not Path(metadata_path).is_file():
        raise click.ClickException(f"{metadata_path}: metadata file not found (run from the project folder, or pass --metadata)")
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        _build_if_stale(sources_dir, db_path)
        with served_snapshot(db_path) as snapshot:
            # Datasette first: it loads kb's plugin through its entry point, and the
            # plugin imported before Datasette would be registered half-made.
            import datasette.app  # noqa: F401

            # the plugin serves originals kept in the sources folder, and makes its URLs with the base URL
            metadata, prefix = _with_sources(metadata_path, sources_dir, snapshot.parent, base_url, db_path)
            run_datasette(["serve", "-i", str(snapshot), "-m", str(metadata), "-p", str(port), "-h", host, *setting_args(),
                           *(["--setting", "base_url", prefix] if prefix else [])])
    finally:
        signal.signal(signal.SIGTERM, previous)


def _with_sources(metadata_path: str, sources_dir: str, folder: Path, base_url: str | None = None,
                  db_path: str | None = None) -> tuple[Path, str | None]:
    """The metadata with the sources folder in kb's plugin configuration
    (``plugins: kb: sources:``), the public base URL (``base_url:``) when
    given, and the reviewers of the environment (``reviewers:``, the
    ``database:`` to build again, and their sign-in), written as JSON in
    ``folder`` (the snapshot's, removed with it) for
    Datasette's ``-m``; and the base URL's path (``/kb/``) for Datasette's
    ``base_url`` setting, or None when it has none."""
    import yaml

    try:
        metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{metadata_path}: not YAML or JSON Datasette can read: {error}") from error
    if not isinstance(metadata, dict):
        raise click.ClickException(f"{metadata_path}: Datasette metadata is a mapping (title:, databases: …)")
    plugins = dict(metadata.get("plugins") or {})
    # Relative to the folder the server runs in (the plugin resolves it there): /-/metadata.json
    # publishes the plugin configuration, and need not show where the server keeps its files.
    plugins["kb"] = dict(plugins.get("kb") or {}, sources=os.path.relpath(Path(sources_dir).resolve()))
    names = reviewers_in()
    if names and db_path:  # reviewing on: who may sign in, and the database to build again after a verdict
        plugins[AUTH_PLUGIN] = dict(plugins.get(AUTH_PLUGIN) or {}, **auth_config(names))
        plugins["kb"].update(reviewers=names, database=os.path.relpath(Path(db_path).resolve()))
    if base_url is not None:
        plugins["kb"]["base_url"] = base_url
    prefix = None
    if plugins["kb"].get("base_url"):
        prefix = _check_base_url(str(plugins["kb"]["base_url"]), f"{metadata_path}: plugins: kb: base_url")
    path = folder / "metadata.json"
    path.write_text(json.dumps(dict(metadata, plugins=plugins), ensure_ascii=False, indent=2), encoding="utf-8")
    return path, prefix


def _check_base_url(base_url: str, where: str) -> str | None:
    """The path of a public base URL with its slashes (``/kb/``), None when it
    has none; a clear error for one that is not http(s)://host[:port][/path]."""
    from kb.cli.serving import BaseUrlError, base_url_path

    try:
        return base_url_path(base_url)
    except BaseUrlError as error:
        raise click.ClickException(f"{where}: {error}") from error


def _build_if_stale(sources_dir: str, db_path: str) -> None:
    from kb.build.freshness import needs_build

    try:
        stale = needs_build(sources_dir, db_path)
    except (ManifestError, OSError) as error:
        raise click.ClickException(f"{error}\nNothing was served; {db_path} was left as it was.") from error
    if stale:
        build_and_echo(sources_dir, db_path)
    else:
        click.echo(f"{db_path} is up to date with {sources_dir}/")


@cli.command()
@db_option()
@click.option("-b", "--by", type=click.Choice(sorted(DIMENSIONS)), default="year", show_default=True, help="Columns of the matrix")
@click.option("-t", "--tags", type=click.Choice(["primary", "any"]), default="primary", show_default=True,
              help="Count each row under its primary area, or under every area it is tagged with")
@click.option("-j", "--json", "as_json", is_flag=True, help="Print JSON instead of a table")
def areas(db_path, by, tags, as_json):
    """Print how many rows each policy area has, by year or publisher

    Each row counts once, under its primary area; with --tags any, under
    every area it is tagged with.  Rows no area fits are counted last.

    \b
    Example:
        kb areas --by publisher --tags any
    """
    with closing(_connect(db_path)) as conn:
        matrix = area_matrix(conn, by, tags=tags)
    click.echo(json.dumps(matrix.to_json(), ensure_ascii=False, indent=2) if as_json else format_matrix(matrix))


@cli.command()
@click.argument("document_a")
@click.argument("document_b")
@db_option()
@click.option("-j", "--json", "as_json", is_flag=True, help="Print JSON instead of text")
def compare(document_a, document_b, db_path, as_json):
    """Compare two documents: matched recommendations, new and dropped

    DOCUMENT_A is the earlier document, DOCUMENT_B the later one (ids from
    the documents table).

    \b
    Example:
        kb compare cma-2023-policy-address cma-2024-budget
    """
    with closing(_connect(db_path)) as conn:
        try:
            comparison = compare_documents(conn, document_a, document_b)
        except LookupError as error:
            raise click.ClickException(error.args[0]) from error
    if as_json:
        click.echo(json.dumps(comparison.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_comparison(comparison))


def format_comparison(comparison) -> str:
    a, b = comparison.a["id"], comparison.b["id"]
    lines = [f"{a} → {b}", "", f"Matched ({len(comparison.pairs)} links):"]
    for pair in comparison.pairs:
        lines.append(f"  {pair.a.id} {pair.a.title}")
        lines.append(f"    → {pair.b.id} {pair.b.title}  [{pair.relation} {pair.score}{', reviewed' if pair.method == 'manual' else ''}]")
    lines += ["", f"New in {b} ({len(comparison.new)}):"] + [f"  {row.id} {row.title}" for row in comparison.new]
    lines += ["", f"Dropped from {a} ({len(comparison.dropped)}):"] + [f"  {row.id} {row.title}" for row in comparison.dropped]
    return "\n".join(lines)


@cli.command(name="responses")
@click.argument("document")
@db_option()
@click.option("-j", "--json", "as_json", is_flag=True, help="Print JSON instead of text")
@click.option("--publisher", metavar="ID", help="For a government text: only the asks of this publisher's documents (cma, bdc …)")
def responses_command(document, db_path, as_json, publisher):
    """What the government did with a document's asks, or what a government text took up

    DOCUMENT is an id from the documents table.  For a document of
    recommendations: each ask's status and best evidence, from the
    government texts of its window (every Policy Address and Budget
    delivered after it was written, within kb build's --horizon).  The
    statuses: addressed (a paragraph does what was asked, wholly or in
    part); possible response (paragraphs share the ask's specific terms:
    worth reading, not a verdict); no response found (neither); no later
    government text (nothing in the window yet).  For a government text (a
    Policy Address, a Budget): each paragraph that responds to an ask, with
    the asks, those that address one first; --publisher keeps one
    publisher's asks.

    \b
    Examples:
        kb responses cma-2023-policy-address
        kb responses hksarg-2024-25-budget --publisher cma
    """
    from kb.read.scorecard import scorecard  # here: it loads the link rules (numpy, jieba), which kb search does without
    from kb.read.uptake import UnknownPublisher, is_government_text, uptake

    with closing(_connect(db_path)) as conn:
        government = is_government_text(conn, document)
        if publisher and not government:
            raise click.UsageError(f"--publisher is for a government text; {document!r} is not one")
        try:
            found = uptake(conn, document, publisher) if government else scorecard(conn, document)
        except UnknownPublisher as error:
            raise click.BadParameter(error.args[0], param_hint="--publisher") from error
        except LookupError as error:
            raise click.ClickException(error.args[0]) from error
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_uptake(found) if government else format_scorecard(found))


def format_scorecard(card) -> str:
    lines = [card.summary, ""]
    for ask in card.asks:
        lines.append(f"{ask.id} {ask.title}  [{ask.status}{', reviewed' if ask.method == 'manual' else ''}]")
        best = ask.best
        if best:
            where = f"{best.document_id}/{best.number}" + (f", p. {best.page}" if best.page else "")
            lines.append(f"    {best.relation} {best.score}: {where}  {best.text[:60]}…")
    return "\n".join(lines)


def format_uptake(taken) -> str:
    """The paragraphs that address an ask, then those that only relate to one."""
    lines = [taken.summary]
    for title, paragraphs in (("Address an ask", taken.addressing), ("Only relate to an ask", taken.relating)):
        if paragraphs:
            lines += ["", f"{title}:"]
        for paragraph in paragraphs:
            lines.append(f"{paragraph.id}" + (f", p. {paragraph.page}" if paragraph.page else "") + f"  {paragraph.text[:50]}…")
            lines += [f"    {a.relation} {'reviewed' if a.method == 'manual' else a.score}: {a.recommendation_id} {a.title}"
                      for a in paragraph.asks]
    return "\n".join(lines)


def _connect(db_path: str) -> sqlite3.Connection:
    if not Path(db_path).is_file():
        raise click.ClickException(f"{db_path}: no database; run kb build first")
    return sqlite3.connect(db_path)


@cli.command(name="search")
@click.argument("query")
@db_option()
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="Most results to show")
@click.option("-P", "--publisher", help="Only this publisher's rows (cma, bdc, hkpc, dsedt)")
@click.option("-y", "--year", type=click.IntRange(0, 9999), help="Only rows of this policy year")
@click.option("-D", "--document", help="Only rows of this document id")
@click.option("--in", "within", type=click.Choice(WITHIN), default=WITHIN[0], show_default=True,
              help="Search recommendations, the government's paragraphs (Policy Address, Budget), or all")
@click.option("--drop", multiple=True, metavar="TERM",
              help="Do not read the English of the query as this Chinese term (repeatable)")
@click.option("-j", "--json", "as_json", is_flag=True, help="Print a JSON array of results")
def search_command(query, db_path, limit, publisher, year, document, within, drop, as_json):
    """Search recommendations for QUERY, in Chinese or English

    Matches any Chinese term of two or more characters in Traditional or
    Simplified script, English terms and the English names of schemes,
    everyday English words through CC-CEDICT (a first line says how the
    query was read; --drop leaves a reading out), and falls back to fuzzy
    matching for typos and shortened names.

    \b
    Examples:
        kb search 中試
        kb search "Northern Metropolis" --json
        kb search 品牌 --publisher bdc --limit 5
        kb search 中試 --in government
        kb search rent --in government --drop 租借
    """
    with closing(_connect(db_path)) as conn:
        try:
            found = search(conn, query, limit=limit, publisher=publisher, year=year, document=document, within=within,
                           drop=drop)
        except SearchIndexMissing as error:
            raise click.ClickException(f"{db_path}: no search index; run kb build") from error
    if as_json:
        click.echo(json.dumps([result.to_json() for result in found.results], ensure_ascii=False, indent=2))
    else:
        click.echo(format_results(found))


def format_results(found) -> str:
    read_as = [f"Read as: {found.read_as}"] if found.readings else []
    if not found.results:
        hint = f" Did you mean: {', '.join(found.suggestions)}?" if found.suggestions else ""
        return "\n".join(read_as + [f"No results for {found.query!r}.{hint}"])
    lines = read_as
    for result in found.results:
        lines.append(f"{result.score:5.1f}  {result.id}  {result.title}  ({result.year}, {result.method})")
        lines.append(f"       {result.snippet_text}")
    return "\n".join(lines)


def _stop(signum, frame) -> None:
    """SIGTERM: stop, running the clean-up on the way out (the server's
    snapshot, a build's temporary file).  The web server finishes the
    requests under way first (each is bounded by the SQL time limit), then
    hands the signal on to this handler."""
    raise SystemExit(0)


def run_datasette(args: list[str]) -> None:
    """Start Datasette's own command line with these arguments (imported
    here: the other commands start faster without it)."""
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(args, prog_name="datasette")


cli.add_command(add_command)
cli.add_command(review_command)
cli.add_command(reviewer_group)
