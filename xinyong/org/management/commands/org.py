from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from xinyong.core.commands import XinyongCommand
from xinyong.org.selectors import unit_tree
from xinyong.org.services import BUNDLED_CONFIG, org_load_config


class Command(XinyongCommand):
    help = "组织机构：list 列出单位；load 载入配置文件"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出单位")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        load = sub.add_parser("load", help="载入组织机构配置（YAML）")
        load.add_argument("file", nargs="?", default=str(BUNDLED_CONFIG))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            counts = org_load_config(path=Path(options["file"]))
            self.stdout.write(f"已载入：单位 {counts['units']} 个，领导小组职务 {counts['positions']} 个。")
            return
        rows: list[dict[str, Any]] = [
            {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "kind": unit.kind,
                "parent": unit.parent.code if unit.parent else None,
                "uscc": unit.uscc or None,
                "depth": depth,
            }
            for unit, depth in unit_tree()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{'  ' * row['depth']}{row['code']}\t{row['name']}\t{row['uscc'] or ''}")
