from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.records.models import Record, Severity
from xinyong.records.publicity import PublicityRulesError
from xinyong.records.selectors import PublicityExplanation, publicity_explain
from xinyong.records.services import record_publicity_recompute

_SEVERITY = dict(Severity.choices)


class Command(XinyongCommand):
    help = "公示期限：按现行规则重新计算已存记录（recompute），或说明一条记录的公示期限（show）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{recompute,show}")
        recompute = sub.add_parser("recompute", help="公示期限规则修改后，重新计算已存记录的公示截止日期（一次审计留痕）")
        recompute.add_argument("--category", help="只重新计算这一信息类别，如 admin_penalty")
        recompute.add_argument("--json", action="store_true", help="以 JSON 输出")
        show = sub.add_parser("show", help="说明一条记录的公示期限：规则版本、失信程度、理由、截止日期")
        show.add_argument("record_id", type=int, metavar="RECORD_ID", help="记录 ID")
        show.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "recompute":
                self._recompute(options)
            else:
                self._show(options)
        except (XinyongError, PublicityRulesError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc

    def _recompute(self, options: dict[str, Any]) -> None:
        result = record_publicity_recompute(actor=None, category_code=options.get("category") or None)
        if options["json"]:
            payload = {
                "examined": result.examined,
                "changed": result.changed,
                "before": result.before,
                "after": result.after,
                "warnings": [{"record": pk, "message": m} for pk, m in result.warnings],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(f"已检查 {result.examined} 条记录，公示期限有变化的 {result.changed} 条。")
        for regime in sorted(set(result.before) | set(result.after)):
            name = regime or "（无公示期限规则）"
            self.stdout.write(f"  {name}：{result.before.get(regime, 0)} → {result.after.get(regime, 0)} 条")
        if result.warnings:
            self.stdout.write(f"提示 {len(result.warnings)} 条（最多列出 20 条）：")
            for pk, message in result.warnings[:20]:
                self.stdout.write(f"  记录 {pk}：{message}")

    def _show(self, options: dict[str, Any]) -> None:
        record = Record.objects.select_related("category").filter(pk=options["record_id"]).first()
        if record is None:
            raise CommandError(f"找不到 ID 为 {options['record_id']} 的记录")
        explained = publicity_explain(record)
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(explained), ensure_ascii=False))
            return
        for line in _lines(explained):
            self.stdout.write(line)


def _as_json(e: PublicityExplanation) -> dict[str, Any]:
    r, regime = e.record, e.regime
    return {
        "record": r.pk,
        "category": r.category_code,
        "key": r.key,
        "decision_date": r.decision_date.isoformat() if r.decision_date else None,
        "status": r.status,
        "state": str(e.state),
        "severity": r.severity,
        "regime": r.publicity_regime,
        "regime_name": regime.name if regime else "",
        "regime_source": regime.source if regime else "",
        "publicity_end": r.publicity_end.isoformat() if r.publicity_end else None,
        "min_end": e.current.min_end.isoformat() if e.current.min_end else None,
        "max_end": e.current.max_end.isoformat() if e.current.max_end else None,
        "reasons": list(e.current.reasons),
        "warning": e.current.warning,
        "stale": e.stale,
        "current": {
            "severity": e.current.severity,
            "regime": e.current.regime,
            "publicity_end": e.current.end.isoformat() if e.current.end else None,
        },
    }


def _lines(e: PublicityExplanation) -> list[str]:
    r, regime, current = e.record, e.regime, e.current
    lines = [
        f"记录 {r.pk}：{r.category.name}（{r.category_code}）{r.key}，第 {r.version} 版",
        f"决定日期：{r.decision_date or '未填'}",
        f"公示期限规则：{e.rule_set_name or '该类别没有公示期限规则'}",
    ]
    if regime is not None:
        lines.append(f"规则版本：{regime.name}（{regime.code}，{regime.effective_from} 起施行）")
        lines.append(f"依据：{regime.source}")
        if regime.note:
            lines.append(f"要点：{regime.note}")
        if regime.kinds_basis:
            lines.append(f"处罚类别归类：{regime.kinds_basis}")
    lines.append(f"失信程度：{_SEVERITY.get(r.severity, '不适用')}")
    if current.min_end and current.max_end:
        lines.append(f"最短公示期至：{current.min_end}；最长公示期至：{current.max_end}")
    lines.append(f"公示截止日期：{r.publicity_end or '不予公示'}")
    lines.append("理由：")
    lines.extend(f"  {n}. {reason}" for n, reason in enumerate(current.reasons, start=1))
    if current.warning:
        lines.append(f"提示：{current.warning}")
    lines.append(f"当前状态：{e.state}" + (f"（{r.status_reason}）" if r.status_reason else ""))
    if e.stale:
        lines.append(
            "注意：按现行规则应为 "
            f"{current.regime or '无规则'} / {_SEVERITY.get(current.severity, '不适用')} / {current.end or '不予公示'}，"
            "与已存值不同；请运行 xinyong publicity recompute"
        )
    return lines
