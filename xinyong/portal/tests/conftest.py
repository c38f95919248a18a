"""Fixtures of the portal tests: the bundled organisation and catalog, a pinned clock, no rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from xinyong.core import clock
from xinyong.org.models import User
from xinyong.portal.tests import data
from xinyong.web.tests import factories


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    with clock.frozen(data.NOW):
        yield


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    # The crawl makes hundreds of requests from one address; the limits have their own tests.
    settings.XINYONG_RATELIMIT_PER_MINUTE = 0
    settings.XINYONG_RATELIMIT_TOKEN_PER_MINUTE = 0


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    # The home page keeps its counts in the cache by day; each test has its own records.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def reference(db: None) -> None:
    factories.load_reference()


@pytest.fixture
def officer(reference: None) -> User:
    return factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明")
