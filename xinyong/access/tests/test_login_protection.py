"""Login protection: lock-out by account and by address (django-axes), its page, its audit events, unlocking."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from xinyong.access.logins import current_locks, lock_end, normalize_address
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.org.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Kq7-login-protect"
LOGIN = "/login/"


@pytest.fixture
def clerk(db: Any) -> User:
    return User.objects.create_user(username="clerk", password=PASSWORD, display_name="报送员（测试）")


@pytest.fixture
def other(db: Any) -> User:
    return User.objects.create_user(username="other", password=PASSWORD, display_name="另一位（测试）")


def _try(client: Client, username: str, password: str, address: str = "10.0.0.1", forwarded: str = "") -> Any:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers)


def _logged_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("web:home")


def _fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> list[int]:
    return [_try(client, username, f"wrong-{i}", address).status_code for i in range(times)]


def test_the_defaults_lock_an_account_after_5_failures_and_an_address_after_20_for_15_minutes(settings: Any) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT == 20
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_HANDLER == "xinyong.access.logins.LoginAttemptHandler"
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_an_account_is_locked_after_the_limit_and_then_refuses_the_right_password(
    clerk: User, other: User, client: Client
) -> None:
    # Below the limit a wrong password only says so, in Chinese.
    statuses = _fail(client, "clerk", 4)
    assert statuses == [200, 200, 200, 200]
    wrong = _try(client, "clerk", "wrong-again-but-not-yet")
    # The fifth failure locks: the answer is the lock-out page.
    assert wrong.status_code == 429
    right = _try(client, "clerk", PASSWORD)
    assert right.status_code == 429 and not _logged_in(right)
    assert client.get(reverse("web:home")).status_code == 302
    html = right.content.decode()
    assert "登录已暂时锁定" in html and "该账号短时间内登录失败次数过多" in html
    assert "分钟" in html and "请联系信用办管理员" in html
    assert 840 <= int(right["Retry-After"]) <= 900
    assert right["Cache-Control"] == "no-store"
    # Another account from the same address is not concerned by the account's lock.
    assert _logged_in(_try(Client(), "other", PASSWORD))


def test_the_login_form_says_why_in_chinese_below_the_limit(clerk: User, client: Client) -> None:
    response = _try(client, "clerk", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_an_address_is_locked_for_every_account_after_its_own_limit(
    clerk: User, other: User, client: Client, settings: Any
) -> None:
    settings.XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    # Eight failures from one address, spread over accounts so that none reaches the account limit.
    for name in ("a1", "a2", "a3", "a4"):
        assert _fail(client, name, 2, address="10.9.9.9")[-1] in (200, 429)
    refused = _try(client, "other", PASSWORD, address="10.9.9.9")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "从您所在网络地址发出的登录失败次数过多" in html and "该账号短时间内登录失败次数过多" not in html
    # The same account from another address is let in.
    assert _logged_in(_try(Client(), "other", PASSWORD, address="10.1.1.1"))


def test_a_success_clears_the_account_count_but_not_the_address_count(
    clerk: User, client: Client, settings: Any
) -> None:
    _fail(client, "clerk", 4)
    _fail(client, "ghost", 2)
    assert _logged_in(_try(client, "clerk", PASSWORD))
    client.post(reverse("web:logout"))
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    assert AccessAttempt.objects.filter(username="ghost", ip_address="10.0.0.1").exists()
    # Four more failures are again below the limit; the fifth locks.
    assert _fail(client, "clerk", 4) == [200, 200, 200, 200]
    assert _fail(client, "clerk", 1) == [429]


def test_without_reset_on_success_failures_keep_counting(clerk: User, client: Client, settings: Any) -> None:
    settings.AXES_RESET_ON_SUCCESS = False
    _fail(client, "clerk", 4)
    assert _logged_in(_try(client, "clerk", PASSWORD))
    client.post(reverse("web:logout"))
    assert _fail(client, "clerk", 1) == [429]


def test_a_lock_ends_after_the_cool_off_and_refused_tries_do_not_prolong_it(
    clerk: User, client: Client, settings: Any
) -> None:
    settings.AXES_COOLOFF_TIME = dt.timedelta(seconds=2)
    settings.AXES_FAILURE_LIMIT = 3
    assert _fail(client, "clerk", 3)[-1] == 429
    locked_at = time.monotonic()
    time.sleep(1)
    assert _try(client, "clerk", PASSWORD).status_code == 429
    time.sleep(max(0.0, 2.3 - (time.monotonic() - locked_at)))
    assert _logged_in(_try(client, "clerk", PASSWORD))


def test_the_admin_login_page_is_protected_the_same_way(clerk: User, client: Client) -> None:
    for i in range(5):
        client.post("/admin/login/", {"username": "clerk", "password": f"bad-{i}"}, REMOTE_ADDR="10.0.0.2")
    refused = client.post("/admin/login/", {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert refused.status_code == 429 and "登录已暂时锁定" in refused.content.decode()


def test_forwarded_addresses_count_only_behind_configured_proxies(client: Client, settings: Any) -> None:
    settings.XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    settings.XINYONG_TRUSTED_PROXIES = 0
    # Without a proxy a client cannot escape its address's count by making up X-Forwarded-For.
    for i in range(3):
        _try(client, f"u{i}", "x", "10.0.0.7", forwarded=f"192.0.2.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.7"}
    assert _try(client, "u9", "x", "10.0.0.7", forwarded="192.0.2.99").status_code == 429
    # Behind one proxy the address is the one the proxy saw.
    settings.XINYONG_TRUSTED_PROXIES = 1
    _try(client, "u5", "x", "10.0.0.8", forwarded="203.0.113.9, 198.51.100.4")
    assert AccessAttempt.objects.filter(username="u5", ip_address="198.51.100.4").exists()
    event = AuditEvent.objects.filter(action="login.failed").order_by("-seq").first()
    assert event is not None and event.ip == "198.51.100.4" and event.after["address"] == "198.51.100.4"


def test_audit_events_of_login_failure_lockout_unlock_and_logout(clerk: User, client: Client) -> None:
    secret = "wrong-secret-value"
    assert _logged_in(_try(client, "clerk", PASSWORD))
    client.post(reverse("web:logout"))
    for _ in range(5):
        _try(client, "clerk", secret)
    _try(client, "clerk", PASSWORD)  # refused while locked: not recorded one by one
    call_command("login", "unlock", "--username", "clerk")
    events = list(AuditEvent.objects.filter(action__startswith="login.").order_by("seq"))
    assert [e.action for e in events] == [
        "login.succeeded", "login.logged_out", *["login.failed"] * 5, "login.locked_out", "login.unlocked",
    ]
    succeeded, logged_out, failed, locked, unlocked = events[0], events[1], events[2], events[7], events[8]
    assert succeeded.summary == "登录成功：用户名 clerk" and succeeded.actor == clerk
    assert succeeded.ip == "10.0.0.1"
    assert logged_out.summary == "退出登录：用户名 clerk"
    assert failed.summary == "登录失败：用户名 clerk" and failed.actor_label == "anonymous"
    assert failed.after == {"username": "clerk", "address": "10.0.0.1"} and failed.object_id == str(clerk.pk)
    assert locked.summary.startswith("登录锁定：用户名 clerk（失败 5 次，至 ")
    assert unlocked.summary == "解除登录锁定：用户名 clerk（清除失败登录 5 次）"
    for event in AuditEvent.objects.all():
        assert secret not in json.dumps([event.summary, event.before, event.after], ensure_ascii=False)
        assert PASSWORD not in json.dumps([event.summary, event.before, event.after], ensure_ascii=False)
    assert audit_verify() is None


def test_a_failed_login_with_an_unknown_username_is_recorded_without_a_user(db: Any, client: Client) -> None:
    _try(client, "nobody-here", "whatever")
    event = AuditEvent.objects.get(action="login.failed")
    assert event.summary == "登录失败：用户名 nobody-here" and event.object_type == "org.User" and event.object_id == ""


def test_unlock_command_lists_and_lifts_locks_by_username_and_by_address(
    clerk: User, other: User, client: Client, settings: Any, capsys: Any
) -> None:
    settings.XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    _fail(client, "clerk", 5, address="10.0.0.3")
    _fail(client, "x1", 1, address="10.0.0.3")
    call_command("login", "locks")
    listing = capsys.readouterr().out
    assert "用户名 clerk：15 分钟内登录失败 5 次" in listing and "地址 10.0.0.3：15 分钟内登录失败 6 次" in listing
    call_command("login", "locks", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert {(r["criterion"], r["value"], r["failures"]) for r in rows} == {
        ("username", "clerk", 5), ("ip_address", "10.0.0.3", 6),
    }
    call_command("login", "unlock", "--ip", "10.0.0.3")
    assert "已解除 地址 10.0.0.3 的登录锁定" in capsys.readouterr().out
    # The address's failures are gone, and with them the account's (they came from that address).
    assert _logged_in(_try(client, "other", PASSWORD, address="10.0.0.3"))
    assert current_locks() == []
    call_command("login", "unlock", "--username", "nobody")
    assert "没有登录失败记录" in capsys.readouterr().out
    with pytest.raises(CommandError, match="地址格式不正确"):
        call_command("login", "unlock", "--ip", "not-an-address")
    assert AuditEvent.objects.filter(action="login.unlocked").count() == 1


def test_the_admin_lifts_a_lock_by_deleting_its_failures_and_it_is_audited(clerk: User, client: Client) -> None:
    _fail(client, "clerk", 5)
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="")
    admin = Client()
    admin.force_login(root)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "失败次数" in html and "用户名 clerk 至" in html
    attempt = AccessAttempt.objects.get(username="clerk")
    done = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert done.status_code == 302
    event = AuditEvent.objects.get(action="login.unlocked")
    assert event.actor == root and event.summary == "解除登录锁定：用户名 clerk、地址 10.0.0.1（清除失败登录 5 次）"
    assert _logged_in(_try(client, "clerk", PASSWORD))


def test_lock_end_is_when_the_newest_rows_stop_adding_up_to_the_limit() -> None:
    t0 = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    cool = dt.timedelta(minutes=15)
    rows = [(t0, 3), (t0 + dt.timedelta(minutes=5), 1), (t0 + dt.timedelta(minutes=8), 1)]
    assert lock_end(rows, limit=5, cool_off=cool) == t0 + cool
    assert lock_end(rows, limit=2, cool_off=cool) == t0 + dt.timedelta(minutes=5) + cool
    assert lock_end(rows, limit=6, cool_off=cool) is None


def test_addresses_are_counted_as_the_rate_limits_count_them() -> None:
    assert normalize_address("10.0.0.1") == "10.0.0.1"
    assert normalize_address("::ffff:10.0.0.1") == "10.0.0.1"
    assert normalize_address("2001:db8:1:2:aaaa::1") == normalize_address("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::"
    assert normalize_address("unknown") is None and normalize_address("") is None
