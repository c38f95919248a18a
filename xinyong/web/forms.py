"""Forms of the pages: filters (GET) and the purpose of a personal-information look-up (POST)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from xinyong.access.purposes import CASE_REFERENCE_MAX_LENGTH, lookup_purposes
from xinyong.org.models import Unit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（区分大小写）。",
        "inactive": "该账号已停用，请联系信用办管理员。",
    }


class BatchFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label="报送部门", queryset=Unit.objects.none(), required=False, empty_label="全部部门"
    )
    category = forms.ChoiceField(label="信息类别", required=False)

    def __init__(
        self, *args: Any, units: Any = None, categories: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = units if units is not None else Unit.objects.none()
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", "全部类别"), *(categories or [])]


class SubjectSearchForm(forms.Form):
    q = forms.CharField(
        label="名称或统一社会信用代码",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "输入名称中的文字，或完整的18位统一社会信用代码", "autocomplete": "off"}
        ),
    )


class PurposeForm(forms.Form):
    """A look-up of a person's full document number: a lawful purpose from the configured list, and the case."""

    purpose = forms.ChoiceField(
        label="查询事由",
        help_text="只能为所列的法定职责查询；查询人、事由和编号记入个人信息查询登记，由审计员审查。",
        error_messages={"required": "请选择查询事由。", "invalid_choice": "请从列表中选择查询事由。"},
    )
    case_reference = forms.CharField(
        label="案件或事项编号",
        max_length=CASE_REFERENCE_MAX_LENGTH,
        help_text="如行政许可受理号、处罚案件编号、采购项目编号。",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "请填写案件或事项编号。"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        purpose = self.fields["purpose"]
        assert isinstance(purpose, forms.ChoiceField)
        purpose.choices = [("", "请选择查询事由"), *lookup_purposes().choices()]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象标识", required=False, max_length=80)

    def __init__(
        self,
        *args: Any,
        actions: list[tuple[str, str]] | None = None,
        object_types: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", "全部操作"), *(actions or [])]
        object_type = self.fields["object_type"]
        assert isinstance(object_type, forms.ChoiceField)
        object_type.choices = [("", "全部对象"), *(object_types or [])]
