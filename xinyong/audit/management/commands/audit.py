from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from xinyong.audit import keys
from xinyong.audit.anchors import AnchorError, latest_anchor_file
from xinyong.audit.services import (
    AuditKeyMismatch,
    anchor_folder,
    anchor_load,
    audit_anchor_write,
    audit_head,
    audit_verify,
)
from xinyong.core.commands import XinyongCommand


class Command(XinyongCommand):
    help = "审计留痕：verify 校验审计链（可对照锚点），anchor 签发锚点，key 查看或生成审计密钥"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验审计事件哈希链；--anchor 对照审计员保管的锚点")
        verify.add_argument(
            "--anchor", action="append", default=[], metavar="FILE", help="锚点文件（可多次给出）"
        )
        anchor = sub.add_parser("anchor", help="签发锚点：把审计链头签名写到数据库以外的文件")
        anchor.add_argument("--output", metavar="FILE", help="锚点文件（默认写入锚点目录）")
        key = sub.add_parser("key", help="审计密钥的来源、标识和公钥（审计员用公钥核对锚点）")
        key.add_argument("--create", metavar="FILE", help="生成一个新的密钥文件（生产环境用，文件已存在时不覆盖）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(**options)
        except (AnchorError, AuditKeyMismatch, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, *, anchor: list[str], **_: Any) -> None:
        anchors = [anchor_load(Path(name)) for name in anchor]
        broken = audit_verify(checkpoints=[a.checkpoint() for a in anchors])
        if broken is not None:
            raise CommandError(f"审计链已被破坏：{broken.reason}")
        seq, _hash = audit_head()
        self.stdout.write(f"审计链完整：共 {seq} 个事件。")
        if anchors:
            latest = max(anchors, key=lambda a: a.seq)
            self.stdout.write(f"与 {len(anchors)} 个锚点一致（最新：{latest.label}）。")
            return
        hint = "未对照锚点：截断审计链或恢复旧备份只能用锚点发现，请加 --anchor <审计员保管的最新锚点文件>"
        newest = latest_anchor_file(anchor_folder())
        self.stdout.write(f"{hint}（锚点目录中最新的是 {newest}）。" if newest else f"{hint}。")

    def _anchor(self, *, output: str | None, **_: Any) -> None:
        written = audit_anchor_write(actor=None, output=Path(output) if output else None)
        anchor = written.anchor
        self.stdout.write(
            f"已签发审计锚点：事件 #{anchor.seq}，链头哈希 {anchor.head_hash[:16]}…，密钥标识 {anchor.key_id}。"
        )
        self.stdout.write(f"锚点文件：{written.path.resolve()}")
        self.stdout.write("请把锚点文件交审计员保管在数据库服务器以外；校验时用 xinyong audit verify --anchor <文件>。")

    def _key(self, *, create: str | None, **_: Any) -> None:
        if create:
            path = Path(create)
            if not keys.write_key_file(path, keys.new_secret()):
                raise CommandError(f"密钥文件已存在，不覆盖：{path}")
            self.stdout.write(f"已生成审计密钥文件 {path.resolve()}（仅所有者可读）。")
            self.stdout.write(f"请设置 XINYONG_AUDIT_KEY_FILE={path.resolve()}，并与数据库备份分开保管一份。")
            return
        key = keys.audit_key()
        self.stdout.write(f"审计密钥来源：{key.source}")
        self.stdout.write(f"密钥标识：{key.key_id}")
        self.stdout.write(f"锚点签名公钥（Ed25519）：{key.public_key_hex}")
