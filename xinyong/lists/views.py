"""Pages of the joint reward/punishment check (联合奖惩核查): single check with outcomes and dismissals, batch check.

Thin adapters over `xinyong.lists.services` (writes) and `xinyong.lists.selectors` (reads).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.pages import section_view, user_roles
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.lists import selectors
from xinyong.lists.matching import Query
from xinyong.lists.models import CheckLog, ListEntry, Matter, Measure
from xinyong.lists.results import CheckResult
from xinyong.lists.services import check_batch, check_subject, dismissal_create, outcome_record
from xinyong.lists.spreadsheets import MAX_BATCH, read_uploaded_subjects, results_workbook
from xinyong.org.models import Role
from xinyong.records.models import Record

PAGE_BATCH_LIMIT = 2_000


class CheckForm(forms.Form):
    matter = forms.ChoiceField(
        label="办理事项",
        choices=[("", "请选择办理事项"), *Matter.choices],
        error_messages={"required": "请选择办理事项。", "invalid_choice": "请选择列表中的办理事项。"},
    )
    purpose = forms.CharField(
        label="查询事由",
        max_length=300,
        help_text="如：某某项目政府采购供应商资格审查",
        error_messages={"required": "请填写查询事由。"},
    )
    query = forms.CharField(
        label="主体名称或统一社会信用代码",
        max_length=200,
        help_text="填写名称，或18位统一社会信用代码／身份证件号码",
        error_messages={"required": "请填写主体名称或统一社会信用代码。"},
    )


class BatchForm(forms.Form):
    matter = CheckForm.base_fields["matter"]
    purpose = CheckForm.base_fields["purpose"]
    file = forms.FileField(
        label="主体名单文件",
        help_text="Excel（.xlsx）或 CSV 文件：一列“名称”和/或一列“统一社会信用代码”，每行一个主体",
        error_messages={"required": "请选择名单文件。"},
    )


def _may_see(request: HttpRequest, log: CheckLog) -> None:
    # A check names the party and the matter: only whoever made it, and the credit office, read it again.
    if log.actor_id != request.user.pk and Role.CREDIT_ADMIN not in user_roles(request):
        raise PermissionDenied("只能查看本人发起的核查记录。")


@section_view("check")
def check(request: HttpRequest) -> HttpResponse:
    form = CheckForm(request.POST or None, initial={"matter": request.GET.get("matter", "")})
    if request.method == "POST" and form.is_valid():
        query = Query.parse(form.cleaned_data["query"])
        try:
            result = check_subject(
                actor=request.user,
                matter=form.cleaned_data["matter"],
                purpose=form.cleaned_data["purpose"],
                code=query.code,
                name=query.name,
            )
        except XinyongError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("lists:check_result", pk=result.log.pk)
    recent = selectors.check_logs(actor=request.user)[:10]
    return render(
        request, "lists/check.html", {"form": form, "recent": recent}, status=400 if form.errors else 200
    )


def _result_page(
    request: HttpRequest,
    log: CheckLog,
    *,
    status: int = 200,
    errors: dict[int, str] | None = None,
    record_errors: dict[int, str] | None = None,
) -> HttpResponse:
    result: CheckResult = selectors.check_result_of(log)
    outcomes = selectors.outcomes_of(log)
    recorded = {o.entry_id for o in outcomes}
    recorded_records = {o.record_id for o in outcomes}
    context: dict[str, Any] = {
        "log": log,
        "result": result,
        "outcomes": outcomes,
        "recorded": recorded,
        "missing": [h for h in result.hits if h.entry.pk not in recorded]
        + [h for h in result.record_hits if h.record.pk not in recorded_records],
        "errors": errors or {},
        "record_errors": record_errors or {},
    }
    return render(request, "lists/check_result.html", context, status=status)


@section_view("check")
def check_result(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(CheckLog.objects.select_related("subject", "actor"), pk=pk)
    _may_see(request, log)
    return _result_page(request, log)


def _hit_entry(log: CheckLog, raw: str | None) -> ListEntry:
    try:
        entry_id = int(raw or "")
    except ValueError:
        raise Http404 from None
    if entry_id not in {int(h["entry_id"]) for h in log.hits if "entry_id" in h}:
        raise Http404
    return ListEntry.objects.select_related("kind").get(pk=entry_id)


def _hit_record(log: CheckLog, raw: str | None) -> Record:
    try:
        record_id = int(raw or "")
    except ValueError:
        raise Http404 from None
    if record_id not in {int(h["record_id"]) for h in log.hits if "record_id" in h}:
        raise Http404
    return Record.objects.get(pk=record_id)


@require_POST
@section_view("check")
def check_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Feedback on one hit: a list entry (`entry`) or one of the subject's own records (`record`)."""
    log = get_object_or_404(CheckLog, pk=pk)
    _may_see(request, log)
    entry: ListEntry | None = None
    record: Record | None = None
    if request.POST.get("record"):
        record = _hit_record(log, request.POST.get("record"))
    else:
        entry = _hit_entry(log, request.POST.get("entry"))

    def refused(message: str) -> HttpResponse:
        if record is not None:
            return _result_page(request, log, status=400, record_errors={record.pk: message})
        assert entry is not None
        return _result_page(request, log, status=400, errors={entry.pk: message})

    measure = None
    if request.POST.get("measure"):
        measure = Measure.objects.filter(pk=request.POST["measure"]).select_related("memorandum").first()
    applied = request.POST.get("applied")
    if applied not in ("yes", "no"):
        return refused("请选择是否已实施措施。")
    try:
        outcome_record(
            actor=request.user,
            check_log=log,
            entry=entry,
            record=record,
            measure=measure,
            applied=applied == "yes",
            reason=request.POST.get("reason", ""),
        )
    except XinyongError as exc:
        return refused(exc.message)
    done = f"“{entry.name}”的措施" if entry is not None else "该信用记录对应措施的"
    messages.success(request, f"已记录{done}实施情况。")
    return redirect("lists:check_result", pk=log.pk)


@require_POST
@section_view("check")
def check_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_object_or_404(CheckLog.objects.select_related("subject"), pk=pk)
    _may_see(request, log)
    entry = _hit_entry(log, request.POST.get("entry"))
    try:
        dismissal_create(
            actor=request.user, check_log=log, entry=entry, reason=request.POST.get("reason", "")
        )
    except XinyongError as exc:
        return _result_page(request, log, status=400, errors={entry.pk: exc.message})
    messages.success(
        request, f"已排除误报：“{entry.name}”与被核查主体不是同一主体，今后核查该主体时不再提示。"
    )
    return redirect("lists:check_result", pk=log.pk)


@section_view("check")
def batch(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_uploaded_subjects(form.cleaned_data["file"])
            if len(rows) > PAGE_BATCH_LIMIT:
                form.add_error(
                    "file",
                    f"页面一次最多核查{PAGE_BATCH_LIMIT}个主体（命令行最多{MAX_BATCH}个），请拆分文件。",
                )
            else:
                results = check_batch(
                    actor=request.user,
                    matter=form.cleaned_data["matter"],
                    purpose=form.cleaned_data["purpose"],
                    rows=rows,
                )
                if results:
                    return redirect("lists:batch_result", ref=results[0].log.batch_ref)
        except XinyongError as exc:
            form.add_error("file", exc.message)
    return render(request, "lists/batch.html", {"form": form}, status=400 if form.errors else 200)


def _batch_results(request: HttpRequest, ref: str) -> list[CheckResult]:
    logs = selectors.batch_logs(batch_ref=ref)
    if not logs:
        raise Http404
    for log in logs:
        _may_see(request, log)
    return [selectors.check_result_of(log) for log in logs]


@section_view("check")
def batch_result(request: HttpRequest, ref: str) -> HttpResponse:
    results = _batch_results(request, ref)
    recorded = {o.check_log_id for r in results for o in selectors.outcomes_of(r.log)}
    hits = sum(1 for r in results if r.any_hit)
    context = {
        "ref": ref,
        "results": results,
        "first": results[0].log,
        "hit_subjects": hits,
        "recorded": recorded,
    }
    return render(request, "lists/batch_result.html", context)


@section_view("check")
def batch_xlsx(request: HttpRequest, ref: str) -> HttpResponse:
    results = _batch_results(request, ref)
    response = HttpResponse(
        results_workbook(results),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"联合奖惩核查结果_{clock.today():%Y%m%d}_{ref}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"check_{ref}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
