"""Where a request comes from: the client's address behind the configured reverse proxies.

One reading for the rate limits, the login lock-outs and the audit trail, so they never disagree on who a client
is. Pure: it reads the request's headers, never the database.
"""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest, trusted_proxies: int) -> str:
    """The client's address; behind `trusted_proxies` reverse proxies, the one the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so only the last
    `trusted_proxies` entries are facts; anything before them is whatever the client chose to send.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if trusted_proxies > 0:
        hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(hops) >= trusted_proxies:
            remote = hops[-trusted_proxies]
    return remote
