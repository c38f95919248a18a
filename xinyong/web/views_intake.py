"""Pages of intake: upload a file (with its progress and result table) and correct a held-back row.

Thin adapters: the upload goes through `xinyong.intake.jobs` (and so `import_file`), corrections through
`xinyong.intake.corrections`. Every view wears `section_view("batches")`; writing needs the reporter role of the
department, which the services check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.access.pages import section_view, user_roles
from xinyong.catalog.models import Category
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake import corrections
from xinyong.intake.jobs import (
    background_threshold,
    import_job_fail_if_stale,
    import_job_get,
    import_job_submit,
    job_rows_read,
    upload_store,
)
from xinyong.intake.models import BatchChannel, ImportJob, ImportJobStatus, RejectedRowStatus
from xinyong.intake.readers import human_size
from xinyong.intake.schema import FieldSpec
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import require_role, units_for_role
from xinyong.web import selectors as web_selectors

ACCEPT = ".xlsx,.xls,.csv"
# The result table shows at most this many row errors; the batch page lists every held-back row.
ERRORS_SHOWN = 500
LONG_TEXT = 200
RECENT_JOBS = 10


# -- upload -------------------------------------------------------------------------------------------------


def _categories() -> list[tuple[str, str]]:
    """(code, name) of every category in use, once per code (the newest version's name)."""
    seen: dict[str, str] = {}
    for code, name in (
        Category.objects.filter(is_active=True).order_by("code", "-version").values_list("code", "name")
    ):
        seen.setdefault(code, name)
    return sorted(seen.items(), key=lambda item: item[0])


def _departments(request: HttpRequest) -> QuerySet[Unit]:
    """The departments the user may report for: all (credit office), or where they hold the reporter role."""
    if Role.CREDIT_ADMIN in user_roles(request):
        units = Unit.objects.filter(is_active=True)
    else:
        units = units_for_role(request.user, Role.REPORTER).filter(is_active=True)
    return units.order_by("sort_order", "code")


class UploadForm(forms.Form):
    category = forms.ChoiceField(label="信息类别", error_messages={"required": "请选择信息类别。"})
    department = forms.ModelChoiceField(
        label="报送部门",
        queryset=Unit.objects.none(),
        empty_label="请选择报送部门",
        error_messages={"required": "请选择报送部门。", "invalid_choice": "只能为本单位报送。"},
    )
    file = forms.FileField(
        label="文件",
        help_text="支持 .xlsx、.xls、.csv（UTF-8 或 GBK）；表头可在标题行之下。",
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "文件是空的（0 字节），请检查后重新上传。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(
        self, *args: Any, categories: list[tuple[str, str]], departments: QuerySet[Unit], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", "请选择信息类别"), *categories]
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = departments
        self.only_department = departments[0] if len(departments) == 1 else None
        if self.only_department is not None:
            # A reporter of one department reports for it: nothing to choose.
            department.initial = self.only_department.pk
            department.required = False
            department.widget = forms.HiddenInput()

    def clean_department(self) -> Unit | None:
        unit: Unit | None = self.cleaned_data.get("department")
        return unit or self.only_department


def _upload_form(request: HttpRequest, data: Any = None, files: Any = None) -> UploadForm:
    return UploadForm(data, files, categories=_categories(), departments=_departments(request))


def _upload_context(request: HttpRequest, form: UploadForm, **extra: Any) -> dict[str, Any]:
    recent = list(
        ImportJob.objects.filter(requested_by=request.user.pk)
        .select_related("department")
        .order_by("-created_at", "-id")[:RECENT_JOBS]
    )
    for item in recent:
        import_job_fail_if_stale(item)  # a job its worker abandoned reads 未导入, not 导入中 forever
    return {
        "form": form,
        "fixed_department": form.only_department,
        "recent_jobs": recent,
        "background_size": human_size(background_threshold()),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@section_view("upload")
def upload(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.REPORTER)
    htmx = bool(getattr(request, "htmx", False))
    if request.method != "POST":
        return render(request, "web/upload.html", _upload_context(request, _upload_form(request)))
    form = _upload_form(request, request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        name = uploaded.name or "upload"
        try:
            stored, size = upload_store(chunks=uploaded.chunks(), original_name=name)
            job = import_job_submit(
                stored=stored,
                size=size,
                original_name=name,
                category_code=form.cleaned_data["category"],
                department=form.cleaned_data["department"],
                channel=BatchChannel.WEB,
                actor=request.user,
            )
        except XinyongError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                raise PermissionDenied(exc.message) from exc
            form.add_error("file", exc.message)
        else:
            if htmx:
                return render(request, "web/_job_progress.html", _job_context(job))
            return redirect("web:intake_job", pk=job.pk)
    if htmx:
        errors = [str(message) for messages_ in form.errors.values() for message in messages_]
        return render(request, "web/_job_progress.html", {"form_errors": errors})
    return render(request, "web/upload.html", _upload_context(request, form))


@section_view("upload")
def job(request: HttpRequest, pk: int) -> HttpResponse:
    item = import_job_get(user=request.user, job_id=pk)
    context = _job_context(item)
    if getattr(request, "htmx", False):
        response = render(request, "web/_job_progress.html", context)
    else:
        require_role(request.user, Role.REPORTER)
        response = render(
            request, "web/upload.html", _upload_context(request, _upload_form(request), **context)
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


@dataclass
class _JobView:
    job: ImportJob
    category_name: str
    rows_read: int
    result: dict[str, Any]
    errors: list[dict[str, Any]]
    errors_total: int
    warnings: list[dict[str, Any]]


def _job_context(item: ImportJob) -> dict[str, Any]:
    category = Category.objects.filter(code=item.category_code).order_by("-version").first()
    result = item.result if isinstance(item.result, dict) else {}
    errors = list(result.get("errors") or [])
    view = _JobView(
        job=item,
        category_name=category.name if category else item.category_code,
        rows_read=job_rows_read(item),
        result=result,
        errors=errors[:ERRORS_SHOWN],
        errors_total=int(result.get("errors_total", len(errors)) or 0),
        warnings=list(result.get("warnings") or []),
    )
    return {"view": view, "job": item, "statuses": ImportJobStatus}


# -- correcting a held-back row --------------------------------------------------------------------------------


@dataclass
class _FieldRow:
    spec: FieldSpec
    value: str
    errors: list[corrections.FieldError] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"f_{self.spec.code}"

    @property
    def is_long(self) -> bool:
        return self.spec.max_length is not None and self.spec.max_length > LONG_TEXT

    @property
    def hint(self) -> str:
        kind = self.spec.type
        if kind == "date":
            return "日期，如 2020-11-19"
        if kind == "decimal":
            return "数字"
        if kind == "uscc":
            return "18位统一社会信用代码"
        if kind in ("choice", "multi_choice") and self.spec.choices:
            many = "（可多选，用顿号分隔）" if kind == "multi_choice" else ""
            return f"可选：{'、'.join(self.spec.choices)}{many}"
        if kind == "party_category":
            return "可选：法人及非法人组织、自然人、个体工商户"
        if self.spec.max_length:
            return f"最多{self.spec.max_length}个字"
        return ""


def _field_rows(
    specs: tuple[FieldSpec, ...], values: dict[str, str], errors: list[corrections.FieldError]
) -> tuple[list[_FieldRow], list[corrections.FieldError]]:
    rows = [_FieldRow(spec, values.get(spec.code, "")) for spec in specs]
    by_code = {row.spec.code: row for row in rows}
    general: list[corrections.FieldError] = []
    for error in errors:
        target = by_code.get(error.field)
        if target is None:
            general.append(error)
        else:
            target.errors.append(error)
    return rows, general


def _may_correct(request: HttpRequest, department: Unit | None) -> bool:
    try:
        require_role(request.user, Role.REPORTER, department)
    except XinyongError:
        return False
    return True


@require_http_methods(["GET", "POST"])
@section_view("batches")
def row_correct(request: HttpRequest, batch_pk: int, row_pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=batch_pk)
    row = corrections.rejected_row_get(batch=batch, row_id=row_pk)
    schema = corrections.row_schema(row)
    values = corrections.row_cells(row)
    errors = corrections.row_field_errors(row, schema)
    still_failing = False
    if request.method == "POST":
        values = {spec.code: request.POST.get(f"f_{spec.code}", "").strip() for spec in schema.fields}
        try:
            outcome = corrections.rejected_row_correct(row=row, values=values, actor=request.user)
        except XinyongError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                raise
            messages.error(request, exc.message)
            return redirect("web:row_correct", batch_pk=batch.pk, row_pk=row.pk)
        if outcome.accepted and outcome.staged:
            messages.success(request, f"第 {row.row_number} 行已更正并通过校验，等待本部门审核员审核后公开。")
            return redirect("web:batch", pk=batch.pk)
        if outcome.accepted:
            what = "新增" if outcome.created else "更新"
            key = outcome.record.key.replace("|", "，") if outcome.record else ""
            messages.success(request, f"第 {row.row_number} 行已更正并通过校验，{what}信用记录（{key}）。")
            return redirect("web:batch", pk=batch.pk)
        errors, still_failing = outcome.errors, True
    fields, general = _field_rows(schema.fields, values, errors)
    context = {
        "batch": batch,
        "row": row,
        "fields": fields,
        "general_errors": general,
        "error_count": len(errors),
        "still_failing": still_failing,
        "pending": row.status == RejectedRowStatus.PENDING,
        "may_correct": _may_correct(request, batch.department),
        "history": list(corrections.rejected_row_history(row).select_related("actor")),
        "discard_max": corrections.REASON_MAX_LENGTH,
    }
    return render(request, "web/row_correct.html", context)


@require_POST
@section_view("batches")
def row_discard(request: HttpRequest, batch_pk: int, row_pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=batch_pk)
    row = corrections.rejected_row_get(batch=batch, row_id=row_pk)
    try:
        corrections.rejected_row_discard(row=row, reason=request.POST.get("reason", ""), actor=request.user)
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        messages.error(request, exc.message)
        return redirect(reverse("web:row_correct", args=[batch.pk, row.pk]) + "#discard-title")
    messages.success(request, f"第 {row.row_number} 行已作废。")
    return redirect("web:batch", pk=batch.pk)
