"""``kb reviewer add``: the line that lets a reviewer sign in to kb serve."""

import re

import click

from kb.cli.serving import reviewer_variable

MIN_PASSWORD = 10
_NAME_RE = re.compile(r"^[a-z0-9_]{1,40}$")


@click.group(name="reviewer")
def reviewer_group():
    "Reviewers who sign in to kb serve and review in the browser"


@reviewer_group.command(name="add")
@click.argument("name")
@click.password_option(prompt="Password for the reviewer", help="Asked for twice when not given; never stored, only its hash")
def add_reviewer(name, password):
    """Print the setting that lets reviewer NAME sign in

    Asks for a password (twice) and prints the environment variable that
    holds its hash (PBKDF2-SHA256, salted; the password itself is never
    written anywhere).  Set it where kb serve runs; NAME then signs in at
    /-/login and may review.  To remove a reviewer, unset the variable.

    \b
    Example:
        kb reviewer add mei
        export KB_REVIEWER_MEI_PASSWORD_HASH='pbkdf2_sha256$480000$…'
        kb serve
    """
    from datasette_auth_passwords.utils import hash_password  # here: only this command needs it

    if not _NAME_RE.match(name):
        raise click.BadParameter("1 to 40 lower-case letters, digits or _ (it is part of an environment variable's name)",
                                 param_hint="NAME")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"at least {MIN_PASSWORD} characters", param_hint="password")
    click.echo(f"# {name} signs in to kb serve at /-/login once this is set where it runs:")
    click.echo(f"export {reviewer_variable(name)}='{hash_password(password)}'")
