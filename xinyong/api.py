"""The JSON API under /api/v1 (django-ninja): thin adapters over the apps' services and selectors.

Every error answers `{"code": …, "message": …}` with a fitting HTTP status. The OpenAPI description is at
/api/v1/openapi.json and the docs page at /api/v1/docs, whose Swagger UI comes from the static files django-ninja
ships (never from a CDN: the platform runs on an intranet).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from xinyong.access.api import UNAUTHORIZED_MESSAGE, ApiErrorCode
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.params import BadParameter, unstorable_in
from xinyong.intake.api import router as intake_router
from xinyong.lists.api import router as lists_router
from xinyong.portal.api import router as public_router
from xinyong.records.api import router as records_router

logger = logging.getLogger(__name__)


# HTTP status of a service's error code; anything not listed is 400.
_STATUS: dict[str, int] = {
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNKNOWN_CATEGORY: 404,
    ErrorCode.UNKNOWN_MATTER: 422,
    ErrorCode.UNKNOWN_DEPARTMENT: 404,
    ErrorCode.DUPLICATE_FILE: 409,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.FILE_UNREADABLE: 422,
    ErrorCode.FILE_EMPTY: 422,
    ErrorCode.FILE_ENCRYPTED: 422,
    ErrorCode.SHEET_NOT_FOUND: 422,
    ErrorCode.HEADER_NOT_FOUND: 422,
    ErrorCode.COLUMNS_MISSING: 422,
    ErrorCode.NO_DATA_ROWS: 422,
    ErrorCode.CALENDAR_YEAR_UNKNOWN: 422,
    ApiErrorCode.UNAUTHORIZED: 401,
    ApiErrorCode.NOT_FOUND: 404,
    ApiErrorCode.REQUEST_TOO_LARGE: 413,
    ApiErrorCode.INTERNAL: 500,
    "E_IMPORT_INTERNAL": 500,
    "E_IMPORT_NOT_QUEUED": 503,
}


def status_of(code: str) -> int:
    return _STATUS.get(str(code), 400)


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's own static files; never the CDN page django-ninja falls back to."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        if "ninja" not in settings.INSTALLED_APPS:
            return HttpResponse(
                "<!doctype html><meta charset='utf-8'><title>API 文档</title>"
                f"<p>接口文档页需要在 INSTALLED_APPS 中加入 ninja。OpenAPI 描述：<a href='{self.settings['url']}'>"
                f"{self.settings['url']}</a></p>",
                status=503,
            )
        import json

        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": False}
        return render(request, self.template, context)


class StorableJsonParser(Parser):
    """JSON bodies as django-ninja reads them, refused (400) when they hold text the database cannot store."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        found = unstorable_in(data)
        if found:
            where, problem = found
            raise XinyongError(
                ErrorCode.BAD_PARAMETER, f"请求内容中“{where or '请求体'}”{problem}，无法保存；请去掉后重新发送。"
            )
        return data


api = NinjaAPI(
    title="xinyong 公共信用信息平台 API",
    version="v1",
    description=(
        "各部门业务系统报送信用信息的接口。认证：`Authorization: Bearer <令牌>`，令牌由信用办用 "
        "`xinyong token create --department 单位编码 --name 系统名称` 创建，绑定报送部门，只显示一次。"
        "`/api/v1/public/` 下是信用信息公示的开放接口，无需令牌；部门系统带令牌并填写查询事由可查询内部视图（记入审计日志）。"
        '出错时返回 `{"code": 错误代码, "message": 中文说明}`。'
    ),
    urls_namespace="api",
    parser=StorableJsonParser(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    # The validator badge of Swagger UI would call an outside service.
    docs=LocalSwagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
api.add_router("/intake/", intake_router)
api.add_router("/public/", public_router)
api.add_router("/records/", records_router)
api.add_router("/lists/", lists_router)


def error_response(
    request: HttpRequest, code: str, message: str, *, status: int | None = None, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"code": str(code), "message": message, **extra}, status=status or status_of(code)
    )


@api.exception_handler(XinyongError)
def _xinyong_error(request: HttpRequest, exc: XinyongError) -> HttpResponse:
    job = getattr(exc, "job_id", None)
    return error_response(request, exc.code, exc.message, **({"job": job} if job else {}))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(request, ApiErrorCode.UNAUTHORIZED, UNAUTHORIZED_MESSAGE)
    response["WWW-Authenticate"] = 'Bearer realm="xinyong"'
    return response


# Where a refused value was, and why, in the words of the API's users (pydantic's own are English).
_PLACES = {"query": "查询参数", "path": "路径参数", "body": "请求体", "header": "请求头", "form": "表单", "file": "文件"}
_PROBLEMS: dict[str, str] = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文字",
    "date_parsing": "应为有效的日期，格式如 2020-11-19",
    "date_from_datetime_parsing": "应为有效的日期，格式如 2020-11-19",
    "date_type": "应为有效的日期，格式如 2020-11-19",
    "datetime_parsing": "应为有效的时间，格式如 2020-11-19T10:00:00+08:00",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "json_invalid": "不是有效的 JSON",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_long": "最多 {max_length} 个字",
    "string_too_short": "至少 {min_length} 个字",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
}


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _PLACES:
        place, rest = _PLACES[parts[0]], parts[1:]
        return f"{place} {'.'.join(rest)}" if rest else place
    return ".".join(parts)


def _problem(error: dict[str, Any]) -> str:
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    template = _PROBLEMS.get(kind)
    if template is None:
        return f"不符合要求（{error.get('msg', kind)}）"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [{"where": _where(tuple(error.get("loc", ()))), "problem": _problem(error)} for error in exc.errors]
    where = "；".join(f"{d['where']}：{d['problem']}" for d in details[:5])
    return error_response(
        request, ApiErrorCode.BAD_REQUEST, f"请求内容不符合接口要求：{where}", details=details
    )


@api.exception_handler(BadParameter)
def _bad_parameter(request: HttpRequest, exc: BadParameter) -> HttpResponse:
    return error_response(request, ErrorCode.BAD_PARAMETER, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, ApiErrorCode.NOT_FOUND, str(exc) or "请求的对象不存在。")


@api.exception_handler(ObjectDoesNotExist)
def _object_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error_response(request, ApiErrorCode.NOT_FOUND, str(exc) or "请求的对象不存在。")


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, ErrorCode.FORBIDDEN, str(exc) or "无权访问。")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja turns any failure to read a body into "Cannot parse request body": say what it was, in Chinese.
    cause = exc.__cause__
    if isinstance(cause, XinyongError):
        return error_response(request, cause.code, cause.message)
    if isinstance(cause, ValueError):  # not JSON, or not UTF-8
        return error_response(
            request, ApiErrorCode.BAD_REQUEST, "请求体不是有效的 JSON（UTF-8 编码），无法解析。", status=exc.status_code
        )
    return error_response(request, ApiErrorCode.BAD_REQUEST, str(exc), status=exc.status_code)


@api.exception_handler(Exception)
def _internal(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            request,
            ApiErrorCode.REQUEST_TOO_LARGE,
            "请求体过大。数据较多时请改用文件接口 POST /api/v1/intake/{类别}/file 报送，或分批报送。",
        )
    logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(
        request, ApiErrorCode.INTERNAL, "服务器内部错误，请稍后重试；如仍不成功，请联系信用办管理员。"
    )
