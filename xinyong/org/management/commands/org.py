from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from xinyong.catalog.models import Category
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.org.selectors import find_unit, unit_tree
from xinyong.org.services import BUNDLED_CONFIG, ConfigError, org_load_config, unit_review_set


class Command(XinyongCommand):
    help = "组织机构：list 列出单位；load 载入配置文件"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出单位")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        load = sub.add_parser("load", help="载入组织机构配置（YAML）")
        load.add_argument("file", nargs="?", default=str(BUNDLED_CONFIG))
        review = sub.add_parser("review", help="设置单位须经部门审核员审核后公开的信息类别（不列类别即取消）")
        review.add_argument("unit", help="单位编码或名称")
        review.add_argument("categories", nargs="*", help="信息类别编码，如 admin_license")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            try:
                counts = org_load_config(path=Path(options["file"]))
            except ConfigError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已载入：单位 {counts['units']} 个，领导小组职务 {counts['positions']} 个。")
            return
        if options["action"] == "review":
            self._review(options)
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

    def _review(self, options: dict[str, Any]) -> None:
        try:
            unit = find_unit(options["unit"])
        except XinyongError as exc:
            raise CommandError(exc.message) from exc
        known = set(Category.objects.values_list("code", flat=True))
        unknown = [code for code in options["categories"] if code not in known]
        if unknown:
            raise CommandError(f"没有这些信息类别：{'、'.join(unknown)}。请用 xinyong catalog list 查看类别编码。")
        unit = unit_review_set(unit=unit, categories=options["categories"], actor=None)
        chosen = "、".join(unit.review_before_publication) or "无（报送后立即公开）"
        self.stdout.write(f"{unit.name} 须经部门审核员审核后公开的信息类别：{chosen}")
