"""Shared fixtures: reference data loaded through the real loaders, and a pinned clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from xinyong.core import clock


@pytest.fixture
def reference_data(db: Any) -> None:
    """The bundled Ligang organisation and the shipped catalog, as `xinyong setup` loads them."""
    from xinyong.catalog.services import catalog_load_bundled
    from xinyong.org.services import org_load_config

    org_load_config()
    catalog_load_bundled()


@pytest.fixture
def frozen_now() -> Iterator[Any]:
    with clock.frozen("2020-11-26T10:00:00+08:00") as instant:
        yield instant


@pytest.fixture(autouse=True)
def _data_folders(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XINYONG_AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    # Test users need no key stretching: PBKDF2's million rounds cost most of a fixture that makes users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The public rate limits count in the cache: one test's requests must not use up the next one's budget.
    from django.core.cache import cache

    cache.clear()
