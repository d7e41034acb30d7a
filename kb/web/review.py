"""Reviewers in the browser: a Datasette plugin of its own (entry point
``kb_review``) that lets a signed-in reviewer confirm, reject or add a
government response, or set an ask's status, on the pages where the
evidence is (a government paragraph, a recommendation's timeline, a
scorecard).

Who may review: Datasette's actor (signed in with datasette-auth-passwords,
``/-/login``) and the ``kb-review`` permission, which this plugin grants to
the actors named in ``plugins: kb: reviewers:`` (``kb serve`` names those
with a ``KB_REVIEWER_<NAME>_PASSWORD_HASH``).  Reviewing is on only when the
plugin also knows the sources folder and the database to build
(``plugins: kb: sources:``, ``database:``); anonymous visitors and other
actors see no review controls, and their POSTs are refused.

A verdict is the one ``kb review`` writes (kb.build.verdicts: checked
against the served database, stamped with the reviewer, the time and what
was there, appended under the sources lock); then the site is built again
and switched to (kb.web.review_live).  Each refusal says why, and nothing
is written: a cross-site request, a missing CSRF token (asgi-csrf, before
this plugin sees the request), no or a used form token (kb.web.review_tokens),
unknown ids, a note or status that is not short plain text.
"""

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.utils.asgi import Response

from kb.build.verdicts import ReviewRequestError, record, verdict_of
from kb.rules.responses import RELATIONS
from kb.rules.reviews import RESPONSE_REVIEWS_NAME, ReviewError, history, read_response_reviews
from kb.web import review_tokens
from kb.web.navigation import database_name
from kb.web.originals import PLUGIN, sources_folder
from kb.web.review_live import live_for
from kb.web.signin_limits import limit_sign_ins

PERMISSION = "kb-review"
ROUTE = r"^/-/review$"
STATUS_ROUTE = r"^/-/review/status$"
ACTIONS = ("confirm", "reject", "add", "status")
STATUSES = ("addressed", "possible response", "no response found", "rejected")  # offered; any short words are taken
MAX_BODY_BYTES = 20_000
MAX_ID = 120
ACTOR_COOKIE = "ds_actor"
# datasette-auth-passwords' page that hashes any password it is sent: kb reviewer add does
# that on the reviewer's own machine, and on the server it would spend a third of a second
# of CPU on each request of anyone at all.
UNSERVED = ("/-/password-tool",)


class Refused(Exception):
    """A review request refused: its HTTP status and why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def reviewers(datasette) -> set[str]:
    return {str(name) for name in (datasette.plugin_config(PLUGIN) or {}).get("reviewers") or []}


def database_path(datasette) -> Path | None:
    """The database the server builds after a verdict, when reviewing is on."""
    path = (datasette.plugin_config(PLUGIN) or {}).get("database")
    return Path(path).resolve() if path else None


def reviewing_on(datasette) -> bool:
    return bool(reviewers(datasette) and database_path(datasette) and sources_folder(datasette))


@hookimpl
def permission_allowed(datasette, actor, action):
    """``kb-review``: for the actors named as reviewers, when reviewing is on."""
    if action != PERMISSION:
        return None
    return bool(actor and reviewing_on(datasette) and str(actor.get("id")) in reviewers(datasette))


@hookimpl
def register_routes():
    return [(ROUTE, review_post), (STATUS_ROUTE, review_status)]


@hookimpl
def extra_template_vars(datasette, request):
    """``kb_review``: for a reviewer, what the page's review forms need
    (their one-time token, where they post, where to come back to); None
    for everyone else."""
    async def inner():
        actor = request.actor if request else None
        if not actor or not await datasette.permission_allowed(actor, PERMISSION, default=False):
            return {"kb_review": None}
        back = request.path + (f"?{request.query_string}" if request.query_string else "")
        return {"kb_review": {
            "reviewer": actor["id"],
            "form_token": review_tokens.issue(datasette, actor["id"]),
            "action": datasette.urls.path("/-/review"),
            "status_url": datasette.urls.path("/-/review/status"),
            "logout": datasette.urls.path("/-/logout"),
            "return_to": back,
            "relations": RELATIONS,
            "statuses": STATUSES,
        }}

    return inner


@hookimpl
def asgi_wrapper(datasette):
    """A signed-in visitor's pages are theirs alone (a reviewer's carry
    one-time form tokens): ``Cache-Control: private, no-store``, so no
    shared cache keeps them or serves them to anyone else.  The password
    tool is not served (``UNSERVED``), and failed sign-ins are limited
    (kb.web.signin_limits)."""
    def wrap(app):
        app = limit_sign_ins(app)

        async def personal(scope, receive, send):
            if scope["type"] == "http" and scope.get("path", "").endswith(UNSERVED):
                return await Response.text("Not found: hash a reviewer's password with kb reviewer add.", status=404).asgi_send(send)
            if scope["type"] != "http" or not _has_actor_cookie(scope):
                return await app(scope, receive, send)

            async def private_send(event):
                if event["type"] == "http.response.start":
                    headers = [(k, v) for k, v in event.get("headers") or [] if k.lower() != b"cache-control"]
                    event = dict(event, headers=headers + [(b"cache-control", b"private, no-store")])
                await send(event)

            return await app(scope, receive, private_send)

        return personal

    return wrap


def _has_actor_cookie(scope) -> bool:
    cookies = b";".join(v for k, v in scope.get("headers") or [] if k == b"cookie")
    return f"{ACTOR_COOKIE}=".encode() in cookies


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.globals["kb_review_history"] = lambda ask: review_history(datasette, ask)


_history_cache: dict[Path, tuple[tuple[int, int], list]] = {}


def review_history(datasette, ask: str) -> list:
    """The verdicts given on ``ask``, oldest first, from the sources folder's
    reviews file (read again only when it changed); none without one."""
    folder = sources_folder(datasette)
    path = folder / RESPONSE_REVIEWS_NAME if folder else None
    if path is None or not path.is_file():
        return []
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _history_cache.get(path)
    if cached is None or cached[0] != key:
        try:
            cached = (key, read_response_reviews(path))
        except ReviewError:
            cached = (key, [])
        _history_cache[path] = cached
    return history(cached[1], ask)


async def review_post(datasette, request):
    """Write a verdict, start the build that shows it, and go back to the
    page with a message; or say why not, writing nothing."""
    try:
        if request.method != "POST":
            raise Refused(405, "Verdicts are sent with the review forms (POST).")
        reviewer = await _reviewer(datasette, request)
        form = await _form(request)
        problem = review_tokens.redeem(datasette, form.get("kb_form", ""), reviewer)
        if problem:
            raise Refused(409 if "sent already" in problem else 403, f"Not written: {problem}.")
        verdict = _verdict(form)
        served = datasette.get_database(database_name(datasette)).path
        path = await asyncio.to_thread(_write, verdict, reviewer, served, sources_folder(datasette))
    except Refused as refusal:
        return await _refused(datasette, request, refusal)
    live = live_for(datasette, sources_folder(datasette), database_path(datasette))
    ticket = live.written_by(datasette, reviewer)
    what = f"{verdict.from_id} {verdict.to_id}: {verdict.verdict}" if verdict.to_id else f"{verdict.from_id}: status {verdict.status}"
    datasette.add_message(request, f"Saved to {path.name} (verdict {ticket}): {what}. The site is being built again …", datasette.INFO)
    return Response.redirect(_back(form.get("return_to")), status=303)


async def _reviewer(datasette, request) -> str:
    """The reviewer sending a same-site request, or a refusal."""
    if not reviewing_on(datasette):
        raise Refused(403, "This server does not take reviews (start it with kb serve and a reviewer configured).")
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise Refused(403, "Refused: the form was sent from another site. Nothing was written.")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise Refused(403, f"Refused: the form was sent from {origin}, not this site. Nothing was written.")
    if origin == "null":
        raise Refused(403, "Refused: the form was sent from no site (Origin: null). Nothing was written.")
    actor = request.actor
    if not actor:
        raise Refused(403, "Sign in as a reviewer to review. Nothing was written.")
    if not await datasette.permission_allowed(actor, PERMISSION, default=False):
        raise Refused(403, f"{actor.get('id')!r} may not review (no {PERMISSION} permission). Nothing was written.")
    return str(actor["id"])


async def _form(request) -> dict:
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY_BYTES:
        raise Refused(413, f"The form is {size:,} bytes; a review is at most {MAX_BODY_BYTES:,}. Nothing was written.")
    return await request.post_vars()


def _verdict(form: dict):
    """The ``Review`` the form asks for, or a 400 saying what is wrong."""
    action, ask = form.get("action", ""), (form.get("ask") or "").strip()
    paragraph = (form.get("paragraph") or "").strip() or None
    note = (form.get("note") or "").strip() or None
    if action not in ACTIONS:
        raise Refused(400, f"Unknown review action {action!r}: {', '.join(ACTIONS)}. Nothing was written.")
    if not ask:
        raise Refused(400, "Name the ask (a recommendation id). Nothing was written.")
    if action != "status" and not paragraph:
        raise Refused(400, "Name the paragraph (a government paragraph id). Nothing was written.")
    if len(ask) > MAX_ID or len(paragraph or "") > MAX_ID:
        raise Refused(400, f"An id is at most {MAX_ID} characters. Nothing was written.")
    if form.get("relation") and form["relation"] not in RELATIONS:
        raise Refused(400, f"Unknown relation {form['relation']!r}: {' or '.join(RELATIONS)}. Nothing was written.")
    try:
        if action == "status":
            return verdict_of(ask, None, False, False, None, (form.get("status") or "").strip() or None, note)
        relation = form.get("relation") or None if action != "reject" else None
        return verdict_of(ask, paragraph, action != "reject", action == "reject", relation, None, note)
    except ReviewRequestError as error:
        raise Refused(400, f"{_sentence(error)} Nothing was written.") from error


def _write(verdict, reviewer: str, served: str, sources: Path) -> Path:
    """Check the verdict against the served database, stamp it and append
    it to the reviews file: what ``kb review`` does, on a thread."""
    try:
        return record(verdict, reviewer, served, sources)[1]
    except ReviewRequestError as error:
        raise Refused(400, f"{_sentence(error)} Nothing was written.") from error


def _sentence(error: Exception) -> str:
    text = str(error).split(": ", 1)[-1] if str(error).startswith("/") else str(error)
    if text.split(" ", 1)[0].isalpha():  # a word, not an id (hksarg-2020-policy-address stays as it is)
        text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _back(return_to: str | None) -> str:
    """Where to go after a verdict: a path of this site, never another site."""
    if not return_to or not return_to.startswith("/") or return_to.startswith("//") or "\\" in return_to:
        return "/"
    return return_to


async def _refused(datasette, request, refusal: Refused):
    context = {"kb_refusal": str(refusal), "kb_status": refusal.status, "kb_back": _back(request.headers.get("referer") and
                                                                                          urlsplit(request.headers["referer"]).path)}
    html = await datasette.render_template("kb_review_refused.html", context, request=request)
    return Response.html(html, status=refusal.status)


async def review_status(datasette, request):
    """The signed-in reviewer's last verdict: live, building, or failed and why (JSON)."""
    actor = request.actor
    if not actor or not await datasette.permission_allowed(actor, PERMISSION, default=False):
        return Response.json({"state": "none", "message": "Sign in as a reviewer."}, status=403)
    live = live_for(datasette, sources_folder(datasette), database_path(datasette))
    return Response.json(dict(live.status_for(str(actor["id"])), run=review_tokens.RUN, time=int(time.time())),
                         headers={"cache-control": "no-store"})
