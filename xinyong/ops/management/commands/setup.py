from __future__ import annotations

from typing import Any

from django.core.management import call_command

from xinyong.catalog.services import catalog_load_bundled
from xinyong.core.commands import XinyongCommand
from xinyong.lists.services import lists_load
from xinyong.org.services import org_load_config


class Command(XinyongCommand):
    help = "初始化：建立数据库结构，载入组织机构配置和信息目录（可重复执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        counts = org_load_config()
        categories = catalog_load_bundled()
        lists = lists_load()
        self.stdout.write(
            f"数据库已就绪；单位 {counts['units']} 个，信息类别 {len(categories)} 个，"
            f"名单 {lists.get('kinds', 0)} 类，合作备忘录 {lists.get('memoranda', 0)} 份。"
        )
