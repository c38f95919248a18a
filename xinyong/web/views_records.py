"""Pages of credit records: one record with its versions and status, the records a batch brought, and 撤销.

Thin adapters over `xinyong.records.detail` (reads) and `xinyong.records.revocation` (the write and who may do it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.pages import may_open, section_view, user_roles
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.models import Batch
from xinyong.org.models import Role, Unit
from xinyong.records import detail as record_reads
from xinyong.records.revocation import REASON_MAX_LENGTH, record_revoke_by
from xinyong.records.services import TRANSFER_REASON_MAX_LENGTH, records_transfer
from xinyong.web import selectors as web_selectors
from xinyong.web.selectors import PAGE_SIZE


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=REASON_MAX_LENGTH,
        help_text="如：行政复议决定撤销原处罚决定；法院判决撤销；作出决定的机关自行纠错。原因将随记录保存并写入审计日志。",
        error_messages={"required": "请填写撤销原因。", "max_length": f"撤销原因最多{REASON_MAX_LENGTH}个字。"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="我已核实：该决定已被撤销，此记录不应继续使用或公示",
        error_messages={"required": "请勾选确认后再撤销。"},
    )


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        label="新归属单位",
        queryset=Unit.objects.filter(is_active=True).order_by("sort_order", "code"),
        error_messages={"required": "请选择新归属单位。", "invalid_choice": "请选择列表中的单位。"},
    )
    reason = forms.CharField(
        label="变更原因",
        max_length=TRANSFER_REASON_MAX_LENGTH,
        error_messages={"required": "请填写变更原因。", "max_length": f"变更原因最多{TRANSFER_REASON_MAX_LENGTH}个字。"},
    )


def _record_page(
    request: HttpRequest,
    pk: int,
    form: RevokeForm | None = None,
    *,
    status: int = 200,
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    item = record_reads.record_detail(actor=request.user, record_id=pk)
    may_transfer = Role.CREDIT_ADMIN in user_roles(request)
    context: dict[str, Any] = {
        "detail": item,
        "record": item.record,
        "form": form or RevokeForm(),
        "transfer_form": (transfer_form or TransferForm()) if may_transfer else None,
        "reason_max": REASON_MAX_LENGTH,
        # Links only where the user may follow them: a handler reads records from subjects, not from batches.
        "linked_batches": _linked_batches(request, item),
        "link_subjects": may_open(request, "subjects"),
    }
    return render(request, "web/record_detail.html", context, status=status)


def _linked_batches(request: HttpRequest, item: record_reads.RecordDetail) -> set[int]:
    """The batches of the record's versions whose pages the user may open."""
    if not may_open(request, "batches"):
        return set()
    ids = {item.record.batch_id, *(v.batch_id for v in item.versions)}
    scope = web_selectors.batch_scope(request.user)
    if scope is None:
        return ids
    return set(Batch.objects.filter(pk__in=ids, department_id__in=scope).values_list("pk", flat=True))


@section_view("records")
def record(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_page(request, pk)


@require_POST
@section_view("records")
def record_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    item = record_reads.record_detail(actor=request.user, record_id=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _record_page(request, pk, form, status=400)
    try:
        record_revoke_by(record=item.record, reason=form.cleaned_data["reason"], actor=request.user)
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        form.add_error("reason", exc.message)
        return _record_page(request, pk, form, status=400)
    messages.success(request, f"信用记录（{item.label}）已撤销，不再使用或公示；记录及其历史版本仍保留备查。")
    return redirect("web:record", pk=pk)


@require_POST
@section_view("records")
def record_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    item = record_reads.record_detail(actor=request.user, record_id=pk)
    if Role.CREDIT_ADMIN not in user_roles(request):
        raise PermissionDenied("只有信用办管理员可以变更记录的归属单位。")
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _record_page(request, pk, transfer_form=form, status=400)
    unit = form.cleaned_data["to_unit"]
    try:
        records_transfer(to_unit=unit, reason=form.cleaned_data["reason"], actor=request.user, record=item.record)
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        form.add_error("reason", exc.message)
        return _record_page(request, pk, transfer_form=form, status=400)
    messages.success(request, f"信用记录（{item.label}）已划归{unit.name}。")
    return redirect("web:record", pk=pk)


@section_view("batches")
def batch_records(request: HttpRequest, pk: int) -> HttpResponse:
    batch = web_selectors.batch_get(user=request.user, batch_id=pk)
    page_obj = Paginator(record_reads.batch_records(batch=batch), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = record_reads.record_rows(list(page_obj.object_list))
    return render(request, "web/record_list.html", {"batch": batch, "page_obj": page_obj, "rows": rows})
