from __future__ import annotations

import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command

from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.ops.demo_data import load_demo_data
from xinyong.ops.demo_users import DEMO_PASSWORD, ensure_demo_users
from xinyong.records.models import Record

SEED_DOCUMENT = Path(__file__).resolve().parents[4] / ".." / "shared" / "seed"


class Command(XinyongCommand):
    help = "演示：初始化数据库、载入利港街园配置和合成演示数据，然后启动平台"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--decisions", type=int, default=6000, help="合成的双公示决定数量")
        parser.add_argument("--companies", type=int, default=3000, help="合成的企业数量")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("setup", stdout=self.stdout)
        users = ensure_demo_users()
        if not Record.objects.exists():
            self.stdout.write("正在生成演示数据（合成数据，约需一分钟）……")
            load_demo_data(
                companies=options["companies"],
                decisions=options["decisions"],
                today=clock.today(),
                progress=self.stdout.write,
                forbidden_names=_names_in_seed(),
            )
        address = options["addr"]
        self.stdout.write("")
        self.stdout.write(f"数据目录：{settings.DATA_DIR}")
        self.stdout.write(f"平台地址：http://{address}/")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in users:
            roles = "、".join(role.label for role, _ in user.roles)
            self.stdout.write(f"  {user.username:<8} {user.display_name}（{roles}）")
        if not options["no_serve"]:
            call_command("runserver", address, insecure_serving=True, use_reloader=False)


def _names_in_seed() -> set[str]:
    """Names of real officials in the seed's attachment 1, kept out of synthetic data when the seed is at hand."""
    names: set[str] = set()
    for path in SEED_DOCUMENT.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        block = text.split("领导小组名单", 2)[-1].split("附件2", 1)[0]
        names.update(re.findall(r"[\u4e00-\u9fff]{2,3}", block.replace(" ", "").replace("\u3000", "")))
    return names
