"""The check and its figures for departmental systems (`/api/v1/lists/…`): an approvals or procurement system
checks a subject before it grants, with its department's token; every check is logged like one in the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from xinyong.access.api import ErrorOut, TokenAuth, request_token
from xinyong.access.models import TokenScope
from xinyong.access.tokens import TokenActor
from xinyong.core.params import year_query
from xinyong.lists.figures import check_figures
from xinyong.lists.models import CheckLog, Matter
from xinyong.lists.services import check_subject, column_length

router = Router(tags=["联合奖惩"], auth=TokenAuth(TokenScope.CHECK))


class CheckIn(Schema):
    matter: str = Field(max_length=column_length(CheckLog, "matter"), description="办理事项编码，如 funds、procurement")
    purpose: str = Field(
        max_length=column_length(CheckLog, "purpose"), description="查询事由，如 2026年度办公设备采购供应商资格审查"
    )
    code: str | None = Field(
        default=None, max_length=column_length(CheckLog, "query_code"), description="统一社会信用代码或身份证件号码"
    )
    name: str | None = Field(default=None, max_length=column_length(CheckLog, "query_name"), description="主体名称")


@router.post(
    "/check",
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    url_name="lists_check",
    summary="联合奖惩核查：命中的名单与信用记录，及本事项适用的措施",
    description="办理事项 matter：" + "、".join(f"{m.value}（{m.label}）" for m in Matter),
)
def post_check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    token = request_token(request)
    result = check_subject(
        actor=TokenActor.of(token),
        matter=payload.matter,
        purpose=payload.purpose,
        code=payload.code,
        name=payload.name,
        department=token.department,
    )
    return result.as_dict()


@router.get(
    "/figures",
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    url_name="lists_figures",
    auth=TokenAuth(TokenScope.READ, TokenScope.CHECK),
    summary="本部门的联合奖惩核查统计（核查、命中、反馈、典型案例）",
)
def get_figures(request: HttpRequest, year: int = year_query()) -> dict[str, Any]:
    token = request_token(request)
    return check_figures(year=year, department=token.department).as_dict()
