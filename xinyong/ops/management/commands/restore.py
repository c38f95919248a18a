from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.ops.backup import BackupError, backup_restore


class Command(XinyongCommand):
    help = "恢复：核对备份清单的校验和后，把备份恢复到当前配置的数据库和数据目录（请先停止服务）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("directory", metavar="DIR", help="xinyong backup 写出的备份目录")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标不是空的也恢复：当前数据先完整备份到数据目录的 backups/ 下，再被替换",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(directory=Path(options["directory"]), force=options["force"])
        except (BackupError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        if result.saved_to:
            self.stdout.write(f"恢复前的数据已备份到 {result.saved_to}。")
        self.stdout.write(
            f"恢复完成（用时 {result.seconds:.1f} 秒）：数据库（{manifest.vendor}，审计链至事件 #{manifest.head_seq}），"
            f"原始文件 {result.media_files} 个，新增审计锚点 {result.anchors_added} 个。"
        )
        for path in result.anchors_kept:
            self.stdout.write(f"锚点目录中已有同名但内容不同的锚点，保留未动：{path}")
        for note in result.notes:
            self.stdout.write(note)
        anchor = str(result.latest_anchor) if result.latest_anchor else "<审计员保管的最新锚点文件>"
        self.stdout.write(
            f"下一步：请运行 xinyong audit verify --anchor {anchor}，"
            "确认恢复的数据没有早于审计员保管的最新锚点（审计员另有更新的锚点时，用那一个）。"
        )
