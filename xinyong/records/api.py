"""Credit records through the API: a departmental system reads its department's records and revokes them (撤销).

The same token as for intake (`Authorization: Bearer <token>`, bound to a department); the same reads and the same
revocation service as the record page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from xinyong.access.api import ErrorOut, TokenAuth, request_token
from xinyong.access.models import TokenScope
from xinyong.access.tokens import TokenActor
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.params import MAX_ID, object_id
from xinyong.records.detail import RecordDetail, record_detail, record_missing, require_record_access
from xinyong.records.models import Record
from xinyong.records.revocation import REASON_MAX_LENGTH, RevocationErrorCode, record_find, record_revoke_by

router = Router(tags=["信用记录"], auth=TokenAuth(TokenScope.READ))


class RevokeIn(Schema):
    record_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="记录编号（与下面三项二选一）")
    category: str | None = Field(default=None, max_length=64, description="信息类别编码，如 admin_penalty")
    document_number: str | None = Field(
        default=None, max_length=200, description="决定文书号，如 澄综执罚〔2020〕1号（括号、空格写法不限）"
    )
    authority_code: str | None = Field(
        default=None, max_length=30, description="作出决定的机关的统一社会信用代码"
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH, description="撤销原因，如 行政复议撤销原处罚决定")


class FieldOut(Schema):
    code: str
    name: str
    value: str = Field(description="字段内容；个人证件号码部分隐藏")


class VersionOut(Schema):
    version: int
    batch: int
    submitted_at: Any
    superseded_at: Any = None
    changed: list[str] = Field(description="本版相对上一版修改的字段名称")


class SubjectOut(Schema):
    id: int
    name: str
    code: str = Field(description="统一社会信用代码，或部分隐藏的个人证件号码")


class RevocationOut(Schema):
    reason: str
    revoked_at: Any
    revoked_by: str


class RecordOut(Schema):
    id: int
    category: str
    category_name: str
    key: str
    label: str
    version: int
    status: str = Field(description="active 有效 / revoked 已撤销 / repaired 已信用修复")
    status_label: str
    status_reason: str
    revocation: RevocationOut | None = None
    subject: SubjectOut | None = None
    source_unit: str | None = Field(description="数据来源单位编码")
    batch: int
    decision_date: Any = None
    submitted_at: Any
    deadline: Any = None
    is_late: bool
    late_workdays: int | None = None
    publicity_end: Any = None
    fields: list[FieldOut]
    versions: list[VersionOut]
    links: dict[str, str]


@router.get(
    "/{int:record_id}",
    response={200: RecordOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="record_get",
    summary="查询本部门报送的一条信用记录（内容、版本、状态）",
)
def get_record(request: HttpRequest, record_id: int = object_id("信用记录编号")) -> dict[str, Any]:
    token = request_token(request)
    return record_out(record_detail(actor=TokenActor.of(token), record_id=record_id))


@router.post(
    "/revoke",
    response={200: RecordOut, **{status: ErrorOut for status in (400, 401, 403, 404, 409)}},
    url_name="record_revoke",
    auth=TokenAuth(TokenScope.SUBMIT),
    summary="撤销本部门报送的一条信用记录",
    description="按记录编号，或按信息类别 + 决定文书号 + 作出决定的机关统一社会信用代码找到记录后撤销。"
    "记录保留（含历史版本），不再使用或公示；同一决定再次报送不会恢复。已撤销的记录再次撤销返回 409。",
)
def post_revoke(request: HttpRequest, payload: RevokeIn) -> Status[dict[str, Any]]:
    token = request_token(request)
    actor = TokenActor.of(token)
    record = _find(payload, actor)
    try:
        record_revoke_by(record=record, reason=payload.reason, actor=actor)
    except XinyongError as exc:
        if exc.code == RevocationErrorCode.ALREADY_REVOKED:
            return Status(409, {"code": str(exc.code), "message": exc.message})
        raise
    return Status(200, record_out(record_detail(actor=actor, record_id=record.pk)))


def _find(payload: RevokeIn, actor: TokenActor) -> Record:
    """The record to revoke, found by id or by its decision; one of another department is answered exactly as
    `GET /records/{id}` answers it (or as a decision that does not exist): not found, naming no one."""
    if payload.record_id is not None:
        record = Record.objects.filter(pk=payload.record_id).first()
        if record is None:
            raise record_missing(payload.record_id)
        require_record_access(actor, record)
        return record
    by_decision = (payload.category, payload.document_number, payload.authority_code)
    if not all(part and part.strip() for part in by_decision):
        raise XinyongError(
            ErrorCode.REQUIRED,
            "请给出记录编号 record_id，或同时给出信息类别 category、决定文书号 document_number 和"
            "作出决定的机关统一社会信用代码 authority_code。",
        )
    category, number, code = (str(part) for part in by_decision)
    missing = Record.DoesNotExist(f"找不到该记录：{category} {number}（{code}），或不属于本部门")
    record = record_find(category_code=category, document_number=number, authority_code=code)
    if record is None:
        raise missing
    try:
        require_record_access(actor, record)
    except Record.DoesNotExist:
        raise missing from None
    return record


def record_out(item: RecordDetail) -> dict[str, Any]:
    record = item.record
    event = item.revocation
    return {
        "id": record.pk,
        "category": record.category_code,
        "category_name": record.category.name,
        "key": record.key,
        "label": item.label,
        "version": record.version,
        "status": record.status,
        "status_label": record.get_status_display(),
        "status_reason": record.status_reason,
        "revocation": {
            "reason": record.status_reason,
            "revoked_at": event.occurred_at,
            "revoked_by": event.actor_label,
        }
        if event
        else None,
        "subject": {"id": record.subject.pk, "name": record.subject.name, "code": item.subject_code}
        if record.subject
        else None,
        "source_unit": record.source_unit.code if record.source_unit else None,
        "batch": record.batch_id,
        "decision_date": record.decision_date,
        "submitted_at": record.submitted_at,
        "deadline": record.deadline,
        "is_late": record.is_late,
        "late_workdays": record.late_workdays,
        "publicity_end": record.publicity_end,
        "fields": [{"code": f.code, "name": f.name, "value": f.value} for f in item.fields],
        "versions": [
            {
                "version": v.version,
                "batch": v.batch_id,
                "submitted_at": v.submitted_at,
                "superseded_at": v.superseded_at,
                "changed": v.changed,
            }
            for v in item.versions
        ],
        "links": {"self": reverse("api:record_get", kwargs={"record_id": record.pk})},
    }
