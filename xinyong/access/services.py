"""Writes of access: the register of look-ups of internal data (查询使用登记) and its review by the auditor;
lifting login locks.

A look-up is registered, with its audit event, before anything is shown; the register is what the auditor (纪检)
reviews, and a review is audited too.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import Q, QuerySet

from xinyong.access.login_audit import UNLOCKED
from xinyong.access.logins import normalize_address
from xinyong.access.models import ApiToken, Lookup, LookupChannel, LookupReview
from xinyong.access.purposes import clean_case_reference, lookup_purposes, purpose_of
from xinyong.access.tokens import TokenActor
from xinyong.audit.services import actor_label_of, audit_record
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.reasons import clean_reason
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import require_role

REVIEW_NOTE_MAX_LENGTH = 300


@transaction.atomic
def lookup_register(
    *,
    actor: Any,
    unit: Unit | None,
    subject_id: int,
    subject_name: str,
    subject_kind: str,
    subject_code_masked: str,
    what: str,
    purpose_code: str,
    case_reference: str,
    action: str,
    token: ApiToken | None = None,
) -> Lookup:
    """Register one look-up (who, unit, whose data, what, purpose and its legal basis, case reference) with its
    audit event. Call it before showing anything; a refusal (no lawful purpose, no case reference) shows nothing."""
    purpose = purpose_of(purpose_code)
    reference = clean_case_reference(case_reference)
    is_person = getattr(actor, "username", None) is not None
    acting = TokenActor.of(token) if token is not None else actor
    lookup = Lookup.objects.create(
        occurred_at=clock.now(),
        channel=LookupChannel.API if token is not None else LookupChannel.WEB,
        user=actor if is_person and getattr(actor, "pk", None) else None,
        token=token,
        actor_label=actor_label_of(acting)[:150],
        unit=unit,
        subject_id=subject_id,
        subject_name=subject_name[:200],
        subject_kind=subject_kind[:20],
        subject_code_masked=subject_code_masked[:40],
        what=what[:100],
        purpose_code=purpose.code,
        purpose_label=purpose.label,
        purpose_basis=purpose.basis[:300],
        case_reference=reference,
    )
    event = audit_record(
        actor=acting,
        action=action,
        object_type="subjects.Subject",
        object_id=str(subject_id),
        summary=f"{what}：{subject_name}（事由：{purpose.label}；编号：{reference}）"[:300],
        after={
            "purpose": purpose.label,
            "purpose_code": purpose.code,
            "case_reference": reference,
            "lookup": lookup.pk,
            "unit": unit.code if unit else None,
            "purposes_version": lookup_purposes().version,
        },
    )
    Lookup.objects.filter(pk=lookup.pk).update(audit_seq=event.seq)
    lookup.audit_seq = event.seq
    return lookup


@transaction.atomic
def lookup_review(*, lookup: Lookup, outcome: str, note: str, actor: Any) -> Lookup:
    """The auditor's conclusion on one look-up: 合规, or 存疑 with a note saying why."""
    require_role(actor, Role.AUDITOR)
    if outcome not in (LookupReview.APPROVED, LookupReview.QUESTIONED):
        raise XinyongError(ErrorCode.BAD_CHOICE, "审查结论只能是“合规”或“存疑”。")
    text = clean_reason(
        note,
        label="审查意见",
        missing="结论为“存疑”时请写明审查意见。" if outcome == LookupReview.QUESTIONED else "",
        max_length=REVIEW_NOTE_MAX_LENGTH,
    )
    locked = Lookup.objects.select_for_update().get(pk=lookup.pk)
    before = {"review": locked.review, "review_note": locked.review_note}
    locked.review = outcome
    locked.review_note = text
    locked.reviewed_by = actor if getattr(actor, "pk", None) else None
    locked.reviewed_at = clock.now()
    locked.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        action="access.lookup_reviewed",
        obj=locked,
        summary=f"审查查询登记 {locked.pk}（{locked.actor_label} 查询 {locked.subject_name}）："
        f"{locked.get_review_display()}{('，' + text) if text else ''}"[:300],
        before=before,
        after={"review": outcome, "review_note": text},
    )
    return locked


@transaction.atomic
def login_unlock(*, actor: Any, username: str | None = None, address: str | None = None) -> int:
    """Lift the login locks of an account (its failures from every address) or of an address (every account's
    failures from it): the failed-login counts behind them are cleared. Returns how many counts were cleared;
    clearing nothing changes nothing and is not recorded."""
    if not username and not address:
        raise XinyongError(ErrorCode.REQUIRED, "请指定要解除锁定的用户名或地址。")
    condition = Q()
    if username:
        condition |= Q(username=username)
    if address:
        normalized = normalize_address(address)
        if normalized is None:
            raise XinyongError(ErrorCode.BAD_FORMAT, f"地址格式不正确：{address}（应为 IPv4 或 IPv6 地址）")
        condition |= Q(ip_address=normalized)
        address = normalized
    target = "、".join(part for part in (f"用户名 {username}" if username else "", f"地址 {address}" if address else "") if part)
    return _attempts_clear(AccessAttempt.objects.filter(condition), actor=actor, target=target,
                           after={"username": username, "address": address})


@transaction.atomic
def login_attempts_clear(*, attempts: QuerySet[AccessAttempt], actor: Any) -> int:
    """Clear chosen failed-login counts (the admin's delete), lifting the locks they hold."""
    rows = list(attempts.values_list("username", "ip_address"))
    usernames = sorted({u for u, _ in rows if u})
    addresses = sorted({a for _, a in rows if a})
    target = "、".join([*(f"用户名 {u}" for u in usernames), *(f"地址 {a}" for a in addresses)])
    return _attempts_clear(attempts, actor=actor, target=target,
                           after={"usernames": usernames, "addresses": addresses})


def _attempts_clear(attempts: QuerySet[AccessAttempt], *, actor: Any, target: str, after: dict[str, Any]) -> int:
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    _, deleted = attempts.delete()
    count = deleted.get(AccessAttempt._meta.label, 0)
    if count:
        audit_record(
            actor=actor,
            action=UNLOCKED,
            object_type="axes.AccessAttempt",
            summary=f"解除登录锁定：{target}（清除失败登录 {failures} 次）",
            after={**after, "cleared_rows": count, "cleared_failures": failures},
        )
    return failures if count else 0
