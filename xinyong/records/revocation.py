"""Revocation (撤销) of a credit record by the department it came from, from the pages and the API.

"谁认定、谁撤销": the source department's reporter or reviewer, or the credit office, may take a record out of use;
a departmental system's token may do it for its own department's records. The record is kept with its history,
and stays revoked when the decision is sent again. The command line (`xinyong revoke`) is the operator's and
calls `record_revoke` directly.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, cast

from django.db import transaction

from xinyong.core import reasons
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Role
from xinyong.org.selectors import require_role
from xinyong.records.keys import record_key_of
from xinyong.records.models import Record, RecordStatus
from xinyong.records.services import record_revoke

REASON_MAX_LENGTH: Final = 300


class RevocationErrorCode(StrEnum):
    """Stable codes of revocation (to join `xinyong.core.errors.ErrorCode`)."""

    ALREADY_REVOKED = "E_ALREADY_REVOKED"


def record_find(*, category_code: str, document_number: str, authority_code: str) -> Record | None:
    """The record of a decision by its document number and the authority's code, however the clerk wrote them."""
    key = record_key_of([document_number, authority_code])
    return Record.objects.filter(category_code=category_code.strip(), key=key).first()


def require_revoke_right(actor: Any, record: Record) -> None:
    """Refuse unless the actor may revoke the record: its source department's reporter or reviewer (a token of
    that department included), or the credit office."""
    unit = record.source_unit
    if unit is None:
        try:
            require_role(actor, Role.CREDIT_ADMIN)
        except XinyongError as exc:
            raise XinyongError(
                ErrorCode.FORBIDDEN, "该记录没有数据来源单位，只有信用办管理员可以撤销。"
            ) from exc
        return
    for role in (Role.REPORTER, Role.REVIEWER):
        try:
            require_role(actor, role, unit)
        except XinyongError:
            continue
        return
    raise XinyongError(
        ErrorCode.FORBIDDEN,
        f"只有数据来源单位（{unit.name}）的部门报送员、部门审核员或信用办管理员可以撤销该记录。",
    )


def may_revoke(actor: Any, record: Record) -> bool:
    """Whether to offer the 撤销 form: the actor has the right and the record is not revoked already."""
    if record.status == RecordStatus.REVOKED:
        return False
    try:
        require_revoke_right(actor, record)
    except XinyongError:
        return False
    return True


def clean_reason(reason: str) -> str:
    return reasons.clean_reason(
        reason, label="撤销原因", missing="请填写撤销原因（如：行政复议决定撤销原处罚决定）。", max_length=REASON_MAX_LENGTH
    )


def record_revoke_by(*, record: Record, reason: str, actor: Any) -> Record:
    """Revoke a record on behalf of its source department, in one transaction with its audit event.

    The row is locked first, so two clerks revoking at once produce one revocation and one clear refusal.
    """
    with transaction.atomic():
        locked = Record.objects.select_for_update(of=("self",)).select_related("source_unit").get(pk=record.pk)
        require_revoke_right(actor, locked)
        text = clean_reason(reason)
        if locked.status == RecordStatus.REVOKED:
            raise XinyongError(
                cast(ErrorCode, RevocationErrorCode.ALREADY_REVOKED),
                f"该记录已于此前撤销，原因：{locked.status_reason or '未说明'}。",
            )
        return record_revoke(record=locked, reason=text, actor=actor)
