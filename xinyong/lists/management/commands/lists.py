from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from xinyong.core.commands import XinyongCommand
from xinyong.lists.models import ExitReason
from xinyong.lists.services import entries_due_for_exit, entry_exit, lists_load


class Command(XinyongCommand):
    help = "红黑名单：load 载入名单类别和联合奖惩备忘录；expire 将到期条目移出"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["load", "expire"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            counts = lists_load()
            self.stdout.write(
                f"已载入名单类别 {counts['kinds']} 个、联合奖惩备忘录 {counts['memoranda']} 份、措施 {counts['measures']} 项。"
            )
            return
        done = 0
        for entry in entries_due_for_exit():
            entry_exit(actor=None, entry=entry, reason=ExitReason.EXPIRY, note="期满自动移出")
            done += 1
        self.stdout.write(f"期满移出 {done} 条。")
