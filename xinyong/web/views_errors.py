"""The 400 answer: a query parameter a page refused (`xinyong.core.params.BadParameter`) or another bad request.

Django calls it as `handler400` for `BadRequest` and `SuspiciousOperation`, whether a view or a middleware raised
it. The message of a `BadParameter` is shown as it is (it names the parameter and the reason); anything else gets a
general sentence. Public pages get the portal's layout, the staff pages theirs, and the API its usual JSON.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from xinyong.core.errors import ErrorCode
from xinyong.core.params import BadParameter

GENERAL = "请求的地址中有无法识别的参数，请从页面上的链接或表单重新进入。"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = exception.message if isinstance(exception, BadParameter) else ""
    if request.path.startswith("/api/"):
        body = {"code": str(ErrorCode.BAD_PARAMETER), "message": message or GENERAL}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    template = "portal/bad_request.html" if request.path.startswith("/public/") else "400.html"
    return render(request, template, {"message": message or GENERAL}, status=400)
