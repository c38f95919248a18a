from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.ops.backup import BackupError, backup_create


class Command(XinyongCommand):
    help = "备份：数据库、原始文件、密钥和审计锚点写入一个新目录，附校验清单"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("directory", metavar="DIR", help="备份目录（不存在或为空）")
        parser.add_argument(
            "--without-audit-key",
            action="store_true",
            help="不把审计密钥文件放进备份（密钥另行保管时）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(
                directory=Path(options["directory"]), include_audit_key=not options["without_audit_key"]
            )
        except (BackupError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        media = len(manifest.under("media"))
        anchors = len(manifest.under("anchors"))
        self.stdout.write(
            f"备份完成：{result.directory.resolve()}，{len(manifest.files)} 个文件，共 {result.total_bytes / 1e6:,.1f} MB，"
            f"用时 {result.seconds:.1f} 秒。"
        )
        self.stdout.write(
            f"数据库（{manifest.vendor}），审计链至事件 #{manifest.head_seq}；原始文件 {media} 个；审计锚点 {anchors} 个；"
            f"SECRET_KEY 文件{'已' if manifest.secret_key_included else '未'}包含；"
            f"审计密钥（标识 {manifest.audit_key_id}）{'已包含' if manifest.audit_key_included else '未包含，请另行保管'}。"
        )
        self.stdout.write(f"清单 manifest.json 的 SHA-256：{result.manifest_sha256}")
        self.stdout.write("备份含个人信息和密钥：请保管在只有运维人员能读的位置。")
