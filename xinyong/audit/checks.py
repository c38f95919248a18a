"""Deployment checks of the audit key (`xinyong check --deploy`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_kept_apart(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.XINYONG_AUDIT_KEY:
        return []
    path = Path(settings.XINYONG_AUDIT_KEY_FILE).resolve()
    found: list[CheckMessage] = []
    if path.is_relative_to(Path(settings.DATA_DIR).resolve()):
        found.append(
            Warning(
                f"审计密钥文件在数据目录中（{path}）：能读取数据目录或其备份的人就能重算审计链",
                hint="生产环境请用 xinyong audit key --create FILE 在数据目录以外生成密钥文件，"
                "并设置 XINYONG_AUDIT_KEY_FILE（或 XINYONG_AUDIT_KEY）",
                id="xinyong_audit.W001",
            )
        )
    if path.exists() and path.stat().st_mode & 0o077:
        found.append(
            Warning(
                f"审计密钥文件 {path} 其他用户可读写",
                hint=f"chmod 600 {path}",
                id="xinyong_audit.W002",
            )
        )
    return found
