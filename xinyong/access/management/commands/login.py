"""`xinyong login locks` lists the accounts and addresses locked out after failed logins; `xinyong login unlock`
lifts a lock before its cool-off has passed (audited)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.access.logins import cool_off, current_locks
from xinyong.access.services import login_unlock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError


class Command(XinyongCommand):
    help = "登录保护：locks 列出因登录失败次数过多而被锁定的账号和地址；unlock 解除锁定（记入审计日志）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        locks = sub.add_parser("locks", help="列出当前被锁定的账号和地址")
        locks.add_argument("--json", action="store_true", help="以 JSON 输出")
        unlock = sub.add_parser("unlock", help="解除账号或地址的登录锁定")
        target = unlock.add_mutually_exclusive_group(required=True)
        target.add_argument("--username", help="用户名：清除该账号从所有地址的登录失败记录")
        target.add_argument("--ip", help="地址：清除从该地址登录所有账号的失败记录")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except XinyongError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc

    def _locks(self, options: dict[str, Any]) -> None:
        locks = current_locks()
        if options["json"]:
            rows = [
                {
                    "criterion": lock.criterion,
                    "value": lock.value,
                    "failures": lock.failures,
                    "until": lock.until.isoformat(),
                }
                for lock in locks
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not locks:
            self.stdout.write("当前没有被锁定的账号或地址。")
            return
        minutes = round(cool_off().total_seconds() / 60)
        for lock in locks:
            self.stdout.write(f"{lock.label}：{minutes} 分钟内登录失败 {lock.failures} 次，锁定至 {lock.until_local}")
        self.stdout.write("提前解除：xinyong login unlock --username 用户名 或 --ip 地址")

    def _unlock(self, options: dict[str, Any]) -> None:
        username, address = options.get("username"), options.get("ip")
        cleared = login_unlock(actor=None, username=username, address=address)
        target = f"用户名 {username}" if username else f"地址 {address}"
        if cleared:
            self.stdout.write(f"已解除 {target} 的登录锁定（清除失败登录 {cleared} 次），已记入审计日志。")
        else:
            self.stdout.write(f"{target} 没有登录失败记录，无需解除。")
