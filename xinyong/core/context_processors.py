"""Template variables every page needs, whichever app renders it.

- `pinned_clock`: the fixed time ("2026-05-01 10:00", Beijing time) when the platform clock is pinned
  (`XINYONG_NOW`, or a test's `clock.frozen`), else "". Pages show it as a banner, so nobody mistakes a
  training or demonstration system, where publicity periods run on a chosen date, for the live one.
- `csp_nonce`: the nonce of this response's content-security policy (`xinyong.core.security`), for the
  `nonce` attribute of an inline <script> or <style>.
"""

from __future__ import annotations

from django.http import HttpRequest

from xinyong.core import clock


def pinned_clock_label() -> str:
    instant = clock.pinned()
    if instant is None:
        return ""
    return instant.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def clock_banner(request: HttpRequest) -> dict[str, str]:
    return {"pinned_clock": pinned_clock_label()}


def security(request: HttpRequest) -> dict[str, str]:
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
