"""One-time form tokens: a review form can be sent once, by the reviewer it
was made for, from a page this server run made within the last hours.

Datasette's CSRF token (``csrftoken``, checked by asgi-csrf before a POST
reaches kb) proves the form came from this site; it stays the same for the
whole visit, so it does not stop a request from being sent twice.  Each
page a reviewer sees carries a token of its own, signed with Datasette's
secret, naming the reviewer, a random nonce, this server run and the time;
``redeem`` accepts it once.  The nonces used are kept in memory: a token of
an earlier run (whose nonces are forgotten) is refused as such.
"""

import secrets
import time

NAMESPACE = "kb-review-form"
MAX_AGE_SECONDS = 12 * 3600
RUN = secrets.token_hex(8)  # this server run
_used: set[str] = set()


def issue(datasette, reviewer: str) -> str:
    """A new token for a form ``reviewer`` will send."""
    return datasette.sign({"r": reviewer, "n": secrets.token_hex(16), "run": RUN, "t": int(time.time())}, NAMESPACE)


def redeem(datasette, token: str, reviewer: str) -> str | None:
    """Accept ``token`` for ``reviewer`` once: None when it is good, else why not."""
    try:
        data = datasette.unsign(token or "", NAMESPACE)
    except Exception:  # itsdangerous' BadSignature, or no token at all
        return "the form carries no valid review token; reload the page and send it again"
    if data.get("run") != RUN:
        return "the form is from before the server restarted; reload the page and send it again"
    if data.get("r") != reviewer:
        return "the form was made for another reviewer; reload the page and send it again"
    if time.time() - data.get("t", 0) > MAX_AGE_SECONDS:
        return "the form is more than 12 hours old; reload the page and send it again"
    if data["n"] in _used:
        return "this form was sent already (a verdict is written once); reload the page to give another"
    _used.add(data["n"])
    return None
