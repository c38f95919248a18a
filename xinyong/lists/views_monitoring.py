"""Pages of monitoring (关注主体与名单变动预警) and of the check figures (核查统计)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.pages import section_view, user_roles
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.core.params import year_param
from xinyong.lists.figures import check_figures
from xinyong.lists.matching import Query
from xinyong.lists.models import Alert, Watch
from xinyong.lists.monitoring import active_watches, alert_mark_read, watch_add, watch_end, watches_add
from xinyong.lists.spreadsheets import read_uploaded_subjects
from xinyong.org.models import Role, Unit


class WatchForm(forms.Form):
    reason = forms.CharField(
        label="关注事由",
        max_length=300,
        help_text="如：2026年工业专项资金拟扶持企业",
        error_messages={"required": "请填写关注事由。"},
    )
    query = forms.CharField(
        label="主体名称或统一社会信用代码",
        max_length=200,
        required=False,
        help_text="关注单个主体时填写",
    )
    file = forms.FileField(
        label="或上传主体名单",
        required=False,
        help_text="Excel（.xlsx）或 CSV：一列“名称”和/或一列“统一社会信用代码”，如全部资金拨付对象",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("query") and not data.get("file"):
            raise forms.ValidationError("请填写主体名称或统一社会信用代码，或上传主体名单。")
        return data


def _department(request: HttpRequest) -> Unit:
    unit = getattr(request.user, "unit", None)
    if unit is None:
        raise Http404("您的账号未关联部门，无法设置关注主体。")
    return unit


@section_view("check")
def watches(request: HttpRequest) -> HttpResponse:
    department = _department(request)
    form = WatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            upload = form.cleaned_data.get("file")
            if upload:
                rows = read_uploaded_subjects(upload)
                added = watches_add(actor=request.user, department=department, reason=reason, rows=rows)
                messages.success(request, f"已关注 {len(added)} 个主体，名单变动时将提示。")
            else:
                query = Query.parse(form.cleaned_data["query"])
                watch, alerts = watch_add(
                    actor=request.user, department=department, reason=reason, name=query.name, code=query.code
                )
                found = f"，当前已在名单中（{len(alerts)} 条预警）" if alerts else ""
                messages.success(request, f"已关注“{watch.name}”{found}。")
        except XinyongError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("lists:watches")
    context = {
        "form": form,
        "department": department,
        "watches": active_watches().filter(department=department).order_by("-created_at")[:500],
        "alerts": Alert.objects.filter(watch__department=department)
        .select_related("watch", "entry__kind", "read_by")
        .order_by("read_at", "-created_at")[:200],
    }
    return render(request, "lists/watches.html", context, status=400 if form.errors else 200)


@require_POST
@section_view("check")
def watch_stop(request: HttpRequest, pk: int) -> HttpResponse:
    watch = get_object_or_404(Watch, pk=pk, department=_department(request))
    watch_end(actor=request.user, watch=watch)
    messages.success(request, f"已取消关注“{watch.name}”。")
    return redirect("lists:watches")


@require_POST
@section_view("check")
def alert_read(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk, watch__department=_department(request))
    alert_mark_read(actor=request.user, alert=alert)
    return redirect("lists:watches")


@section_view("check")
def figures(request: HttpRequest) -> HttpResponse:
    year = year_param(request.GET, default=clock.today().year)
    # The credit office sees every department; a department sees its own checks.
    everyone = Role.CREDIT_ADMIN in user_roles(request)
    department = None if everyone else getattr(request.user, "unit", None)
    if not everyone and department is None:
        raise Http404("您的账号未关联部门。")
    result = check_figures(year=year, department=department)
    years = range(clock.today().year, clock.today().year - 5, -1)
    return render(
        request,
        "lists/figures.html",
        {"figures": result, "total": result.total, "year": year, "years": years, "department": department},
    )
