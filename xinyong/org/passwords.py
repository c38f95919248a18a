"""The password policy (AUTH_PASSWORD_VALIDATORS) with the messages a clerk reads, in Chinese.

Django's own validators do the checking; these subclasses only word their messages, so the policy reads the same
whatever language is active (Django's Chinese catalogue lacks some of them). One rule is the platform's own: a
password mixes at least three of the four kinds of character.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ValidationError

CHARACTER_CLASSES = ("大写字母", "小写字母", "数字", "符号")


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符。"


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "密码过于常见，容易被猜中，请换一个。"

    def get_help_text(self) -> str:
        return "不能使用常见密码。"


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "first_name", "last_name", "email")

    def __init__(self, user_attributes: Any = DEFAULT_USER_ATTRIBUTES, max_similarity: float = 0.7) -> None:
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def get_error_message(self) -> str:
        return "密码与%(verbose_name)s过于相似，请换一个。"

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名等个人信息相似。"


def character_classes(password: str) -> set[str]:
    """Which of the four kinds of character a password holds; anything not a Latin letter or a digit (a space,
    a Chinese character) counts as a symbol."""
    found = set()
    for char in password:
        if char.isascii() and char.isupper():
            found.add("大写字母")
        elif char.isascii() and char.islower():
            found.add("小写字母")
        elif unicodedata.category(char) == "Nd":
            found.add("数字")
        else:
            found.add("符号")
    return found


class CharacterClassesValidator:
    """At least `min_classes` of upper-case letters, lower-case letters, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        if not 1 <= min_classes <= len(CHARACTER_CLASSES):
            raise ValueError(f"min_classes must be between 1 and {len(CHARACTER_CLASSES)}")
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = character_classes(password)
        if len(found) >= self.min_classes:
            return
        missing = "、".join(c for c in CHARACTER_CLASSES if c not in found)
        raise ValidationError(
            "密码太简单：需包含大写字母、小写字母、数字、符号四类中的至少 %(min_classes)d 类，"
            "目前只有 %(count)d 类（可加入：%(missing)s）。",
            code="password_too_simple",
            params={"min_classes": self.min_classes, "count": len(found), "missing": missing},
        )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号四类中的至少 {self.min_classes} 类。"
