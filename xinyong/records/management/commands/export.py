from __future__ import annotations

import getpass
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.records.exchange import FORMATS, HEADERS, ExportResult, records_export


def _operator() -> str:
    # Who ran the export, for the audit trail: the account on the server (commands have no signed-in user).
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class Command(XinyongCommand):
    help = (
        "按全国统一格式导出某类信用信息自某一时刻以来的变更（新增、修正、撤销），供市公共信用信息平台增量交换；"
        "含完整证件号码，每次导出写入审计留痕"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--category", required=True, help="信息类别编码，如 admin_penalty")
        parser.add_argument(
            "--since",
            help="只导出此后（不含）更新的记录，ISO 时间，如 2026-05-01T10:00:00+08:00；"
            "填上次导出打印的截止时间即为增量导出。不填则导出全部",
        )
        parser.add_argument("--format", choices=FORMATS, default="csv", help="csv（UTF-8 带 BOM，可用 Excel 打开）或 json")
        parser.add_argument("--output", "-o", help="写入的文件；不填则写到标准输出")
        parser.add_argument(
            "--header", choices=HEADERS, default="name", help="CSV 表头用字段名称（name，默认）或国家标准字段编码（code）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = clock.parse_instant(options["since"])
            except ValueError as exc:
                raise CommandError(
                    f"--since 时间格式不正确：{options['since']}（应为 ISO 时间，如 2026-05-01T10:00:00+08:00）"
                ) from exc
        output = options["output"]
        try:
            if output:
                path = Path(output)
                with path.open("w", encoding="utf-8", newline="") as handle:
                    result = self._export(options, since, handle, str(path.resolve()))
            else:
                result = self._export(options, since, self.stdout, "")
        except XinyongError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror or exc}") from exc
        if result.clock_pinned:
            self.stderr.write(
                "注意：系统时钟已固定（XINYONG_NOW），所有变更的更新时间相同，增量导出分不出先后；"
                "需要完整数据时请不指定起始时间，全量导出。"
            )
        self.stderr.write(result.summary())

    def _export(self, options: dict[str, Any], since: Any, out: Any, destination: str) -> ExportResult:
        if out is self.stdout:
            # Django's wrapper would add a line ending to every write; the export writes its own.
            out = self.stdout._out
        return records_export(
            category_code=options["category"],
            since=since,
            fmt=options["format"],
            out=out,
            actor=_operator(),
            header=options["header"],
            destination=destination,
        )
