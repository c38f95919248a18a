"""Forms of the public pages (GET): the search box and the filters of 双公示 browsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from xinyong.portal.selectors import QUERY_MAX, BrowseOptions, RecordFilters


class SearchForm(forms.Form):
    q = forms.CharField(
        label="组织名称或统一社会信用代码",
        required=False,
        max_length=QUERY_MAX,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "如：恒远机械，或 18 位统一社会信用代码",
                "autocomplete": "off",
                "enterkeyhint": "search",
                "aria-describedby": "search-hint",
            }
        ),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class RecordFilterForm(forms.Form):
    category = forms.ChoiceField(label="信息类别", required=False)
    department = forms.ChoiceField(label="数据来源单位", required=False)
    kind = forms.ChoiceField(label="处罚类别 / 许可类别", required=False)
    date_from = forms.DateField(
        label="决定日期自", required=False, widget=DateInput(), error_messages={"invalid": "请填写有效的日期，如 2020-11-19"}
    )
    date_to = forms.DateField(
        label="决定日期至", required=False, widget=DateInput(), error_messages={"invalid": "请填写有效的日期，如 2020-11-19"}
    )

    def __init__(self, *args: Any, options: BrowseOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("category").choices = [("", "全部类别"), *options.categories]
        self._choice("department").choices = [("", "全部单位"), *options.departments]
        self._choice("kind").choices = [
            ("", "全部"),
            *((group, [(kind, kind) for kind in kinds]) for group, kinds in options.kinds),
        ]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.errors:
            if name in self.fields:
                # Screen readers announce the error with the field.
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-error"}
                )
        return valid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> RecordFilters:
        """The filters that passed validation (an invalid one is left out, and its error shown)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return RecordFilters(
            category=data.get("category") or "",
            department=data.get("department") or "",
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
