from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.org.selectors import find_unit
from xinyong.records.revocation import record_find
from xinyong.records.services import records_transfer


class Command(XinyongCommand):
    help = (
        "变更信用记录的归属单位（信用办）：一条记录（按类别、文书号、机关代码），或某单位的全部记录（--from，"
        "可用 --category 限定类别，如机构改革后职责划转）；此后只有新归属单位或信用办可以修改、撤销，写入审计留痕"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--to", required=True, help="新归属单位（单位编码或名称）")
        parser.add_argument("--reason", required=True, help="变更原因")
        parser.add_argument("--category", help="信息类别编码，如 admin_penalty")
        parser.add_argument("--document-number", help="决定文书号（变更一条记录时）")
        parser.add_argument("--authority-code", help="作出决定的机关的统一社会信用代码（变更一条记录时）")
        parser.add_argument("--from", dest="from_unit", help="原归属单位（变更该单位的全部记录时）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            to_unit = find_unit(options["to"])
            one = options["document_number"] or options["authority_code"]
            if one and options["from_unit"]:
                raise CommandError("请指定一条记录（--category --document-number --authority-code）或 --from，二者择一。")
            if one:
                if not (options["category"] and options["document_number"] and options["authority_code"]):
                    raise CommandError("变更一条记录须同时给出 --category、--document-number 和 --authority-code。")
                record = record_find(
                    category_code=options["category"],
                    document_number=options["document_number"],
                    authority_code=options["authority_code"],
                )
                if record is None:
                    raise CommandError(
                        f"找不到该记录：{options['category']} {options['document_number']}（{options['authority_code']}）"
                    )
                count = records_transfer(to_unit=to_unit, reason=options["reason"], actor=None, record=record)
            elif options["from_unit"]:
                count = records_transfer(
                    to_unit=to_unit,
                    reason=options["reason"],
                    actor=None,
                    from_unit=find_unit(options["from_unit"]),
                    category_code=options["category"],
                )
            else:
                raise CommandError("请指定一条记录（--category --document-number --authority-code）或 --from。")
        except XinyongError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已将 {count} 条记录划归{to_unit.name}（原因：{' '.join(options['reason'].split())}）。")
