"""Gives every request an id and makes the acting user known to services that write audit events."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from xinyong.audit import context
from xinyong.core.addresses import client_address


def _client_ip(request: HttpRequest) -> str | None:
    """Behind the configured reverse proxies the client's address, not the proxy's (as the rate limits read it);
    None for what a misconfigured proxy may pass that is no address."""
    try:
        return str(ipaddress.ip_address(client_address(request, int(getattr(settings, "XINYONG_TRUSTED_PROXIES", 0)))))
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        with context.acting(request_id=request_id[:64], ip=_client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id[:64]
        return response
