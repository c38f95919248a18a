from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from xinyong.catalog.models import Category
from xinyong.catalog.services import catalog_load_bundled, catalog_load_file
from xinyong.core.commands import XinyongCommand


class Command(XinyongCommand):
    help = "信息目录：load 载入类别定义（YAML）；list 列出类别"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="载入类别定义；不指定文件时载入系统自带的目录")
        load.add_argument("files", nargs="*")
        listing = sub.add_parser("list", help="列出类别")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            files = options["files"]
            loaded = [catalog_load_file(path=Path(f)) for f in files] if files else catalog_load_bundled()
            for category in loaded:
                self.stdout.write(f"已载入：{category}")
            return
        rows = [
            {
                "code": c.code,
                "version": c.version,
                "name": c.name,
                "fields": c.fields.count(),
                "effective_from": c.effective_from.isoformat(),
                "legal_source": c.legal_source,
            }
            for c in Category.objects.order_by("code", "version")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['code']}\tv{row['version']}\t{row['name']}\t{row['fields']} 个字段")
