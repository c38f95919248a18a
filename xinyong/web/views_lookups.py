"""The register of look-ups of internal data (个人信息查询登记): the auditor reviews it, the credit office reads it.

Thin adapters over `xinyong.access.selectors` (the register, who may read it) and `xinyong.access.services`
(the auditor's conclusion, audited).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinyong.access.models import LookupReview
from xinyong.access.pages import section_view, user_roles
from xinyong.access.purposes import lookup_purposes
from xinyong.access.selectors import lookup_get, lookup_register_list
from xinyong.access.services import REVIEW_NOTE_MAX_LENGTH, lookup_review
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Role, Unit
from xinyong.web.views import _page


class RegisterFilterForm(forms.Form):
    review = forms.ChoiceField(label="审查结论", required=False)
    unit = forms.ModelChoiceField(
        label="查询单位", required=False, queryset=Unit.objects.order_by("sort_order", "code"), empty_label="全部单位"
    )
    purpose = forms.ChoiceField(label="查询事由", required=False)
    since = forms.DateField(label="起", required=False, error_messages={"invalid": "日期格式应为 2026-01-31。"})
    until = forms.DateField(label="止", required=False, error_messages={"invalid": "日期格式应为 2026-01-31。"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        review = self.fields["review"]
        purpose = self.fields["purpose"]
        assert isinstance(review, forms.ChoiceField) and isinstance(purpose, forms.ChoiceField)
        review.choices = [("", "全部"), *LookupReview.choices]
        purpose.choices = [("", "全部事由"), *lookup_purposes().choices()]


@section_view("audit")
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "review": data["review"] or "",
            "unit_id": data["unit"].pk if data["unit"] else None,
            "purpose_code": data["purpose"] or "",
            "since": data["since"],
            "until": data["until"],
        }
    found = lookup_register_list(user=request.user, **filters)
    context = {
        "form": form,
        "page_obj": _page(request, found),
        "may_review": Role.AUDITOR in user_roles(request),
        "note_max": REVIEW_NOTE_MAX_LENGTH,
        "purposes": lookup_purposes(),
    }
    return render(request, "web/lookup_register.html", context)


@require_POST
@section_view("audit")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    if Role.AUDITOR not in user_roles(request):
        raise PermissionDenied("只有审计员可以审查查询登记。")
    lookup = lookup_get(user=request.user, lookup_id=pk)
    try:
        lookup_review(
            lookup=lookup, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""),
            actor=request.user,
        )
    except XinyongError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise
        messages.error(request, f"登记 {pk}：{exc.message}")
    else:
        messages.success(request, f"登记 {pk} 已审查。")
    # Back to the same filtered page of the register; anything else goes to its start.
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/audit/lookups/") and "//" not in target else "web:lookup_register")
