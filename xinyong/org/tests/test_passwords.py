"""The password policy: Django's validators and the platform's character classes, with Chinese messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Unit, User
from xinyong.org.passwords import character_classes
from xinyong.org.services import user_create


def _refusal(password: str, user: User | None = None) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user=user)
    return excinfo.value.messages


def test_a_good_password_is_accepted() -> None:
    validate_password("Xinyong-test-2020", user=User(username="clerk", display_name="报送员"))
    validate_password("信用平台登录口令2020ab", user=User(username="clerk"))


def test_a_short_password_is_refused_with_the_minimum_in_chinese() -> None:
    assert _refusal("Ab1-xyz") == ["密码太短：至少需要 12 个字符。"]


def test_a_password_of_two_kinds_of_character_is_too_simple() -> None:
    messages = _refusal("abcdefghxyz2020")
    assert messages == ["密码太简单：需包含大写字母、小写字母、数字、符号四类中的至少 3 类，目前只有 2 类（可加入：大写字母、符号）。"]


def test_a_common_password_is_refused_even_with_a_capital() -> None:
    assert _refusal("Qwerty123456") == ["密码过于常见，容易被猜中，请换一个。"]


def test_a_password_like_the_username_is_refused() -> None:
    user = User(username="zhangsan-xyb", display_name="信用办")
    assert _refusal("Zhangsan-xyb1", user=user) == ["密码与用户名过于相似，请换一个。"]


def test_every_reason_is_given_at_once() -> None:
    assert _refusal("abc") == [
        "密码太短：至少需要 12 个字符。",
        "密码太简单：需包含大写字母、小写字母、数字、符号四类中的至少 3 类，目前只有 1 类（可加入：大写字母、数字、符号）。",
        "密码过于常见，容易被猜中，请换一个。",
    ]


def test_the_policy_applies_where_django_sets_passwords(db: Any) -> None:
    # Django admin's password form and `changepassword` validate through the same settings.
    user = User.objects.create_user(username="clerk", password="Old-password-2020")
    form = SetPasswordForm(user, {"new_password1": "password", "new_password2": "password"})
    assert not form.is_valid()
    assert "密码太短：至少需要 12 个字符。" in form.errors["new_password2"]
    texts = password_validators_help_texts()
    assert "密码至少 12 个字符。" in texts and "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。" in texts


def test_user_create_refuses_a_weak_password_and_creates_nobody(reference_data: Any) -> None:
    unit = Unit.objects.get(code="zhzfj")
    with pytest.raises(XinyongError) as excinfo:
        user_create(username="bs2", password="12345678", display_name="报送员", unit=unit, roles=[], actor=None)
    assert excinfo.value.code == ErrorCode.WEAK_PASSWORD
    assert excinfo.value.message.startswith("密码不符合要求：密码太短：至少需要 12 个字符。；")
    assert not User.objects.filter(username="bs2").exists()


def test_character_classes() -> None:
    assert character_classes("Ab1-") == {"大写字母", "小写字母", "数字", "符号"}
    assert character_classes("信用 ab") == {"小写字母", "符号"}
