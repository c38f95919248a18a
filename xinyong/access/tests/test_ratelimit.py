"""Rate limits on the public pages and API: the bucket arithmetic, then the middleware against the real cache."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from xinyong.access.ratelimit import Limit, decide
from xinyong.access.tokens import token_create, token_revoke
from xinyong.core.addresses import client_address
from xinyong.org.models import Unit

# ------------------------------------------------------------------------------------------------------------
# The bucket


def test_a_burst_passes_then_the_sustained_rate() -> None:
    limit = Limit(per_minute=60, burst=3)
    stored, now, passed = None, 1000.0, 0
    for _ in range(5):
        decision = decide(stored, now, limit)
        if decision.allowed:
            passed += 1
            stored = decision.next_arrival
    assert passed == 3
    refused = decide(stored, now, limit)
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    # One interval later exactly one more request passes.
    assert decide(stored, now + 1.0, limit).allowed
    later = decide(stored, now + 1.0, limit).next_arrival
    assert not decide(later, now + 1.0, limit).allowed
    # After a quiet spell the whole burst is available again, and no more.
    quiet, passed = now + 60, 0
    for _ in range(5):
        decision = decide(stored, quiet, limit)
        if decision.allowed:
            passed += 1
            stored = decision.next_arrival
    assert passed == 3


def test_a_burst_of_one_is_the_plain_rate() -> None:
    limit = Limit(per_minute=30, burst=1)
    first = decide(None, 0.0, limit)
    assert first.allowed
    second = decide(first.next_arrival, 0.5, limit)
    assert not second.allowed and second.retry_after == pytest.approx(1.5)
    assert decide(first.next_arrival, 2.0, limit).allowed


def test_the_client_address_behind_trusted_proxies() -> None:
    request = RequestFactory().get("/public/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request, 0) == "10.0.0.2"  # no proxy trusted: the header is the client's word only
    assert client_address(request, 1) == "203.0.113.9"  # what our proxy saw, not what the client claimed
    assert client_address(request, 2) == "6.6.6.6"
    bare = RequestFactory().get("/public/", REMOTE_ADDR="10.0.0.2")
    assert client_address(bare, 1) == "10.0.0.2"


# ------------------------------------------------------------------------------------------------------------
# The middleware


@pytest.fixture
def tight(settings: Any) -> Iterator[Any]:
    settings.XINYONG_RATELIMIT_PER_MINUTE = 6
    settings.XINYONG_RATELIMIT_BURST = 3
    settings.XINYONG_RATELIMIT_TOKEN_PER_MINUTE = 6
    settings.XINYONG_RATELIMIT_TOKEN_BURST = 5
    settings.XINYONG_TRUSTED_PROXIES = 0
    cache.clear()
    yield settings
    cache.clear()


def _statuses(client: Client, path: str, n: int, **headers: str) -> list[int]:
    return [client.get(path, headers=headers or None).status_code for _ in range(n)]


@pytest.mark.django_db
def test_the_public_api_answers_429_in_json_with_retry_after(tight: Any) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = _statuses(client, "/api/v1/public/search?q=x", 3)
    assert 429 not in statuses
    refused = client.get("/api/v1/public/search?q=x")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    body = json.loads(refused.content)
    assert body["code"] == "E_RATE_LIMITED" and "请求过于频繁" in body["message"]
    assert 1 <= int(refused["Retry-After"]) <= 10
    assert refused["Cache-Control"] == "no-store"
    # The whole public area shares one budget per client.
    assert client.get("/public/").status_code == 429


@pytest.mark.django_db
def test_the_public_pages_answer_429_with_a_chinese_page(tight: Any) -> None:
    client = Client(REMOTE_ADDR="198.51.100.8")
    _statuses(client, "/public/search/?q=恒远", 3)
    refused = client.get("/public/search/?q=恒远")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "<title>请求过于频繁" in page and "秒后再试" in page
    assert refused["Retry-After"]
    # The refusal page is held to the same content-security policy as any other.
    assert "default-src 'self'" in refused["Content-Security-Policy"]


@pytest.mark.django_db
def test_clients_are_counted_apart_and_other_paths_are_not_limited(tight: Any) -> None:
    first, second = Client(REMOTE_ADDR="198.51.100.9"), Client(REMOTE_ADDR="198.51.100.10")
    _statuses(first, "/public/", 3)
    assert first.get("/public/").status_code == 429
    assert second.get("/public/").status_code != 429
    # The working pages of officers are not the public area.
    assert 429 not in _statuses(first, "/login/", 5)
    # A client faking X-Forwarded-For gets nothing when no proxy is trusted...
    assert first.get("/public/", headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_counts(tight: Any) -> None:
    tight.XINYONG_TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    assert 429 not in _statuses(proxy, "/public/", 3, **{"X-Forwarded-For": "203.0.113.5"})
    assert proxy.get("/public/", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    # Another client behind the same proxy has its own budget, whatever it writes in front.
    assert proxy.get("/public/", headers={"X-Forwarded-For": "203.0.113.5, 203.0.113.6"}).status_code != 429


@pytest.mark.django_db
def test_ipv6_clients_are_counted_by_their_64(tight: Any) -> None:
    one, neighbour = Client(REMOTE_ADDR="2001:db8:1:2::10"), Client(REMOTE_ADDR="2001:db8:1:2::99")
    _statuses(one, "/public/", 3)
    assert neighbour.get("/public/").status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1:3::10").get("/public/").status_code != 429


@pytest.mark.django_db
def test_token_clients_are_keyed_by_token(tight: Any, reference_data: Any) -> None:
    unit = Unit.objects.get(code="zhzfj")
    token_a, raw_a = token_create(department=unit, name="执法办案系统", actor=None)
    _, raw_b = token_create(department=unit, name="审批系统", actor=None)
    client = Client(REMOTE_ADDR="198.51.100.20")
    auth_a, auth_b = {"Authorization": f"Bearer {raw_a}"}, {"Authorization": f"Bearer {raw_b}"}
    # The token's own burst (5), larger than the address's (3).
    assert 429 not in _statuses(client, "/api/v1/public/ping", 5, **auth_a)
    assert client.get("/api/v1/public/ping", headers=auth_a).status_code == 429
    # Another token from the same address has its own budget, and so has the address itself.
    assert 429 not in _statuses(client, "/api/v1/public/ping", 5, **auth_b)
    assert 429 not in _statuses(client, "/api/v1/public/ping", 3)
    # A made-up or revoked token counts against the address that sent it.
    assert client.get("/api/v1/public/ping", headers={"Authorization": "Bearer xy_made-up"}).status_code == 429
    token_revoke(token=token_a, actor=None)
    other = Client(REMOTE_ADDR="198.51.100.21")
    _statuses(other, "/api/v1/public/ping", 3)
    assert other.get("/api/v1/public/ping", headers=auth_a).status_code == 429


@pytest.mark.django_db
def test_the_budget_refills_with_time(tight: Any) -> None:
    tight.XINYONG_RATELIMIT_PER_MINUTE = 600  # one request every 0.1 s
    tight.XINYONG_RATELIMIT_BURST = 2
    client = Client(REMOTE_ADDR="198.51.100.30")
    _statuses(client, "/public/", 2)
    assert client.get("/public/").status_code == 429
    time.sleep(0.25)
    assert client.get("/public/").status_code != 429


@pytest.mark.django_db
def test_a_limit_of_zero_turns_limiting_off(tight: Any) -> None:
    tight.XINYONG_RATELIMIT_PER_MINUTE = 0
    assert 429 not in _statuses(Client(REMOTE_ADDR="198.51.100.40"), "/public/", 10)


DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "xinyong_cache"}}


@pytest.mark.django_db
def test_the_database_cache_shares_the_counts(tight: Any) -> None:
    from django.core.management import call_command

    tight.CACHES = DATABASE_CACHE  # what XINYONG_CACHE=database configures, for several server processes
    call_command("createcachetable", verbosity=0)
    client = Client(REMOTE_ADDR="198.51.100.50")
    assert 429 not in _statuses(client, "/public/", 3)
    assert client.get("/public/").status_code == 429
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM xinyong_cache WHERE cache_key LIKE %s", ["%xy:rl:ip:198.51.100.50"])
        assert cursor.fetchone()[0] == 1


# Outside a test transaction, as a server runs: a failed query must not spoil the request's own work.
@pytest.mark.django_db(transaction=True)
def test_a_missing_cache_table_lets_requests_through_and_says_so(tight: Any, caplog: pytest.LogCaptureFixture) -> None:
    tight.CACHES = {"default": {**DATABASE_CACHE["default"], "LOCATION": "xinyong_cache_missing"}}
    client = Client(REMOTE_ADDR="198.51.100.51")
    with caplog.at_level("ERROR", logger="xinyong.access.ratelimit"):
        assert 429 not in _statuses(client, "/api/v1/public/ping", 5)
    assert "rate limit cache unavailable" in caplog.text
    # Back to a cache that exists, for the clean-up after the test.
    tight.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
