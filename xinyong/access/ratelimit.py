"""Per-client rate limits on the public pages and the public API, kept in Django's cache.

The limit is a token bucket, computed as GCRA (the "generic cell rate algorithm"): a client may send `burst`
requests at once, then `per_minute` a minute; one number per client (the theoretical arrival time of its next
request) is all the state. Anonymous clients are keyed by address (an IPv6 client by its /64, which one
subscriber usually holds whole); a government system sending a valid API token is keyed by its token, with its
own, larger limit. An invalid token counts against the address that sent it, so made-up tokens buy nothing.

The cache is Django's default cache (`XINYONG_CACHE`): local memory counts per process, so with several server
processes each allows the full rate; the database cache shares the counts between processes and servers.
Reading and then writing the count is not atomic: simultaneous requests of one client may each pass on the same
reading, so the limit errs on the lenient side by at most the number of requests in flight.

Time is the real time, not the platform clock: a clock pinned for a demonstration must not stop the bucket.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from xinyong.access.tokens import active_token_id, bearer_secret
from xinyong.core.addresses import client_address
from xinyong.core.errors import ErrorCode

logger = logging.getLogger(__name__)

DEFAULT_PATHS: tuple[str, ...] = ("/public/", "/api/v1/public/")
_KEY_PREFIX = "xy:rl:"


@dataclass(frozen=True)
class Limit:
    per_minute: int
    burst: int

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        """How far ahead of now a client's next arrival time may run: the burst."""
        return self.interval * (max(self.burst, 1) - 1)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The next arrival time to store (allowed), or the seconds to wait before a request would pass (refused).
    next_arrival: float
    retry_after: float


def decide(stored: float | None, now: float, limit: Limit) -> Decision:
    """GCRA for one request: pure, so the arithmetic is tested without a cache."""
    arrival = now if stored is None else max(stored, now)
    ahead = arrival - now
    if ahead > limit.tolerance:
        return Decision(False, arrival, ahead - limit.tolerance)
    return Decision(True, arrival + limit.interval, 0.0)


def _address_key(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "ip:" + address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return "ip:" + str(parsed.ipv4_mapped)
        return "ip6:" + str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return "ip:" + str(parsed)


def _token_id(request: HttpRequest) -> int | None:
    raw = bearer_secret(request)
    return active_token_id(raw) if raw else None


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class RateLimitMiddleware:
    """Answers 429 with Retry-After to a client over its limit on the public paths; other paths pass untouched.

    Settings are read on every request, so tests and operators' overrides take effect at once. A limit of 0
    requests a minute turns limiting off for that kind of client.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        paths: Sequence[str] = getattr(settings, "XINYONG_RATELIMIT_PATHS", DEFAULT_PATHS)
        if not request.path.startswith(tuple(paths)):
            return self.get_response(request)
        key, limit = self._client(request)
        if limit.per_minute <= 0:
            return self.get_response(request)
        wait = self._take(key, limit)
        if wait is None:
            return self.get_response(request)
        return self._refusal(request, wait)

    def _client(self, request: HttpRequest) -> tuple[str, Limit]:
        token = _token_id(request)
        if token is not None:
            return f"token:{token}", Limit(
                _setting("XINYONG_RATELIMIT_TOKEN_PER_MINUTE", 600), _setting("XINYONG_RATELIMIT_TOKEN_BURST", 100)
            )
        address = client_address(request, _setting("XINYONG_TRUSTED_PROXIES", 0))
        return _address_key(address), Limit(
            _setting("XINYONG_RATELIMIT_PER_MINUTE", 60), _setting("XINYONG_RATELIMIT_BURST", 20)
        )

    def _take(self, key: str, limit: Limit) -> float | None:
        """Seconds to wait, or None when the request may pass (and is counted)."""
        cache = caches[getattr(settings, "XINYONG_RATELIMIT_CACHE", "default")]
        cache_key = _KEY_PREFIX + key
        now = time.time()
        try:
            stored = cache.get(cache_key)
            decision = decide(stored if isinstance(stored, int | float) else None, now, limit)
            if decision.allowed:
                # Kept only as long as it matters: once the arrival time has passed, the client starts afresh.
                cache.set(cache_key, decision.next_arrival, timeout=math.ceil(decision.next_arrival - now) + 1)
        except DatabaseError:
            # The database cache without its table (`xinyong createcachetable` not run) must not take the public
            # pages down; the log says what is wrong.
            logger.exception("rate limit cache unavailable; request let through")
            return None
        return None if decision.allowed else decision.retry_after

    def _refusal(self, request: HttpRequest, wait: float) -> HttpResponse:
        seconds = max(1, math.ceil(wait))
        message = f"请求过于频繁，请于 {seconds} 秒后再试。"
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"code": str(ErrorCode.RATE_LIMITED), "message": message}, status=429,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            html = render_to_string("core/429.html", {"retry_after": seconds, "message": message}, request=request)
            response = HttpResponse(html, status=429)
        response["Retry-After"] = str(seconds)
        # A refusal is about this client at this moment: no cache may keep it for others.
        response["Cache-Control"] = "no-store"
        return response
