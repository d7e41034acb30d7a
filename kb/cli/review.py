"""The ``kb review`` command: confirm or reject a government response, or set
an ask's status, in sources/response_reviews.yml, then build."""

import sqlite3
from contextlib import closing
from pathlib import Path

import click

from kb.cli.building import build_and_echo
from kb.cli.options import db_option, sources_option
from kb.build.verdicts import ReviewRequestError, append, check, verdict_of
from kb.rules.responses import RELATIONS


@click.command(name="review")
@click.argument("recommendation")
@click.argument("paragraph", required=False)
@click.option("--confirm", is_flag=True, help="The paragraph responds to the ask (kept or added, method manual)")
@click.option("--reject", is_flag=True, help="The paragraph does not respond to the ask (removed)")
@click.option("--relation", type=click.Choice(list(RELATIONS)), help="With --confirm: how it responds  [default: addresses]")
@click.option("--status", help="Set the ask's status by hand, e.g. rejected (only a reviewer says so)")
@click.option("--note", help="Why, in a few words: kept in the reviews file, and shown with a status")
@sources_option("Folder holding response_reviews.yml", path_type=Path)
@db_option("The knowledge base the ids are checked against, built again once the verdict is written", path_type=Path)
@click.option("--no-build", is_flag=True, help="Write the verdict only; build later with kb build")
def review_command(recommendation, paragraph, confirm, reject, relation, status, note, sources_dir, db_path, no_build):
    """Confirm or reject a government response, or set an ask's status

    A reviewer's verdict on PARAGRAPH as a response to RECOMMENDATION, or
    (with --status and no PARAGRAPH) on the ask as a whole.

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
    """
    try:
        verdict = verdict_of(recommendation, paragraph, confirm, reject, relation, status, note)
        check(verdict, db_path)
        path = append(verdict, sources_dir)
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
