from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.access.models import ApiToken, TokenScope
from xinyong.access.tokens import scope_labels, token_create, token_list, token_revoke
from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.org.selectors import find_unit


def _when(value: Any) -> str | None:
    return value.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else None


class Command(XinyongCommand):
    help = "接口令牌：create 为部门业务系统创建令牌（只显示一次）；list 列出令牌；revoke 吊销令牌"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="创建令牌")
        create.add_argument("--department", required=True, help="报送部门（单位编码或名称）")
        create.add_argument("--name", required=True, help="使用令牌的业务系统名称")
        create.add_argument(
            "--scope",
            action="append",
            choices=[scope.value for scope in TokenScope],
            help="令牌权限，可重复："
            + "；".join(f"{scope.value} {scope.label}" for scope in TokenScope)
            + "。不指定时为 submit 和 read（报送令牌，不能查询个人信息）",
        )
        create.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="列出令牌")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id", type=int, help="令牌编号（见 token list）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except XinyongError as exc:
            raise CommandError(f"{exc.message}（{exc.code}）") from exc

    def _create(self, options: dict[str, Any]) -> None:
        department = find_unit(options["department"])
        token, secret = token_create(
            department=department, name=options["name"], actor=None, scopes=options["scope"]
        )
        if options["json"]:
            payload = {
                "id": token.pk, "name": token.name, "department": department.code, "scopes": token.scopes,
                "token": secret,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(
            f"已为“{token.name}”（{department.name}）创建接口令牌，编号 {token.pk}，权限：{scope_labels(token.scopes)}："
        )
        self.stdout.write(secret)
        self.stdout.write(
            "令牌只显示这一次，平台只保存其哈希值，请立即交给该系统的管理员妥善保存。"
            "调用接口时在请求头中加入：Authorization: Bearer <令牌>"
        )

    def _list(self, options: dict[str, Any]) -> None:
        rows = [
            {
                "id": token.pk,
                "name": token.name,
                "department": token.department.code,
                "department_name": token.department.name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "created_at": _when(token.created_at),
                "last_used_at": _when(token.last_used_at),
                "revoked_at": _when(token.revoked_at),
            }
            for token in token_list()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(
                "还没有接口令牌。用 xinyong token create --department 单位编码 --name 系统名称 创建。"
            )
            return
        for row in rows:
            state = f"已吊销 {row['revoked_at']}" if row["revoked_at"] else "有效"
            used = f"最近使用 {row['last_used_at']}" if row["last_used_at"] else "从未使用"
            self.stdout.write(
                f"{row['id']}\t{row['name']}\t{row['department']}（{row['department_name']}）\t"
                f"{row['prefix']}…\t{scope_labels(row['scopes'])}\t创建 {row['created_at']}\t{used}\t{state}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"没有编号为 {options['id']} 的接口令牌，请用 xinyong token list 查看。")
        was_active = token.is_active
        token = token_revoke(token=token, actor=None)
        if was_active:
            self.stdout.write(f"已吊销“{token.name}”的接口令牌（编号 {token.pk}），该令牌不能再调用接口。")
        else:
            self.stdout.write(f"“{token.name}”的接口令牌（编号 {token.pk}）此前已吊销。")
