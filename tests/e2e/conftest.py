"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django's guard against ORM calls from async
code would refuse the test's own set-up queries; the tests are synchronous, so the guard is relaxed here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from xinyong.core import clock

# Read by Django at each guarded call, so setting it when this conftest loads covers every e2e test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Thursday 2026-11-26: a date the built-in working-day calendar covers, so deadlines are computed.
NOW = "2026-11-26T10:00:00+08:00"


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make chromium` (Debian package chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def web_page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    # The live server runs in a thread of this process, so it reads the same pinned clock.
    with clock.frozen(NOW):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
