from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.records.models import RecordStatus
from xinyong.records.revocation import clean_reason, record_find
from xinyong.records.services import record_revoke


class Command(XinyongCommand):
    help = "撤销一条信用记录（如行政处罚决定被撤销）：记录保留、不再使用，并写入审计留痕"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--category", required=True, help="信息类别编码，如 admin_penalty")
        parser.add_argument("--document-number", required=True, help="决定文书号，如 澄综执罚〔2020〕1号")
        parser.add_argument("--authority-code", required=True, help="作出决定的机关的统一社会信用代码")
        parser.add_argument("--reason", required=True, help="撤销原因")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reason = clean_reason(options["reason"])
        except XinyongError as exc:
            raise CommandError(exc.message) from exc
        record = record_find(
            category_code=options["category"],
            document_number=options["document_number"],
            authority_code=options["authority_code"],
        )
        if record is None:
            raise CommandError(f"找不到该记录：{options['category']} {options['document_number']}（{options['authority_code']}）")
        if record.status == RecordStatus.REVOKED:
            raise CommandError(f"该记录已于此前撤销：{record.status_reason}")
        record_revoke(record=record, reason=reason, actor=None)
        self.stdout.write(f"已撤销：{options['document_number']}（原因：{reason}）")
