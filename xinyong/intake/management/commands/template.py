"""`xinyong template CATEGORY [-o FILE]`: the .xlsx template of a catalog category, to fill in and import."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from xinyong.catalog.selectors import category_in_force, fields_of
from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.intake import spreadsheets


class Command(XinyongCommand):
    help = "生成信息类别的报送模板（.xlsx）：列名、示例行和填报说明"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("category", help="信息类别编码，如 admin_penalty")
        parser.add_argument(
            "-o", "--output", help="输出文件（.xlsx），默认为当前目录下的“类别名称_报送模板_v版本.xlsx”"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            category = category_in_force(options["category"], clock.today())
        except XinyongError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        fields = fields_of(category)
        data = spreadsheets.template_xlsx(category, fields, unit=spreadsheets.example_unit_for(category))
        path = (
            Path(options["output"])
            if options["output"]
            else Path.cwd() / spreadsheets.template_filename(category)
        )
        if path.is_dir():
            path = path / spreadsheets.template_filename(category)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件应以 .xlsx 结尾：{path}")
        try:
            spreadsheets.write_file(path, data)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
        self.stdout.write(
            f"已生成模板：{path}（{category.name} 第{category.version}版，{len(fields)} 个字段）"
        )
