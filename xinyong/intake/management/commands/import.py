from __future__ import annotations

import argparse
import json
import time
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.intake.readers import human_size
from xinyong.intake.services import import_file
from xinyong.org.selectors import find_unit


class Command(XinyongCommand):
    help = "导入信用信息文件（.xlsx、.xls、.csv）到指定信息类别"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="要导入的文件")
        parser.add_argument("--category", required=True, help="信息类别编码，如 admin_penalty")
        parser.add_argument("--department", help="报送部门（单位编码或名称）")
        parser.add_argument("--submitted-at", help="报送时间（ISO 格式，如 2020-11-20T09:00），默认为当前时间")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="在标准错误输出上显示进度（默认：终端中显示）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            submitted_at = clock.parse_instant(options["submitted_at"]) if options["submitted_at"] else None
        except ValueError as exc:
            raise CommandError(f"报送时间“{options['submitted_at']}”格式不正确，应如 2020-11-20T09:00") from exc
        try:
            department = find_unit(options["department"]) if options["department"] else None
            result = import_file(
                path=path,
                category_code=options["category"],
                department=department,
                submitted_at=submitted_at,
                progress=self._progress_bar(path) if self._show_progress(options) else None,
            )
        except XinyongError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.as_dict()}, ensure_ascii=False))
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        if self._show_progress(options):
            self.stderr.write("")
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"批次 {result.batch}：共 {result.rows} 行，通过 {result.accepted} 行"
            f"（新增 {result.created}，更新 {result.revised}，与已有记录相同 {result.unchanged}），"
            f"未通过 {result.rejected} 行（已留存待更正），超期报送 {result.late} 行。"
        )
        for warning in result.warnings:
            self.stdout.write(f"  提示：第{warning['row']}行 {warning['message']}")
        if result.warnings_total > len(result.warnings):
            self.stdout.write(f"  ……另有 {result.warnings_total - len(result.warnings)} 条提示未列出。")
        shown = result.errors[:200]
        for error in shown:
            self.stdout.write(f"  第{error['row']}行【{error['field']}】{error['message']}（{error['code']}）")
        if result.errors_total > len(shown):
            more = f"，用 --json 可查看前 {len(result.errors)} 条" if len(result.errors) > len(shown) else ""
            self.stdout.write(
                f"  ……另有 {result.errors_total - len(shown)} 条错误未列出{more}；全部未通过的数据已留存在批次 "
                f"{result.batch}，可在网页“报送批次”（/batches/{result.batch}/）中查看和下载。"
            )

    def _show_progress(self, options: dict[str, Any]) -> bool:
        if options["progress"] is not None:
            return bool(options["progress"])
        return self.stderr.isatty()

    def _progress_bar(self, path: Path) -> Callable[[int], None]:
        started = time.monotonic()
        size = path.stat().st_size

        def show(rows: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            self.stderr.write(
                f"\r已检查 {rows:,} 行（{rows / elapsed:,.0f} 行/秒，文件 {human_size(size)}）", ending=""
            )
            self.stderr.flush()

        return show
