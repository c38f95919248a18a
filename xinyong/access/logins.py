"""Login throttling with django-axes: who is locked out, until when, and the address a login comes from.

Axes counts failed logins in its database table (AccessAttempt, one row per username, address and browser, with
the failures since the row's first and the time of its latest). Two criteria lock: an account's failures within
the cool-off reaching XINYONG_LOGIN_FAILURE_LIMIT (AXES_FAILURE_LIMIT), or an address's reaching
XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT — larger, because a whole office behind one NAT address shares it. Axes
compares one count with one limit, so `LoginAttemptHandler.get_failures` reports the address's count shifted by
the difference of the two limits: either criterion reaching its own limit locks.

Time here is the real time, as axes keeps it, not the platform clock: a clock pinned for a demonstration must
not stop a lock from ending.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from xinyong.core.addresses import client_address

Criterion = Literal["username", "ip_address"]
CRITERIA: tuple[Criterion, ...] = ("username", "ip_address")
_CRITERION_LABELS: dict[Criterion, str] = {"username": "用户名", "ip_address": "地址"}


def normalize_address(text: str | None) -> str | None:
    """The address failures are counted under: IPv4 as is, an IPv6 client by its /64 (which one subscriber
    usually holds whole, as the public rate limits count it); None for what is not an address."""
    try:
        parsed = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def login_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address as the rest of the platform reads it (X-Forwarded-For only
    behind XINYONG_TRUSTED_PROXIES configured proxies)."""
    return normalize_address(client_address(request, int(getattr(settings, "XINYONG_TRUSTED_PROXIES", 0))))


def failure_limit(criterion: Criterion) -> int:
    if criterion == "ip_address":
        return int(settings.XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT)
    return int(settings.AXES_FAILURE_LIMIT)


def cool_off() -> timedelta:
    value = get_cool_off()
    if value is None:
        raise ValueError("AXES_COOLOFF_TIME must be set: a lock without an end is not supported")
    return value


def lock_end(attempts: Iterable[tuple[datetime, int]], *, limit: int, cool_off: timedelta) -> datetime | None:
    """When a lock ends, from the (latest attempt time, failures) of the rows still within the cool-off, or None
    when they do not reach the limit. Rows leave the count oldest first, each a cool-off after its latest
    attempt; the lock holds while the rows left still add up to the limit."""
    total = 0
    for when, failures in sorted(attempts, reverse=True):
        total += failures
        if total >= limit:
            return when + cool_off
    return None


@dataclass(frozen=True)
class Lock:
    """One criterion at or over its limit: the account or the address whose logins are refused, until when."""

    criterion: Criterion
    value: str
    failures: int
    until: datetime

    @property
    def label(self) -> str:
        return f"{_CRITERION_LABELS[self.criterion]} {self.value}"

    @property
    def until_local(self) -> str:
        return timezone.localtime(self.until).strftime("%Y-%m-%d %H:%M")


def _recent(now: datetime) -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(attempt_time__gte=now - cool_off())


def _tally(criterion: Criterion, value: str, now: datetime) -> tuple[int, datetime | None]:
    rows = list(_recent(now).filter(Q((criterion, value))).values_list("attempt_time", "failures_since_start"))
    until = lock_end(rows, limit=failure_limit(criterion), cool_off=cool_off())
    return sum(failures for _, failures in rows), until


def _criteria(username: str | None, address: str | None) -> list[tuple[Criterion, str]]:
    pairs: list[tuple[Criterion, str | None]] = [("username", username), ("ip_address", address)]
    # Failures without a username or an address are not pooled under "none".
    return [(criterion, value) for criterion, value in pairs if value]


def locks_of(*, username: str | None, address: str | None, now: datetime | None = None) -> list[Lock]:
    """The locks that refuse a login with this username from this address now."""
    now = now or timezone.now()
    locks = []
    for criterion, value in _criteria(username, address):
        failures, until = _tally(criterion, value, now)
        if until is not None and until > now:
            locks.append(Lock(criterion, value, failures, until))
    return locks


def current_locks(now: datetime | None = None) -> list[Lock]:
    """Every account and address locked now, the longest lock first."""
    now = now or timezone.now()
    recent = _recent(now)
    locks = []
    for criterion in CRITERIA:
        limit = failure_limit(criterion)
        heavy = (
            recent.exclude(**{f"{criterion}__isnull": True})
            .order_by()
            .values_list(criterion)
            .annotate(total=Sum("failures_since_start"))
            .filter(total__gte=limit)
        )
        for value, _total in heavy:
            failures, until = _tally(criterion, value, now)
            if until is not None and until > now:
                locks.append(Lock(criterion, value, failures, until))
    return sorted(locks, key=lambda lock: (lock.until, lock.criterion, lock.value), reverse=True)


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address (see the module's note)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        now = request.axes_attempt_time or timezone.now()
        account_limit = failure_limit("username")
        worst = 0
        for criterion, value in _criteria(username, request.axes_ip_address):
            failures, _until = _tally(criterion, value, now)
            worst = max(worst, failures - (failure_limit(criterion) - account_limit))
        return worst

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """A successful login clears its account's failures only: an insider's own login from an address must
        not wipe the failures counted against that address."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
