"""Security headers, `check --deploy`, and the pinned clock (the policy in a real browser: tests/e2e)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xinyong.core import clock
from xinyong.core.context_processors import pinned_clock_label
from xinyong.core.identifiers import make_uscc
from xinyong.intake.services import import_file
from xinyong.org.models import Unit
from xinyong.records.models import Record
from xinyong.records.selectors import published_records

REPO = Path(__file__).resolve().parents[3]


def _nonce(response: Any) -> str:
    match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1)


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_a_fresh_nonce(client: Client) -> None:
    first, second = client.get("/login/"), client.get("/login/")
    assert first.status_code == 200
    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]  # scripts and <style> need the nonce
    assert "unsafe-eval" not in policy
    assert _nonce(first) != _nonce(second)
    # The template receives the same nonce the header allows (htmx gets it for its indicator style).
    assert f'"inlineStyleNonce": "{_nonce(first)}"' in first.content.decode()
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["X-Frame-Options"] == "DENY"
    assert first["Referrer-Policy"] == "same-origin"
    assert "camera=()" in first["Permissions-Policy"] and "geolocation=()" in first["Permissions-Policy"]
    # The API answers carry them too.
    api = client.get("/api/v1/openapi.json")
    assert "default-src 'self'" in api["Content-Security-Policy"] and api["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------------------------------------------------
# check --deploy


def _deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    # Only the variables a production server would have (the e2e set-up's DJANGO_ALLOW_ASYNC_UNSAFE is not one).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XINYONG_", "SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "xinyong.settings",
            "XINYONG_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "SECRET_KEY": "q8Vt3-deploy-check-key-" + "Zr7mK2pW9xL4nB6cD1fH5jG8sA3eT0yU",
            "ALLOWED_HOSTS": "xinyong.example.gov.cn",
            "XINYONG_HTTPS": "1",
            "XINYONG_CACHE": "database",
        }
    )
    # The audit key kept apart from the data folder, readable by its owner only.
    key_file = tmp_path / "etc" / "audit_key"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text("deploy-check-audit-key-" + "Hq4Lw8Rt2Vn6Xc0Bm5Kz9Pj3", encoding="utf-8")
    key_file.chmod(0o600)
    env["XINYONG_AUDIT_KEY_FILE"] = str(key_file)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    done = _deploy_check(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_check_deploy_names_what_is_missing_without_https_or_with_a_weak_key(tmp_path: Path) -> None:
    plain = _deploy_check(tmp_path, XINYONG_HTTPS="0")
    assert plain.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in plain.stderr + plain.stdout
    weak = _deploy_check(tmp_path, SECRET_KEY="x", DEBUG="1")
    assert "security.W009" in weak.stderr + weak.stdout and "security.W018" in weak.stderr + weak.stdout
    key_in_data = _deploy_check(tmp_path, XINYONG_AUDIT_KEY_FILE="")
    assert key_in_data.returncode != 0 and "xinyong_audit.W001" in key_in_data.stderr + key_in_data.stdout


def test_an_operator_may_turn_preload_off_without_a_warning(tmp_path: Path) -> None:
    done = _deploy_check(tmp_path, XINYONG_HSTS_PRELOAD="0", XINYONG_HSTS_INCLUDE_SUBDOMAINS="0")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.django_db
def test_https_settings_redirect_and_send_hsts(settings: Any, client: Client) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_REDIRECT_EXEMPT = [r"^api/v1/public/ping$"]
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")
    # The health check of a load balancer reaches the server over plain HTTP.
    assert client.get("/api/v1/public/ping").status_code != 301


# ------------------------------------------------------------------------------------------------------------
# The clock


@pytest.fixture
def no_pinned_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINYONG_NOW", raising=False)


@pytest.mark.django_db
def test_pages_show_a_banner_while_the_clock_is_pinned(
    client: Client, monkeypatch: pytest.MonkeyPatch, no_pinned_env: None
) -> None:
    assert pinned_clock_label() == ""
    assert "演示时钟" not in client.get("/login/").content.decode()
    monkeypatch.setenv("XINYONG_NOW", "2026-05-01T10:00:00")
    page = client.get("/login/").content.decode()
    assert "演示时钟：2026-05-01 10:00" in page
    # A pinned instant in another zone is shown in Beijing time.
    monkeypatch.setenv("XINYONG_NOW", "2026-05-01T00:30:00+00:00")
    assert "演示时钟：2026-05-01 08:30" in client.get("/login/").content.decode()
    monkeypatch.delenv("XINYONG_NOW")
    with clock.frozen("2020-11-26T10:00:00+08:00"):
        assert "演示时钟：2020-11-26 10:00" in client.get("/login/").content.decode()


def test_the_environment_pins_the_clock_of_a_command(tmp_path: Path) -> None:
    env = {**os.environ, "XINYONG_NOW": "2026-05-01T10:00:00", "XINYONG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = "from xinyong.core import clock; print(clock.now().isoformat(), clock.today().isoformat())"
    done = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "shell", "--verbosity", "0", "-c", code],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    assert done.stdout.split() == ["2026-05-01T10:00:00+08:00", "2026-05-01"]


@pytest.mark.django_db
def test_the_environment_decides_what_is_in_public_view(
    reference_data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pinned_env: None
) -> None:
    from xinyong.intake.tests.test_import import _csv, _row

    unit = Unit.objects.get(code="zhzfj")
    path = _csv(tmp_path / "a.csv", [_row("江阴市利港宏达机械有限公司", "法人及非法人组织", make_uscc("91", "320281", "MA1AB2C3"),
                                          "澄综执罚〔2026〕5号", "2026-03-02")])
    monkeypatch.setenv("XINYONG_NOW", "2026-03-05T09:00:00")
    import_file(path=path, category_code="admin_penalty", department=unit)
    record = Record.objects.get()
    assert record.submitted_at == dt.datetime(2026, 3, 5, 9, tzinfo=clock.LOCAL_TZ)  # the import used the pin
    Record.objects.filter(pk=record.pk).update(publicity_end=dt.date(2026, 6, 2))
    monkeypatch.setenv("XINYONG_NOW", "2026-06-02T23:59:00")
    assert list(published_records()) == [record]
    monkeypatch.setenv("XINYONG_NOW", "2026-06-03T00:00:00")
    assert list(published_records()) == []
