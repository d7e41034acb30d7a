"""Sign-in attempts, limited: after ``MAX_FAILURES`` failed sign-ins from
one address within ``WINDOW_SECONDS``, that address is refused (429) until
the oldest failure is that old.

Each attempt checks a password against a slow hash (PBKDF2, a third of a
second of CPU), so without a limit a visitor could both guess passwords
and keep the server busy.  The login page (datasette-auth-passwords)
answers a failed attempt with the form again (200) and a good one with a
redirect: the wrapper counts the 200s.  Behind a proxy every visitor comes
from the proxy's address, so the limit is then shared; the counts live in
memory and start again with the server.
"""

import collections
import time

from datasette.utils.asgi import Response

LOGIN_PATH = "/-/login"
MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
_failures: dict[str, collections.deque] = collections.defaultdict(collections.deque)


def limit_sign_ins(app):
    """The ASGI wrapper: refuse a POST to the login page from an address
    with too many recent failures, and count the failures."""
    async def limited(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope.get("path", "").endswith(LOGIN_PATH):
            return await app(scope, receive, send)
        address = (scope.get("client") or ("unknown",))[0]
        if _recent(address) >= MAX_FAILURES:
            minutes = WINDOW_SECONDS // 60
            message = f"Too many failed sign-ins from your address: try again within {minutes} minutes."
            return await Response.text(message, status=429, headers={"retry-after": str(WINDOW_SECONDS)}).asgi_send(send)
        answered = {}

        async def counting_send(event):
            if event["type"] == "http.response.start":
                answered["status"] = event["status"]
            await send(event)

        await app(scope, receive, counting_send)
        if answered.get("status") == 200:  # the form again: a wrong name or password
            _failures[address].append(time.monotonic())

    return limited


def _recent(address: str) -> int:
    """Failures from ``address`` within the window (older ones forgotten)."""
    failures = _failures[address]
    while failures and time.monotonic() - failures[0] > WINDOW_SECONDS:
        failures.popleft()
    return len(failures)
