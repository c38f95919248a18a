"""Pages of list management (红黑名单管理): the entries, 认定 by hand, 发布 after the objection window, 移出 with a
reason, and the expiry run. Thin adapters over `xinyong.lists.services`; every change is audited there.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.pages import section_view
from xinyong.audit.models import AuditEvent
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import mask_person_id
from xinyong.core.params import choice_param, text_param
from xinyong.lists import selectors
from xinyong.lists.models import EntryStatus, ExitReason, ListEntry, ListKind
from xinyong.lists.services import (
    entries_due_for_exit,
    entries_expire,
    entry_exit,
    entry_publish,
    entry_recognise,
)

_DATE = forms.DateInput(attrs={"type": "date"})


def _kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The lists grouped by type (黑名单, 红名单, 重点关注), for the selects."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for kind in ListKind.objects.order_by("list_type", "pk"):
        groups.setdefault(kind.get_list_type_display(), []).append((kind.code, kind.name))
    return list(groups.items())


class RecogniseForm(forms.Form):
    kind = forms.ChoiceField(label="名单", error_messages={"required": "请选择名单。"})
    name = forms.CharField(label="列入名称", max_length=200, error_messages={"required": "请填写列入名称。"})
    uscc = forms.CharField(
        label="统一社会信用代码", max_length=18, required=False, help_text="法人和非法人组织填写；核查时按代码直接命中"
    )
    person_id = forms.CharField(
        label="身份证件号码", max_length=30, required=False, help_text="自然人填写；页面上只显示脱敏后的号码"
    )
    decision_document = forms.CharField(
        label="认定文书号", max_length=200, error_messages={"required": "请填写认定文书号。"}
    )
    recognising_department = forms.CharField(
        label="认定部门", max_length=200, required=False, help_text="不填则为该名单的认定部门"
    )
    legal_basis = forms.CharField(
        label="认定依据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="不填则为该名单的认定依据；决定书援引更具体条款的，请填写",
    )
    notice_date = forms.DateField(
        label="告知日期", required=False, widget=_DATE, help_text="向当事人送达认定告知的日期，不填为今天"
    )
    objection_days = forms.IntegerField(
        label="异议期（日）",
        min_value=0,
        max_value=90,
        initial=10,
        help_text="告知后当事人可提出异议的天数；异议期届满后方可发布",
        error_messages={"required": "请填写异议期天数（无异议期填0）。", "min_value": "异议期不能为负数。"},
    )
    planned_exit = forms.DateField(
        label="计划移出日期", required=False, widget=_DATE, help_text="不填则发布时按名单的一般有效期计算"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", "请选择名单"), *_kind_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("uscc") and not data.get("person_id"):
            raise forms.ValidationError("请填写统一社会信用代码或身份证件号码（名称相似不足以认定）。")
        return data


class PublishForm(forms.Form):
    published_on = forms.DateField(label="发布日期", required=False, widget=_DATE, help_text="不填为今天")


class ExitForm(forms.Form):
    reason = forms.ChoiceField(
        label="移出原因",
        choices=[("", "请选择移出原因"), *ExitReason.choices],
        error_messages={"required": "请选择移出原因。"},
    )
    note = forms.CharField(
        label="移出说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：已全部履行判决义务（附履行证明）；已完成信用修复（修复决定文号）。期满移出可不填",
    )


@section_view("lists")
def entries(request: HttpRequest) -> HttpResponse:
    kind = choice_param(
        request.GET, "kind", label="名单", choices=set(ListKind.objects.values_list("code", flat=True))
    )
    status = choice_param(request.GET, "status", label="状态", choices=EntryStatus.values)
    query = text_param(request.GET, "q", label="名称或代码")
    page = selectors.entries_page(kind=kind, status=status, query=query)
    context = {
        "page": page,
        "kinds": _kind_choices(),
        "statuses": [(value, label, page.counts.get(value, 0)) for value, label in EntryStatus.choices],
        "kind": kind,
        "status": status,
        "q": query,
        "due": entries_due_for_exit().count(),
    }
    return render(request, "lists/entries.html", context)


@section_view("lists")
def entry_new(request: HttpRequest) -> HttpResponse:
    form = RecogniseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = entry_recognise(
                actor=request.user,
                kind=data["kind"],
                name=data["name"],
                uscc=data["uscc"],
                person_id=data["person_id"],
                decision_document=data["decision_document"],
                recognising_department=data["recognising_department"],
                legal_basis=data["legal_basis"],
                notice_date=data["notice_date"],
                objection_days=data["objection_days"],
                planned_exit=data["planned_exit"],
            )
        except XinyongError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已认定“{entry.name}”列入{entry.kind.name}，异议期届满后可发布。")
            return redirect("lists:entry", entry.pk)
    return render(request, "lists/entry_new.html", {"form": form}, status=400 if form.errors else 200)


def _entry_page(
    request: HttpRequest, entry: ListEntry, publish: PublishForm, exit_form: ExitForm, *, status: int = 200
) -> HttpResponse:
    history = AuditEvent.objects.filter(object_type=ListEntry._meta.label, object_id=str(entry.pk)).order_by("seq")
    context = {
        "entry": entry,
        "person_id": mask_person_id(entry.person_id) if entry.person_id else "",
        "active": selectors.is_active(entry),
        "may_publish": entry.status == EntryStatus.RECOGNISED,
        "may_exit": entry.status != EntryStatus.EXITED,
        "objection_open": bool(entry.objection_end and clock.today() <= entry.objection_end),
        "publish_form": publish,
        "exit_form": exit_form,
        "history": history,
    }
    return render(request, "lists/entry.html", context, status=status)


def _entry(pk: int) -> ListEntry:
    return get_object_or_404(ListEntry.objects.select_related("kind", "subject", "record"), pk=pk)


@section_view("lists")
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry_page(request, _entry(pk), PublishForm(), ExitForm())


@require_POST
@section_view("lists")
def entry_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _entry(pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            entry_publish(actor=request.user, entry=found, published_on=form.cleaned_data["published_on"])
        except XinyongError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已发布：{found.name}。自此核查即命中该条目。")
            return redirect("lists:entry", pk)
    return _entry_page(request, found, form, ExitForm(), status=400)


@require_POST
@section_view("lists")
def entry_exit_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _entry(pk)
    form = ExitForm(request.POST)
    if form.is_valid():
        try:
            entry_exit(
                actor=request.user, entry=found, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except XinyongError as exc:
            # The service's rule: a note is required unless the entry expired; shown under the note.
            form.add_error("note" if exc.code == ErrorCode.REQUIRED else None, exc.message)
        else:
            messages.success(request, f"已移出：{found.name}。自此核查不再命中该条目。")
            return redirect("lists:entry", pk)
    return _entry_page(request, found, PublishForm(), form, status=400)


@require_POST
@section_view("lists")
def entries_expire_view(request: HttpRequest) -> HttpResponse:
    """期满移出: the published entries whose planned exit date has come, as the nightly `xinyong lists expire`."""
    done = entries_expire(actor=request.user, note="期满移出")
    messages.success(request, f"已将 {done} 条期满条目移出名单。" if done else "没有到期的条目。")
    return redirect("lists:entries")
