"""Logins, failed logins, lock-outs and logouts in the audit trail.

These are events, not data changes, so no service writes them: receivers of Django's authentication signals and of
axes' `user_locked_out` record them, each in a transaction of its own (the rule that an event shares its change's
transaction has no change to share here). A failed login records the username tried and the address, never the
password. Logins refused while a lock holds are not recorded one by one: they cost no password check, and an
attacker could otherwise grow the trail at will; the lock itself is recorded when it starts.

The failure that starts a lock is recorded before the lock, whichever of axes' receiver and ours runs first.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.http import HttpRequest

from xinyong.access.logins import locks_of, login_address
from xinyong.audit.services import audit_record
from xinyong.org.models import User

SUCCEEDED = "login.succeeded"
FAILED = "login.failed"
LOCKED_OUT = "login.locked_out"
LOGGED_OUT = "login.logged_out"
UNLOCKED = "login.unlocked"
# The actor of what happens before anyone is logged in.
ANONYMOUS = "anonymous"

_USERNAME_MAX = 150


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or login_address(request)


def _refused_while_locked(request: HttpRequest | None) -> bool:
    # Axes marks a request it refused without checking the password as locked out before it records any
    # failure; a failure it did record carries the count.
    return bool(
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )


def record_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            action=SUCCEEDED,
            obj=user,
            summary=f"登录成功：用户名 {user.username}",
            after={"username": user.username, "address": _address(request)},
        )


def record_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if _refused_while_locked(request):
        return
    username = str(credentials.get("username") or "")[:_USERNAME_MAX]
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        audit_record(
            actor=ANONYMOUS,
            action=FAILED,
            obj=user,
            object_type="" if user else "org.User",
            summary=f"登录失败：用户名 {username or '（未填写）'}",
            after={"username": username, "address": _address(request)},
        )
    if request is None:
        return
    request._xinyong_failure_recorded = True  # type: ignore[attr-defined]
    pending = getattr(request, "_xinyong_lockout_pending", None)
    if pending is not None:
        _write_lockout(request, *pending)


def record_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    if _refused_while_locked(request):
        return
    if getattr(request, "_xinyong_failure_recorded", False):
        _write_lockout(request, username, ip_address)
    else:
        # Axes' receiver ran before ours: the failure is recorded first, then the lock.
        request._xinyong_lockout_pending = (username, ip_address)  # type: ignore[attr-defined]


def _write_lockout(request: HttpRequest, username: str | None, ip_address: str | None) -> None:
    now = getattr(request, "axes_attempt_time", None)
    locks = locks_of(username=username, address=ip_address, now=now)
    if not locks:
        return
    described = "；".join(f"{lock.label}（失败 {lock.failures} 次，至 {lock.until_local} 解除）" for lock in locks)
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        audit_record(
            actor=None,
            action=LOCKED_OUT,
            obj=user,
            object_type="" if user else "org.User",
            summary=f"登录锁定：{described}",
            after={
                "username": username,
                "address": ip_address,
                "locks": [
                    {"criterion": lock.criterion, "value": lock.value, "failures": lock.failures,
                     "until": lock.until.isoformat()}
                    for lock in locks
                ],
            },
        )


def record_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit_record(
            actor=user,
            action=LOGGED_OUT,
            obj=user,
            summary=f"退出登录：用户名 {user.username}",
            after={"username": user.username, "address": _address(request)},
        )


def connect() -> None:
    user_logged_in.connect(record_login, dispatch_uid="xinyong.login.succeeded")
    user_login_failed.connect(record_login_failure, dispatch_uid="xinyong.login.failed")
    user_logged_out.connect(record_logout, dispatch_uid="xinyong.login.logged_out")
    user_locked_out.connect(record_lockout, dispatch_uid="xinyong.login.locked_out")
