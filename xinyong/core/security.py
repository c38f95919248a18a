"""Security headers Django does not set itself: the content-security policy and the permissions policy.

Django's SecurityMiddleware and XFrameOptionsMiddleware already send X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy, X-Frame-Options and (behind HTTPS) Strict-Transport-Security from settings.

The policy allows only the platform's own files (no CDN: the platform runs on an intranet). Inline <script> and
<style> elements run only when they carry this response's nonce: templates write `nonce="{{ csp_nonce }}"`
(the context processor `xinyong.core.context_processors.security` provides it). Inline `style="…"` attributes
stay allowed (`style-src-attr`): ECharts writes them into its tooltips, a few templates use them, and an
attribute cannot run script. No `unsafe-eval`: htmx is told not to evaluate (`allowEval: false` in base.html).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Features no page of the platform uses; a page that is ever injected into cannot ask for them either.
PERMISSIONS_POLICY: Final = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock",
        "serial", "usb", "xr-spatial-tracking",
    )
)


def content_security_policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": "'unsafe-inline'",
        # ECharts' "save as image" and Swagger UI's icons are data: images.
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Gives each request a fresh CSP nonce and adds the CSP and Permissions-Policy headers to the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        report_only = getattr(settings, "XINYONG_CSP_REPORT_ONLY", False)
        self.header = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        # A view that needs another policy sets its own header; it is left alone.
        if self.header not in response:
            response[self.header] = content_security_policy(nonce)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
