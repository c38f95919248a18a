"""`xinyong check`: the joint reward/punishment check from the command line (issue 5 item 3).

Without --code, --name or --file it is Django's own system check (`xinyong check --deploy` keeps working).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.check import Command as SystemCheckCommand

from xinyong.core.errors import XinyongError
from xinyong.lists.models import Matter
from xinyong.lists.results import CheckResult
from xinyong.lists.services import check_batch, check_subject
from xinyong.lists.spreadsheets import read_subjects


class Command(SystemCheckCommand):
    help = "联合奖惩核查：按统一社会信用代码、名称或名单文件查询红黑名单命中情况及适用措施（不带参数时为系统检查）"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--code", help="统一社会信用代码或身份证件号码")
        parser.add_argument("--name", help="主体名称")
        parser.add_argument("--file", help="名单文件（.xlsx 或 .csv，含“名称”和/或“统一社会信用代码”列）")
        parser.add_argument(
            "--matter",
            choices=Matter.values,
            help="办理事项：" + "、".join(f"{m.value}={m.label}" for m in Matter),
        )
        parser.add_argument("--purpose", default="命令行核查", help="查询事由")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *app_labels: Any, **options: Any) -> None:
        given = [k for k in ("code", "name", "file") if options.get(k)]
        if not given:
            return super().handle(*app_labels, **options)
        if options.get("file") and len(given) > 1:
            raise CommandError("--file 不能与 --code/--name 同时使用")
        if not options.get("matter"):
            raise CommandError("请用 --matter 指定办理事项")
        try:
            if options.get("file"):
                rows = read_subjects(Path(options["file"]))
                results = check_batch(
                    actor=None, matter=options["matter"], purpose=options["purpose"], rows=rows
                )
            else:
                results = [
                    check_subject(
                        actor=None,
                        matter=options["matter"],
                        purpose=options["purpose"],
                        code=options.get("code"),
                        name=options.get("name"),
                    )
                ]
        except XinyongError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        if options["json"]:
            self.stdout.write(
                json.dumps({"results": [r.as_dict() for r in results]}, ensure_ascii=False, indent=2)
            )
            return None
        for result in results:
            self._print(result)
        return None

    def _print(self, result: CheckResult) -> None:
        query = result.log.query_name or result.log.query_code
        if not result.any_hit:
            self.stdout.write(f"{query}：未命中名单")
        for hit in result.hits:
            self.stdout.write(
                f"{query}：命中 {hit.entry.kind.name} {hit.entry.name}（得分 {hit.score:.2f}；{hit.explanation}）"
            )
            for measure in hit.measures:
                self.stdout.write(
                    f"    {measure.get_nature_display()}：{measure.text}（依据：{measure.legal_basis}）"
                )
        for record_hit in result.record_hits:
            self.stdout.write(f"{query}：命中信用记录 {record_hit.title}（{record_hit.explanation}）")
            for measure in record_hit.measures:
                self.stdout.write(
                    f"    {measure.get_nature_display()}：{measure.text}（依据：{measure.legal_basis}）"
                )
        for hit in result.dismissed:
            self.stdout.write(
                f"{query}：已排除误报 {hit.entry.name}（{hit.dismissal.reason if hit.dismissal else ''}）"
            )
