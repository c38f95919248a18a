"""Token authentication of the JSON API, its scopes and its error answers, for every router under /api/v1.

A router or an endpoint names the scope it needs: `auth=TokenAuth(TokenScope.READ)`. A token without a valid
secret answers 401 (`E_UNAUTHORIZED`); a valid token without the scope answers 403 (`E_FORBIDDEN`) naming the
scope, so the system's administrator knows what to ask the credit office for.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.security import HttpBearer

from xinyong.access.models import ApiToken, TokenScope
from xinyong.access.tokens import token_authenticate
from xinyong.core.errors import ErrorCode, XinyongError


class ApiErrorCode(StrEnum):
    """Stable codes of failures that belong to the API itself rather than to a service."""

    UNAUTHORIZED = "E_UNAUTHORIZED"
    NOT_FOUND = "E_NOT_FOUND"
    BAD_REQUEST = "E_BAD_REQUEST"
    REQUEST_TOO_LARGE = "E_REQUEST_TOO_LARGE"
    INTERNAL = "E_INTERNAL"


UNAUTHORIZED_MESSAGE = (
    "缺少或无效的接口令牌。请在请求头中加入 Authorization: Bearer <令牌>；令牌由信用办创建，已吊销的不能再用。"
)


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码，如 E_COLUMNS_MISSING")
    message: str = Field(description="给经办人员看的中文说明")


def scope_missing(token: ApiToken, scope: TokenScope) -> XinyongError:
    return XinyongError(
        ErrorCode.FORBIDDEN,
        f"接口令牌“{token.name}”没有“{scope.label}”权限。如确需该权限，请联系信用办管理员为该系统另行授权。",
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the token of a departmental system, bound to its department.

    With scopes given, the token must hold at least one of them."""

    def __init__(self, *scopes: TokenScope) -> None:
        super().__init__()
        self.scopes = scopes

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_authenticate(token)
        if found is None:
            return None
        if self.scopes and not any(found.has_scope(scope) for scope in self.scopes):
            raise scope_missing(found, self.scopes[0])
        return found


def request_token(request: HttpRequest) -> ApiToken:
    """The token that authenticated this request (endpoints behind `TokenAuth` only)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        raise XinyongError(ErrorCode.FORBIDDEN, UNAUTHORIZED_MESSAGE)
    return token


def require_scope(token: ApiToken, scope: TokenScope) -> None:
    if not token.has_scope(scope):
        raise scope_missing(token, scope)
