from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.audit.models import AuditHead
from xinyong.audit.services import audit_verify
from xinyong.core.commands import XinyongCommand


class Command(XinyongCommand):
    help = "审计留痕：verify 校验哈希链是否完整"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验审计事件哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(f"审计链已被破坏：{broken.reason}")
        head = AuditHead.objects.filter(id=1).first()
        self.stdout.write(f"审计链完整：共 {head.seq if head else 0} 个事件。")
