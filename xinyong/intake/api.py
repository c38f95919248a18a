"""Intake through the API: a departmental system sends rows (JSON) or a file, and follows its job and batch.

Every submission takes the one import path: rows are written to a CSV file, and the file goes through
`import_job_submit` → `import_file` like a browser upload, with channel "api". The token's department is the
reporting department; the token is the actor recorded in the job and the audit trail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from xinyong.access.api import ErrorOut, TokenAuth, request_token
from xinyong.access.models import ApiToken, TokenScope
from xinyong.catalog.selectors import category_in_force
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.params import MAX_OFFSET, category_path, object_id, year_query
from xinyong.intake.jobs import import_job_fail_if_stale, import_job_submit, job_rows_read, upload_store
from xinyong.intake.models import (
    Batch,
    BatchChannel,
    ImportJob,
    ImportJobStatus,
    RejectedRow,
    RejectedRowStatus,
)
from xinyong.intake.quality import department_quality
from xinyong.intake.readers import human_size
from xinyong.intake.schema import schema_of

ROWS_PAGE_MAX = 2000


router = Router(tags=["信息报送"], auth=TokenAuth(TokenScope.SUBMIT))


class ImportJobFailed(XinyongError):
    """A submission that was refused: the job's code and message, and the job's number."""

    def __init__(self, job: ImportJob) -> None:
        super().__init__(cast(ErrorCode, job.error_code), job.error_message)
        self.job_id = job.pk


# -- schemas -----------------------------------------------------------------------------------------------


class RowsIn(Schema):
    rows: list[dict[str, Any]] = Field(
        min_length=1,
        description="数据行：每行一个对象，键为中文列名（与模板表头相同，如“行政处罚决定书文号”）或字段编码（如 CF_WSH）",
    )
    file_name: str | None = Field(
        default=None, max_length=200, description="留存文件的名称（可选），如 2020年11月行政处罚.csv"
    )


class JobLinks(Schema):
    self: str
    batch: str | None = None


class JobOut(Schema):
    id: int
    status: str = Field(description="queued 排队中 / running 导入中 / done 已完成 / failed 未导入")
    status_label: str
    category: str
    department: str | None
    channel: str
    original_name: str
    size: int
    submitted_at: Any
    started_at: Any = None
    finished_at: Any = None
    rows_read: int
    batch: int | None = None
    result: dict[str, Any] | None = Field(
        default=None,
        description="导入结果：rows、accepted、rejected、late、errors（前 1000 条：行号、字段、代码、说明）、"
        "errors_total（全部条数）等；全部未通过的数据见 GET /api/v1/intake/batches/{id}",
    )
    error: ErrorOut | None = None
    links: JobLinks


class RowErrorOut(Schema):
    row: int
    field: str
    code: str
    message: str
    status: str = Field(
        description="该行的处理状态：pending 待更正 / corrected 已更正 / replaced 已被新文件替换 / discarded 已作废"
    )
    resolved_at: Any = Field(default=None, description="处理时间（待更正时为空）")
    resolved_by: str = Field(default="", description="处理人（人员姓名、接口系统或“系统”）")
    resolution_reason: str = Field(default="", description="作废原因")
    record: int | None = Field(default=None, description="更正或替换后入库的信用记录编号")
    replaced_by: int | None = Field(default=None, description="替换该行的报送批次编号")


class BatchOut(Schema):
    batch: int
    category: str
    category_name: str
    department: str | None
    channel: str
    original_name: str
    sha256: str
    submitted_at: Any
    header_row: int | None
    rows: int
    accepted: int
    rejected: int
    late: int
    pending: int
    review_status: str = Field(
        description="报送审核：空为无需审核；pending 待审核（未公开）/ approved 已审核公开 / returned 已退回"
    )
    review_reason: str = Field(description="退回原因")
    errors: list[RowErrorOut]
    rows_offset: int
    rows_limit: int
    next_offset: int | None


# -- endpoints ---------------------------------------------------------------------------------------------


@router.get(
    "/jobs/{job_id}",
    response={200: JobOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="intake_job",
    auth=TokenAuth(TokenScope.SUBMIT, TokenScope.READ),
    summary="查询导入任务的进度和结果",
)
def get_job(request: HttpRequest, job_id: int = object_id("导入任务编号")) -> dict[str, Any]:
    token = request_token(request)
    job = (
        ImportJob.objects.select_related("department")
        .filter(pk=job_id, department=token.department_id)
        .first()
    )
    if job is None:
        raise Http404(f"导入任务 {job_id} 不存在，或不属于本部门")
    import_job_fail_if_stale(job)
    return job_out(job)


@router.get(
    "/quality",
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    url_name="intake_quality",
    auth=TokenAuth(TokenScope.READ),
    summary="本部门的归集质量（考核指标三、1–3）",
)
def get_quality(request: HttpRequest, year: int = year_query()) -> dict[str, Any]:
    """Coverage, non-compliance rate and late items of the token's department for a year, with the reasons."""
    token = request_token(request)
    return department_quality(unit=token.department, year=year).as_dict()


@router.get(
    "/batches/{batch_id}",
    response={200: BatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="intake_batch",
    auth=TokenAuth(TokenScope.SUBMIT, TokenScope.READ),
    summary="查询报送批次的统计和未通过校验的数据",
)
def get_batch(
    request: HttpRequest,
    batch_id: int = object_id("报送批次编号"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="从第几条未通过校验的数据起（从 0 开始）"),
    limit: int = Query(500, ge=1, le=ROWS_PAGE_MAX, description=f"本次最多返回的条数，1—{ROWS_PAGE_MAX}"),
) -> dict[str, Any]:
    token = request_token(request)
    batch = (
        Batch.objects.select_related("category", "department")
        .filter(pk=batch_id, department=token.department_id)
        .first()
    )
    if batch is None:
        raise Http404(f"报送批次 {batch_id} 不存在，或不属于本部门")
    rows = list(
        RejectedRow.objects.filter(batch=batch).order_by("row_number", "id")[offset : offset + limit + 1]
    )
    more = len(rows) > limit
    errors = [
        {
            "row": row.row_number,
            "field": str(error.get("field", "")),
            "code": str(error.get("code", "")),
            "message": str(error.get("message", "")),
            "status": row.status,
            "resolved_at": row.resolved_at,
            "resolved_by": row.resolved_by_label,
            "resolution_reason": row.resolution_reason,
            "record": row.record_id,
            "replaced_by": row.replaced_by_id,
        }
        for row in rows[:limit]
        for error in (row.errors if isinstance(row.errors, list) else [])
        if isinstance(error, dict)
    ]
    return {
        "batch": batch.pk,
        "category": batch.category.code,
        "category_name": batch.category.name,
        "department": batch.department.code if batch.department else None,
        "channel": batch.channel,
        "original_name": batch.original_name,
        "sha256": batch.sha256,
        "submitted_at": batch.submitted_at,
        "header_row": batch.header_row,
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "late": batch.late,
        "pending": RejectedRow.objects.filter(batch=batch, status=RejectedRowStatus.PENDING).count(),
        "review_status": batch.review_status,
        "review_reason": batch.review_reason,
        "errors": errors,
        "rows_offset": offset,
        "rows_limit": limit,
        "next_offset": offset + limit if more else None,
    }


# Both ways of submitting answer alike: done (200), queued (202) or refused with a code and a message.
_SUBMIT_RESPONSES: dict[int, Any] = {
    200: JobOut,
    202: JobOut,
    **{status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422)},
}


@router.post(
    "/{category}/rows",
    response=_SUBMIT_RESPONSES,
    summary="报送数据行（JSON）",
    description="数据行写成 CSV 文件后按文件导入（与网页上传、命令行同一路径），原样留存。数据较多时进入后台处理，"
    "返回 202 和任务编号，用 GET /api/v1/intake/jobs/{id} 查询进度。",
)
def post_rows(request: HttpRequest, payload: RowsIn, category: str = category_path()) -> Status[dict[str, Any]]:
    token = request_token(request)
    schema = schema_of(category_in_force(category, clock.today()))
    names = {spec.code.upper(): spec.name for spec in schema.fields}
    _refuse_nested(payload.rows)
    header: dict[str, str] = {}
    for row in payload.rows:
        for key in row:
            if key not in header:
                header[key] = names.get(str(key).strip().upper(), str(key).strip())
    seen: dict[str, str] = {}
    for key, name in header.items():
        if name in seen:
            raise XinyongError(
                ErrorCode.BAD_FORMAT,
                f"“{seen[name]}”和“{key}”是同一个字段（{name}），每行只能填写其中一个键。",
            )
        seen[name] = key
    original_name = _csv_name(payload.file_name, category)
    stored, size = upload_store(chunks=_csv_chunks(header, payload.rows), original_name=original_name)
    return _submit(token, category, stored, size, original_name)


@router.post(
    "/{category}/file",
    response=_SUBMIT_RESPONSES,
    summary="报送文件（.xlsx、.xls、.csv）",
    description="multipart/form-data，文件字段名 file。文件较大时进入后台处理，返回 202 和任务编号。",
)
def post_file(
    request: HttpRequest, file: File[UploadedFile], category: str = category_path()
) -> Status[dict[str, Any]]:
    token = request_token(request)
    original_name = Path(file.name or "upload").name or "upload"
    limit = int(settings.XINYONG_IMPORT_MAX_BYTES)
    if file.size is not None and file.size > limit:
        raise XinyongError(
            ErrorCode.FILE_TOO_LARGE,
            f"文件“{original_name}”大小为 {human_size(file.size)}，超过上限 {human_size(limit)}，请拆分后分批报送。",
        )
    category_in_force(category, clock.today())
    stored, size = upload_store(chunks=file.chunks(), original_name=original_name)
    return _submit(token, category, stored, size, original_name)


# -- helpers -----------------------------------------------------------------------------------------------


def _submit(
    token: ApiToken, category: str, stored: Path, size: int, original_name: str
) -> Status[dict[str, Any]]:
    job = import_job_submit(
        stored=stored,
        size=size,
        original_name=original_name,
        category_code=category,
        department=token.department,
        channel=BatchChannel.API,
        token=token,
    )
    if job.status == ImportJobStatus.FAILED:
        raise ImportJobFailed(job)
    return Status(200 if job.status == ImportJobStatus.DONE else 202, job_out(job))


def job_out(job: ImportJob) -> dict[str, Any]:
    failed = job.status == ImportJobStatus.FAILED
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "category": job.category_code,
        "department": job.department.code if job.department else None,
        "channel": job.channel,
        "original_name": job.original_name,
        "size": job.size,
        "submitted_at": job.submitted_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "rows_read": job_rows_read(job),
        "batch": job.batch_id,
        "result": job.result,
        "error": {"code": job.error_code, "message": job.error_message} if failed else None,
        "links": {
            "self": reverse("api:intake_job", kwargs={"job_id": job.pk}),
            "batch": reverse("api:intake_batch", kwargs={"batch_id": job.batch_id}) if job.batch_id else None,
        },
    }


def _refuse_nested(rows: list[dict[str, Any]]) -> None:
    for number, row in enumerate(rows, start=1):
        for key, value in row.items():
            if isinstance(value, dict) or (
                isinstance(value, list) and any(isinstance(v, dict | list) for v in value)
            ):
                raise XinyongError(
                    ErrorCode.BAD_FORMAT,
                    f"第{number}条数据的“{key}”不是文字、数字或文字列表，无法作为表格单元格导入。",
                )


def _csv_name(name: str | None, category: str) -> str:
    if name:
        base = Path(name.strip()).name
        if base:
            return base if base.lower().endswith(".csv") else f"{base}.csv"
    return f"接口报送-{category}-{clock.now().astimezone(clock.LOCAL_TZ):%Y%m%d%H%M%S}.csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_cell(v) for v in value)
    return str(value)


def _csv_chunks(header: dict[str, str], rows: list[dict[str, Any]]) -> Iterator[bytes]:
    """The rows as a UTF-8 CSV (with BOM, so the kept original opens in Excel), a piece at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(list(header.values()))
    keys = list(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in keys])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
