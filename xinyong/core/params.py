"""Query parameters of the pages, read and checked in one place.

A page reads its GET parameters through these functions instead of `int(request.GET[...])` and a try/except of its
own: a value that is malformed or out of range is refused with `BadParameter` — 400, a Chinese message that names
the parameter and the reason (`xinyong.urls.bad_request` renders it) — and never reaches a query or a date
computation that would fail with a 500. A missing or empty parameter takes the page's default.

The same limits serve the API (`ge`/`le`/`max_length` in its `Query(...)` declarations), so both interfaces accept
the same years, pages and lengths.

Text the database cannot store — a NUL character, which PostgreSQL text refuses, or an unpaired surrogate, which
is not UTF-8 — is never a value any page or endpoint can use: `UnstorableTextMiddleware` refuses it anywhere in a
URL (path or query string) before a view runs, and the API refuses it in a JSON body (`unstorable_in`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from ninja import Path, Query

from xinyong.core.errors import ErrorCode

# Statistics years (quality, check figures): the platform's data starts in the 2000s.
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100
# A page number or an offset beyond this is not a request a person or a system makes.
MAX_PAGE: Final = 10_000
MAX_OFFSET: Final = 10_000_000
# Database ids are 64-bit signed integers.
MAX_ID: Final = 2**63 - 1
# Free text in a query string (a search box): longer is refused, not cut.
MAX_TEXT: Final = 200

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class BadParameter(BadRequest):
    """A query parameter that cannot be used: 400 with the parameter, its meaning and the reason."""

    code = ErrorCode.BAD_PARAMETER

    def __init__(self, name: str, label: str, raw: str, reason: str) -> None:
        self.name = name
        self.message = f"{label}“{_shown(raw)}”不正确：{reason}（参数 {name}）。"
        super().__init__(self.message)


def text_problem(value: str) -> str:
    """Why the database cannot store the text, or "" when it can."""
    if "\x00" in value:
        return "含有空字符（NUL）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无效的 Unicode 字符（不成对的代理项）"
    return ""


def unstorable_in(data: object, where: str = "") -> tuple[str, str] | None:
    """The first (place, problem) of text in parsed JSON that the database cannot store, or None."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (where, problem) if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            place = f"{where}.{key}" if where else str(key)
            found = unstorable_in(str(key), place) or unstorable_in(value, place)
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = unstorable_in(value, f"{where}[{index}]")
            if found:
                return found
    return None


class UnstorableTextMiddleware:
    """Refuse a request whose URL holds text no page or endpoint can use (400, a Chinese message naming the
    parameter), before any view passes it on to a query that would fail with a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = text_problem(request.path)
        if problem:
            raise BadParameter("path", "请求地址", request.path, problem)
        for name, values in request.GET.lists():
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    raise BadParameter(name, "查询参数", text, problem)
        return self.get_response(request)


def _raw(params: Mapping[str, str], name: str, label: str) -> str:
    """The parameter's last value, stripped; "" when missing."""
    value = params.get(name)
    if value is None:
        return ""
    problem = text_problem(value)
    if problem:
        raise BadParameter(name, label, value, problem)
    return value.strip()


def _shown(raw: str) -> str:
    """The refused value as the message quotes it: short, and a NUL made visible."""
    text = raw.replace("\x00", "␀")
    return text if len(text) <= 20 else text[:20] + "…"


def int_param(
    params: Mapping[str, str], name: str, *, label: str, default: int, minimum: int, maximum: int
) -> int:
    raw = _raw(params, name, label)
    if not raw:
        return default
    digits = raw[1:] if raw[:1] in "+-" else raw
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(maximum)) + 1:
        raise BadParameter(name, label, raw, f"应为 {minimum}—{maximum} 之间的整数")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadParameter(name, label, raw, f"应为 {minimum}—{maximum} 之间的整数")
    return value


def year_param(params: Mapping[str, str], name: str = "year", *, default: int, label: str = "年度") -> int:
    raw = _raw(params, name, label)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and MIN_YEAR <= int(raw) <= MAX_YEAR):
        raise BadParameter(name, label, raw, f"应为 {MIN_YEAR}—{MAX_YEAR} 之间的四位年份，如 2020")
    return int(raw)


def page_param(params: Mapping[str, str], name: str = "page", *, label: str = "页码") -> int:
    return int_param(params, name, label=label, default=1, minimum=1, maximum=MAX_PAGE)


def date_param(params: Mapping[str, str], name: str, *, label: str) -> dt.date | None:
    raw = _raw(params, name, label)
    if not raw:
        return None
    try:
        # Only YYYY-MM-DD: fromisoformat alone would also take 20201119 and 2020-W47-4.
        value = dt.date.fromisoformat(raw) if _ISO_DATE.fullmatch(raw) else None
    except ValueError:
        value = None
    if value is None:
        raise BadParameter(name, label, raw, "应为有效的日期，格式如 2020-11-19")
    return value


def choice_param(
    params: Mapping[str, str], name: str, *, label: str, choices: Collection[str], default: str = ""
) -> str:
    raw = _raw(params, name, label)
    if not raw:
        return default
    if raw not in choices:
        raise BadParameter(name, label, raw, "不在可选范围内，请从页面上的选项中选择")
    return raw


def text_param(
    params: Mapping[str, str], name: str, *, label: str, max_length: int = MAX_TEXT, default: str = ""
) -> str:
    raw = _raw(params, name, label)
    if not raw:
        return default
    if len(raw) > max_length:
        raise BadParameter(name, label, raw, f"最多 {max_length} 个字，收到 {len(raw)} 个字")
    return raw


# -- the same bounds for the API (django-ninja declarations, so the OpenAPI description states them) -------------


def year_query() -> Any:
    return Query(..., ge=MIN_YEAR, le=MAX_YEAR, description=f"统计年度，{MIN_YEAR}—{MAX_YEAR}")


def object_id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)


def category_path() -> Any:
    return Path(..., max_length=64, description="信息类别编码，如 admin_penalty")
