"""Writes of the portal: the register of internal look-ups by government systems (查询使用登记).

A departmental system with a token may see all records of a subject and full identifiers, but only after it
states a purpose; the look-up is written to the audit trail before anything is shown.
"""

from __future__ import annotations

from typing import Final

from django.db import transaction

from xinyong.access.models import ApiToken
from xinyong.access.tokens import TokenActor
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_record
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.subjects.models import Subject
from xinyong.subjects.selectors import PURPOSE_MAX_LENGTH

INTERNAL_LOOKUP_ACTION: Final = "portal.internal_lookup"


def clean_purpose(purpose: str | None) -> str:
    text = " ".join(str(purpose or "").split())
    if not text:
        raise XinyongError(
            ErrorCode.REQUIRED,
            "使用接口令牌查询内部信息时须填写查询事由（参数 purpose），例如“办理行政许可前的信用核查（事项文号）”。",
        )
    if len(text) > PURPOSE_MAX_LENGTH:
        raise XinyongError(ErrorCode.TOO_LONG, f"查询事由不能超过 {PURPOSE_MAX_LENGTH} 个字。")
    return text


@transaction.atomic
def internal_lookup_record(*, token: ApiToken, subject: Subject, purpose: str) -> AuditEvent:
    """Register that a government system looked at a subject's internal view, and why. Call before showing it."""
    text = clean_purpose(purpose)
    return audit_record(
        actor=TokenActor.of(token),
        action=INTERNAL_LOOKUP_ACTION,
        obj=subject,
        summary=f"接口查询信用主体内部信息：{subject.name}（{token.department.name}）"[:300],
        after={"purpose": text, "department": token.department.code, "token": token.name},
    )
