"""The ``kb review`` command: confirm or reject a government response, or set
an ask's status, in sources/response_reviews.yml, then build."""

import getpass
import sqlite3
from contextlib import closing
from pathlib import Path

import click

from kb.cli.building import build_and_echo
from kb.cli.options import db_option, sources_option
from kb.build.verdicts import ReviewRequestError, record, verdict_of
from kb.rules.responses import RELATIONS
from kb.rules.reviews import RESPONSE_REVIEWS_NAME, ReviewError, change, history, read_response_reviews


@click.command(name="review")
@click.argument("recommendation", required=False)
@click.argument("paragraph", required=False)
@click.option("--confirm", is_flag=True, help="The paragraph responds to the ask (kept or added, method manual)")
@click.option("--reject", is_flag=True, help="The paragraph does not respond to the ask (removed)")
@click.option("--relation", type=click.Choice(list(RELATIONS)), help="With --confirm: how it responds  [default: addresses]")
@click.option("--status", help="Set the ask's status by hand, e.g. rejected (only a reviewer says so)")
@click.option("--note", help="Why, in a few words: kept in the reviews file, and shown with a status")
@sources_option("Folder holding response_reviews.yml", path_type=Path)
@db_option("The knowledge base the ids are checked against, built again once the verdict is written", path_type=Path)
@click.option("--reviewer", metavar="NAME", help="Who gives the verdict, kept with it  [default: your login name]")
@click.option("--no-build", is_flag=True, help="Write the verdict only; build later with kb build")
@click.option("--log", "show_log", is_flag=True, help="List the verdicts given so far (on RECOMMENDATION, if named): who, when, from what to what")
def review_command(recommendation, paragraph, confirm, reject, relation, status, note, sources_dir, db_path, reviewer, no_build,
                   show_log):
    """Confirm or reject a government response, or set an ask's status

    A reviewer's verdict on PARAGRAPH as a response to RECOMMENDATION, or
    (with --status and no PARAGRAPH) on the ask as a whole, kept with the
    reviewer's name, the time and what the knowledge base showed before.
    --log lists the verdicts given so far, in the browser or here.

    The ids are checked against DB (an ask, and a paragraph of a government
    text published after it); the verdict is appended to
    SOURCES/response_reviews.yml, and DB is built again, incrementally, so
    the response and the ask's status show the verdict (method manual).  A
    later verdict on the same response wins.

    \b
    Examples:
        kb review cma-2024-budget/11 hksarg-2024-25-budget/85 --reject \\
          --note "solar panels on a government building, not SMEs' low-carbon shift"
        kb review cma-2023-policy-address/12 hksarg-2023-policy-address/57.1 --confirm
        kb review cma-2023-policy-address/19 --status rejected --note "the reason"
        kb review --log cma-2023-policy-address/19
    """
    if show_log:
        click.echo(log_lines(sources_dir, recommendation))
        return
    if not recommendation:
        raise click.UsageError("give the RECOMMENDATION the verdict is on (or --log)")
    try:
        verdict = verdict_of(recommendation, paragraph, confirm, reject, relation, status, note)
        verdict, path = record(verdict, reviewer or _login_name(), db_path, sources_dir)
    except ReviewRequestError as error:
        raise click.ClickException(f"{error}\nNothing was written.") from error
    what = f"{verdict.verdict} {verdict.to_id}" + (f" ({verdict.relation})" if verdict.relation else "") \
        if verdict.to_id else f"status {verdict.status!r}"
    click.echo(f"Wrote to {path}: {recommendation}: {what}.")
    if no_build:
        click.echo("Run kb build to apply it.")
        return
    build_and_echo(str(sources_dir), str(db_path))
    click.echo(status_line(db_path, recommendation))


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def log_lines(sources_dir: Path, recommendation: str | None) -> str:
    """The history of verdicts, one per line, oldest first: when, who, the
    ask (and paragraph), from what to what, and the note."""
    path = Path(sources_dir) / RESPONSE_REVIEWS_NAME
    try:
        reviews = history(read_response_reviews(path), recommendation) if path.is_file() else []
    except ReviewError as error:
        raise click.ClickException(str(error)) from error
    if not reviews:
        return f"No verdicts in {path}" + (f" on {recommendation}." if recommendation else ".")
    lines = []
    for r in reviews:
        about = f"{r.from_id} {r.to_id}" if r.to_id else r.from_id
        line = f"{r.at or '(no time)'}  {r.reviewer or '(no reviewer)'}  {about}: {r.was or '(not recorded)'} → {change(r)}"
        lines.append(line + (f"  ({r.note})" if r.note else ""))
    return "\n".join(lines)


def status_line(db_path: Path, recommendation: str) -> str:
    """The ask's status and responses after the build, as kb prints them."""
    with closing(sqlite3.connect(db_path)) as conn:
        status, method = conn.execute(
            "select status, method from response_status where recommendation_id = ?", [recommendation]).fetchone()
        responses = conn.execute(
            "select paragraph_id, relation, method from responses where recommendation_id = ? order by score desc, paragraph_id",
            [recommendation]).fetchall()
    lines = [f"{recommendation}: {status}" + (" (set by a reviewer)" if method == "manual" else "")]
    lines += [f"  {relation} {pid}" + (" (reviewed)" if how == "manual" else "") for pid, relation, how in responses]
    return "\n".join(lines)
